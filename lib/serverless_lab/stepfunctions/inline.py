"""Run a state's work on the execution's own thread when nothing can time it out.

moto evaluates every Task, Map and Parallel state on a new thread and waits for it, so that a
``TimeoutSeconds`` can abandon the work. Without ``TimeoutSeconds`` (moto's default is
99,999,999 s) the waiting thread would block until the work ends anyway, so the extra thread
only adds a start, a hand-over of the GIL and a join to every state: a third of the time of a
ten-task workflow. States with a timeout keep their thread and time out as on AWS.

The same holds one level up: moto runs each execution's program on a thread of its own, which
the execution's thread starts and joins, to enforce the machine's ``TimeoutSeconds``. Without
one, the program runs on the execution's thread (an exception escaping it is reported as the
thread would report it, and the execution still ends as before).
With one, :func:`.terminal.run_with_timeout` runs it on a thread as moto does, and ends the
execution's history with ``ExecutionTimedOut`` the moment the timeout passes.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from ..cloud.patching import Patcher, seam
from . import terminal

STATE_THREAD_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state:Thread",
    why="a new thread per state even when the state has no TimeoutSeconds; the course runs such "
        "states on the execution's thread",
    extension="stepfunctions")
EVALUATE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.execute_state:ExecutionState._evaluate_with_timeout",
    why="marks the states that have no TimeoutSeconds so their work runs inline",
    extension="stepfunctions")

PROGRAM_EVAL_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.program.program:Program.eval",
    why="every execution's program runs on a second thread that the first one only joins; without a "
        "machine TimeoutSeconds the course runs it on the execution's thread",
    extension="stepfunctions")

_local = threading.local()


class _InlineThread:
    """Stands in for ``threading.Thread`` inside ``_evaluate_with_timeout``: ``start()`` runs
    the target at once on the calling thread; the real Thread is used when a timeout applies."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not getattr(_local, "inline", False):
            return threading.Thread(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, target: Any = None, daemon: bool | None = None, **_kw: Any) -> None:
        self._target = target

    def start(self) -> None:
        target, self._target = self._target, None  # moto keeps the object in a list: drop the closure
        _local.inline = False                       # nested states decide for themselves
        target()

    def is_alive(self) -> bool:
        return False

    def join(self, timeout: float | None = None) -> None:
        return None


def _has_timeout(state: Any) -> bool:
    timeout = getattr(state, "timeout", None)
    if timeout is None:
        return False
    is_default = getattr(timeout, "is_default_value", None)
    if callable(is_default):
        return not is_default()
    return True  # a JSONata or path timeout: keep the thread


def install(patcher: Patcher) -> None:
    original = EVALUATE_SEAM.current()

    def evaluate_with_timeout(self: Any, env: Any) -> None:
        previous = getattr(_local, "inline", False)
        _local.inline = not _has_timeout(self) and getattr(self, "heartbeat", None) is None
        try:
            return original(self, env)
        finally:
            _local.inline = previous

    patcher.replace(STATE_THREAD_SEAM, _InlineThread)
    patcher.replace(EVALUATE_SEAM, evaluate_with_timeout)

    program_class = PROGRAM_EVAL_SEAM.owner()

    def program_eval(self: Any, env: Any) -> None:
        if self.timeout_seconds:
            return terminal.run_with_timeout(self, program_class, env)
        env.next_state_name = self.start_at.start_at_name
        try:
            super(program_class, self).eval(env)
        except Exception:  # noqa: BLE001 - as an exception ending moto's program thread: reported, not raised
            threading.excepthook(threading.ExceptHookArgs([*sys.exc_info(), threading.current_thread()]))

    patcher.replace(PROGRAM_EVAL_SEAM, program_eval)
