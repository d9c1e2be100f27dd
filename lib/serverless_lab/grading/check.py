"""`serverless-lab check <notebook>`: the grader's run, without the hidden tests, for a student.

The notebook is read once into memory and run as a copy in a fresh kernel (in a private
temporary folder, in a separate worker process), with the lab's locked test cells taken
from solutions/ exactly as the grader will. The student's file is never written: not its
bytes, not its modification time. nbgrader's own Validate button is untouched.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import nbformat

from ..errors import LabError
from .course import course_root, lab_names
from .jobs import ExerciseResult, Job, JobResult
from .source import group_by_exercise, identify_lab

MAX_SIBLING_BYTES = 20_000_000
SYMBOL = {"passed": "✔", "failed": "✘", "partial": "◐", "not attempted": "·", "timed out": "⧗", "not run": "–"}


def _shadows(name: str) -> bool:
    """A file that would hide a standard or installed module from the tests (json.py, boto3/)."""
    import importlib.util

    if name in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def sibling_files(folder: Path, skip: Path | None = None, notes: list[str] | None = None) -> dict[str, bytes]:
    """Small data files next to a notebook (a lab may read them), bounded in total size.

    The kernel's working directory is first on sys.path, so a file that would shadow a real
    module (json.py, uuid.py, boto3/…) is left out and reported.
    """
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix == ".ipynb" or path == skip or \
                path.name in ("timestamp.txt", "submission_secret.txt"):
            continue
        parts = path.relative_to(folder).parts
        if any(part.startswith(".") or part == "__pycache__" for part in parts):
            continue
        top = parts[0].removesuffix(".py") if len(parts) > 1 or path.suffix in (".py", ".pyc", ".so") else ""
        if top and _shadows(top):
            if notes is not None:
                notes.append(f"{'/'.join(parts)} was not copied: it would replace Python's own '{top}' module")
            continue
        size = path.stat().st_size
        if total + size > MAX_SIBLING_BYTES:
            break
        files[str(path.relative_to(folder))] = path.read_bytes()
        total += size
    return files


def make_job(path: Path, root: Path, hidden: bool = False, timeout: int | None = None) -> Job:
    """A self-check job for one notebook file (read here, once)."""
    raw = path.read_bytes()
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception:  # noqa: BLE001 - run_job reports the invalid file
        nb = None
    lab = identify_lab(root, nb, path)
    notes = [] if lab else [f"{path.name} does not belong to a known lab ({', '.join(lab_names(root))})"]
    extra = sibling_files(path.parent, path, notes)
    return Job(key=str(path), student=os.environ.get("USER", "you"), lab=lab, root=str(root), raw=raw,
               notebook_name=path.name, extra_files=extra, hidden=hidden,
               timeout=timeout, notes=notes)


def check_notebook(path: str | os.PathLike[str], timeout: int | None = None) -> JobResult:
    """Run the visible tests of a lab notebook the way the grader will; the file is not touched."""
    path = Path(path)
    if not path.is_file():
        raise LabError(f"No notebook at {path}.", "Give the path of your lab, e.g. labs/lab00-welcome/lab00-welcome.ipynb.")
    root = course_root(path.parent)
    job = make_job(path.resolve(), root, hidden=False, timeout=timeout)
    if job.lab is None:
        raise LabError(f"{path} is not one of the course's labs.",
                       f"Check a notebook from labs/ (known labs: {', '.join(lab_names(root))}).")
    from .worker import run_in_subprocess

    return run_in_subprocess(job)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def exercise_status(ideas: list[ExerciseResult]) -> str:
    """One status for an exercise from its test cells: passed only when every idea passed."""
    statuses = {e.status for e in ideas}
    if statuses == {"passed"}:
        return "passed"
    if statuses == {"not attempted"}:
        return "not attempted"
    if any(e.points > 0 for e in ideas):
        return "partial"
    if "timed out" in statuses:
        return "timed out"
    if statuses == {"not run"}:
        return "not run"
    return "failed"


def exercise_summary(exercises: list[ExerciseResult]) -> tuple[int, int]:
    """(exercises complete, exercises) of a run: an exercise is complete when all its test cells pass."""
    groups = group_by_exercise(exercises)
    return sum(exercise_status(ideas) == "passed" for _, ideas in groups), len(groups)


def format_check(result: JobResult, path: str = "") -> str:
    """The student's report: one line per exercise with its points, each idea (test cell) under it, the reason
    and a hint for what does not pass yet, and the totals."""
    lines = [f"{result.lab} — self-check of {path or result.notebook_name}",
             "(visible tests only: the grader also runs hidden tests with other inputs)", ""]
    if result.status != "graded":
        lines += [f"Could not run: {result.status}."] + [f"  {n}" for n in result.notes]
        return "\n".join(lines)
    groups = group_by_exercise(result.exercises)
    width = max([len(title) for title, _ in groups] + [len(e.idea or e.grade_id) + 4 for e in result.exercises] + [10])
    for title, ideas in groups:
        status = exercise_status(ideas)
        got, top = sum(e.points for e in ideas), sum(e.max_points for e in ideas)
        label = "complete" if status == "passed" else status
        lines.append(f"  {SYMBOL.get(status, '?')} {title:<{width}}  {f'{got:g} / {top:g}':>9}  {label}")
        for ex in ideas:
            lines.append(f"      {SYMBOL.get(ex.status, '?')} {ex.idea or ex.grade_id:<{width - 4}}  "
                         f"{f'{ex.points:g} / {ex.max_points:g}':>9}  {ex.status}")
            if ex.status in ("failed", "partial", "timed out", "not run") and ex.message:
                lines.append(f"          {ex.message}")
        hint = next((e.hint for e in ideas if e.hint), "")
        if status in ("failed", "partial", "timed out", "not attempted") and hint:
            lines.append(f"      hint: {hint}")
    complete = exercise_summary(result.exercises)[0]
    lines += ["", f"{complete} of {len(groups)} exercises complete, {result.score:g} of {result.max_score:g} points"]
    if result.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in result.notes]
    return "\n".join(lines)
