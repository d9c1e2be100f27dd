"""Step Functions time on the lab clock: Wait states, Retry intervals and history timestamps.

moto waits in real time (a one-hour Wait blocks a notebook for an hour; a Retry with backoff
sleeps for real). Here a wait moves the lab clock (``aws.clock``) forward to the moment the wait
ends, so it takes no real time, the execution history shows the hour, and anything else on the
clock (schedules, idle Lambda environments, Fargate tasks) sees the hour pass too.

Waits of concurrent branches (Parallel, Map) overlap as on AWS: five iterations waiting 10 s each
move the clock 10 s, not 50 s (see :class:`LabWaits`). A limit of the model: while one branch
waits, a sibling doing real work (a Lambda task) does not hold the clock back, so that sibling's
events may carry the later time.

``mock_aws(stepfunctions_waits="clock")`` keeps a Wait blocked until the lab clock reaches its
end (call ``aws.clock.advance(...)`` yourself, or let real time pass at ``clock_speed``): useful to
watch an execution sit in RUNNING.
"""

from __future__ import annotations

import datetime as _dt
import threading
import types
from typing import Any

from ..clock import LabClock
from ..cloud.patching import Patcher, seam
from ..errors import LabError

WAIT_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function:WaitFunction._wait_interval",
    why="moto's Wait state blocks for the real number of seconds; the course runs it on the lab clock",
    extension="stepfunctions")
RETRY_TIME_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl:time",
    why="moto sleeps for real between Retry attempts (IntervalSeconds × BackoffRate^n, jitter); "
        "the course sleeps on the lab clock",
    extension="stepfunctions")
EVENT_TIME_SEAM = seam(
    "moto.stepfunctions.parser.asl.eval.event.event_manager:EventManager._get_current_timestamp",
    why="history events are stamped with the wall clock; the course stamps them with the lab clock "
        "so a fast-forwarded Wait shows its real length in the history",
    extension="stepfunctions")
STOP_DATE_SEAM = seam(
    "moto.stepfunctions.parser.backend.execution:datetime",
    why="an execution's stopDate is read from the wall clock; the course reads the lab clock",
    extension="stepfunctions")
START_DATE_SEAM = seam(
    "moto.stepfunctions.parser.models:datetime",
    why="an execution's startDate is read from the wall clock; the course reads the lab clock",
    extension="stepfunctions")

MODES = ("advance", "clock", "real")  # "real": same as "clock" (at clock_speed 1 a Wait takes real time)


def _datetime_module(clock: LabClock) -> types.SimpleNamespace:
    """A stand-in for the ``datetime`` module whose ``datetime.now()`` reads the lab clock."""

    class LabDatetime(_dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> _dt.datetime:  # type: ignore[override]
            return _dt.datetime.fromtimestamp(clock.now(), tz)

    names = {k: getattr(_dt, k) for k in dir(_dt) if not k.startswith("__")}
    names["datetime"] = LabDatetime
    return types.SimpleNamespace(**names)


class LabWaits:
    """How an execution waits: by moving the lab clock on (default) or by blocking on it.

    In ``"advance"`` mode every wait registers when it ends, pauses a few milliseconds of real
    time so that waits starting together (Parallel branches, Map iterations) all register, then
    the earliest one moves the lab clock to its end and wakes whoever is due; the next earliest
    goes on from there. So concurrent waits overlap (the clock moves by the longest, not the
    sum) and sequential waits add up, as on AWS.
    """

    gather_s = 0.02  # quiet period: the clock moves only after no new wait registered for this long

    def __init__(self, clock: LabClock, mode: str = "advance") -> None:
        if mode not in MODES:
            raise LabError(f"Unknown stepfunctions_waits={mode!r}.",
                           "Use 'advance' (waits fast-forward the lab clock) or 'clock' (waits block "
                           "until aws.clock reaches their end).")
        self.clock = clock
        self.mode = mode
        self.waited_s = 0.0  # total virtual seconds of waits so far (including overlapping ones)
        self._lock = threading.Lock()
        self._pending: dict[int, float] = {}
        self._seq = 0
        self._changed = threading.Condition(self._lock)

    def sleep(self, seconds: float, interrupt: threading.Event | None = None) -> None:
        if seconds is None or seconds <= 0:
            return
        end = self.clock.now() + float(seconds)
        self.waited_s += float(seconds)
        if self.mode in ("clock", "real"):
            self._block_until(end, interrupt)
            return
        with self._changed:
            self._seq += 1
            me = self._seq
            self._pending[me] = end
            self._changed.notify_all()
        try:
            while self.clock.now() < end:
                if interrupt is not None and interrupt.is_set():
                    return
                with self._changed:
                    # let waits that start together register before the clock moves: go on only
                    # after a quiet period with no new wait
                    seen = self._seq
                    self._changed.wait(self.gather_s)
                    if self._seq != seen:
                        continue
                    earliest = min(self._pending.values())
                if self.clock.now() >= end:
                    return
                if end <= earliest:
                    ahead = end - self.clock.now()
                    if ahead > 0:
                        self.clock.advance(ahead)
                    with self._changed:
                        self._changed.notify_all()
                    return
        finally:
            with self._changed:
                self._pending.pop(me, None)

    def _block_until(self, end: float, interrupt: threading.Event | None) -> None:
        done = threading.Event()
        timer = self.clock.call_at(end, done.set)
        try:
            while not done.wait(0.02):
                if interrupt is not None and interrupt.is_set():
                    return
                if self.clock.now() >= end:
                    return
        finally:
            timer.cancel()


def install(patcher: Patcher, waits: LabWaits) -> None:
    clock = waits.clock

    def wait_interval(self: Any, env: Any, wait_seconds: int) -> None:
        if env.is_running():
            waits.sleep(wait_seconds, env.program_state_event)

    patcher.replace(WAIT_SEAM, wait_interval)
    patcher.replace(RETRY_TIME_SEAM, types.SimpleNamespace(sleep=waits.sleep, time=clock.now))
    patcher.replace(EVENT_TIME_SEAM, staticmethod(lambda: _dt.datetime.fromtimestamp(clock.now(), _dt.timezone.utc)))
    fake = _datetime_module(clock)
    patcher.replace(STOP_DATE_SEAM, fake)
    patcher.replace(START_DATE_SEAM, fake)
