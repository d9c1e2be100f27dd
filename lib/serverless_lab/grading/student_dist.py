"""`serverless-lab release --student-dist DIR`: a course a class can clone, with no answers in it.

The self-paced course (this repository) ships solutions/ and says so. A classroom needs the
opposite: labs, the helper library, requirements.txt, environment.yml and a student README,
with no solution, no hidden test and no grading secret anywhere: not in the notebooks, not in
any file, not in git history (with --git the folder becomes a repository with one commit and
no history of this one).

Each lab's student notebook is made by nbgrader's own GenerateAssignment preprocessors with
the course's grading/nbgrader_config.py (nbgrader_steps.py), exactly what
`nbgrader generate_assignment` writes to labs/. Before the folder is put in place, every
file (and, with --git, every git object) is searched for every solution and hidden-test
block of the source (`find_leaks`); one hit and nothing is written.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import LabError
from .course import course_root, is_student_dist, lab_names
from .nbgrader_steps import delimiters, release_notebook

MARKER = ".serverless-lab-student-dist"
COPIED_FILES = ("pyproject.toml", "requirements.txt", "environment.yml")
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints", "*.db",
                               "submission_secret.txt", "*.bak-*")
SOLUTIONS_SENTENCE = ("**Solutions.** Your instructor hands out worked solutions after the deadline. "
                      "Try first: you learn by struggling a little.")
STUDENT_CONFIG = '''"""nbgrader configuration for students of Serverless Labs (written by `make student-dist`).

labs/ holds the released notebooks. `serverless-lab check` and `serverless-lab progress` read
it; on the class's JupyterHub, nbgrader's Assignments tab fetches and submits through the
exchange the instructor configured (see the README).
"""

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

c.CourseDirectory.course_id = "serverless-labs"
c.CourseDirectory.release_directory = "labs"
'''
GITIGNORE = ".venv/\n__pycache__/\n*.pyc\n*.egg-info/\n.ipynb_checkpoints/\n.serverless-lab/\n*.bak-*\n"


@dataclass
class Leak:
    path: str          # file in the distribution (or git object)
    lab: str
    grade_id: str
    kind: str          # solution | hidden test | marker | secret file
    text: str


def _readme(labs: list[str]) -> str:
    rows = "\n".join(f"| `labs/{lab}/` | {lab.split('-', 1)[0].replace('lab', 'Lab ')}: "
                     f"{lab.split('-', 1)[1].replace('-', ' ') if '-' in lab else lab} |" for lab in labs)
    return f"""# Serverless Labs — student edition

Hands-on labs on AWS serverless (Lambda, S3, DynamoDB, API Gateway, Step Functions, queues,
Fargate, Aurora Serverless) against a mocked AWS that runs on your machine: no AWS account,
no cost, nothing can reach a real account by accident.

This is the **classroom edition** your instructor handed out: the labs without their
solutions. Your instructor grades your work (with hidden tests, so solve the problem rather
than the example) and hands out worked solutions after each deadline.

## Start

```bash
make lab          # builds .venv from requirements.txt, opens JupyterLab on lab 00
```

or with conda: `conda env create -f environment.yml && conda activate serverless-labs && jupyter lab`.
Python 3.11 or newer.

## Check your work before you submit

```bash
.venv/bin/serverless-lab check labs/lab00-welcome/lab00-welcome.ipynb   # one lab, the way the grader runs it
.venv/bin/serverless-lab progress                                       # every lab, one table
```

`check` runs the visible tests in a fresh kernel on a copy of your notebook (your file is
never modified). The grader also runs hidden tests with other inputs.

## Submit

On the class's JupyterHub: the *Assignments* tab (nbgrader) fetches each lab and submits
it. Otherwise, hand in `labs/<lab>/<lab>.ipynb` the way your instructor asks.

## Labs

| Folder | Lab |
|---|---|
{rows}

`lib/serverless_lab/` is the course's helper library (a local Lambda runtime on the mock,
visualisers, cost models); the labs import it.
"""


MAKEFILE = """# Serverless Labs, student edition: `make lab` opens lab 00, `make progress` shows where you are.
PYTHON ?= python3
BIN    := .venv/bin
STAMP  := .venv/.installed
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup lab progress check
setup: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
\t@test -x $(BIN)/python || $(PYTHON) -m venv .venv
\t$(BIN)/python -m pip install --quiet --upgrade pip
\t$(BIN)/python -m pip install --quiet -r requirements.txt
\t@touch $(STAMP)
lab: setup
\tcd labs && ../$(BIN)/jupyter lab --ServerApp.root_dir=. $(ROOT_FLAG) lab00-welcome/lab00-welcome.ipynb
progress: setup
\t$(BIN)/serverless-lab progress
check: setup
\t$(BIN)/serverless-lab check $(NOTEBOOK)
"""


def _classroom_wording(nb: nbformat.NotebookNode) -> None:
    """Paragraphs telling a self-paced student where solutions/ is: say what a classroom does."""
    from nbgrader.utils import compute_checksum

    for cell in nb.cells:
        if cell.cell_type != "markdown" or "solutions/" not in cell.source:
            continue
        paras = re.split(r"(\n\s*\n)", cell.source)
        cell.source = "".join(SOLUTIONS_SENTENCE if "solutions/" in p else p for p in paras)
        meta = cell.metadata.get("nbgrader") or {}
        if "checksum" in meta:  # nbgrader's validate compares a locked cell with its checksum
            meta["checksum"] = compute_checksum(cell)


def _blocks(root: Path) -> list[tuple[str, str, str, str]]:
    """(lab, grade_id, kind, text) for every solution and hidden-test block of the source."""
    d = delimiters(root)
    found = []
    for lab in lab_names(root):
        for path in sorted((root / "solutions" / lab).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader") or {}
                gid = meta.get("grade_id", "")
                for kind, begin, end in (("solution", d["begin_solution"], d["end_solution"]),
                                         ("hidden test", d["begin_hidden"], d["end_hidden"])):
                    block: list[str] = []
                    inside = False
                    for line in cell.source.split("\n"):
                        if begin in line:
                            inside, block = True, []
                        elif end in line and inside:
                            inside = False
                            found.append((lab, gid, kind, "\n".join(block)))
                        elif inside:
                            block.append(line)
                if meta.get("solution") and d["begin_solution"] not in cell.source:
                    found.append((lab, gid, "solution", cell.source))  # a whole-cell answer (text or code)
    return found


def _public_lines(root: Path) -> set[str]:
    """Lines a distribution may contain anyway: the source outside its blocks, the files a lab
    hands out beside its notebook (given code such as lab 10's src/), the library, the stubs.

    Computed from the source with the blocks cut out here (not from nbgrader's release), so a
    line a release step failed to remove is not mistaken for a public one.
    """
    d = delimiters(root)
    lines: set[str] = set()
    for lab in lab_names(root):
        for path in sorted((root / "solutions" / lab).glob("*.ipynb")):
            for cell in nbformat.read(path, as_version=4).cells:
                meta = cell.metadata.get("nbgrader") or {}
                if meta.get("solution") and d["begin_solution"] not in cell.source:
                    continue
                inside = False
                for line in cell.source.split("\n"):
                    if d["begin_solution"] in line or d["begin_hidden"] in line:
                        inside = True
                    elif d["end_solution"] in line or d["end_hidden"] in line:
                        inside = False
                    elif not inside:
                        lines.add(line.strip())
    given = [p for lab in lab_names(root) for p in (root / "solutions" / lab).rglob("*") if p.suffix != ".ipynb"]
    for path in [*given, *(root / "lib" / "serverless_lab").rglob("*")]:
        if path.is_file() and path.suffix in (".py", ".toml", ".json", ".md", ".txt", ".js", ".css", ".html",
                                              ".yaml", ".yml", ".sql"):
            lines.update(x.strip() for x in path.read_text(errors="replace").split("\n"))
    for text in (d["code_stub"], d["text_stub"]):
        lines.update(x.strip() for x in text.split("\n"))
    return lines


def _strings(value) -> list[str]:  # noqa: ANN001
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    return []


def _texts(folder: Path) -> list[tuple[str, str]]:
    """(where, text) for every file, JSON decoded (a notebook's escaped strings), and every git object."""
    texts = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or rel.parts[0] == ".git":
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        texts.append((str(rel), text))
        if path.suffix in (".ipynb", ".json"):
            try:
                texts.append((str(rel), "\n".join(_strings(json.loads(text)))))
            except ValueError:
                pass
    if (folder / ".git").is_dir():
        proc = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=folder,
                              capture_output=True, timeout=300)
        data, i = proc.stdout, 0
        while i < len(data):
            nl = data.index(b"\n", i)
            sha, kind, size = data[i:nl].decode().split()
            body = data[nl + 1: nl + 1 + int(size)]
            i = nl + 1 + int(size) + 1
            text = body.decode("utf-8", "replace")
            texts.append((f".git {kind} {sha[:12]}", text))
            try:
                texts.append((f".git {kind} {sha[:12]}", "\n".join(_strings(json.loads(text)))))
            except ValueError:
                pass
    return texts


def find_leaks(folder: str | os.PathLike[str], root: Path | None = None) -> list[Leak]:
    """Every trace of a solution, a hidden test or a grading secret of `root`'s labs in `folder`.

    A block leaks when its whole text (whitespace aside) is found, or any of its lines that
    the distribution has no other reason to contain (not in the released notebooks, the
    library or nbgrader's stubs) is found as a line of any file or git object.
    """
    folder, root = Path(folder), root or course_root()
    d = delimiters(root)
    public = _public_lines(root)
    leaks: list[Leak] = []
    wanted: dict[str, tuple[str, str, str]] = {}
    whole: list[tuple[str, tuple[str, str, str]]] = []
    for lab, gid, kind, text in _blocks(root):
        for line in text.split("\n"):
            line = line.strip()
            if len(line) >= 6 and re.search(r"[A-Za-z0-9]", line) and line not in public:
                wanted.setdefault(line, (lab, gid, kind))
        squeezed = " ".join(text.split())
        if len(squeezed) >= 20:
            whole.append((squeezed, (lab, gid, kind)))
    for where, text in _texts(folder):
        lines = {x.strip() for x in text.split("\n")}
        for line in lines & wanted.keys():
            lab, gid, kind = wanted[line]
            leaks.append(Leak(where, lab, gid, kind, line))
        squeezed = " ".join(text.split())
        for block, (lab, gid, kind) in whole:
            if block in squeezed:
                leaks.append(Leak(where, lab, gid, kind, block[:200]))
        for marker in (d["begin_solution"], d["end_solution"], d["begin_hidden"], d["end_hidden"]):
            if f"### {marker}" in text:
                leaks.append(Leak(where, "", "", "marker", marker))
    for path in folder.rglob("*"):
        rel = path.relative_to(folder)
        if rel.parts[0] != ".git" and (path.name in ("submission_secret.txt", "gradebook.db")
                                       or path.suffix == ".db" or rel.parts[0] in ("solutions", "tests")):
            leaks.append(Leak(str(rel), "", "", "secret file", path.name))
    return leaks


def _guard_target(target: Path, root: Path, force: bool) -> None:
    if target == root or target in root.parents or root in target.parents and target.name in (
            "solutions", "labs", "lib", "grading", "tests"):
        raise LabError(f"{target} is (or holds) the course itself.", "Give a new, empty folder outside the course.")
    if target in (Path.home(), Path("/")):
        raise LabError(f"Refusing to write a course into {target}.", "Give a new, empty folder.")
    if target.exists() and not target.is_dir():
        raise LabError(f"{target} is a file.", "Give a folder (it is created if missing).")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise LabError(f"{target} is not empty: writing the student distribution there would mix it with "
                       "what is already there.",
                       "Give a new or empty folder, or add --force (make student-dist FORCE=1) to replace "
                       "everything in it.")


def _git_commit(folder: Path) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="Serverless Labs", GIT_AUTHOR_EMAIL="course@localhost",
               GIT_COMMITTER_NAME="Serverless Labs", GIT_COMMITTER_EMAIL="course@localhost",
               GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    for cmd in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"],
                ["git", "commit", "-q", "-m", "Serverless Labs, student edition"]):
        proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise LabError(f"`{' '.join(cmd)}` failed: {proc.stderr.strip()[-500:]}",
                           "Install git, or leave out --git.")


def student_dist(target: str | os.PathLike[str], force: bool = False, git: bool = False,
                 labs: list[str] | None = None, quiet: bool = False) -> Path:
    """Write the student distribution into `target`; return it. Nothing is written on a leak."""
    root = course_root()
    if is_student_dist(root):
        raise LabError("This is already a student distribution (no solutions/).",
                       "Run it from the instructor's course, the one with solutions/.")
    target = Path(target).expanduser().resolve()
    _guard_target(target, root, force)
    names = labs or lab_names(root)
    unknown = sorted(set(names) - set(lab_names(root)))
    if unknown:
        raise LabError(f"No such lab in solutions/: {', '.join(unknown)}.", f"Available: {', '.join(lab_names(root))}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=".student-dist-", dir=target.parent))
    os.chmod(build, 0o755)  # mkdtemp makes it private; a course to share is readable
    try:
        for lab in names:
            src_dir = root / "solutions" / lab
            shutil.copytree(src_dir, build / "labs" / lab, ignore=shutil.ignore_patterns(
                "*.ipynb", "__pycache__", "*.pyc", ".ipynb_checkpoints", "*.bak-*", "*.db",
                "submission_secret.txt"))
            for path in sorted(src_dir.glob("*.ipynb")):
                nb = release_notebook(nbformat.read(path, as_version=4), lab, root)
                _classroom_wording(nb)
                nbformat.write(nb, build / "labs" / lab / path.name)
            if not quiet:
                print(f"released {lab}")
        shutil.copytree(root / "lib" / "serverless_lab", build / "lib" / "serverless_lab", ignore=_SKIP)
        for name in COPIED_FILES:
            shutil.copy2(root / name, build / name)
        (build / "grading").mkdir()
        (build / "grading" / "nbgrader_config.py").write_text(STUDENT_CONFIG)
        (build / "README.md").write_text(_readme(names))
        (build / "Makefile").write_text(MAKEFILE)
        (build / ".gitignore").write_text(GITIGNORE)
        (build / MARKER).write_text(json.dumps({"labs": names, "written": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                                       time.gmtime())}, indent=1))
        if git:
            _git_commit(build)
        leaks = find_leaks(build, root)
        if leaks:
            shown = "\n".join(f"  {x.path}: {x.kind} of {x.lab} {x.grade_id}: {x.text[:80]!r}" for x in leaks[:10])
            raise LabError(f"The student distribution would contain {len(leaks)} trace(s) of answers:\n{shown}",
                           "Nothing was written. Move that text into a solution or hidden-test block "
                           "of solutions/, or out of the file named.")
        if target.exists():
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
            target.rmdir()
        build.rename(target)
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    if not quiet:
        print(f"student distribution written to {target} ({len(names)} labs"
              f"{', one git commit' if git else ''}); no solution or hidden test found in it")
    return target
