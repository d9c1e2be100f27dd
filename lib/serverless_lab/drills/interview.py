"""A timed mock interview: N questions in M minutes, a score by topic at the end.

``MockInterview`` holds the logic (usable from code and tests, with an injectable clock); ``widget()``
puts it in the notebook. Time is checked at each answer: an answer given after the time is up is not
counted, and questions not reached count as unanswered — as in a real interview.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LabError
from .bank import Question, load_bank
from .progress import Progress
from .schedule import Drill, Rating, suggest
from .scoring import Feedback, check


@dataclass
class InterviewReport:
    answered: int
    total: int
    score: float                                        # sum of fractions
    by_topic: dict[str, tuple[float, int]] = field(default_factory=dict)   # topic -> (mean, questions)
    timed_out: bool = False

    def text(self) -> str:
        lines = [f"Score {self.score:.1f} / {self.total} ({self.answered} answered"
                 f"{', time ran out' if self.timed_out else ''})"]
        for topic, (mean, n) in sorted(self.by_topic.items(), key=lambda kv: kv[1][0]):
            lines.append(f"  {topic:<16} {mean:>5.0%}  ({n} question{'s' if n > 1 else ''})")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        rows = "".join(f"\n| {t} | {m:.0%} | {n} |" for t, (m, n) in sorted(self.by_topic.items(), key=lambda kv: kv[1][0]))
        return (f"**Score {self.score:.1f} / {self.total}** ({self.answered} answered"
                f"{', time ran out' if self.timed_out else ''})\n\n| topic | score | questions |\n|---|---|---|{rows}")


class MockInterview:
    """Pick ``count`` questions across topics; answer them one by one within ``minutes``."""

    def __init__(self, count: int = 10, minutes: float = 20, *, topics: list[str] | None = None,
                 kinds: list[str] | None = None, seed: int | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 progress: str | Path | Progress | None = None) -> None:
        pool = load_bank(topics=topics, kinds=kinds)
        if count < 1 or minutes <= 0:
            raise LabError(f"A mock interview needs at least one question and some time (got count={count}, "
                           f"minutes={minutes}).", "Try MockInterview(count=10, minutes=20).")
        rng = random.Random(seed)
        by_topic: dict[str, list[Question]] = {}
        for q in pool:
            by_topic.setdefault(q.topic, []).append(q)
        for qs in by_topic.values():
            rng.shuffle(qs)
        order = sorted(by_topic)
        rng.shuffle(order)
        picked: list[Question] = []
        while len(picked) < min(count, len(pool)):      # round-robin over topics: breadth first
            for topic in order:
                if by_topic[topic] and len(picked) < count:
                    picked.append(by_topic[topic].pop())
        self.questions = picked
        self.minutes = minutes
        self.clock = clock
        self.started = clock()
        self.feedback: list[Feedback] = []
        self.ratings: list[Rating] = []          # the learner's rating of each answer, in order
        self.timed_out = False
        self.progress = Progress.load(progress) if isinstance(progress, (str, Path)) else progress
        self.drill = Drill(self.progress) if self.progress is not None else None

    def rate(self, rating: Rating | None = None) -> Rating:
        """The learner rates the last answer (default: the suggested rating); with progress, FSRS gets it."""
        if len(self.ratings) >= len(self.feedback):
            raise LabError("There is no answer waiting for a rating.", "Answer the current question first.")
        f = self.feedback[len(self.ratings)]
        given = rating if rating is not None else suggest(f)
        self.ratings.append(given)
        if self.drill is not None and self.progress is not None:
            self.drill.record(f, rating=given)
            self.progress.save()
        return given

    @property
    def seconds_left(self) -> float:
        return max(0.0, self.started + self.minutes * 60 - self.clock())

    @property
    def done(self) -> bool:
        return self.timed_out or len(self.feedback) >= len(self.questions) or self.seconds_left <= 0

    @property
    def current(self) -> Question | None:
        return None if self.done else self.questions[len(self.feedback)]

    def answer(self, answer: object) -> Feedback:
        """Check the answer to the current question and move on (a wrong kind of answer does not move on)."""
        if self.seconds_left <= 0 and len(self.feedback) < len(self.questions):
            self.timed_out = True
            raise LabError("Time is up: this answer came too late and is not counted.", "See .report().")
        q = self.current
        if q is None:
            raise LabError("The interview is over.", "Look at .report(), or start a new MockInterview().")
        if len(self.ratings) < len(self.feedback):       # the previous answer was not rated: its suggestion
            self.rate()
        feedback = check(q, answer)
        if feedback.understood:
            self.feedback.append(feedback)
        return feedback

    def report(self) -> InterviewReport:
        if self.seconds_left <= 0 and len(self.feedback) < len(self.questions):
            self.timed_out = True
        by_topic: dict[str, list[float]] = {}
        for q in self.questions:
            by_topic.setdefault(q.topic, [])
        for f in self.feedback:
            by_topic[f.question.topic].append(f.fraction)
        counts = {q.topic: 0 for q in self.questions}
        for q in self.questions:
            counts[q.topic] += 1
        means = {t: (sum(s) / counts[t], counts[t]) for t, s in by_topic.items()}   # unanswered count as 0
        return InterviewReport(len(self.feedback), len(self.questions),
                               sum(f.fraction for f in self.feedback), means, self.timed_out)

    def widget(self):  # noqa: ANN201 - ipywidgets is imported lazily
        from .widgets import interview_widget

        return interview_widget(self)
