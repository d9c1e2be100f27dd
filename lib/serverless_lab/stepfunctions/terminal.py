"""An execution's history ends with its terminal event, at the moment the execution ends.

AWS writes ``ExecutionSucceeded``, ``ExecutionFailed``, ``ExecutionTimedOut`` or ``ExecutionAborted``
last: nothing follows it. moto keeps writing what threads it no longer waits for still do (a Lambda
task a machine ``TimeoutSeconds`` interrupted, a Parallel branch still running when another failed),
and writes ``ExecutionTimedOut`` only when the interrupted task returns. Here

* the history is closed by its terminal event: later events of that execution are dropped;
* a machine ``TimeoutSeconds`` ends the execution ``TIMED_OUT`` with ``ExecutionTimedOut`` at once
  (Amazon States Language, "TimeoutSeconds": the execution fails with ``States.Timeout``:
  https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html);
* the work a timeout interrupted keeps running, as on AWS (a Lambda invocation is not cancelled), and
  the session's end waits a little for it while the course's seams are still in place, so it ends as a
  quiet, discarded result rather than as a crash of the torn-down local Lambda service.
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from ..cloud.patching import Patcher, seam

ADD_EVENT_SEAM = seam(
    "moto.stepfunctions.parser.asl.eval.event.event_manager:EventManager.add_event",
    why="moto appends events after the execution's terminal event (work it stopped waiting for still "
        "writes); on AWS the terminal event is the last one",
    extension="stepfunctions")

TERMINAL_EVENTS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
ORPHAN_WAIT_S = 10.0   # at the session's end: the longest (real seconds) to wait for interrupted work

_lock = threading.Lock()
_closed: weakref.WeakSet[Any] = weakref.WeakSet()
_orphans: list[threading.Thread] = []


def _name(event_type: Any) -> str:
    return str(getattr(event_type, "value", event_type))


def install(patcher: Patcher) -> None:
    original = ADD_EVENT_SEAM.current()

    def add_event(manager: Any, context: Any, event_type: Any, event_details: Any = None, timestamp: Any = None,
                  update_source_event_id: bool = True) -> int:
        with _lock:
            if manager in _closed:   # the execution has ended: AWS writes nothing after that
                return int(getattr(context, "last_published_event_id", 0) or 0)
            event_id = original(manager, context, event_type, event_details, timestamp, update_source_event_id)
            if _name(event_type) in TERMINAL_EVENTS:
                _closed.add(manager)
            return int(event_id)

    patcher.replace(ADD_EVENT_SEAM, add_event)


def run_with_timeout(program: Any, program_class: Any, env: Any) -> None:
    """moto's ``Program.eval`` with a machine ``TimeoutSeconds``, ending the history at the timeout."""
    from moto.stepfunctions.parser.api import ExecutionTimedOutEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    timeout = program.timeout_seconds.timeout_seconds
    env.next_state_name = program.start_at.start_at_name
    worker = threading.Thread(target=super(program_class, program).eval, args=(env,), daemon=True,
                              name="serverless-lab-sfn-program")
    worker.start()
    worker.join(timeout=timeout)
    if not worker.is_alive():
        return
    env.set_timed_out()
    with _lock:
        _orphans.append(worker)
    if not env.is_frame():
        env.event_manager.add_event(
            context=env.event_history_context, event_type=HistoryEventType.ExecutionTimedOut,
            event_details=EventDetails(executionTimedOutEventDetails=ExecutionTimedOutEventDetails()))


def wait_for_interrupted_work(timeout_s: float = ORPHAN_WAIT_S) -> int:
    """Wait (bounded) for the work timed-out executions left running; return how many are still running."""
    deadline = time.monotonic() + timeout_s
    with _lock:
        orphans = list(_orphans)
    for thread in orphans:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    with _lock:
        _orphans[:] = [t for t in _orphans if t.is_alive()]
        return len(_orphans)
