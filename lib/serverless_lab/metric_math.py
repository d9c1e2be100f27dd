"""The part of CloudWatch metric math an alarm needs: arithmetic over time series, period by period.

"Using metric math" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html):
an expression combines the time series named by the other queries' ``Id`` (``m1``, ``errors``...)
with ``+ - * /``, parentheses and numbers; a number and a series combine with every datapoint.
``FILL(m, value)`` gives a period without data the value. The course refuses every other function
(``IF``, ``METRICS()``, ``RATE``, ``SEARCH``...) with an error naming it, rather than guessing.

A series here is a list of ``float | None`` (``None`` = no datapoint in that period), oldest first.
A period where an operand has no datapoint, or that divides by zero, has no datapoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Series = list[float | None]

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")
_ID = re.compile(r"^[a-z][A-Za-z0-9_]*$")


class MetricMathError(ValueError):
    """An expression the course cannot evaluate (the message says why and what to write instead)."""


def _tokens(expression: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for number, name, other in _TOKEN.findall(expression):
        if number:
            out.append(("num", number))
        elif name:
            out.append(("name", name))
        elif other.strip():
            out.append(("op", other))
    return out


def _combine(a: Series | float, b: Series | float, fn: Callable[[float, float], float | None],
             length: int) -> Series:
    left = a if isinstance(a, list) else [a] * length
    right = b if isinstance(b, list) else [b] * length
    return [None if x is None or y is None else fn(x, y) for x, y in zip(left, right)]


def _div(x: float, y: float) -> float | None:
    return None if y == 0 else x / y


_OPS: dict[str, Callable[[float, float], float | None]] = {
    "+": lambda x, y: x + y, "-": lambda x, y: x - y, "*": lambda x, y: x * y, "/": _div}


def _apply(op: str, a: Series | float, b: Series | float, length: int, expression: str) -> Series | float:
    if isinstance(a, list) or isinstance(b, list):
        return _combine(a, b, _OPS[op], length)
    value = _OPS[op](a, b)
    if value is None:
        raise MetricMathError(f"{expression!r} divides a number by zero")
    return value


def evaluate(expression: str, series: dict[str, Series], length: int) -> Series:
    """The series ``expression`` computes from ``series`` (id → series of ``length`` periods)."""
    tokens = _tokens(expression)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take(kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        nonlocal pos
        tok = peek()
        if tok is None or (kind and tok[0] != kind) or (value and tok[1] != value):
            raise MetricMathError(f"cannot read the metric math expression {expression!r} at token {pos + 1} "
                                  f"({tok[1] if tok else 'end'}): expected {value or kind}")
        pos += 1
        return tok

    def atom() -> Series | float:
        tok = take()
        if tok == ("op", "("):
            inner = expr()
            take("op", ")")
            return inner
        if tok == ("op", "-"):
            value = atom()
            return _combine(value, -1.0, _OPS["*"], length) if isinstance(value, list) else -value
        if tok[0] == "num":
            return float(tok[1])
        if tok[0] == "name":
            if peek() == ("op", "("):
                if tok[1].upper() != "FILL":
                    raise MetricMathError(
                        f"the course evaluates + - * /, parentheses and FILL(m, value) in alarm metric math; "
                        f"{tok[1]}() is not supported here: write the expression with those")
                take("op", "(")
                inner = expr()
                take("op", ",")
                fill = expr()
                take("op", ")")
                if not isinstance(fill, float):
                    raise MetricMathError("FILL's second argument must be a number here")
                base = inner if isinstance(inner, list) else [inner] * length
                return [fill if v is None else v for v in base]
            if tok[1] not in series:
                raise MetricMathError(f"{expression!r} uses {tok[1]!r}, which is not the Id of another query "
                                      f"of this alarm (ids: {', '.join(sorted(series)) or 'none'})")
            return list(series[tok[1]])
        raise MetricMathError(f"cannot read the metric math expression {expression!r} at {tok[1]!r}")

    def term() -> Series | float:
        value = atom()
        while peek() in (("op", "*"), ("op", "/")):
            op = take()[1]
            right = atom()
            value = _apply(op, value, right, length, expression)
        return value

    def expr() -> Series | float:
        value = term()
        while peek() in (("op", "+"), ("op", "-")):
            op = take()[1]
            right = term()
            value = _apply(op, value, right, length, expression)
        return value

    if not tokens:
        raise MetricMathError("an empty metric math expression")
    result = expr()
    if peek() is not None:
        raise MetricMathError(f"cannot read the metric math expression {expression!r} after token {pos}: "
                              f"{tokens[pos][1]!r} is unexpected")
    return result if isinstance(result, list) else [result] * length


def names(expression: str) -> set[str]:
    """The ids an expression uses (function names excluded)."""
    tokens = _tokens(expression)
    return {t[1] for i, t in enumerate(tokens)
            if t[0] == "name" and not (i + 1 < len(tokens) and tokens[i + 1] == ("op", "("))}


def check_id(query_id: str) -> None:
    """A query Id starts with a lowercase letter ("MetricDataQuery", CloudWatch API Reference)."""
    if not _ID.match(query_id or ""):
        raise MetricMathError(f"the query Id {query_id!r} must start with a lowercase letter and hold only "
                              "letters, digits and underscores")
