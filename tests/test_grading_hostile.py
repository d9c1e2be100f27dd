"""Hostile submissions that need short cell timeouts (so they get their own grading run):
infinite loops, a kernel that ignores interrupts, and a student who rewrites a classmate's file."""

from __future__ import annotations

import pytest

from grading_helpers import LAB, add_cell, lean, snapshot, write
from serverless_lab.grading.grade import grade

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("grading_hostile")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs = tmp_path_factory.mktemp("submitted")
    out = tmp_path_factory.mktemp("out")
    write(subs, "looper", lean("def choose_batch(readings_per_day, max_wait_seconds):\n    while True:\n        pass\n"))
    deaf = lean()
    add_cell(deaf, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")
    write(subs, "deaf", deaf)
    victim_path = write(subs, "victim", lean())
    attacker = lean("def choose_batch(readings_per_day, max_wait_seconds):\n    return 1, 0\n")
    add_cell(attacker, f"open({str(victim_path)!r}, 'w').write('{{}}')\n"
                       f"import glob\nfor p in glob.glob('../../*/*/*.ipynb'):\n    open(p, 'w').write('{{}}')")
    write(subs, "attacker", attacker)
    before = snapshot(subs)
    report = grade(subs, out, workers=2, timeout=8, quiet=True)
    return {"by": {r.key: r for r in report.results}, "report": report, "before": before, "subs": subs,
            "victim": victim_path}


def test_infinite_loop_is_timed_out(graded):
    r = graded["by"][f"looper/{LAB}"]
    assert r.status == "graded" and r.score == 0
    assert r.exercises[2].status == "timed out" and "8 s" in r.exercises[2].message
    assert any("ran longer than 8 s" in n for n in r.notes)


def test_kernel_ignoring_interrupts_is_killed_and_earlier_points_kept(graded):
    r = graded["by"][f"deaf/{LAB}"]
    assert r.status == "graded" and r.score == 2 and r.kernel_died
    assert any("kernel died" in n or "ran longer" in n for n in r.notes)


def test_classmate_cannot_change_anothers_grade(graded):
    victim = graded["by"][f"victim/{LAB}"]
    assert victim.score == 2          # graded from the bytes read before any student code ran
    assert graded["by"][f"attacker/{LAB}"].score == 0
    # Same-user processes can write each other's files (see README, Limits): the grader notices.
    assert str(graded["victim"]) in graded["report"].altered
    assert any("changed on disk" in n for n in victim.notes)
