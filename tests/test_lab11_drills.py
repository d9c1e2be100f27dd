"""Lab 11's library: the question bank, scoring in the open, spaced repetition, the terminal drill, the
mock interview. (The lab's exercises against wrong answers: tests/test_lab11_wrong_designs.py.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from drill_answers import PAIRS
from serverless_lab.drills import check, load_bank
from serverless_lab.drills.bank import KINDS, by_id, parse_bank
from serverless_lab.drills.interview import MockInterview
from serverless_lab.drills.progress import Progress
from serverless_lab.drills.schedule import Drill, Rating, parse_rating, rating, suggest
from serverless_lab.drills.scoring import _CLAUSE_BREAK, _NEGATION, label, parse_number
from serverless_lab.errors import LabError

BANK = load_bank()


def test_bank_is_large_dated_and_sourced():
    assert len(BANK) >= 150
    assert {q.kind for q in BANK} == set(KINDS)
    for q in BANK:
        assert q.source.startswith("https://"), q.id
        assert len(q.date) in (7, 10) and q.date.startswith("20"), q.id     # month, or the day the source was read
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


def _affirmation(point: str, pattern) -> str | None:  # noqa: ANN001
    """A literal phrase the key point's pattern matches, written out from one of its alternatives (None when
    every alternative is itself a negation, e.g. a point that wants "no")."""
    alternatives, depth, cur = [], 0, ""
    for i, ch in enumerate(point):
        if ch == "|" and depth == 0 and (i == 0 or point[i - 1] != "\\"):
            alternatives.append(cur)
            cur = ""
            continue
        depth += (ch == "(") - (ch == ")")
        cur += ch
    alternatives.append(cur)
    for alt in alternatives:
        t = alt.replace(".*", " ").replace(".?", " ").replace("\\s", " ").replace("\\.", ".").replace("\\$", "$")
        t = t.replace("(?:", "(")
        while "(" in t:
            t = re.sub(r"\(([^()|]*)(\|[^()]*)?\)\??", lambda m: m.group(1), t)
        t = re.sub(r"\[([^\]]*)\]\??", lambda m: m.group(1)[:1], t)
        t = re.sub(r"(\w)\?", r"\1", t).replace("?", "").replace("\\", "")
        t = re.sub(r"\s+", " ", t).strip()
        if pattern.search(t) and not _NEGATION.search(t) and not _CLAUSE_BREAK.search(t):
            return t
    return None


def test_every_text_question_rejects_a_written_out_denial():
    """For every free-text question, an answer that denies each key point ("It is not true that …") does
    not pass and gets none of the denied points; one that states a known misconception is told so by name,
    does not pass, and is not suggested Good."""
    checked = 0
    for q in BANK:
        if q.is_choice or q.is_numeric:
            continue
        phrases = [(p, _affirmation(p, pat)) for p, pat in zip(q.points, q.patterns)
                   if not _NEGATION.search(p)]          # a point that itself wants a denial ("no", "not") is left out
        denial = " ".join(f"It is not true that {ex}." for _p, ex in phrases if ex)
        f = check(q, denial)
        assert not f.correct, (q.id, denial, f.hit)
        denied = {label(p) for p, ex in phrases if ex}
        assert not denied & set(f.hit), (q.id, denial, f.hit)
        assert denied <= set(f.negated), (q.id, denied - set(f.negated))
        assert suggest(f) in (Rating.Again, Rating.Hard), q.id
        checked += 1
        for m in q.misconceptions:
            assert not any(m.says == x for x in check(q, q.answer).misconceptions), (q.id, m.says)
    assert checked >= 140
    assert sum(bool(q.misconceptions) for q in BANK) >= 12


@pytest.mark.parametrize(("question_id", "opposite", "paraphrase"), PAIRS, ids=[p[0] for p in PAIRS])
def test_opposite_is_not_credited_and_paraphrase_is(question_id, opposite, paraphrase):
    q = by_id(question_id)
    wrong, right = check(q, opposite), check(q, paraphrase)
    assert not wrong.correct and suggest(wrong) != Rating.Good and suggest(wrong) != Rating.Easy, wrong.text()
    assert right.correct and not right.misconceptions, right.text()


def test_enough_hand_written_pairs():
    assert len({p[0] for p in PAIRS}) >= 30


def test_the_issue_examples():
    """The answers the issue reported: an opposite stated with the key words, and a right answer in other
    words. Facts: https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html and
    https://aws.amazon.com/about-aws/whats-new/2024/06/amazon-api-gateway-integration-timeout-limit-29-seconds/"""
    timeout = check(by_id("apigw-005"), "It is not 29 seconds and it cannot be raised")
    assert timeout.fraction == 0 and not timeout.correct
    assert "29" in timeout.negated and "contradicted" in timeout.text(with_answer=False)
    assert "the integration timeout can never be raised" in timeout.misconceptions
    both = check(by_id("scale-004"), "reserved doesn't cap anything, provisioned isn't pre-warmed, both free")
    assert both.fraction <= 0.25 and not both.correct and len(both.negated) == 2
    bucket = check(by_id("s3-005"), "use a different output bucket")
    assert bucket.hit == [label(by_id("s3-005").points[0])]
    free = check(by_id("scale-004"), "Reserved caps the function. Provisioned keeps environments initialised with "
                                     "no cold start, and provisioned concurrency is free.")
    assert free.misconceptions == ["provisioned concurrency is free"] and not free.correct
    assert "misconception: provisioned concurrency is free" in free.text()
    assert suggest(free) == Rating.Hard, "a misconception is never suggested Good"
    denied = check(by_id("sfn-002"), "Express is not exactly-once: it is at-least-once.")
    assert "Express workflows are exactly-once" not in denied.misconceptions, "denying a misconception is right"


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
    assert drill.progress.history[0]["rating"] == "Easy" and drill.progress.history[1]["rating"] == "Again"
    progress.save()
    reloaded = Progress.load(tmp_path / "p.json")
    assert set(reloaded.cards) == {q_easy.id, q_miss.id} and len(reloaded.history) == 2
    # the missed one is due first next time; the easy one is not due tomorrow
    nxt = Drill(reloaded, seed=1).next_questions([q_easy, q_miss], 5, now=now + timedelta(days=1))
    assert nxt == [q_miss]


def test_learner_rating_overrides_the_suggestion(tmp_path):
    """FSRS gets the learner's rating, not the check's: the same perfect answer rated Again is due sooner."""
    now = datetime(2026, 11, 30, tzinfo=timezone.utc)
    q = by_id("scale-004")
    f = check(q, q.answer)
    due_suggested = Drill(Progress.load(tmp_path / "a.json")).record(f, now=now)
    forgot = Drill(Progress.load(tmp_path / "b.json"))
    due_again = forgot.record(f, now=now, rating=Rating.Again)
    assert due_again < due_suggested
    assert forgot.progress.history[-1]["rating"] == "Again" and forgot.progress.history[-1]["suggested"] == "Easy"
    assert parse_rating("", Rating.Good) == Rating.Good and parse_rating("2", Rating.Good) == Rating.Hard
    assert parse_rating("rate: easy", Rating.Hard) == Rating.Easy and parse_rating("x", Rating.Good) is None


def test_stdin_mode_uses_the_suggestion_unless_a_rating_line_follows(tmp_path):
    import io

    from serverless_lab.drills.terminal import run_drill

    q1, q2, q3 = by_id("scale-004"), by_id("apigw-005"), by_id("s3-005")
    path = tmp_path / "p.json"
    out = io.StringIO()
    # the first answer is followed by a rating line, the second is not, the third is rated by word
    answers = f"{q1.answer}\nrate: 1\nIt is 29 seconds by default for REST APIs and 30 s for HTTP APIs.\n{q3.answer}\nrating: hard\n"
    run_drill(progress_path=str(path), stdin=io.StringIO(answers), out=out, questions=[q1, q2, q3])
    history = json.loads(path.read_text())["history"]
    assert [(h["id"], h["rating"], h["suggested"]) for h in history] == [
        ("scale-004", "Again", "Easy"), ("apigw-005", "Hard", "Hard"), ("s3-005", "Hard", "Easy")]
    assert "rated Again (suggested Easy)" in out.getvalue() and "rated Hard (suggested)" in out.getvalue()


def test_terminal_rating_through_a_pseudo_terminal(tmp_path):
    """The drill on a real terminal: an answer ends with an empty line, then one key rates the card (no
    Enter needed) or Enter accepts the suggestion."""
    import pexpect

    path = tmp_path / "p.json"
    child = pexpect.spawn(sys.executable, ["-m", "serverless_lab.cli", "drill", "--topics", "stale", "-n", "2",
                                           "--seed", "3", "--progress", str(path)],
                          encoding="utf-8", timeout=120, dimensions=(40, 200))
    try:
        for key in ("1", "\r"):
            child.expect(r"Question \d/2")
            child.expect("> ")
            child.sendline("It changed recently, check the source.")
            child.expect(r"\. ")
            child.sendline("")
            child.expect(r"Enter = (\w+) \(suggested\)")
            child.send(key)
            child.expect(r"next review")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    history = json.loads(path.read_text())["history"]
    assert len(history) == 2
    assert history[0]["rating"] == "Again"
    assert history[1]["rating"] == history[1]["suggested"], "Enter accepts the suggestion"


def _buttons(box):  # noqa: ANN001, ANN202
    return {b.description.split()[-1]: b for b in box.buttons}


def test_quiz_widget_rating_buttons(tmp_path):
    from serverless_lab.drills.widgets import Quiz

    path = tmp_path / "quiz.json"
    quiz = Quiz([by_id("scale-004"), by_id("s3-005"), by_id("apigw-005")], progress=path)
    ui = quiz.widget()
    title, _prompt, box, row, result, ratings, rated, _score = ui.children
    check_btn, next_btn = row.children
    assert ratings.layout.display == "none", "no rating before the feedback"
    box.children[0].value = "reserved doesn't cap anything, provisioned isn't pre-warmed, both free"
    check_btn.click()
    assert "contradicted" in result.value and ratings.layout.display == "flex"
    suggested = [name for name, b in _buttons(ratings).items() if b.button_style == "primary"]
    assert suggested == ["Again"]
    _buttons(ratings)["Good"].click()                   # the learner disagrees with the suggestion
    assert "Rated <b>Good</b> (suggested Again)" in rated.value
    next_btn.click()
    assert "Question 2" in title.value
    box.children[0].value = by_id("s3-005").answer
    check_btn.click()
    next_btn.click()                                    # Next without a click accepts the suggestion
    history = json.loads(path.read_text())["history"]
    assert [(h["rating"], h["suggested"]) for h in history] == [("Good", "Again"), ("Easy", "Easy")]
    assert quiz.ratings == [Rating.Good, Rating.Easy]


def test_interview_widget_rating_buttons(tmp_path):
    t = [0.0]
    path = tmp_path / "mock.json"
    interview = MockInterview(count=3, minutes=20, seed=3, clock=lambda: t[0], progress=path)
    ui = interview.widget()
    header, _prompt, box, submit, result, ratings, rated = ui.children
    q = interview.current
    box.children[0].value = q.correct if q.is_choice else str(q.numeric) if q.is_numeric else q.answer
    submit.click()
    assert submit.disabled and ratings.layout.display == "flex", "rate before the next question"
    _buttons(ratings)["Hard"].click()
    assert not submit.disabled and "Question 2 of 3" in header.value
    assert interview.ratings == [Rating.Hard]
    assert json.loads(path.read_text())["history"][0]["rating"] == "Hard"
    with pytest.raises(LabError, match="no answer waiting"):
        interview.rate(Rating.Good)


# --------------------------------------------------------------------------- the system-design round
def test_design_round_model_answers_score_full_and_estimates_come_from_the_models():
    """Every scenario has 4–6 follow-ups in the interview's order; its model answers pass every stage; each
    estimate's model number comes from the simulator or the price list and agrees with the model answer's
    own arithmetic. Prices: https://aws.amazon.com/lambda/pricing/ and https://aws.amazon.com/api-gateway/pricing/"""
    from serverless_lab.drills.design import SCENARIOS, STAGES, DesignRound

    assert len(SCENARIOS) >= 3
    for sc in SCENARIOS:
        assert 4 <= len(sc.steps) <= 6 and [s.stage for s in sc.steps] == list(STAGES)
        design = DesignRound(sc.id)
        while not design.done:
            step = design.current
            r = design.answer(step.answer)
            assert r.feedback.correct and not r.feedback.misconceptions, (sc.id, step.stage, r.text())
            if step.model is not None:
                assert "simulator" in r.derivation or "serverless_lab.pricing" in r.derivation, r.derivation
        report = design.report()
        assert report.gaps == [] and report.strengths == list(STAGES), report.text()


def test_design_round_estimates_are_checked_against_the_model():
    from serverless_lab.drills.design import DesignRound

    design = DesignRound("order-api-launch")
    wrong = design.answer("3000 × 150 = 450000")            # forgot the milliseconds
    assert wrong.feedback.understood and not wrong.feedback.correct and "too high" in wrong.feedback.message
    assert "450" in wrong.derivation and "simulator" in wrong.derivation
    not_a_number = DesignRound("order-api-launch")
    assert not not_a_number.answer("lots").feedback.understood and not_a_number.current.stage == "requirements"


def test_design_round_report_names_strengths_and_gaps():
    from serverless_lab.drills.design import DesignRound

    design = DesignRound("photo-10x")
    design.answer("200 × 0.8 = 160")
    design.answer("S3 notification to an SQS queue, Lambda writes to another bucket and DynamoDB, DLQ for failures.")
    bottleneck = design.answer("There is no limit: Lambda scales infinitely.")
    assert bottleneck.feedback.misconceptions == ["Lambda has no concurrency limit"]
    design.answer("S3 delivers each event exactly once, so nothing to do.")
    design.answer("$20")
    report = design.report()
    assert report.strengths == ["requirements", "architecture"]
    assert report.gaps == ["bottleneck", "failure modes", "cost"]
    assert "misconception: Lambda has no concurrency limit" in report.text()
    assert "Strengths" in report._repr_markdown_()


def test_design_round_in_the_cli():
    answers = ("2,000,000 / 100 × 4 s / 50 / 60 = 27 minutes\n"
               "Step Functions Distributed Map splits the file into an SQS queue; maximum concurrency 50; RDS Proxy\n"
               "The database's 50 writers: use bulk inserts; if the file doubles it misses the window.\n"
               "ReportBatchItemFailures, a DLQ with an alarm, and idempotent upserts.\n"
               "about 13\n")
    proc = subprocess.run([sys.executable, "-m", "serverless_lab.cli", "drill", "--design", "nightly-etl"],
                          input=answers, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Design round · A nightly ETL" in out and "Step 5/5 · cost" in out
    assert "model's number" in out and "SQS simulator" in out and "serverless_lab.pricing" in out
    assert "Strengths: requirements, architecture, bottleneck, failure modes, cost" in out
    bad = subprocess.run([sys.executable, "-m", "serverless_lab.cli", "drill", "--design", "nope"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "photo-10x" in (bad.stdout + bad.stderr)


def test_design_round_widget():
    from serverless_lab.drills.design import DesignRound

    design = DesignRound("photo-10x")
    ui = design.widget()
    brief, prompt, box, submit, result = ui.children
    assert "10×" in brief.value and "Step 1/5" in prompt.value
    box.value = "200 × 0.8 = 160"
    submit.click()
    assert "Model's number" in result.value and "Step 2/5" in prompt.value
    for step in design.scenario.steps[1:]:
        box.value = step.answer
        submit.click()
    assert submit.disabled and "Strengths" in result.value


def test_drills_modules_import_without_cycles():
    """Every import between the drills modules, lazy and TYPE_CHECKING ones included, points one way
    (issue 25: interview and widgets imported each other)."""
    import ast
    from pathlib import Path

    import serverless_lab.drills as pkg

    folder = Path(pkg.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                if node.module:
                    deps.add(node.module.split(".")[0])
                else:
                    deps.update(a.name for a in node.names)
        graph[path.stem] = deps & {p.stem for p in folder.glob("*.py")}
    assert "interview" not in graph["widgets"] and "widgets" in graph["interview"]
    seen: dict[str, int] = {}

    def visit(mod: str, stack: tuple[str, ...]) -> None:
        assert mod not in stack, " → ".join((*stack, mod))
        if seen.get(mod):
            return
        for dep in graph.get(mod, ()):
            visit(dep, (*stack, mod))
        seen[mod] = 1

    for mod in graph:
        visit(mod, ())


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
