"""The grader removes hidden tests with nbgrader's own ClearHiddenTests, configured from the course's
grading/nbgrader_config.py: a delimiter changed there changes the grader too (no private copy)."""

from __future__ import annotations

import nbformat

from conftest import ROOT
from serverless_lab.grading.nbgrader_steps import delimiters, release_chain, release_notebook
from serverless_lab.grading.source import strip_hidden

LAB = "lab00-welcome"
CELL = "assert f(1) == 2\n### BEGIN SECRET TESTS\nassert f(7) == 14\n### END SECRET TESTS"


def _course(tmp_path, extra: str):
    (tmp_path / "grading").mkdir()
    config = (ROOT / "grading" / "nbgrader_config.py").read_text() + "\n" + extra + "\n"
    (tmp_path / "grading" / "nbgrader_config.py").write_text(config)
    return tmp_path


def test_course_delimiters_are_nbgraders_defaults_and_stubs_from_the_config():
    d = delimiters(ROOT)
    assert d["begin_hidden"] == "BEGIN HIDDEN TESTS" and d["begin_solution"] == "BEGIN SOLUTION"
    assert "Write your solution here" in d["code_stub"]


def test_a_delimiter_changed_in_nbgrader_config_changes_the_grader(tmp_path):
    course = _course(tmp_path, 'c.ClearHiddenTests.begin_test_delimeter = "BEGIN SECRET TESTS"\n'
                               'c.ClearHiddenTests.end_test_delimeter = "END SECRET TESTS"')
    assert strip_hidden(CELL, course) == "assert f(1) == 2"
    assert strip_hidden(CELL, ROOT) == CELL                  # the course's own delimiters do not match


def test_unmatched_delimiter_in_a_students_cell_hides_nothing():
    cell = "assert True\n### BEGIN HIDDEN TESTS\nassert False"
    assert strip_hidden(cell, ROOT) == cell


def test_release_chain_is_nbgraders_generate_assignment_without_the_gradebook():
    names = [p.__name__ for p in release_chain()]
    assert "ClearSolutions" in names and "ClearHiddenTests" in names and "SaveCells" not in names
    src = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    ours = release_notebook(src, LAB, ROOT)
    theirs = nbformat.read(ROOT / "labs" / LAB / f"{LAB}.ipynb", as_version=4)   # `nbgrader generate_assignment`
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert [c.metadata for c in ours.cells] == [c.metadata for c in theirs.cells]
