"""`serverless-lab drill`: spaced-repetition interview drill in the terminal.

On a terminal, an answer is one or more lines ended by an empty line; after the feedback the learner rates
the card with one key (1 Again, 2 Hard, 3 Good, 4 Easy; Enter accepts the suggested rating), and FSRS gets
that rating. When standard input is not a terminal (scripts, tests) each line is one answer and the
suggested rating is used, unless the next line is a rating line (``rate: 2``, ``rate: hard``). Progress is
saved after every answer, so Ctrl-C or a closed terminal loses nothing.
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
from .schedule import Drill, Rating, parse_rating, suggest
from .scoring import Feedback, check


def _when(due: datetime, now: datetime) -> str:
    seconds = (due - now).total_seconds()
    if seconds < 3600:
        return f"in {max(1, round(seconds / 60))} min"
    if seconds < 86400 * 2:
        return f"in {round(seconds / 3600)} h"
    return f"in {round(seconds / 86400)} days"


class _Lines:
    """Lines of a non-terminal input with one line of look-ahead (to see whether a rating line follows)."""

    def __init__(self, stdin: IO[str]) -> None:
        self.stdin = stdin
        self.pending: str | None = None

    def readline(self) -> str:
        if self.pending is not None:
            line, self.pending = self.pending, None
            return line
        return self.stdin.readline()

    def peek(self) -> str:
        if self.pending is None:
            self.pending = self.stdin.readline()
        return self.pending


_RATING_LINE = ("rate", "rating")
_PROMPT = "Rate it: 1 Again · 2 Hard · 3 Good · 4 Easy — Enter = {name} (suggested): "


def _read_key(stdin: IO[str]) -> str:
    """One key press from a terminal (cbreak mode), or a line when the terminal cannot be switched."""
    try:
        import termios
        import tty

        fd = stdin.fileno()
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError, AttributeError):
        return stdin.readline()
    try:
        tty.setcbreak(fd)
        return stdin.read(1)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


def ask_rating(suggested: Rating, stdin: IO[str] | _Lines, interactive: bool, out: IO[str]) -> Rating:
    """The learner's rating: a key on a terminal (asked again until it is 1–4 or Enter); in stdin mode the
    suggestion, unless the next line is a rating line (``rate: 3``)."""
    if not interactive:
        assert isinstance(stdin, _Lines)
        nxt = stdin.peek()
        if nxt.strip().lower().startswith(_RATING_LINE):
            stdin.readline()
            given = parse_rating(nxt, suggested)
            if given is None:
                out.write(f"  rating line {nxt.strip()!r} not understood: kept {suggested.name}\n")
                return suggested
            out.write(f"  rated {given.name} (suggested {suggested.name})\n")
            return given
        out.write(f"  rated {suggested.name} (suggested)\n")
        return suggested
    while True:
        out.write(_PROMPT.format(name=suggested.name))
        out.flush()
        key = _read_key(stdin)  # type: ignore[arg-type]
        if key == "":
            out.write("\n")
            return suggested
        given = parse_rating(key if key.strip() else "", suggested)
        if given is not None:
            out.write(f"{given.name}\n")
            return given
        out.write("\n  press 1, 2, 3 or 4, or Enter for the suggestion\n")


def _read_answer(stdin: IO[str] | _Lines, interactive: bool, out: IO[str]) -> str | None:
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
              clock: Callable[[], float] = time.monotonic, questions: list[Question] | None = None) -> int:
    """Run one drill session; return the process exit code. ``questions``: drill exactly these, in order
    (default: due reviews, then new ones, from the bank)."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty()
    source: IO[str] | _Lines = stdin if interactive else _Lines(stdin)
    progress = Progress.load(progress_path)
    if progress.notice:
        out.write(f"note: {progress.notice}\n")
    drill = Drill(progress, seed=seed)
    if questions is None:
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
            answer = _read_answer(source, interactive, out)
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
        seconds = clock() - started
        given = ask_rating(suggest(feedback), source, interactive, out)
        due = drill.record(feedback, seconds=seconds, rating=given)
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


def run_design(*, scenario_id: str | None = None, seed: int | None = None, stdin: IO[str] | None = None,
               out: IO[str] | None = None) -> int:
    """`serverless-lab drill --design`: one scenario, its follow-ups, then strengths and gaps by stage."""
    from .design import DesignRound

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    interactive = stdin.isatty()
    source: IO[str] | _Lines = stdin if interactive else _Lines(stdin)
    design = DesignRound(scenario_id, seed=seed)
    out.write(f"\nDesign round · {design.scenario.title}\n")
    out.write(textwrap.fill(design.scenario.brief, 96) + "\n")
    while not design.done:
        out.write("\n" + design.prompt() + "\n")
        if interactive:
            out.write("  (end with an empty line)\n")
        for _attempt in range(3):
            answer = _read_answer(source, interactive, out)
            if answer is None:
                out.write("\n(end of input)\n")
                out.write("\n" + design.report().text() + "\n")
                return 0
            result = design.answer(answer)
            if result.feedback.understood:
                out.write(result.text() + "\n")
                break
            out.write(result.feedback.message + "\n")
        else:
            out.write("  skipped.\n")
            break
    out.write("\n" + design.report().text() + "\n")
    return 0
