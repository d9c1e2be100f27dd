"""Reading a Step Functions execution history: which states ran, in what order, for how long.

Plain functions over ``get_execution_history`` events, shared by the Step Functions helpers
(``serverless_lab.stepfunctions``) and the state-machine drawing (``serverless_lab.viz``): a facts-layer
module, so that neither has to import the other (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _ts(v: Any) -> float:
    if isinstance(v, datetime):
        return v.timestamp()
    if isinstance(v, (int, float)):
        return float(v)
    return datetime.fromisoformat(str(v)).timestamp()


def execution_path(history: list[dict] | dict, top_level: set[str] | None = None) -> dict[str, Any]:
    """From ``get_execution_history`` events: the states entered in order and per-state timing
    and outcome (``{"path": [...], "states": {name: {entered, exited, ms, status}}, "status": ...}``)."""
    events = history.get("events", []) if isinstance(history, dict) else list(history or [])
    events = sorted(events, key=lambda e: e.get("id", 0))
    t0 = _ts(events[0]["timestamp"]) if events else 0.0
    states: dict[str, dict[str, Any]] = {}
    path: list[str] = []
    status = "RUNNING"
    last = None
    for e in events:
        typ = e.get("type", "")
        t = _ts(e["timestamp"]) - t0
        if "stateEnteredEventDetails" in e:
            name = e["stateEnteredEventDetails"]["name"]
            if top_level is not None and name not in top_level:
                continue
            st = states.setdefault(name, {"entered": t, "exited": None, "ms": 0.0, "status": "running", "visits": 0,
                                          "type": typ.replace("StateEntered", "")})
            st["entered_last"] = t
            st.setdefault("attempts", 0)
            st["visits"] += 1
            st["status"] = "running"
            path.append(name)
            last = name
        elif typ in ("TaskScheduled", "LambdaFunctionScheduled") and last in states \
                and states[last].get("type") == "Task":  # a Map's inner tasks are not its retries
            states[last]["attempts"] = states[last].get("attempts", 0) + 1
        elif "stateExitedEventDetails" in e:
            name = e["stateExitedEventDetails"]["name"]
            if name in states:
                st = states[name]
                st["exited"] = t
                st["ms"] += (t - st.get("entered_last", t)) * 1000.0
                st["status"] = "succeeded"
        elif typ in ("TaskFailed", "LambdaFunctionFailed", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted") \
                or typ == "FailStateEntered":
            if last and states.get(last, {}).get("status") == "running":
                states[last]["status"] = "failed"
                states[last]["exited"] = t
                states[last]["ms"] += (t - states[last].get("entered_last", t)) * 1000.0
            if typ.startswith("Execution"):
                status = typ.replace("Execution", "").upper()
        elif typ == "ExecutionSucceeded":
            status = "SUCCEEDED"
    if status in ("FAILED", "TIMEDOUT", "ABORTED") and last and states[last]["status"] != "failed":
        states[last]["status"] = "failed"
    for st in states.values():  # a Fail state "exits" but the execution failed there
        if st.get("type") == "Fail":
            st["status"] = "failed"
    total = (_ts(events[-1]["timestamp"]) - t0) * 1000.0 if events else 0.0
    return {"path": path, "states": states, "status": status, "total_ms": total}
