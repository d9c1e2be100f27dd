"""Gradebook exports a learning-management system imports (Canvas, Moodle), per-exercise pass rates,
and one feedback page per student, from grading results (no kernel needed)."""

from __future__ import annotations

import csv

from serverless_lab.grading.grade import ClassReport, summary
from serverless_lab.grading.jobs import ExerciseResult, JobResult
from serverless_lab.grading.lms import (
    CANVAS_FIXED,
    MOODLE_FIXED,
    pass_rates,
    write_canvas,
    write_moodle,
    write_pass_rates,
    write_student_pages,
)


def _result(student, lab, statuses, status="graded"):
    exercises = [ExerciseResult(f"{lab[:5]}_ex{i}", f"Exercise {i}", 2.0 if s == "passed" else 0.0, 2.0, s,
                                "AssertionError: nope" if s == "failed" else "", "look again")
                 for i, s in enumerate(statuses, 1)]
    return JobResult(f"{student}/{lab}", student, lab, f"{lab}.ipynb", status,
                     sum(e.points for e in exercises), 2.0 * len(statuses), exercises)


RESULTS = [
    _result("ada", "lab00-welcome", ["passed", "passed", "failed"]),
    _result("bob", "lab00-welcome", ["passed", "failed", "not attempted"]),
    _result("cyd", "lab00-welcome", ["passed", "failed", "failed"]),
    _result("dan", "lab00-welcome", ["not run"] * 3, status="missing"),
    _result("ada", "lab01-lambda-basics", ["passed", "passed"]),
    JobResult("eve/lab99", "eve", None, "", "unknown lab"),
]
PEOPLE = {"ada": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.edu"}}


def test_canvas_gradebook_import_layout(tmp_path):
    rows = list(csv.reader(write_canvas(RESULTS, tmp_path / "canvas.csv", PEOPLE).open()))
    assert rows[0] == CANVAS_FIXED + ["lab00-welcome", "lab01-lambda-basics"]
    assert rows[1][0] == "Points Possible" and rows[1][5:] == ["6", "4"]
    by = {r[3]: r for r in rows[2:]}
    assert by["ada"][0] == "Lovelace, Ada" and by["ada"][5:] == ["4", "4"]
    assert by["bob"][5:] == ["2", ""]            # no lab01 submission folder: left blank
    assert by["dan"][5] == "0"                   # a missing submission counts 0, as in nbgrader's export
    assert "eve" not in by


def test_moodle_grade_import_layout(tmp_path):
    rows = list(csv.DictReader(write_moodle(RESULTS, tmp_path / "moodle.csv", PEOPLE).open()))
    assert list(rows[0]) == MOODLE_FIXED + ["lab00-welcome", "lab01-lambda-basics"]
    ada = next(r for r in rows if r["Username"] == "ada")
    assert ada["Email address"] == "ada@example.edu" and ada["lab00-welcome"] == "4"


def test_pass_rates_find_the_hard_exercise(tmp_path):
    rates = {(r.lab, r.grade_id): r for r in pass_rates(RESULTS)}
    first, second, third = (rates[("lab00-welcome", f"lab00_ex{i}")] for i in (1, 2, 3))
    assert first.submitted == 3 and first.pass_rate == 1.0          # the missing submission is left out
    assert second.passed == 1 and round(second.pass_rate, 3) == 0.333
    assert third.passed == 0 and third.not_attempted == 1 and third.failed == 2
    rows = list(csv.DictReader(write_pass_rates(RESULTS, tmp_path / "rates.csv").open()))
    assert [r["flag"] for r in rows if r["assignment"] == "lab00-welcome"] == ["", "hard", "hard"]
    text = summary(ClassReport(RESULTS, tmp_path, tmp_path / "grades.csv"))
    assert "lab00_ex2" in text and "hard" in text.split("lab00_ex2")[1].splitlines()[0]


def test_one_feedback_page_per_student(tmp_path):
    lab_page = tmp_path / "ada" / "lab00-welcome" / "lab00-welcome.html"
    lab_page.parent.mkdir(parents=True)
    lab_page.write_text("<html></html>")
    pages = write_student_pages(RESULTS, tmp_path, {"ada/lab00-welcome": lab_page})
    assert set(pages) == {"ada", "bob", "cyd", "dan"}
    text = pages["ada"].read_text()
    assert "Total: 8 / 10" in text and 'href="lab00-welcome/lab00-welcome.html"' in text
    assert "AssertionError: nope" in text and "look again" in text
    assert "<script" not in write_student_pages([_result("<script>x", "lab00-welcome", ["failed"])],
                                                tmp_path / "x")["<script>x"].read_text()
