"""Lab 11's library: the question bank, scoring in the open, spaced repetition, the terminal drill, the
mock interview; and the lab's exercises against wrong answers a student could plausibly give."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from grading_helpers import grade_answers
from serverless_lab.drills import check, load_bank
from serverless_lab.drills.bank import KINDS, by_id, parse_bank
from serverless_lab.drills.interview import MockInterview
from serverless_lab.drills.progress import Progress
from serverless_lab.drills.schedule import Drill, rating
from serverless_lab.drills.scoring import label, parse_number
from serverless_lab.errors import LabError

BANK = load_bank()


def test_bank_is_large_dated_and_sourced():
    assert len(BANK) >= 150
    assert {q.kind for q in BANK} == set(KINDS)
    for q in BANK:
        assert q.source.startswith("https://"), q.id
        assert len(q.date) == 7 and q.date.startswith("20"), q.id
        assert len(q.points) >= 1 and q.answer, q.id
    topics = {q.topic for q in BANK}
    assert {"lambda", "scaling", "api-gateway", "step-functions", "events-queues", "fargate", "aurora",
            "cost", "stale", "design"} <= topics


def test_every_model_answer_scores_full_marks_on_its_own_points():
    for q in BANK:
        if q.is_choice:
            assert check(q, q.correct).correct, q.id
        elif q.is_numeric:
            assert check(q, q.numeric).correct, q.id
            assert not check(q, q.numeric * 2).correct, q.id
        else:
            assert check(q, q.answer).fraction == 1.0, (q.id, check(q, q.answer).missed)


def test_text_scoring_names_hit_and_missed_points():
    q = by_id("scale-004")
    weak = check(q, "Provisioned concurrency keeps environments warm.")
    assert 0 < weak.fraction < 0.6 and not weak.correct
    assert any("provisioned" in p for p in weak.hit)
    assert weak.missed and "Model answer" in weak._repr_markdown_()
    assert check(q, "").fraction == 0 and check(q, "").understood


def test_wrong_kind_of_answer_is_explained_not_raised():
    choice = next(q for q in BANK if q.is_choice)
    numeric = next(q for q in BANK if q.is_numeric)
    for q, bad in ((choice, [1]), (choice, 99), (choice, "zzz"), (numeric, "no idea"), (numeric, True),
                   (by_id("fund-001"), 42)):
        f = check(q, bad)
        assert not f.understood and not f.correct
        assert "Try again with" in f.message
    assert check(choice, "b").understood and check(choice, choice.choices[choice.correct]).correct


def test_numbers_are_read_from_working():
    assert parse_number("2 × 720 × 0.12 = 172.80 USD") == 172.80
    assert parse_number("about 4,000 requests/s, then 429s") == 4000
    assert parse_number("$2.73") == 2.73 and parse_number("none") is None
    assert label("aws.*(infrastructure|operating system)") == "aws … infrastructure/operating system"


def test_bad_bank_entries_get_a_clear_error():
    with pytest.raises(LabError, match="missing answer"):
        parse_bank('[[q]]\nid="x"\ntopic="t"\nkind="concept"\nquestion="q"\npoints=["a"]\nsource="s"\ndate="2026-11"\n')
    with pytest.raises(LabError, match="not valid TOML"):
        parse_bank("[[q]\n")
    with pytest.raises(LabError, match="No such topic"):
        load_bank(topics=["lambdaa"])


def test_fsrs_schedules_misses_sooner_than_easy_answers(tmp_path):
    progress = Progress.load(tmp_path / "p.json")
    drill = Drill(progress, seed=1)
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    q_easy, q_miss = by_id("scale-004"), by_id("lambda-003")
    due_easy = drill.record(check(q_easy, q_easy.answer), now=now)
    due_miss = drill.record(check(q_miss, "no idea"), now=now)
    assert due_miss < due_easy
    assert rating(check(q_easy, q_easy.answer)).name == "Easy"
    progress.save()
    reloaded = Progress.load(tmp_path / "p.json")
    assert set(reloaded.cards) == {q_easy.id, q_miss.id} and len(reloaded.history) == 2
    # the missed one is due first next time; the easy one is not due tomorrow
    nxt = Drill(reloaded, seed=1).next_questions([q_easy, q_miss], 5, now=now + timedelta(days=1))
    assert nxt == [q_miss]


def test_corrupted_progress_is_kept_aside(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{ not json")
    progress = Progress.load(path)
    aside = list(tmp_path.glob("p.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{ not json"
    assert "kept as" in progress.notice and not path.exists()


def test_terminal_drill_reads_stdin_and_keeps_progress(tmp_path):
    progress = tmp_path / "drill.json"
    answers = "1\n" * 9   # understood by every kind: choice 1, the number 1, a (poor) text answer
    cmd = [sys.executable, "-m", "serverless_lab.cli", "drill", "--topics", "scaling", "-n", "3", "--seed", "7",
           "--progress", str(progress)]
    proc = subprocess.run(cmd, input=answers, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Question 3/3" in proc.stdout and "This session:" in proc.stdout and "key points" in proc.stdout
    data = json.loads(progress.read_text())
    assert len(data["history"]) == 3 and data["version"] == 1
    summary = subprocess.run([*cmd[:4], "--summary", "--progress", str(progress)], capture_output=True, text=True,
                             timeout=120)
    assert "scaling" in summary.stdout
    progress.write_text("garbage")
    again = subprocess.run(cmd, input=answers, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "kept as" in again.stdout
    assert list(tmp_path.glob("drill.json.corrupt-*"))


def test_timed_drill_stops_when_time_is_up(tmp_path):
    import io

    from serverless_lab.drills.terminal import run_drill

    ticks = iter([0, 0, 10, 10, 700, 700, 700, 700])
    out = io.StringIO()
    run_drill(topics=["stale"], count=5, minutes=10, progress_path=str(tmp_path / "p.json"), seed=2,
              stdin=io.StringIO("answer one\nanswer two\nanswer three\n"), out=out, clock=lambda: next(ticks))
    text = out.getvalue()
    assert "Question 1/5" in text and ("Time is up" in text or "Time ran out" in text)
    assert len(json.loads((tmp_path / "p.json").read_text())["history"]) == 1


def test_mock_interview_scores_by_topic_and_enforces_time():
    t = [0.0]
    interview = MockInterview(count=10, minutes=20, seed=3, clock=lambda: t[0])
    assert len(interview.questions) == 10 and len({q.topic for q in interview.questions}) >= 8, "breadth first"
    q = interview.current
    interview.answer(q.correct if q.is_choice else q.numeric if q.is_numeric else q.answer)
    wrong_kind = interview.answer(object())
    assert not wrong_kind.understood and interview.current is not None and len(interview.feedback) == 1
    t[0] = 20 * 60 + 1
    with pytest.raises(LabError, match="Time is up"):
        interview.answer("late")
    report = interview.report()
    assert report.timed_out and report.answered == 1 and report.total == 10
    assert sum(n for _, n in report.by_topic.values()) == 10
    assert 0.99 <= report.score <= 1.0


# --------------------------------------------------------------------------- the lab against wrong designs
LAB = "lab11-interview-drills"
WRONG = {
    # rounds to the nearest environment instead of up
    "round": ("lab11_concurrency", "def concurrency_needed(rps, ms):\n    return round(rps * ms / 1000)\n",
              "lab11_concurrency_test"),
    # forgets that the duration is in milliseconds
    "millis": ("lab11_concurrency", "def concurrency_needed(rps, ms):\n    return math.ceil(rps * ms) if rps else 0\n",
               "lab11_concurrency_test"),
    # subtracts the free tier from the total bill (a credit), clamped at zero
    "credit": ("lab11_bill",
               "def lambda_bill(requests, duration_ms, memory_mb, free_tier=True):\n"
               "    gbs = requests * duration_ms / 1000 * memory_mb / 1024\n"
               "    total = requests * 0.2e-6 + gbs * 0.0000166667\n"
               "    if free_tier:\n        total -= 1_000_000 * 0.2e-6 + 400_000 * 0.0000166667\n"
               "    return max(0.0, total)\n", "lab11_bill_floor_test"),
    # checks the cold start before the timeout and memory
    "order": ("lab11_diagnose",
              "def diagnose(line):\n    if 'Init Duration' in line:\n        return 'cold start'\n"
              "    if 'timeout' in line:\n        return 'timeout'\n"
              "    f = dict(p.split(': ', 1) for p in line.split('\\t') if ': ' in p)\n"
              "    return 'memory' if float(f['Max Memory Used'].split()[0]) >= 0.95 * float(f['Memory Size'].split()[0]) else 'ok'\n",
              "lab11_diagnose_test"),
    # forgets the batch: one invocation per message
    "nobatch": ("lab11_queue", "def queue_concurrency(m, b, ms):\n    return math.ceil(m * ms / 1000) if b == 1 else math.ceil(m / 10 * ms / 1000)\n",
                "lab11_queue_test"),
}


@pytest.mark.notebook
def test_wrong_designs_lose_the_points(tmp_path):
    results = grade_answers(LAB, {student: {sid: code} for student, (sid, code, _t) in WRONG.items()}, tmp_path,
                            workers=2)
    for student, (solution_id, _code, test_id) in WRONG.items():
        status = {gid: e.status for gid, e in results[student].items()}
        assert status[test_id] == "failed", (student, status)
        others = [g for g in status if not g.startswith(solution_id + "_")]   # the other exercises still pass
        assert all(status[g] == "passed" for g in others), (student, status)
