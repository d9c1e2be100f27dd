"""`serverless-lab release --student-dist DIR`: a course a class can clone, with no answer in it.

The leak search looks for every solution block and every hidden-test block of solutions/ in
every file of the distribution (notebooks JSON-decoded) and in every object of its git
repository; the positive controls below prove the search finds a planted answer in each of
those places, so an empty result means something.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from serverless_lab.cli import main
from serverless_lab.errors import LabError
from serverless_lab.grading.course import is_student_dist, lab_names
from serverless_lab.grading.source import source_lab
from serverless_lab.grading.student_dist import _blocks, find_leaks, student_dist

LAB = "lab00-welcome"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    return student_dist(tmp_path_factory.mktemp("dist") / "course", git=True, quiet=True)


def test_every_lab_has_blocks_to_search_for():
    blocks = _blocks(ROOT)
    for lab in lab_names(ROOT):
        kinds = {k for (name, _gid, k, _t) in blocks if name == lab}
        assert kinds == {"solution", "hidden test"}, (lab, kinds)


def test_no_solution_hidden_test_or_secret_anywhere(dist):
    assert find_leaks(dist, ROOT) == []
    names = {p.relative_to(dist).parts[0] for p in dist.iterdir()}
    assert {"labs", "lib", "requirements.txt", "environment.yml", "README.md", "pyproject.toml"} <= names
    assert not {"solutions", "tests", "bench", "docs"} & names
    assert not [p for p in dist.rglob("*") if p.suffix == ".db" or p.name == "submission_secret.txt"]
    for lab in lab_names(ROOT):
        assert (dist / "labs" / lab / f"{lab}.ipynb").is_file(), lab


def test_git_repository_has_one_commit_and_no_history_of_the_course(dist):
    log = subprocess.run(["git", "log", "--all", "--format=%H %s"], cwd=dist, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert len(log) == 1 and log[0].endswith("student edition")
    status = subprocess.run(["git", "status", "--porcelain"], cwd=dist, capture_output=True, text=True).stdout
    assert status == ""


def test_search_finds_an_answer_planted_in_a_file_a_notebook_or_git_history(dist, tmp_path):
    lab, gid, kind, text = next(b for b in _blocks(ROOT) if b[0] == LAB and b[2] == "hidden test")
    line = next(x.strip() for x in text.splitlines() if len(x.strip()) > 20)
    planted = tmp_path / "planted"
    subprocess.run(["cp", "-a", str(dist), str(planted)], check=True)
    assert find_leaks(planted, ROOT) == []

    (planted / "notes.py").write_text(f"# copied from a friend\n    {line}\n")
    assert {(x.lab, x.grade_id, x.path) for x in find_leaks(planted, ROOT)} == {(lab, gid, "notes.py")}
    (planted / "notes.py").unlink()

    nb_path = planted / "labs" / LAB / f"{LAB}.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[-1].source += "\n" + text          # escaped inside the notebook's JSON
    nbformat.write(nb, nb_path)
    assert any(x.path == f"labs/{LAB}/{LAB}.ipynb" and x.grade_id == gid for x in find_leaks(planted, ROOT))

    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "commit", "-qam", "oops"], cwd=planted, env=env, check=True)
    subprocess.run(["git", "checkout", "-q", "HEAD~1", "--", "."], cwd=planted, env=env, check=True)
    subprocess.run(["git", "commit", "-qam", "remove it again"], cwd=planted, env=env, check=True)
    found = find_leaks(planted, ROOT)
    assert found and all(x.path.startswith(".git ") for x in found)  # only history holds it now


def test_notebooks_are_nbgraders_release_and_say_what_a_class_does(dist):
    from nbgrader.utils import compute_checksum

    ours = nbformat.read(dist / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    nbgrader_release = nbformat.read(ROOT / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    assert len(ours.cells) == len(nbgrader_release.cells)
    changed = [i for i, (a, b) in enumerate(zip(ours.cells, nbgrader_release.cells)) if a.source != b.source]
    assert len(changed) == 1
    before, after = nbgrader_release.cells[changed[0]].source, ours.cells[changed[0]].source
    assert "`solutions/`" in before            # self-paced (this repository) says where the answers are
    assert "solutions/" not in after and "instructor" in after
    meta = ours.cells[changed[0]].metadata["nbgrader"]
    assert meta["checksum"] == compute_checksum(ours.cells[changed[0]])   # nbgrader validate stays happy


def test_the_distribution_is_a_course_the_library_understands(dist):
    assert is_student_dist(dist) and not is_student_dist(ROOT)
    assert lab_names(dist) == lab_names(ROOT)
    src = source_lab(dist, LAB)                # self-check reads the release: visible tests only
    assert len(src.exercises) == 5 and "BEGIN HIDDEN" not in json.dumps(src.nb)   # lab00: 5 test cells
    assert "make lab" in (dist / "README.md").read_text()
    assert "lab:" in (dist / "Makefile").read_text()


def test_non_empty_folder_refused_without_force(tmp_path, capsys):
    target = tmp_path / "class"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    assert main(["release", "--student-dist", str(target), LAB]) == 1
    err = capsys.readouterr().err
    assert "not empty" in err and "--force" in err
    assert (target / "keep.txt").read_text() == "mine"
    assert main(["release", "--student-dist", str(target), "--force", LAB]) == 0
    assert not (target / "keep.txt").exists() and (target / "labs" / LAB).is_dir()
    assert [p.name for p in (target / "labs").iterdir()] == [LAB]


def test_the_course_itself_is_never_a_target():
    with pytest.raises(LabError, match="course itself"):
        student_dist(ROOT, force=True, quiet=True)
    with pytest.raises(LabError, match="course itself"):
        student_dist(ROOT / "labs", force=True, quiet=True)
