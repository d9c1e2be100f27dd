"""`serverless-lab drill`: spaced-repetition interview drill in the terminal.

On a terminal, an answer is one or more lines ended by an empty line; when standard input is not a
terminal (scripts, tests) each line is one answer. Progress is saved after every answer, so Ctrl-C or a
closed terminal loses nothing.
"""

from __future__ import annotations

import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO

from .bank import Question, load_bank
from .progress import Progress
from .schedule import Drill
from .scoring import Feedback, check


def _when(due: datetime, now: datetime) -> str:
    seconds = (due - now).total_seconds()
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))} min"
    if seconds < 86400 * 2:
        return f"in {round(seconds / 3600)} h"
    return f"in {round(seconds / 86400)} days"


def _read_answer(stdin: IO[str], interactive: bool, out: IO[str]) -> str | None:
    """One answer, or None at end of input."""
    if not interactive:
        line = stdin.readline()
        return None if line == "" else line.rstrip("\n")
    lines: list[str] = []
    while True:
        out.write("> " if not lines else ". ")
        out.flush()
        line = stdin.readline()
        if line == "":
            return "\n".join(lines) if lines else None
        if not line.strip():
            if lines:
                return "\n".join(lines)
            continue
        lines.append(line.rstrip("\n"))


def _ask(q: Question, n: int, total: int, out: IO[str]) -> None:
    out.write(f"\nQuestion {n}/{total} · {q.topic} · {q.kind}\n")
    out.write(textwrap.fill(q.question, 96) + "\n")
    for i, choice in enumerate(q.choices):
        out.write(f"  {chr(ord('a') + i)}) {choice}\n")
    if q.is_numeric:
        out.write(f"  (a number{', in ' + q.unit if q.unit else ''}; working is fine: the result after the last '=' counts)\n")
    elif not q.is_choice:
        out.write("  (a few sentences; end with an empty line)\n" if out.isatty() else "")


def run_drill(*, topics: list[str] | None = None, count: int = 10, minutes: float | None = None,
              progress_path: str | None = None, seed: int | None = None,
              stdin: IO[str] | None = None, out: IO[str] | None = None,
              clock: Callable[[], float] = time.monotonic) -> int:
    """Run one drill session; return the process exit code."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty()
    progress = Progress.load(progress_path)
    if progress.notice:
        out.write(f"note: {progress.notice}\n")
    drill = Drill(progress, seed=seed)
    questions = drill.next_questions(load_bank(topics=topics), count)
    if not questions:
        out.write("Nothing to drill: no questions for these topics.\n")
        return 0
    deadline = clock() + minutes * 60 if minutes else None
    results: list[Feedback] = []
    for n, q in enumerate(questions, 1):
        if deadline is not None:
            left = deadline - clock()
            if left <= 0:
                out.write(f"\nTime is up: {len(questions) - n + 1} question(s) not reached.\n")
                break
            out.write(f"\n[{int(left // 60)}:{int(left % 60):02d} left]")
        _ask(q, n, len(questions), out)
        started = clock()
        feedback = None
        for _attempt in range(3):   # a wrong kind of answer is explained and asked again, not failed
            answer = _read_answer(stdin, interactive, out)
            if answer is None:
                break
            feedback = check(q, answer)
            if feedback.understood:
                break
            out.write(feedback.message + "\n")
            feedback = None
        if answer is None:
            out.write("\n(end of input)\n")
            break
        if deadline is not None and clock() > deadline:
            out.write("Time ran out before this answer: not counted.\n")
            break
        if feedback is None:
            out.write("  skipped.\n")
            continue
        out.write(feedback.text() + "\n")
        due = drill.record(feedback, seconds=clock() - started)
        progress.save()
        results.append(feedback)
        out.write(f"  next review: {_when(due, datetime.now(timezone.utc))}\n")
    out.write(summary(results, progress))
    return 0


def summary(results: list[Feedback], progress: Progress) -> str:
    """Score of this session by topic, and the weakest topics across all sessions."""
    if not results:
        return "\nNo answers recorded this time.\n"
    lines = [f"\nThis session: {sum(f.fraction for f in results):.1f} / {len(results)}"]
    by_topic: dict[str, list[float]] = {}
    for f in results:
        by_topic.setdefault(f.question.topic, []).append(f.fraction)
    for topic, scores in sorted(by_topic.items()):
        lines.append(f"  {topic:<16} {sum(scores) / len(scores):>5.0%}  ({len(scores)} answered)")
    weak = [w for w in progress.weak_topics() if w[1] < 0.7][:3]
    if weak:
        lines.append("Weakest topics so far: " + ", ".join(f"{t} ({s:.0%} over {n})" for t, s, n in weak))
        lines.append(f"  drill them: serverless-lab drill --topics {','.join(t for t, _, _ in weak)}")
    lines.append(f"Progress saved in {progress.path}")
    return "\n".join(lines) + "\n"
