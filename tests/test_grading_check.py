"""`serverless-lab check` and `progress` for students, and the pieces they rest on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from grading_helpers import BATCH_NEVER, COUNT_ONE_PAGE, LAB, answer, index_of, lean, release, solution, write
from serverless_lab.errors import LabError
from serverless_lab.grading.course import tool_env
from serverless_lab.grading.jobs import MOTO_TIMEOUT, cell_timeout
from serverless_lab.grading.source import assemble, source_lab, strip_hidden


def _partial(tmp_path: Path) -> Path:
    """Exercise 1 solved, exercise 2 solved for one page only (passes the visible tests), 3 and 4 not attempted;
    exercise 2's wrong first attempt breaks the visible test in a second copy."""
    nb = solution()
    answer(nb, "lab00_count_objects", COUNT_ONE_PAGE)
    rel = release()
    for blank in ("lab00_request_charge", "lab00_note_keys"):
        nb.cells[index_of(nb, blank)] = rel.cells[index_of(rel, blank)]
    for cell in nb.cells:   # what a student has: no hidden tests
        cell.source = strip_hidden(cell.source)
    path = tmp_path / LAB / f"{LAB}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return path


def test_hidden_tests_are_stripped_like_nbgraders_release():
    src = source_lab(ROOT, LAB)
    rel = release()
    for ex in src.exercises:
        cell = src.nb.cells[index_of(src.nb, ex.grade_id)]
        assert strip_hidden(cell.source) == rel.cells[index_of(rel, ex.grade_id)].source


def test_assemble_restores_edited_and_deleted_cells_without_hidden_tests():
    nb = release()
    nb.cells[index_of(nb, "lab00_count_objects_test")].source = "pass"
    del nb.cells[index_of(nb, "lab00_request_charge_test")]
    built, notes = assemble(nb, source_lab(ROOT, LAB).nb, hidden=False)
    assert "BEGIN HIDDEN" not in "".join(c.source for c in built.cells)
    assert built.cells[index_of(built, "lab00_count_objects_test")].source == \
        release().cells[index_of(release(), "lab00_count_objects_test")].source
    assert index_of(built, "lab00_request_charge_test") == index_of(built, "lab00_request_charge") + 1
    assert len(notes) == 2


def test_cell_timeout_for_labs_that_start_moto_matches_nbgrader_config():
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT / "grading")).load_config()
    assert config.Execute.timeout == MOTO_TIMEOUT
    assert cell_timeout(release()) == MOTO_TIMEOUT
    assert cell_timeout(lean()) == 30          # no mock: nbgrader's default
    assert cell_timeout(release(), 12) == 12


@pytest.mark.notebook
def test_check_reports_each_exercise_and_never_touches_the_file(tmp_path):
    path = _partial(tmp_path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    proc = subprocess.run([str(Path(sys.executable).parent / "serverless-lab"), "check", str(path)], capture_output=True,
                          text=True, env=tool_env(), timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    lines = [ln for ln in out.splitlines() if "Exercise" in ln]
    assert "complete" in lines[0] and "complete" in lines[1]   # visible tests only: one page is enough
    assert "not attempted" in lines[2] and "not attempted" in lines[3]
    ideas = out.splitlines()
    assert "The note is stored and its size comes back" in ideas[ideas.index(lines[0]) + 1]   # the idea, under it
    assert "Counts the keys under a prefix" in ideas[ideas.index(lines[1]) + 1]
    assert "2 of 4 exercises complete, 4 of 8 points" in out
    assert "hint:" in out
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert list(path.parent.iterdir()) == [path]   # nothing written next to it either


@pytest.mark.notebook
def test_check_shows_assertion_message_and_hint(tmp_path):
    from serverless_lab.grading.check import check_notebook, format_check

    nb = lean(BATCH_NEVER)
    path = write(tmp_path, "me", nb)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    result = check_notebook(path)
    ex3 = result.exercises[2]
    assert ex3.status == "failed"
    assert ex3.message == "AssertionError: 3 M readings a month: batches of 3 make 1 M requests, all free"
    assert ex3.hint
    text = format_check(result)
    assert "batches of 3 make 1 M requests, all free" in text and "hint:" in text
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_every_test_cell_has_a_name_and_belongs_to_its_exercise():
    """The rule `check` groups by (source.exercises_of): a solution cell and the test cells after it form an
    exercise, titled by its `### Exercise N — …` heading; each test cell is named by its first comment line."""
    import re

    from serverless_lab.grading.course import lab_names
    from serverless_lab.grading.source import group_by_exercise

    for lab in lab_names(ROOT):
        src = source_lab(ROOT, lab)
        heads = [ln.lstrip("#").strip() for c in src.nb.cells if c.cell_type == "markdown"
                 for ln in c.source.splitlines() if re.match(r"### Exercise \d+ ", ln)]
        groups = group_by_exercise(src.exercises)
        assert [t for t, _ in groups] == [re.sub(r"\s*\(\d+ points?[^)]*\)$", "", h) for h in heads], lab
        for head, (_, ideas) in zip(heads, groups):
            assert float(re.search(r"\((\d+) points?", head).group(1)) == sum(e.points for e in ideas), head
            assert len({e.solution_id for e in ideas}) == 1 and ideas[0].solution_id, head
        unnamed = [e.grade_id for e in src.exercises if e.idea == e.grade_id]
        assert not unnamed, f"{lab}: start these test cells with a comment line naming their idea: {unnamed}"
        assert src.exercise_count == len(heads)


def test_check_report_groups_test_cells_under_their_exercise():
    from serverless_lab.grading.check import format_check
    from serverless_lab.grading.jobs import ExerciseResult, JobResult

    src = source_lab(ROOT, "lab01-lambda-basics")
    res = [ExerciseResult(e.grade_id, e.title, e.points, e.points, "passed", hint=e.hint, idea=e.idea)
           for e in src.exercises]
    deploy_new = next(r for r in res if r.grade_id == "lab01_deploy_test")
    deploy_new.status, deploy_new.points, deploy_new.message = "failed", 0.0, "AssertionError: (256, 5)"
    for r in res:
        if r.grade_id.startswith("lab01_reader_role"):
            r.status, r.points = "not attempted", 0.0
    result = JobResult("k", "me", "lab01-lambda-basics", "lab01.ipynb", "graded", sum(r.points for r in res),
                       src.max_score, res)
    lines = format_check(result).splitlines()
    exercise_lines = [ln for ln in lines if ln.startswith("  ") and "Exercise " in ln]
    assert len(exercise_lines) == 7                       # seven exercises, not sixteen test cells
    ex2 = next(i for i, ln in enumerate(lines) if "Exercise 2 — deploy with boto3, and redeploy" in ln)
    assert lines[ex2].split()[-4:] == ["1", "/", "2", "partial"]
    assert "✘ Deploys a new function" in lines[ex2 + 1] and lines[ex2 + 1].rstrip().endswith("0 / 1  failed")
    assert lines[ex2 + 2].strip() == "AssertionError: (256, 5)"
    assert "✔ Deploying an existing name updates it" in lines[ex2 + 3]
    assert lines[ex2 + 4].strip().startswith("hint:")
    ex7 = next(i for i, ln in enumerate(lines) if "Exercise 7" in ln)
    assert lines[ex7].endswith("0 / 2  not attempted") and "(2 points)" not in lines[ex7]
    assert lines[-1] == "5 of 7 exercises complete, 14 of 17 points"


def test_check_rejects_what_is_not_a_lab(tmp_path):
    from serverless_lab.grading.check import check_notebook

    other = tmp_path / "mine.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), other)
    with pytest.raises(LabError, match="not one of the course's labs"):
        check_notebook(other)
    with pytest.raises(LabError, match="No notebook"):
        check_notebook(tmp_path / "nothing.ipynb")


@pytest.mark.notebook
def test_progress_table_and_cache(tmp_path):
    from serverless_lab.grading.progress import format_progress, progress

    folder = tmp_path / "labs"
    nb = lean()
    write(folder.parent, "labs", nb)      # labs/lab00-welcome/lab00-welcome.ipynb, exercise 3 solved
    cache = tmp_path / "cache"
    rows = progress(folder, cache_dir=cache)
    lab0 = next(r for r in rows if r.lab == LAB)
    assert (lab0.passed, lab0.total, lab0.score, lab0.state, lab0.cached) == (1, 4, 2.0, "in progress", False)
    assert all(r.state == "no notebook" for r in rows if r.lab != LAB)
    again = next(r for r in progress(folder, cache_dir=cache) if r.lab == LAB)
    assert again.cached and again.score == 2.0
    text = format_progress(rows)
    assert LAB in text and "1 / 4" in text and "Total" in text


def test_progress_untouched_release_needs_no_kernel(tmp_path):
    from serverless_lab.grading.progress import progress

    rows = progress(ROOT / "labs", use_cache=False)
    assert all(r.state in ("not started", "no notebook") for r in rows)


@pytest.mark.notebook
def test_nbgrader_validate_still_works(tmp_path):
    """The Validate button runs `nbgrader validate`: our tooling must not break it."""
    nb = lean()
    path = write(tmp_path, "me", nb)
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", str(path)], capture_output=True,
                          text=True, env=tool_env(), timeout=300, cwd=ROOT / "grading")
    out = proc.stdout + proc.stderr
    assert "VALIDATION FAILED" in out or "failed" in out.lower(), out[-2000:]
    good = write(tmp_path, "me2", release())
    answer_nb = nbformat.read(good, as_version=4)
    assert answer_nb.cells   # the released notebook is readable by nbgrader's validator as well
