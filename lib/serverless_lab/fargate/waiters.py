"""boto3's own ECS waiters on the lab clock: ``tasks_running``, ``tasks_stopped``, ``services_stable``,
``services_inactive``.

A botocore waiter calls DescribeTasks (or DescribeServices), checks the answer against its
acceptors, and between two calls sleeps ``Delay`` seconds with ``time.sleep`` (6 s for tasks,
15 s for services), at most ``MaxAttempts`` times (100 and 40: ten minutes either way). A
Fargate task here moves on the lab clock (:mod:`.engine`), which passes only in real time or
when something fast-forwards it; left alone, the waiter would sit through 35 real seconds of
simulated start-up, or through a 20-minute job that sleeps on the lab clock.

So while a ``mock_aws`` session runs, an ECS waiter's sleep is ``Delay`` seconds of **lab**
time, and within it the lab clock jumps over whatever only waits on AWS time, by the same rule
as :func:`serverless_lab.fargate.wait_for_task`:

* when every task the waiter waits for (for a service waiter: every task of the service that
  is starting or stopping) waits only on the clock (start-up, shut-down, a stop timeout, a
  :func:`.taskclock.sleep`), the clock moves to the next lifecycle event, event after event, so
  each step happens at its own time and ``createdAt``/``startedAt``/``stoppingAt``/``stoppedAt``
  are exactly what ``wait_for_task`` gives;
* while a task's process works (or has just had SIGTERM and may still exit: ``STOP_GRACE_S`` of
  real time), the sleep is real, and the lab clock passes at its speed, as on AWS;
* the sleep never moves the clock past ``Delay``: the waiter polls on the cadence it has on AWS,
  so the lab clock reads up to ``Delay`` seconds after the event when the waiter returns (a task
  that reached RUNNING at +35 s is seen by ``tasks_running`` at the +36 s poll), and a waiter
  still gives up after ``Delay × MaxAttempts`` seconds of lab time, as on AWS (``tasks_stopped``
  on a 40-minute job fails; pass ``WaiterConfig={"MaxAttempts": ...}``).

A single DescribeTasks or DescribeServices call is untouched: only a waiter's sleep moves the
clock. Other waiters (and an ECS waiter outside a session, or against a real account) sleep as
botocore does. A client in another process (a Lambda handler, the AWS CLI against the shared
endpoint) sleeps for real: its waiter finishes, at real-time pace.
"""

from __future__ import annotations

import threading
import time
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .engine import FargateEngine, TaskRun

WAITER_WAIT = seam(
    "botocore.waiter:Waiter.wait", extension="fargate",
    why="boto3's ECS waiters (tasks_running, tasks_stopped, services_stable, services_inactive) poll a task that "
        "moves on the lab clock: the course notes which tasks or services the waiter waits for (botocore, not moto)")
WAITER_TIME = seam(
    "botocore.waiter:time", extension="fargate",
    why="botocore sleeps Delay real seconds between polls (6 s × 100 for tasks); an ECS waiter's sleep is lab "
        "time instead, fast-forwarded over start-up and shut-down as wait_for_task does (botocore, not moto)")

ECS_WAITERS = {"TasksRunning": "tasks", "TasksStopped": "tasks", "ServicesStable": "services",
               "ServicesInactive": "services"}
POLL_S = 0.02           # real seconds between two looks while a process works

# what one step of the fast-forward found
MOVED, BUSY, IDLE = "moved", "busy", "idle"


@dataclass
class Waiting:
    """What one ``waiter.wait(...)`` call waits for, and its stop-grace bookkeeping."""

    kind: str                   # "tasks" or "services"
    cluster: str
    names: list[str]
    grace: dict[str, float] = field(default_factory=dict)   # task ARN -> real time SIGTERM work was first seen

    def runs(self, engine: FargateEngine) -> tuple[list[TaskRun], bool]:
        """The engine's runs that decide the next step, and whether a service reaction is pending."""
        if self.kind == "tasks":
            found = (engine.find(str(name)) for name in self.names)
            return [r for r in found if r is not None and not r.done.is_set()], False
        from ..errors import LabError

        runs: list[TaskRun] = []
        pending = False
        for name in self.names:
            try:
                state = engine.services.state(self.cluster, str(name))  # type: ignore[attr-defined]
            except LabError:
                continue  # not a Fargate service of this session: moto answers, nothing moves
            runs += engine.services.transitioning(state)  # type: ignore[attr-defined]
            pending = pending or state.timer is not None
        return runs, pending


_local = threading.local()


def _waiting() -> Waiting | None:
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


def step(engine: FargateEngine, runs: list[TaskRun], grace: dict[str, float], until: float | None = None) -> str:
    """Move the lab clock to the runs' next lifecycle event (not past ``until``) if only lab time stands
    before it; ``MOVED`` if it did, ``BUSY`` if a process works (wait in real time), ``IDLE`` if none waits."""
    from . import STOP_GRACE_S, working_after_sigterm

    events: list[float] = []
    busy = False
    for run in runs:
        if run.done.is_set():
            continue
        if not engine.waiting_on_clock(run.arn):
            busy = True   # its process works, or the launcher is starting it: real time
            continue
        if working_after_sigterm(engine, run):
            since = grace.setdefault(run.arn, time.monotonic())
            if time.monotonic() - since < STOP_GRACE_S:
                busy = True   # SIGTERM grace: real time to finish and exit before the jump to SIGKILL
                continue
        else:
            grace.pop(run.arn, None)
        nxt = engine.next_event(run.arn)
        if nxt is not None:
            events.append(nxt)
    if busy:
        return BUSY
    if not events:
        return IDLE
    target = min(events) + 1e-3
    if until is not None and until < target:
        engine.clock.advance(max(0.0, until - engine.clock.now()))   # the event is for a later sleep
        return MOVED
    engine.clock.advance(max(0.0, target - engine.clock.now()))
    grace.clear()
    return MOVED


def lab_sleep(engine: FargateEngine, waiting: Waiting, seconds: float, poll_s: float = POLL_S) -> None:
    """Sleep ``seconds`` of lab time for a waiter, jumping over what only waits on the clock."""
    clock = engine.clock
    until = clock.now() + seconds
    while True:
        left = until - clock.now()
        if left <= 0 or engine._stopped:
            return
        runs, reacting = waiting.runs(engine)
        found = BUSY if reacting else step(engine, runs, waiting.grace, until)
        if found == MOVED:
            continue
        if found == IDLE:   # nothing in motion: the rest of the delay is plain lab time
            clock.advance(max(0.0, left))
            return
        time.sleep(min(poll_s, left / clock.speed))


class WaiterClock:
    """Installs the two botocore seams for the session (``engine.waiters``)."""

    def __init__(self, engine: FargateEngine) -> None:
        self.engine = engine
        self._patcher = Patcher()

    def start(self) -> WaiterClock:
        engine = self.engine
        original_wait = WAITER_WAIT.current()
        real_time = WAITER_TIME.current()

        def wait(self: Any, **kwargs: Any) -> Any:
            kind = ECS_WAITERS.get(getattr(self, "name", ""))
            operation = getattr(getattr(self, "config", None), "operation", None)
            if kind is None or operation not in ("DescribeTasks", "DescribeServices"):
                return original_wait(self, **kwargs)
            names = kwargs.get("tasks") if kind == "tasks" else kwargs.get("services")
            waiting = Waiting(kind, str(kwargs.get("cluster") or "default"), list(names or []))
            stack = _local.__dict__.setdefault("stack", [])
            stack.append(waiting)
            try:
                return original_wait(self, **kwargs)
            finally:
                stack.pop()

        def sleep(seconds: float) -> None:
            waiting = _waiting()
            session = engine.session
            if waiting is None or engine._stopped or getattr(session, "backend", None) == "aws":
                real_time.sleep(seconds)
                return
            lab_sleep(engine, waiting, float(seconds))

        names = {k: getattr(real_time, k) for k in dir(real_time) if not k.startswith("__")}
        names["sleep"] = sleep
        self._patcher.replace(WAITER_WAIT, wait)
        self._patcher.replace(WAITER_TIME, types.SimpleNamespace(**names))
        return self

    def stop(self) -> None:
        self._patcher.undo()
