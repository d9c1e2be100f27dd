"""Event pattern validation with EventBridge's own error messages, and ``TestEventPattern``.

moto checks only that a pattern is JSON and that its values are objects or arrays: a pattern
such as ``{"detail": {"amount": [{"numeric": [">", "100"]}]}}`` (a string where a number
belongs) is stored and then silently matches nothing, a top-level array fails with an
``AttributeError`` from inside moto, and ``TestEventPattern`` answers nothing at all. AWS
rejects such patterns at ``PutRule`` with ``InvalidEventPatternException`` and a reason
("Event pattern is not valid. Reason: Value of > must be numeric"). This module checks a
pattern the way EventBridge's documented comparison operators allow ("Content filtering in
Amazon EventBridge event patterns", EventBridge User Guide) and gives the same reasons, so a
student sees what to fix:

- every leaf is a non-empty array; objects nest; ``$or`` holds an array of sub-patterns;
- a match expression is an object with exactly one known operator (``prefix``, ``suffix``,
  ``anything-but``, ``numeric``, ``exists``, ``equals-ignore-case``, ``cidr``, ``wildcard``)
  whose value has the documented type;
- ``numeric`` is ``[op, number]`` or ``[">"|">=", low, "<"|"<=", high]`` with low < high.

``TestEventPattern`` is answered with moto's matcher after the same validation; both are installed
from ``seams`` (``install_pattern_checks``).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

_OPERATORS = ("prefix", "suffix", "anything-but", "numeric", "exists", "equals-ignore-case",
              "cidr", "wildcard")


class PatternError(Exception):
    """Raised with EventBridge's reason; :func:`install` turns it into moto's exception."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_event_pattern(pattern: Any) -> None:
    """Raise :class:`PatternError` with EventBridge's reason if ``pattern`` is not valid."""
    if not isinstance(pattern, dict):
        raise PatternError("Filter is not an object")
    if pattern:   # moto stores a schedule rule's missing pattern as {}
        _object(pattern)


def _object(pattern: dict[str, Any]) -> None:
    if not pattern:
        raise PatternError("Empty objects are not allowed")
    for key, value in pattern.items():
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2:
                raise PatternError("\"$or\" must be an array of at least two objects")
            for sub in value:
                if not isinstance(sub, dict):
                    raise PatternError("\"$or\" must be an array of at least two objects")
                _object(sub)
        elif isinstance(value, dict):
            _object(value)
        elif isinstance(value, list):
            if not value:
                raise PatternError("Empty arrays are not allowed")
            for rule in value:
                _rule(rule)
        else:
            raise PatternError(f"\"{key}\" must be an object or an array")


def _rule(rule: Any, inside: str | None = None) -> None:
    if rule is None or isinstance(rule, (str, bool, int, float)):
        return
    if not isinstance(rule, dict):
        raise PatternError("Match value must be String, number, true, false, or null")
    if len(rule) != 1:
        raise PatternError("Only one key allowed in match expression")
    (operator, value), = rule.items()
    if operator not in _OPERATORS:
        raise PatternError(f"Unrecognized match type {operator}")
    if operator in ("prefix", "suffix", "equals-ignore-case"):
        if inside == "anything-but":
            if not (isinstance(value, str) or (isinstance(value, list) and value
                                               and all(isinstance(v, str) for v in value))):
                raise PatternError(f"{operator} match pattern must be a string")
        elif isinstance(value, dict) and operator == "prefix" and set(value) == {"equals-ignore-case"}:
            return
        elif not isinstance(value, str):
            raise PatternError(f"{operator} match pattern must be a string")
        return
    if operator == "anything-but":
        if isinstance(value, list):
            if not value:
                raise PatternError("Empty arrays are not allowed")
            for item in value:
                if not (item is None or isinstance(item, (str, int, float, bool))):
                    raise PatternError("Inside anything but list, start|null|boolean is not supported.")
        elif isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in ("prefix", "suffix",
                                                            "equals-ignore-case", "wildcard"):
                raise PatternError(f"Unsupported anything-but pattern: {', '.join(value) or '{}'}")
            _rule(value, inside="anything-but")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise PatternError("Value of anything-but must be an array or single string/number value.")
        return
    if operator == "exists":
        if not isinstance(value, bool):
            raise PatternError("exists match pattern must be either true or false.")
        return
    if operator == "numeric":
        _numeric(value)
        return
    if operator == "cidr":
        if not isinstance(value, str):
            raise PatternError("prefix match pattern must be a string")
        if value.count("/") != 1:
            raise PatternError("Malformed CIDR, one '/' required")
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise PatternError(f"Nonstandard IP address: {value.split('/')[0]}") from None
        return
    if operator == "wildcard":
        values = value if inside == "anything-but" and isinstance(value, list) else [value]
        for text in values:
            if not isinstance(text, str):
                raise PatternError("wildcard match pattern must be a string")
            if "**" in text:
                raise PatternError(f"Consecutive wildcard characters at pos {text.index('**') + 1}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric(value: Any) -> None:
    if not isinstance(value, list):
        raise PatternError("Value of numeric must be an array.")
    if not value:
        raise PatternError("Invalid member in numeric match: ]")
    op = value[0]
    if not isinstance(op, str):
        raise PatternError(f"Invalid member in numeric match: {op}")
    if op not in ("<", "<=", "=", ">", ">="):
        raise PatternError(f"Unrecognized numeric range operator: {op}")
    if len(value) < 2 or not _is_number(value[1]):
        raise PatternError(f"Value of {'equals' if op == '=' else op} must be numeric")
    if len(value) == 2:
        return
    if op not in (">", ">="):
        raise PatternError("Too many elements in numeric expression")
    second = value[2]
    if not isinstance(second, str):
        raise PatternError(f"Bad value in numeric range: {second}")
    if second not in ("<", "<="):
        raise PatternError(f"Bad numeric range operator: {second}")
    if len(value) < 4 or not _is_number(value[3]):
        raise PatternError(f"Value of {second} must be numeric")
    if value[3] <= value[1]:
        raise PatternError("Bottom must be less than top")
    if len(value) > 4:
        raise PatternError("Too many terms in numeric range expression")


def check(pattern: str | dict) -> None:
    """Raise moto's ``InvalidEventPatternException`` (AWS's error) if ``pattern`` is not valid.

    For a lab: ``check('{"source": "x"}')`` raises with the reason EventBridge gives.
    """
    from moto.events.exceptions import InvalidEventPatternException

    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError:
            raise InvalidEventPatternException(reason="Invalid JSON") from None
    try:
        validate_event_pattern(pattern)
    except PatternError as exc:
        raise InvalidEventPatternException(reason=exc.reason) from None
