"""The question bank: one TOML file of questions, each with a model answer, key points and a source."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..errors import LabError

BANK = Path(__file__).with_name("questions.toml")
KINDS = ("concept", "estimate", "debug", "design", "stale")


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    kind: str
    question: str
    answer: str
    points: tuple[str, ...]
    source: str
    date: str
    choices: tuple[str, ...] = ()
    correct: int | None = None
    numeric: float | None = None
    tolerance: float = 0.02
    unit: str = ""
    patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @property
    def is_choice(self) -> bool:
        return bool(self.choices)

    @property
    def is_numeric(self) -> bool:
        return self.numeric is not None


def _problem(where: str, what: str) -> LabError:
    return LabError(f"Question bank {where}: {what}.",
                    "Fix the entry in the bank file (each [[q]] needs id, topic, kind, question, answer, "
                    "points, source and date; see the comment at the top of questions.toml).")


def _question(raw: dict, where: str) -> Question:
    required = ("id", "topic", "kind", "question", "answer", "points", "source", "date")
    missing = [k for k in required if not raw.get(k)]
    if missing:
        raise _problem(where, f"missing {', '.join(missing)}")
    if raw["kind"] not in KINDS:
        raise _problem(where, f"kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    patterns = []
    for point in raw["points"]:
        try:
            patterns.append(re.compile(point, re.IGNORECASE))
        except re.error as exc:
            raise _problem(where, f"key point {point!r} is not a valid pattern ({exc})") from exc
    choices = tuple(raw.get("choices", ()))
    correct = raw.get("correct")
    if choices and (not isinstance(correct, int) or not 0 <= correct < len(choices)):
        raise _problem(where, "a multiple-choice question needs `correct`, the 0-based index of the right choice")
    numeric = raw.get("numeric")
    return Question(
        id=raw["id"], topic=raw["topic"], kind=raw["kind"], question=raw["question"].strip(),
        answer=raw["answer"].strip(), points=tuple(raw["points"]), source=raw["source"], date=raw["date"],
        choices=choices, correct=correct, numeric=float(numeric) if numeric is not None else None,
        tolerance=float(raw.get("tolerance", 0.02)), unit=raw.get("unit", ""), patterns=tuple(patterns))


def parse_bank(text: str, where: str = "questions.toml") -> list[Question]:
    """Parse and validate a bank's TOML text (every question, or one clear error)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"The question bank {where} is not valid TOML: {exc}.",
                       "Fix the file (a missing quote or bracket near the line named).") from exc
    questions = [_question(raw, f"{where}, question {raw.get('id', i + 1)}") for i, raw in enumerate(data.get("q", []))]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise _problem(where, f"the id {q.id!r} is used twice")
        seen.add(q.id)
    return questions


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Question, ...]:
    return tuple(parse_bank(Path(path).read_text(encoding="utf-8"), Path(path).name))


def load_bank(path: str | Path | None = None, *, topics: list[str] | tuple[str, ...] | None = None,
              kinds: list[str] | tuple[str, ...] | None = None) -> list[Question]:
    """The questions of the bank, optionally only some topics and kinds."""
    questions = list(_load(str(path or BANK)))
    if topics:
        known = {q.topic for q in questions}
        unknown = sorted(set(topics) - known)
        if unknown:
            raise LabError(f"No such topic in the question bank: {', '.join(unknown)}.",
                           f"Topics: {', '.join(sorted(known))}.")
        questions = [q for q in questions if q.topic in topics]
    if kinds:
        questions = [q for q in questions if q.kind in kinds]
    return questions


def topics(path: str | Path | None = None) -> list[str]:
    """Every topic of the bank, sorted."""
    return sorted({q.topic for q in load_bank(path)})


def by_id(question_id: str, path: str | Path | None = None) -> Question:
    for q in load_bank(path):
        if q.id == question_id:
            return q
    raise LabError(f"No question {question_id!r} in the bank.", "Use load_bank() to list the ids.")
