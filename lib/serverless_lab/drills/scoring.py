"""Scoring in the open: which key points an answer names, which it misses, and why.

A free-text answer is matched against the question's key points (each a case-insensitive pattern whose
alternatives are separated by ``|``, widened by the bank's synonyms); the student sees every point hit and
missed, never a bare number. Naming a point is not enough: a point named inside a negation within its
clause ("it is **not** 29 seconds", "reserved **doesn't** cap anything") is not credited and is listed as
contradicted, and an answer that states one of the question's known misconceptions is told so by name,
loses the point that misconception contradicts, and does not pass.
A multiple-choice answer is an index, a letter or the choice's text; an estimate is a number (or text
whose last number is the estimate) within the question's relative tolerance. An answer of the wrong
kind gets an explanation of what to give instead, not a traceback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from .bank import Misconception, Question

_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")


def label(point: str) -> str:
    """A key point's readable name: its first alternative without pattern syntax."""
    depth, first = 0, point
    for i, ch in enumerate(point):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0 and (i == 0 or point[i - 1] != "\\"):
            first = point[:i]
            break
    text = first.replace(".*", " … ").replace(".?", " ").replace("\\s", " ")
    text = re.sub(r"\((?:\?:)?([^()]*)\)", lambda m: m.group(1).replace("|", "/"), text)
    text = re.sub(r"\\(.)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]", lambda m: m.group(1)[:1], text)
    return re.sub(r"\s+", " ", text.replace("?", "")).strip()


# Words that turn a clause around. A key point is not credited when one of them comes before it in the same
# clause (clauses end at punctuation and at the conjunctions in _CLAUSE_BREAK).
_NEGATION = re.compile(
    r"\b(?:not|no|never|no longer|neither|nor|without|cannot|can't|won't|isn't|aren't|wasn't|"
    r"weren't|doesn't|don't|didn't|shouldn't|wouldn't|couldn't|hasn't|haven't|mustn't|nobody|nowhere|"
    r"lacks?|fails? to|impossible|false that|untrue)\b", re.IGNORECASE)
_NOT_NEGATION = re.compile(r"\bnot only\b|\bno matter\b|\bif not\b|\ball.or.nothing\b|\bno later than\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r"[;!?\n()\u2014]|[.:](?=\s|$)|,(?!\d)|\s-\s|\b(?:but|and|or|so|because|while|whereas|although|though|then|which|"
    r"however|instead|unless|yet)\b", re.IGNORECASE)


def _clause_start(text: str, at: int) -> int:
    """Where the clause holding position ``at`` begins."""
    start = 0
    for m in _CLAUSE_BREAK.finditer(text):
        if m.start() >= at:
            break
        start = m.end()
    return start


def _negated(text: str, match: re.Match[str], pattern: re.Pattern[str]) -> bool:
    """Is this match of a key point said under a negation in its clause? A negation inside the match counts
    only when the point's own pattern does not spell one ("no cold start" is a claim, not a denial)."""
    start = _clause_start(text, max(match.end() - 1, match.start()))
    own = bool(_NEGATION.search(pattern.pattern.replace("\\b", " ")))
    stop = match.start() if own else match.end()
    window = text[start:max(stop, start)]
    window = _NOT_NEGATION.sub(" ", window)
    return bool(_NEGATION.search(window))


def find(pattern: re.Pattern[str], text: str) -> str:
    """``"hit"`` when the pattern is said affirmatively somewhere in ``text``, ``"negated"`` when it only
    appears under a negation, ``""`` when it does not appear."""
    seen = False
    for m in pattern.finditer(text):
        seen = True
        if not _negated(text, m, pattern):
            return "hit"
    return "negated" if seen else ""


def _normalise(text: str) -> str:
    text = re.sub(r"(?<=[A-Za-z])-(?=[A-Za-z])", " ", text)     # "all-or-nothing" reads as "all or nothing"
    return (text.replace("\u2011", "-").replace("\u2013", "-").replace("\u2014", "-").replace("\u00a0", " ")
            .replace("\u202f", " "))


@dataclass
class Feedback:
    """The result of checking one answer."""

    question: Question
    correct: bool
    fraction: float                      # 0..1: share of key points (text), or 0/1
    hit: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    message: str = ""                    # what was wrong with the answer's kind, or the verdict
    value: float | int | str | None = None
    negated: list[str] = field(default_factory=list)          # points named only under a negation
    misconceptions: list[str] = field(default_factory=list)   # misconceptions the answer states, by name

    @property
    def understood(self) -> bool:
        """False when the answer could not be read (wrong kind): it then counts as not answered."""
        return self.value is not None

    def text(self, *, with_answer: bool = True) -> str:
        """Plain-text feedback: verdict, points hit and missed, the model answer and its source."""
        lines = [self.message]
        for m in self.misconceptions:
            lines.append(f"  misconception: {m}")
        if self.negated:
            lines.append("  contradicted (named under a negation): " + "; ".join(self.negated))
        if self.hit:
            lines.append("  hit:    " + "; ".join(self.hit))
        if self.missed:
            lines.append("  missed: " + "; ".join(self.missed))
        if with_answer:
            lines.append(f"  model answer: {self.question.answer}")
            lines.append(f"  source: {self.question.source} (checked {self.question.date})")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        hit = "".join(f"\n- ✅ {p}" for p in self.hit)
        missed = "".join(f"\n- ❌ {p}" + (" (contradicted)" if p in self.negated else "") for p in self.missed)
        wrong = "".join(f"\n- ⚠️ misconception: {m}" for m in self.misconceptions)
        return (f"**{self.message}**\n{wrong}{hit}{missed}\n\n*Model answer:* {self.question.answer}\n\n"
                f"*Source:* <{self.question.source}> (checked {self.question.date})")


def _wrong_kind(q: Question, answer: object, expected: str) -> Feedback:
    return Feedback(q, False, 0.0, missed=[label(p) for p in q.points],
                    message=f"Not scored: this question wants {expected}, and the answer given is "
                            f"{type(answer).__name__} {answer!r}. Try again with {expected}.")


def _check_choice(q: Question, answer: object) -> Feedback:
    expected = (f"one of the choices: its number 0–{len(q.choices) - 1}, its letter "
                f"a–{chr(ord('a') + len(q.choices) - 1)}, or its text")
    index: int | None = None
    if isinstance(answer, bool):
        return _wrong_kind(q, answer, expected)
    if isinstance(answer, int):
        index = answer
    elif isinstance(answer, str):
        s = answer.strip()
        if s.isdigit():
            index = int(s)
        elif len(s) == 1 and s.isalpha():
            index = ord(s.lower()) - ord("a")
        else:
            matches = [i for i, c in enumerate(q.choices) if c.lower() == s.lower()]
            index = matches[0] if matches else None
    if index is None or not 0 <= index < len(q.choices):
        return _wrong_kind(q, answer, expected)
    ok = index == q.correct
    right = q.choices[q.correct or 0]
    return Feedback(q, ok, 1.0 if ok else 0.0, value=index,
                    hit=[right] if ok else [], missed=[] if ok else [right],
                    message="Correct." if ok else f"Not quite: you chose “{q.choices[index]}”; the answer is “{right}”.")


def parse_number(text: str) -> float | None:
    """The estimate in ``text``: the first number after the last ``=``, else the first number (commas as
    thousands separators); None when there is none. "$2.73", "about 100", "2 × 720 × 0.12 = 172.80" all read."""
    tail = text.rsplit("=", 1)[-1]
    found = _NUMBER.findall(tail) or _NUMBER.findall(text)
    return float(found[0].replace(",", "")) if found else None


def _check_numeric(q: Question, answer: object) -> Feedback:
    expected = f"a number ({q.unit})" if q.unit else "a number"
    if isinstance(answer, bool):
        return _wrong_kind(q, answer, expected)
    value: float | None
    if isinstance(answer, (int, float)):
        value = float(answer)
    elif isinstance(answer, str):
        value = parse_number(answer)
    else:
        value = None
    if value is None or math.isnan(value):
        return _wrong_kind(q, answer, expected)
    assert q.numeric is not None
    ok = math.isclose(value, q.numeric, rel_tol=q.tolerance, abs_tol=1e-9)
    unit = f" {q.unit}" if q.unit else ""
    if ok:
        message = f"Correct: {value:g}{unit} (expected {q.numeric:g}{unit}, within {q.tolerance:.0%})."
    else:
        off = "too high" if value > q.numeric else "too low"
        message = f"Not quite: {value:g}{unit} is {off}; expected {q.numeric:g}{unit} (within {q.tolerance:.0%})."
    feedback = Feedback(q, ok, 1.0 if ok else 0.0, value=value, message=message)
    if isinstance(answer, str):  # reasoning written out: show which steps it names too
        feedback.hit, feedback.missed, feedback.negated, feedback.misconceptions = _points(q, answer)
    return feedback


def stated(m: Misconception, text: str) -> bool:
    """Does ``text`` state the misconception (not merely deny it)?"""
    return find(m.pattern, _normalise(text)) == "hit"


def _points(q: Question, text: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """(hit, missed, negated, misconceptions stated) for a free-text answer."""
    norm = _normalise(text)
    wrong = [m for m in q.misconceptions if stated(m, norm)]
    lost = {m.point for m in wrong if m.point is not None}
    hit: list[str] = []
    missed: list[str] = []
    negated: list[str] = []
    for i, (point, pattern) in enumerate(zip(q.points, q.patterns)):
        found = find(pattern, norm)
        if found == "hit" and i not in lost:
            hit.append(label(point))
        else:
            missed.append(label(point))
            if found == "negated":
                negated.append(label(point))
    return hit, missed, negated, [m.says for m in wrong]


def _check_text(q: Question, answer: object) -> Feedback:
    if not isinstance(answer, str):
        return _wrong_kind(q, answer, "a few sentences of text")
    if not answer.strip():
        return Feedback(q, False, 0.0, missed=[label(p) for p in q.points], value="",
                        message="No answer yet: write a few sentences, then check again.")
    hit, missed, negated, wrong = _points(q, answer)
    score = len(hit) - sum(1 for m in q.misconceptions if m.says in wrong and m.point is None)
    fraction = max(0.0, score) / len(q.points) if q.points else 0.0
    ok = fraction >= 0.6 and not wrong
    verdict = ("States a misconception" if wrong else "Good answer" if fraction >= 0.8 else
               "Partly there" if ok else "Missing most key points")
    extra = f"; {len(negated)} named only to be denied" if negated else ""
    return Feedback(q, ok, fraction, hit, missed, value=answer, negated=negated, misconceptions=wrong,
                    message=f"{verdict}: {len(hit)} of {len(q.points)} key points{extra}.")


def check(question: Question, answer: object) -> Feedback:
    """Score ``answer`` to ``question`` in the open (see the module docstring)."""
    if question.is_choice:
        return _check_choice(question, answer)
    if question.is_numeric:
        return _check_numeric(question, answer)
    return _check_text(question, answer)
