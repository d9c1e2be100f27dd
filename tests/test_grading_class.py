"""`serverless-lab grade` on a class: every lab's solution gets full marks and its blank release 0
(hidden tests included), and lab 00's hostile submissions are graded, reported and contained.

One grading run serves the whole module (a class of submissions, graded in parallel like an
instructor would), so the module stays fast.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from grading_helpers import (
    COUNT_ONE_PAGE,
    LAB,
    add_cell,
    answer,
    index_of,
    lean,
    processes_with,
    release,
    snapshot,
    solution,
    write,
)
from serverless_lab.grading.course import lab_names, tool_env
from serverless_lab.grading.grade import CSV_COLUMNS, grade, summary

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("grading_class")]
LABS = lab_names(ROOT)
TAG = f"serverless-lab-daemon-{uuid.uuid4().hex[:8]}"


def _cheater(out: Path) -> nbformat.NotebookNode:
    """Wrong answer, then everything a student might try to get points or touch others' grades."""
    nb = lean("def choose_batch(readings_per_day, max_wait_seconds):\n    return 1, 0.0\n")
    fake_feedback = out / "feedback" / "solution" / LAB / f"{LAB}.html"
    add_cell(nb, f"""
import builtins, math, os, subprocess, sys
math.isclose = lambda *a, **k: True
builtins.AssertionError = type("AssertionError", (Exception,), {{}})
builtins.abs = lambda x: 0
sys.exit = lambda *a, **k: None
os.makedirs({str(fake_feedback.parent)!r}, exist_ok=True)
open({str(fake_feedback)!r}, "w").write("forged")
open({str(out / 'grades.csv')!r}, "w").write("student_id,score\\ncheater,100\\n")
open("../grades.csv", "w").write("student_id,score\\ncheater,100\\n")
# a daemon that tries to outlive grading (double fork, new session)
subprocess.Popen(["sh", "-c", "(setsid sh -c 'sleep 300; : {TAG}' &) ; true"], start_new_session=True)
def _swallow(lines):
    return ["try:\\n"] + ["    " + line for line in lines] + ["\\nexcept BaseException:\\n    pass\\n"]
get_ipython().input_transformers_post.append(_swallow)
""", after="lab00_request_charge")
    return nb


def _released(lab: str, name: str, tmp_path_factory) -> Path:
    """labs/<lab> when released, else a fresh `nbgrader generate_assignment` (a lab still being written)."""
    path = ROOT / "labs" / lab / name
    if path.is_file():
        return path
    tmp = tmp_path_factory.mktemp("release")
    cmd = [sys.executable, "-m", "nbgrader", "generate_assignment", lab, "--force", "--log-level=ERROR",
           f"--CourseDirectory.release_directory={tmp}", f"--CourseDirectory.db_url=sqlite:///{tmp / 'gb.db'}"]
    proc = subprocess.run(cmd, cwd=ROOT / "grading", capture_output=True, text=True, env=tool_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp / lab / name


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submitted")
    out = tmp_path_factory.mktemp("out")
    for lab in LABS:
        src = next((ROOT / "solutions" / lab).glob("*.ipynb"))
        write(subs, "solution", src.read_bytes(), lab=lab, name=src.name)
        write(subs, "blank", _released(lab, src.name, tmp_path_factory).read_bytes(), lab=lab, name=src.name)
    (subs / "solution" / LAB / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")

    partial = solution()   # exercise 1 right, exercise 2 right only for one page, exercises 3 and 4 not done
    answer(partial, "lab00_count_objects", COUNT_ONE_PAGE)
    rel = release()
    for blank in ("lab00_request_charge", "lab00_note_keys"):
        partial.cells[index_of(partial, blank)] = rel.cells[index_of(rel, blank)]
    write(subs, "partial", partial)

    tamper = lean()  # exercise 3 answered; its test deleted; exercise 1's test edited; a forged grade cell
    del tamper.cells[index_of(tamper, "lab00_request_charge_test")]
    cell = tamper.cells[index_of(tamper, "lab00_save_note_test")]
    cell.source, cell.metadata["nbgrader"]["points"] = "pass", 100
    bogus = nbformat.v4.new_code_cell("pass")
    bogus.metadata["nbgrader"] = {"grade": True, "grade_id": "lab00_bonus", "points": 50, "locked": True,
                                  "solution": False, "schema_version": 3}
    tamper.cells.append(bogus)
    write(subs, "tamper-tests", tamper)

    write(subs, "renamed", lean(), name="my answers.ipynb")
    write(subs, "invalid", "{ this is not a notebook")
    (subs / "missing" / LAB).mkdir(parents=True)
    (subs / "missing" / LAB / "notes.txt").write_text("I forgot to upload")
    write(subs, "unknown", lean(), lab="lab99-nope", name="lab99-nope.ipynb")
    write(subs, "cheater", _cheater(out))
    shadow = lean()
    write(subs, "shadow", shadow)
    (subs / "shadow" / LAB / "json.py").write_text("dumps = loads = None\n")

    crasher = lean()
    add_cell(crasher, "import os\nos._exit(3)")
    write(subs, "crasher", crasher)
    flood = lean()
    add_cell(flood, "s = 'x' * 1_000_000\nfor _ in range(3000):\n    print(s)\nprint('still here')",
             after="lab00_request_charge")
    write(subs, "flood", flood)

    before = snapshot(subs)
    report = grade(subs, out, workers=2, quiet=True)
    return {"report": report, "subs": subs, "out": out, "before": before,
            "by": {r.key: r for r in report.results}}


def _r(graded, student, lab=LAB):
    return graded["by"][f"{student}/{lab}"]


@pytest.mark.parametrize("lab", LABS)
def test_solution_gets_full_marks_with_hidden_tests(graded, lab):
    r = _r(graded, "solution", lab)
    assert r.status == "graded" and r.max_score > 0
    assert r.score == r.max_score, [(e.grade_id, e.status, e.message) for e in r.exercises if e.status != "passed"]
    assert not any("replaced objects" in n for n in r.notes), r.notes  # the guard sees no false tampering


@pytest.mark.parametrize("lab", LABS)
def test_blank_release_gets_zero(graded, lab):
    r = _r(graded, "blank", lab)
    assert r.status == "graded" and r.score == 0
    assert {e.status for e in r.exercises} <= {"not attempted", "failed"}


def test_hidden_tests_run_at_grading(graded):
    r = _r(graded, "partial")
    assert [e.status for e in r.exercises] == ["passed", "failed", "not attempted", "not attempted", "not attempted"]
    assert "1,000 keys" in r.exercises[1].message  # the hidden test's own message
    assert r.score == 2


def test_grades_csv_has_nbgraders_export_columns(graded):
    rows = list(csv.DictReader(graded["report"].csv_path.open()))
    assert list(rows[0]) == CSV_COLUMNS
    mine = {(r["student_id"], r["assignment"]): r for r in rows}
    assert float(mine[("solution", LAB)]["score"]) == float(mine[("solution", LAB)]["max_score"]) == 8
    assert mine[("solution", LAB)]["timestamp"].startswith("2026-11-20")
    assert float(mine[("cheater", LAB)]["score"]) == 0            # the forged grades.csv was replaced
    assert float(mine[("missing", LAB)]["raw_score"]) == 0
    assert ("unknown", LAB) in mine and float(mine[("unknown", LAB)]["score"]) == 0   # nothing for lab00
    assert not any(r["assignment"] == "lab99-nope" for r in rows)


def test_feedback_html_per_student(graded):
    fb = graded["out"] / "feedback" / "solution" / LAB / f"{LAB}.html"
    text = fb.read_text()
    assert "forged" not in text and "Score: 8 / 8" in text
    assert (graded["out"] / "feedback" / "partial" / LAB / f"{LAB}.html").is_file()
    assert (graded["out"] / "grade-report.json").is_file()
    # nbgrader's own files travel with the feedback, so `nbgrader release_feedback` can hand it back
    assert (fb.parent / "timestamp.txt").read_text().startswith("2026-11-20")


def test_summary_table(graded):
    text = summary(graded["report"])
    assert f"{LAB}: n=" in text and "median=" in text and "pass rate" in text
    assert "cheater/lab00-welcome" in text and "invalid/lab00-welcome" in text


def test_submitted_files_never_altered(graded):
    assert snapshot(graded["subs"]) == graded["before"]
    assert graded["report"].altered == []


def test_edited_deleted_and_forged_test_cells(graded):
    r = _r(graded, "tamper-tests")
    assert r.score == 2 and r.max_score == 8  # forged points and bonus cell count for nothing
    notes = " ".join(r.notes)
    assert "'lab00_save_note_test' was edited" in notes
    assert "'lab00_request_charge_test' was missing" in notes
    assert "'lab00_bonus' is not in the lab" in notes
    assert r.exercises[2].status == "passed"


def test_renamed_notebook_graded_and_reported(graded):
    r = _r(graded, "renamed")
    assert r.status == "graded" and r.score == 2
    assert any("renamed" in n for n in r.notes)


def test_invalid_missing_and_unknown(graded):
    assert _r(graded, "invalid").status == "invalid" and _r(graded, "invalid").score == 0
    assert "not a valid .ipynb" in " ".join(_r(graded, "invalid").notes)
    assert _r(graded, "missing").status == "missing"
    r = _r(graded, "unknown", "lab99-nope")
    assert r.status == "unknown lab" and "not a lab of this course" in " ".join(r.notes)


def test_monkeypatching_cheater_gets_nothing_and_is_reported(graded):
    r = _r(graded, "cheater")
    assert r.score == 0
    notes = " ".join(r.notes)
    for name in ("math.isclose", "builtins.abs", "sys.exit", "IPython.input_transformers_post"):
        assert name in notes, notes
    assert "did not run to its end" in r.exercises[2].message


def test_no_process_outlives_grading(graded):
    assert processes_with(TAG) == []


def test_shadowing_module_file_not_copied(graded):
    r = _r(graded, "shadow")
    assert r.score == 2 and any("json.py was not copied" in n for n in r.notes)


def test_kernel_death_keeps_earlier_points(graded):
    r = _r(graded, "crasher")
    assert r.status == "graded" and r.score == 2 and r.kernel_died
    assert any("kernel died" in n for n in r.notes)
    assert any("re-graded on its own" in n for n in r.notes)


def test_gigabytes_of_output_are_bounded(graded):
    r = _r(graded, "flood")
    assert r.score == 2
    assert any("truncated" in n for n in r.notes)
    html = (graded["out"] / "feedback" / "flood" / LAB / f"{LAB}.html").stat().st_size
    assert html < 60_000_000


def test_lms_gradebooks_pass_rates_and_student_pages(graded):
    out = graded["out"]
    canvas = list(csv.reader((out / "canvas-grades.csv").open()))
    assert canvas[1][0] == "Points Possible" and LAB in canvas[0]
    col = canvas[0].index(LAB)
    assert next(r for r in canvas if r[3] == "solution")[col] == "8"
    moodle = {r["Username"]: r for r in csv.DictReader((out / "moodle-grades.csv").open())}
    assert moodle["partial"][LAB] == "2"
    rates = [r for r in csv.DictReader((out / "exercise-pass-rates.csv").open()) if r["assignment"] == LAB]
    assert [r["grade_id"] for r in rates] == ["lab00_save_note_test", "lab00_count_objects_test",
                                              "lab00_request_charge_test", "lab00_note_keys_users",
                                              "lab00_note_keys_months"]
    page = (out / "feedback" / "partial" / "index.html").read_text()
    assert "Total:" in page and f'href="{LAB}/{LAB}.html"' in page
