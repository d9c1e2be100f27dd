"""Event patterns and target input, as EventBridge applies them before calling a target.

Matching uses moto's own :class:`moto.events.models.EventPattern` (exact values, prefix,
suffix, anything-but, numeric, exists, equals-ignore-case, cidr, wildcard, ``$or``), so a
pattern behaves the same for every target type. What a target receives is computed here,
because moto only knows part of it:

- no input setting: the whole event;
- ``Input``: that JSON text, as is;
- ``InputPath``: the part of the event the JSONPath selects;
- ``InputTransformer``: ``InputPathsMap`` variables filled into ``InputTemplate``. As the
  EventBridge guide documents, a variable inside a JSON string is inserted as raw text
  (quotes in it escaped), and outside a string as JSON (a string value gets its quotes); the
  predefined ``aws.events.rule-arn``, ``aws.events.rule-name``,
  ``aws.events.event.ingestion-time``, ``aws.events.event`` and ``aws.events.event.json`` are
  available. A path that selects nothing becomes ``null`` (empty text inside a string).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


def matches(pattern: str | dict | None, event: dict[str, Any]) -> bool:
    """Whether ``event`` matches an EventBridge pattern (JSON text or dict; None matches all)."""
    from moto.events.models import EventPattern

    raw = pattern if isinstance(pattern, str) or pattern is None else json.dumps(pattern)
    return EventPattern.load(raw).matches_event(event)


@functools.lru_cache(maxsize=512)
def _compiled(path: str) -> Any:
    """jsonpath_ng builds a parser per call (milliseconds each); paths repeat, so cache them."""
    from jsonpath_ng.ext import parse

    return parse(path)


def json_path(event: Any, path: str) -> tuple[bool, Any]:
    """(found, value) for an EventBridge JSONPath such as ``$.detail.items[0].id``."""
    found = _compiled(path).find(event)
    if not found:
        return False, None
    if len(found) == 1:
        return True, found[0].value
    return True, [m.value for m in found]


def _inside_string(template: str, index: int) -> bool:
    """Whether position ``index`` of the template text lies inside a JSON string literal."""
    inside = False
    escaped = False
    for ch in template[:index]:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            inside = not inside
    return inside


def render_template(template: str, variables: dict[str, Any], found: set[str]) -> str:
    """Fill ``<name>`` placeholders of an InputTemplate (see the module docstring)."""
    out: list[str] = []
    last = 0
    for m in _PLACEHOLDER.finditer(template):
        name = m.group(1)
        if name not in variables:
            continue  # not a variable: left as written (AWS does the same for unknown tags)
        out.append(template[last:m.start()])
        value = variables[name]
        raw_json = name in ("aws.events.event", "aws.events.event.json")
        if _inside_string(template, m.start()) and not raw_json:
            if name not in found or value is None:
                text = ""
            elif isinstance(value, str):
                text = json.dumps(value)[1:-1]
            else:
                text = json.dumps(json.dumps(value, separators=(",", ":")))[1:-1]
        else:
            text = json.dumps(value, separators=(",", ":")) if name in found else "null"
        out.append(text)
        last = m.end()
    out.append(template[last:])
    return "".join(out)


def target_input(target: dict[str, Any], event: dict[str, Any], *, rule_arn: str,
                 rule_name: str, ingestion_time: str) -> str:
    """The text EventBridge sends to ``target`` for ``event`` (JSON for a Lambda target)."""
    if target.get("Input") is not None:
        return str(target["Input"])
    if target.get("InputPath"):
        ok, value = json_path(event, target["InputPath"])
        return json.dumps(value if ok else None)
    transformer = target.get("InputTransformer")
    if transformer:
        template = transformer.get("InputTemplate") or ""
        variables: dict[str, Any] = {}
        found: set[str] = set()
        for name, path in (transformer.get("InputPathsMap") or {}).items():
            ok, value = json_path(event, path)
            variables[name] = value
            if ok:
                found.add(name)
        no_detail = {k: v for k, v in event.items() if k != "detail"}
        predefined = {
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": ingestion_time,
            "aws.events.event": no_detail,
            "aws.events.event.json": event,
        }
        variables.update(predefined)
        found.update(predefined)
        return render_template(template, variables, found)
    return json.dumps(event)
