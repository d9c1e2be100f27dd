"""Amazon States Language checks with AWS's error shape.

AWS rejects a bad definition with ``InvalidDefinition`` and a message such as
``Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: Charge at
/States/Reserve/Next'``. moto answers with an empty error code and a parser trace
(``ASLParserException line 1:42 ...``, ``Error=ValueError Args=[...]``) and accepts some broken
machines (a ``Next`` to a state that does not exist, a state with neither ``Next`` nor ``End``).
:func:`validate` finds the common mistakes first and words them as AWS does; whatever moto's
parser still rejects is reported in the same shape.
"""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from ..cloud.patching import Patcher, seam

VALIDATE_SEAM = seam(
    "moto.stepfunctions.parser.models:StepFunctionsParserBackend._validate_definition",
    why="moto's definition check returns an empty error code and parser internals, and accepts "
        "transitions to missing states; the course answers InvalidDefinition as AWS does",
    extension="stepfunctions")

STATE_TYPES = ("Task", "Choice", "Pass", "Wait", "Parallel", "Map", "Succeed", "Fail")
_NEEDS_TRANSITION = ("Task", "Pass", "Wait", "Parallel", "Map")


def _aws_error():
    from moto.core.exceptions import AWSError

    class InvalidDefinition(AWSError):
        TYPE = "InvalidDefinition"
        STATUS = 400

    return InvalidDefinition


def problems(definition: Any) -> list[str]:
    """Every problem found, each as ``CODE: message at /json/pointer`` (empty: looks valid)."""
    if isinstance(definition, (str, bytes)):
        try:
            definition = json.loads(definition)
        except ValueError as exc:
            return [f"INVALID_JSON_DESCRIPTION: {exc.__class__.__name__}: {exc}"]
    if not isinstance(definition, dict):
        return ["SCHEMA_VALIDATION_FAILED: The definition must be a JSON object at /"]
    out: list[str] = []
    _machine(definition, "", out)
    return out


def _machine(d: dict, at: str, out: list[str]) -> None:
    missing = [k for k in ("StartAt", "States") if k not in d]
    if missing:
        out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [{', '.join(missing)}] at {at or '/'}")
        return
    states = d["States"]
    if not isinstance(states, dict) or not states:
        out.append(f"SCHEMA_VALIDATION_FAILED: 'States' must be an object with at least one state at {at}/States")
        return
    if d["StartAt"] not in states:
        out.append(f"MISSING_TRANSITION_TARGET: Missing 'StartAt' target: {d['StartAt']} at {at}/StartAt")
    targets: dict[str, list[str]] = {name: [] for name in states}
    for name, st in states.items():
        here = f"{at}/States/{name}"
        if not isinstance(st, dict):
            out.append(f"SCHEMA_VALIDATION_FAILED: A state must be a JSON object at {here}")
            continue
        typ = st.get("Type")
        if typ is None:
            out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [Type] at {here}")
            continue
        if typ not in STATE_TYPES:
            out.append(f"SCHEMA_VALIDATION_FAILED: Value is not a valid state type: {typ!r} "
                       f"(one of {', '.join(STATE_TYPES)}) at {here}/Type")
            continue
        nxt = []
        if typ in _NEEDS_TRANSITION:
            has_next, has_end = "Next" in st, st.get("End") is True
            if has_next and has_end:
                out.append(f"SCHEMA_VALIDATION_FAILED: Only one of 'Next' or 'End' may be set at {here}")
            elif not has_next and not has_end:
                out.append(f"SCHEMA_VALIDATION_FAILED: This state needs either 'Next' or \"End\": true at {here}")
            if has_next:
                nxt.append(("Next", st["Next"]))
        if typ == "Task" and "Resource" not in st:
            out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at {here}")
        if typ == "Choice":
            choices = st.get("Choices")
            if not isinstance(choices, list) or not choices:
                out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [Choices] (a non-empty list) at {here}")
                choices = []
            for i, rule in enumerate(choices):
                if not isinstance(rule, dict) or "Next" not in rule:
                    out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at {here}/Choices[{i}]")
                else:
                    nxt.append((f"Choices[{i}]/Next", rule["Next"]))
            if "Default" in st:
                nxt.append(("Default", st["Default"]))
        for i, c in enumerate(st.get("Catch", []) or []):
            if isinstance(c, dict) and "Next" in c:
                nxt.append((f"Catch[{i}]/Next", c["Next"]))
            if isinstance(c, dict) and "ErrorEquals" not in c:
                out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [ErrorEquals] at {here}/Catch[{i}]")
        for i, r in enumerate(st.get("Retry", []) or []):
            if isinstance(r, dict) and "ErrorEquals" not in r:
                out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [ErrorEquals] at {here}/Retry[{i}]")
            if isinstance(r, dict) and isinstance(r.get("MaxAttempts"), (int, float)) and r["MaxAttempts"] < 0:
                out.append(f"SCHEMA_VALIDATION_FAILED: MaxAttempts must be 0 or more at {here}/Retry[{i}]/MaxAttempts")
        for field, target in nxt:
            if target not in states:
                out.append(f"MISSING_TRANSITION_TARGET: Missing '{field.split('/')[-1]}' target: {target} at {here}/{field}")
            else:
                targets[name].append(target)
        if typ == "Parallel":
            branches = st.get("Branches")
            if not isinstance(branches, list) or not branches:
                out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [Branches] (a non-empty list) at {here}")
            else:
                for i, b in enumerate(branches):
                    _machine(b if isinstance(b, dict) else {}, f"{here}/Branches[{i}]", out)
        if typ == "Map":
            proc = st.get("ItemProcessor", st.get("Iterator"))
            if not isinstance(proc, dict):
                out.append(f"SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at {here}")
            else:
                _machine(proc, f"{here}/{'ItemProcessor' if 'ItemProcessor' in st else 'Iterator'}", out)
            mc = st.get("MaxConcurrency")
            if mc is not None and (not isinstance(mc, int) or isinstance(mc, bool) or mc < 0):
                out.append(f"SCHEMA_VALIDATION_FAILED: MaxConcurrency must be an integer ≥ 0 at {here}/MaxConcurrency")
    # reachability (AWS rejects a state nothing leads to)
    if d["StartAt"] in states and not out:
        seen, todo = set(), [d["StartAt"]]
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.add(n)
            todo.extend(targets.get(n, []))
        for name in states:
            if name not in seen:
                out.append(f"UNREACHABLE_STATE: State '{name}' is not reachable at {at}/States/{name}")


def message(found: list[str]) -> str:
    return "Invalid State Machine Definition: '" + ", ".join(found) + "'"


def validate(definition: str) -> None:
    """Raise ``InvalidDefinition`` (AWS's code and message shape) for a broken definition."""
    found = problems(definition)
    if not found:
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

        try:
            with contextlib.redirect_stderr(io.StringIO()):  # antlr prints token errors to stderr
                AmazonStateLanguageParser.parse(definition)
        except Exception as exc:  # noqa: BLE001 - any parser failure is a definition error
            text = str(getattr(exc, "message", None) or exc)
            text = text.replace("ASLParserException ", "").split(" in definition '")[0]
            found = [f"SCHEMA_VALIDATION_FAILED: {text}"]
    if found:
        raise _aws_error()(message(found))


def install(patcher: Patcher) -> None:
    patcher.replace(VALIDATE_SEAM, staticmethod(validate))
