"""Which question comes next: FSRS spaced repetition (the ``fsrs`` package), not a hand-written scheduler.

Each question is an FSRS card. The automatic check *suggests* a rating (Again, Hard, Good, Easy) from its
score; the learner has the last word, as in Anki (keys 1–4, Enter accepts the suggestion), and FSRS gets the
learner's rating. FSRS then sets the card's next due date. New questions come after the due ones.
"""

from __future__ import annotations

import random
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from .bank import Question
from .progress import Progress
from .scoring import Feedback

RATINGS = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)     # keys 1, 2, 3, 4


def suggest(feedback: Feedback) -> Rating:
    """The rating the automatic check suggests: all points Easy, most Good, some Hard, few Again. An answer
    that states a misconception is at best Hard: it cannot be suggested Good."""
    if not feedback.understood or feedback.fraction < 0.3:
        return Rating.Again
    if feedback.question.is_choice or feedback.question.is_numeric:
        return Rating.Good if feedback.correct else Rating.Again
    if feedback.misconceptions:
        return Rating.Hard
    if feedback.fraction >= 0.95:
        return Rating.Easy
    return Rating.Good if feedback.fraction >= 0.6 else Rating.Hard


rating = suggest   # the name earlier versions used


def parse_rating(text: str, suggested: Rating) -> Rating | None:
    """A learner's rating from a key or a word: "1"–"4", "again"/"hard"/"good"/"easy" (or their first
    letter), or empty for the suggestion; None when it is none of these."""
    s = text.strip().lower()
    if s.startswith("rate") or s.startswith("rating"):
        s = s.split(":", 1)[-1] if ":" in s else s.split(None, 1)[-1] if " " in s else ""
        s = s.strip()
    if not s:
        return suggested
    if s in ("1", "2", "3", "4"):
        return RATINGS[int(s) - 1]
    for r in RATINGS:
        if s in (r.name.lower(), r.name.lower()[0]):
            return r
    return None


class Drill:
    """Picks due questions and records answers into a :class:`Progress`."""

    def __init__(self, progress: Progress, *, seed: int | None = None) -> None:
        self.progress = progress
        self.scheduler = Scheduler(enable_fuzzing=False)
        self.random = random.Random(seed)

    def card(self, q: Question) -> Card:
        raw = self.progress.cards.get(q.id)
        return Card.from_dict(raw) if raw else Card()  # type: ignore[arg-type]  # fsrs.CardDict is a TypedDict

    def next_questions(self, questions: list[Question], count: int,
                       now: datetime | None = None) -> list[Question]:
        """Due reviews first (most overdue first), then new questions in random order."""
        now = now or datetime.now(timezone.utc)
        due, new = [], []
        for q in questions:
            if q.id in self.progress.cards:
                card = self.card(q)
                if card.due <= now:
                    due.append((card.due, q))
            else:
                new.append(q)
        due.sort(key=lambda pair: pair[0])
        self.random.shuffle(new)
        return ([q for _, q in due] + new)[:count]

    def record(self, feedback: Feedback, now: datetime | None = None, seconds: float | None = None,
               rating: Rating | None = None) -> datetime:
        """Store the answer with the learner's ``rating`` (default: the suggested one); return when the
        question is due again."""
        now = now or datetime.now(timezone.utc)
        q = feedback.question
        suggested = suggest(feedback)
        given = rating if rating is not None else suggested
        card, _log = self.scheduler.review_card(self.card(q), given, review_datetime=now)
        self.progress.cards[q.id] = dict(card.to_dict())
        self.progress.history.append({"id": q.id, "topic": q.topic, "score": round(feedback.fraction, 3),
                                      "correct": feedback.correct, "at": now.isoformat(),
                                      "rating": given.name, "suggested": suggested.name,
                                      "seconds": None if seconds is None else round(seconds, 1)})
        return card.due
