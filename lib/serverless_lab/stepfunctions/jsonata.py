"""JSONata for Step Functions, evaluated by ``jsonata-python`` (a port of the reference
implementation) instead of moto's stub, which raises on every expression (getmoto/moto#10105).

moto builds each expression as text, pasting the ``$states`` data and the workflow Variables in
front of it as ``$name:=value;`` declarations (strings unescaped). We bind the same values as
real JSONata variables instead, so any input (quotes, newlines, large payloads) is safe, and add
the functions Step Functions provides on top of standard JSONata: ``$partition``, ``$range``,
``$hash``, ``$random([seed])``, ``$uuid``, ``$parse``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import threading
import uuid
from functools import lru_cache
from typing import Any

from ..cloud.patching import Patcher, seam

JSONATA_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.common.string.string_expression:StringJSONata._eval_body",
    why="moto's JSONata evaluator is a stub that raises on every expression (getmoto/moto#10105); "
        "JSONata state machines (AWS's recommended default since 2024-11) must run",
    extension="stepfunctions")
VARIABLE_SAMPLE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.common.string.string_expression:StringVariableSample._eval_body",
    why="reading a workflow Variable ($name) goes through the same broken JSONata stub",
    extension="stepfunctions")

_lock = threading.Lock()


class JSONataError(Exception):
    """An expression that does not parse or fails while evaluating."""


def _partition(array: list, size: int) -> list:
    array = list(array or [])
    size = int(size)
    if size <= 0:
        raise JSONataError("$partition needs a chunk size greater than 0")
    return [array[i:i + size] for i in range(0, len(array), size)]


def _range(first: float, last: float, step: float) -> list:
    first, last, step = int(first), int(last), int(step)
    if step == 0:
        raise JSONataError("$range needs a step other than 0")
    return list(range(first, last + (1 if step > 0 else -1), step))


def _hash(value: str, algorithm: str = "SHA-256") -> str:
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
    if algorithm not in names:
        raise JSONataError(f"$hash algorithm must be one of {', '.join(names)}, not {algorithm!r}")
    return hashlib.new(names[algorithm], str(value).encode()).hexdigest()


def _random(seed: Any = None) -> float:
    return random.Random(seed).random() if seed is not None else random.random()


def _parse(text: str) -> Any:
    return json.loads(text)


_FUNCTIONS = {"partition": (_partition, "<an:a>"), "range": (_range, "<nnn:a>"),
              "hash": (_hash, "<ss?:s>"), "uuid": (lambda: str(uuid.uuid4()), "<:s>"),
              "parse": (_parse, "<s:x>")}


@lru_cache(maxsize=512)
def _compiled(expression: str):
    import jsonata

    try:
        expr = jsonata.Jsonata(expression)
    except Exception as exc:  # noqa: BLE001 - jsonata raises its own JException
        raise JSONataError(f"The JSONata expression '{expression}' is not valid: {exc}") from None
    for name, (fn, _sig) in _FUNCTIONS.items():
        expr.register_lambda(name, fn)
    # $random() of standard JSONata takes no seed; Step Functions adds an optional seed.
    expr.register_lambda("random", _random)
    return expr


def evaluate(expression: str, bindings: dict[str, Any] | None = None, data: Any = None) -> Any:
    """Evaluate ``expression`` with ``bindings`` as ``$name`` variables (``states`` → ``$states``).

    Returns ``None`` when the expression yields nothing (JSONata's *undefined*).
    """
    expr = _compiled(expression)
    with _lock:  # a compiled expression keeps per-evaluation state; evaluate one at a time
        try:
            return expr.evaluate(data, dict(bindings or {}))
        except JSONataError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise JSONataError(f"The JSONata expression '{expression}' failed: {exc}") from None


def _bindings(env: Any, with_states: bool = True) -> dict[str, Any]:
    store = env.variable_store
    out = dict(store._outer_scope)
    out.update(store._inner_scope)
    if with_states:
        out["states"] = copy.deepcopy(dict(env.states._states_data))
    return out


def _failure(env: Any, cause: str):
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
    details = EvaluationFailedEventDetails(error=name.error_name, cause=cause)
    env.event_manager.add_event(context=env.event_history_context, event_type=HistoryEventType.EvaluationFailed,
                                event_details=EventDetails(evaluationFailedEventDetails=details))
    return FailureEventException(failure_event=FailureEvent(
        env=env, error_name=name, event_type=HistoryEventType.EvaluationFailed,
        event_details=EventDetails(evaluationFailedEventDetails=details)))


def _eval_string_jsonata(self: Any, env: Any) -> None:
    """``{% expression %}`` in a JSONata state: evaluate with ``$states`` and the Variables."""
    try:
        result = evaluate(self.expression, _bindings(env))
    except JSONataError as exc:
        raise _failure(env, str(exc)) from None
    if result is None:
        raise _failure(env, f"The JSONata expression '{self.expression}' returned nothing (undefined).")
    env.stack.append(_plain(result))


def _eval_variable_sample(self: Any, env: Any) -> None:
    """``$name`` / ``$name.field`` read in a JSONPath state (Variables work in both languages)."""
    from moto.stepfunctions.parser.asl.component.common.query_language import QueryLanguageMode

    with_states = self.query_language_mode == QueryLanguageMode.JSONata
    try:
        result = evaluate(self.expression, _bindings(env, with_states))
    except JSONataError as exc:
        raise _failure(env, str(exc)) from None
    env.stack.append(_plain(result))


def _plain(value: Any) -> Any:
    """jsonata-python may return its own sequence type and floats for whole numbers: give back
    plain JSON values (``2.0`` → ``2``) as AWS's JSON output shows them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def install(patcher: Patcher) -> None:
    patcher.replace(JSONATA_SEAM, _eval_string_jsonata)
    patcher.replace(VARIABLE_SAMPLE_SEAM, _eval_variable_sample)
