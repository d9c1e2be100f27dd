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


# Words a fluent engineer uses for the same idea. A key point that names one of them (as a whole word)
# also accepts the others, so "a different bucket" meets a point written as "another bucket".
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("another", "different", "separate", "second", "other"),
    ("caps", "capped", "capping", "limit", "limits", "ceiling", "maximum", "upper bound"),
    ("billed", "charged", "paid for", "you pay for"),
    ("duplicate", "duplicates", "twice", "more than once"),
    ("retries", "retried", "redelivered", "redelivery", "delivered again"),
)


def _group(words: tuple[str, ...]) -> str:
    return r"\b(?:" + "|".join(re.escape(w).replace("\\ ", " ") for w in sorted(words, key=len, reverse=True)) + ")"


def expand(point: str) -> str:
    """A key point's pattern with its synonyms and hyphen/space variants added ("dead-letter" also reads
    "dead letter" and "deadletter")."""
    for words in SYNONYMS:
        found = r"(?<![\\\w\[(?])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w\]])"
        replacement = _group(words)
        point = re.sub(found, lambda _m: replacement, point)  # noqa: B023 - used at once
    return re.sub(r"(?<=[a-z])-(?=[a-z])", "[- ]?", point)


@dataclass(frozen=True)
class Misconception:
    """A wrong belief an answer can state: its name (shown to the learner), the pattern that detects it,
    and the key point it contradicts (index into the question's points; that point is not credited)."""

    says: str
    pattern: re.Pattern[str] = field(compare=False, repr=False)
    point: int | None = None


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
    misconceptions: tuple[Misconception, ...] = field(default=(), compare=False, repr=False)

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
            patterns.append(re.compile(expand(point), re.IGNORECASE))
        except re.error as exc:
            raise _problem(where, f"key point {point!r} is not a valid pattern ({exc})") from exc
    misconceptions = []
    for m in raw.get("misconceptions", ()):
        if not isinstance(m, dict) or not m.get("says") or not m.get("pattern"):
            raise _problem(where, "each misconception needs `says` (its name) and `pattern`")
        point = m.get("point")
        if point is not None and not (isinstance(point, int) and 0 <= point < len(raw["points"])):
            raise _problem(where, f"misconception {m['says']!r}: `point` must be a 0-based index into points")
        try:
            misconceptions.append(Misconception(m["says"], re.compile(expand(m["pattern"]), re.IGNORECASE), point))
        except re.error as exc:
            raise _problem(where, f"misconception pattern {m['pattern']!r} is not valid ({exc})") from exc
    choices = tuple(raw.get("choices", ()))
    correct = raw.get("correct")
    if choices and (not isinstance(correct, int) or not 0 <= correct < len(choices)):
        raise _problem(where, "a multiple-choice question needs `correct`, the 0-based index of the right choice")
    numeric = raw.get("numeric")
    return Question(
        id=raw["id"], topic=raw["topic"], kind=raw["kind"], question=raw["question"].strip(),
        answer=raw["answer"].strip(), points=tuple(raw["points"]), source=raw["source"], date=raw["date"],
        choices=choices, correct=correct, numeric=float(numeric) if numeric is not None else None,
        tolerance=float(raw.get("tolerance", 0.02)), unit=raw.get("unit", ""), patterns=tuple(patterns),
        misconceptions=tuple(misconceptions))


def make_question(raw: dict, where: str) -> Question:
    """One question from a dict shaped like a bank entry (used by the design round's follow-ups)."""
    return _question(raw, where)


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
