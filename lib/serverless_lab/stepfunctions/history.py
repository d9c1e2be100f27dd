"""Reading an execution history (``get_execution_history``'s ``events``, oldest first).

The history is the proof of what a workflow did: which states ran, how often a Task was
attempted (a Retry shows as ``TaskFailed`` followed by another ``TaskScheduled`` inside the same
state), what was caught, and how many state transitions Standard bills.
"""

from __future__ import annotations

from typing import Any

from ..executions import execution_path

__all__ = ["state_attempts", "retries", "retry_waits", "tasks_in_flight", "task_failures", "transitions",
           "execution_path", "entered"]


def _events(history: Any) -> list[dict[str, Any]]:
    events = history.get("events", []) if isinstance(history, dict) else list(history or [])
    return sorted(events, key=lambda e: e.get("id", 0))


def entered(history: Any) -> list[str]:
    """Names of the states entered, in order (Map iterations and Parallel branches included)."""
    return [e["stateEnteredEventDetails"]["name"] for e in _events(history) if "stateEnteredEventDetails" in e]


def state_attempts(history: Any) -> dict[str, int]:
    """Task attempts per state name: 1 + the retries the state machine made."""
    out: dict[str, int] = {}
    current: str | None = None
    for e in _events(history):
        if "stateEnteredEventDetails" in e:
            current = e["stateEnteredEventDetails"]["name"]
        elif e["type"] in ("TaskScheduled", "LambdaFunctionScheduled") and current is not None:
            out[current] = out.get(current, 0) + 1
    return out


def retries(history: Any, state: str | None = None) -> int:
    """Retries the state machine made (attempts beyond the first), for one state or all."""
    attempts = state_attempts(history)
    if state is not None:
        return max(attempts.get(state, 0) - 1, 0)
    return sum(max(n - 1, 0) for n in attempts.values())


def retry_waits(history: Any) -> list[float]:
    """Seconds between each failed attempt and the next attempt of the same state: the Retry's
    waits (back-off and jitter), without the time the attempts themselves took."""
    out: list[float] = []
    failed_at = None
    for e in _events(history):
        if e["type"] in ("TaskFailed", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "TaskTimedOut"):
            failed_at = e["timestamp"]
        elif e["type"] in ("TaskScheduled", "LambdaFunctionScheduled") and failed_at is not None:
            out.append((e["timestamp"] - failed_at).total_seconds())
            failed_at = None
        elif "stateEnteredEventDetails" in e:
            failed_at = None
    return out


_STARTS = ("TaskScheduled", "LambdaFunctionScheduled")
_ENDS = ("TaskSucceeded", "TaskFailed", "TaskTimedOut", "LambdaFunctionSucceeded", "LambdaFunctionFailed",
         "LambdaFunctionTimedOut", "LambdaFunctionScheduleFailed", "LambdaFunctionStartFailed", "TaskSubmitFailed",
         "TaskStartFailed")


def tasks_in_flight(history: Any) -> int:
    """The most task calls (Lambda invocations, service calls) the execution had running at once:
    how a Map's MaxConcurrency or a Parallel shows in the history, as the state machine saw it
    (a call waiting for a cold start counts)."""
    running = peak = 0
    for e in sorted(_events(history), key=lambda e: (e["timestamp"], e.get("id", 0))):
        if e["type"] in _STARTS:
            running += 1
            peak = max(peak, running)
        elif e["type"] in _ENDS:
            running -= 1
    return peak


def task_failures(history: Any) -> list[dict[str, Any]]:
    """Every failed attempt: ``{"error", "cause"}`` from ``TaskFailed`` / ``LambdaFunctionFailed``."""
    out = []
    for e in _events(history):
        d = e.get("taskFailedEventDetails") or e.get("lambdaFunctionFailedEventDetails")
        if d is not None:
            out.append({"error": d.get("error"), "cause": d.get("cause")})
    return out


def transitions(history: Any) -> int:
    """State transitions as Standard workflows bill them: one per state entered, and every
    retry counts as a transition too (AWS's pricing page says so)."""
    evs = _events(history)
    n = sum(1 for e in evs if "stateEnteredEventDetails" in e)
    return n + retries(evs)
