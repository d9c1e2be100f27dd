"""Gradual Lambda deployments (SAM's ``DeploymentPreference``) on the lab clock, as CodeDeploy runs them.

With ``AutoPublishAlias`` and ``DeploymentPreference: {Type: Canary10Percent5Minutes, Alarms: [...],
Hooks: {PreTraffic: ..., PostTraffic: ...}}`` a stack update that publishes a new version does not
move the alias at once: CodeDeploy runs the PreTraffic hook, shifts traffic to the new version by
the alias's weights (``RoutingConfig.AdditionalVersionWeights``) step by step, watches the alarms,
runs the PostTraffic hook, and rolls the alias back to the old version when an alarm goes to
``ALARM`` or a hook reports ``Failed`` ("Deploying serverless applications gradually with AWS SAM",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html;
the deployment configurations: "Deployment configurations on an AWS Lambda compute platform",
https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html).

Here the steps are lab-clock timers (``aws.clock.advance(300)`` runs five minutes of a canary),
the alarms are read from CloudWatch every :data:`ALARM_POLL_S` lab seconds, a hook is the
function invoked with ``{"DeploymentId", "LifecycleEventHookExecutionId"}`` that reports with
``codedeploy.put_lifecycle_event_hook_execution_status`` as on AWS. Invocations of the alias
really split between the versions by the weights (the runtime routes by them).

Each deployment is registered in moto's CodeDeploy backend (:mod:`.codedeploy`): boto3's
``codedeploy.get_deployment`` shows its status, error and rollback, ``list_deployments`` lists
it under the stack's application and the function's deployment group, and ``stop_deployment``
stops it (rolling the alias back unless ``autoRollbackEnabled=False``). :func:`traffic_shifts`
gives the same deployments with a readable timeline.

The stack update that started a deployment waits for it, as CloudFormation does
(:mod:`.stack_wait`): ``UPDATE_IN_PROGRESS`` until the shift ends on the lab clock, then
``UPDATE_COMPLETE``, or ``UPDATE_ROLLBACK_COMPLETE`` when the deployment stopped or failed.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# type → (kind, percent per step, minutes between steps), as the SAM translator names them
# (samtranslator/model/preferences/deployment_preference_collection.py) and CodeDeploy runs them
CONFIGS: dict[str, tuple[str, int, int]] = {
    "Canary10Percent5Minutes": ("canary", 10, 5),
    "Canary10Percent10Minutes": ("canary", 10, 10),
    "Canary10Percent15Minutes": ("canary", 10, 15),
    "Canary10Percent30Minutes": ("canary", 10, 30),
    "Linear10PercentEvery1Minute": ("linear", 10, 1),
    "Linear10PercentEvery2Minutes": ("linear", 10, 2),
    "Linear10PercentEvery3Minutes": ("linear", 10, 3),
    "Linear10PercentEvery10Minutes": ("linear", 10, 10),
    "AllAtOnce": ("all", 100, 0),
}
ALARM_POLL_S = 10.0   # how often (lab seconds) a deployment reads its alarms
HOOK_EVENTS = {"PreTraffic": "BeforeAllowTraffic", "PostTraffic": "AfterAllowTraffic"}


def schedule(kind: str) -> list[tuple[float, float]]:
    """``[(lab seconds after the start, weight of the new version)]`` for a deployment type."""
    how, percent, minutes = CONFIGS[kind]
    if how == "all":
        return [(0.0, 1.0)]
    if how == "canary":
        return [(0.0, percent / 100), (minutes * 60.0, 1.0)]
    steps = 100 // percent
    return [(k * minutes * 60.0, min(1.0, (k + 1) * percent / 100)) for k in range(steps)]


def new_deployment_id() -> str:
    """A CodeDeploy deployment id: ``d-`` and nine letters or digits."""
    return "d-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9))


@dataclass
class TrafficShift:
    """One gradual deployment of an alias (what CodeDeploy's GetDeployment would show)."""

    deployment_id: str
    function_name: str
    alias: str
    old_version: str
    new_version: str
    type: str
    alarms: list[str]
    hooks: dict[str, str]
    account_id: str
    region: str
    status: str = "Created"             # Created → InProgress → Succeeded | Stopped | Failed
    error_code: str | None = None       # ALARM_ACTIVE, HOOK_EXECUTION_FAILURE (CodeDeploy's ErrorInformation codes)
    error_message: str | None = None
    weight: float = 0.0                 # of the new version, now
    events: list[tuple[float, str]] = field(default_factory=list)   # (lab time, what happened)
    hook_status: dict[str, str] = field(default_factory=dict)       # execution id → Succeeded/Failed
    application: str | None = None      # the CodeDeploy application and group it belongs to
    deployment_group: str | None = None
    created_at: float | None = None     # lab-clock times
    started_at: float | None = None
    completed_at: float | None = None
    rollback_deployment_id: str | None = None
    rollback_message: str | None = None
    runner: Any = field(default=None, repr=False, compare=False)
    on_done: list[Callable[[], None]] = field(default_factory=list, repr=False, compare=False)

    def finished(self) -> None:
        """Run what waits for this deployment (the stack update, iac/stack_wait.py)."""
        waiting, self.on_done = self.on_done, []
        for callback in waiting:
            callback()

    @property
    def done(self) -> bool:
        return self.status in ("Succeeded", "Stopped", "Failed")

    def summary(self) -> str:
        lines = [f"{self.deployment_id} {self.function_name}:{self.alias} v{self.old_version} → v{self.new_version} "
                 f"({self.type}): {self.status}" + (f" [{self.error_code}] {self.error_message}"
                                                  if self.error_code else "")]
        t0 = self.events[0][0] if self.events else 0.0
        lines += [f"  +{t - t0:6.0f}s  {text}" for t, text in self.events]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<TrafficShift {self.deployment_id} {self.function_name}:{self.alias} v{self.old_version}→"
                f"v{self.new_version} {self.type} {self.status} weight={self.weight:.0%}>")


_LOCK = threading.RLock()
_SHIFTS: list[TrafficShift] = []


def traffic_shifts(function_name: str | None = None) -> list[TrafficShift]:
    """The gradual deployments of this session, oldest first (of one function if named)."""
    with _LOCK:
        return [s for s in _SHIFTS if function_name in (None, s.function_name)]


def find(deployment_id: str) -> TrafficShift | None:
    with _LOCK:
        return next((s for s in _SHIFTS if s.deployment_id == deployment_id), None)


def clear() -> None:
    """Forget every deployment (the iac extension's stop)."""
    with _LOCK:
        for shift in _SHIFTS:
            if not shift.done:
                shift.status = "Stopped"
        _SHIFTS.clear()


def _lambda(shift: TrafficShift) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[shift.account_id][shift.region]


def _clock() -> Any:
    from ..cloud.session import current_session

    session = current_session()
    if session is None:
        raise RuntimeError("no mock_aws() session is running")
    return session.clock


class _Runner:
    """Drives one deployment on the lab clock."""

    def __init__(self, shift: TrafficShift) -> None:
        self.shift = shift
        self.clock = _clock()
        self.start_at = self.clock.now()
        self.steps = schedule(shift.type)
        self.timers: list[Any] = []

    def log(self, text: str) -> None:
        self.shift.events.append((self.clock.now(), text))

    def route(self, weight: float) -> None:
        s = self.shift
        backend = _lambda(s)
        if weight >= 1.0:
            backend.update_alias(name=s.alias, function_name=s.function_name, function_version=s.new_version,
                                 description=None, routing_config={})
        elif weight <= 0.0:
            backend.update_alias(name=s.alias, function_name=s.function_name, function_version=s.old_version,
                                 description=None, routing_config={})
        else:
            backend.update_alias(name=s.alias, function_name=s.function_name, function_version=s.old_version,
                                 description=None,
                                 routing_config={"AdditionalVersionWeights": {s.new_version: round(weight, 4)}})
        s.weight = max(0.0, min(1.0, weight))

    def firing_alarm(self) -> str | None:
        from moto.cloudwatch.models import cloudwatch_backends

        s = self.shift
        if not s.alarms:
            return None
        for alarm in cloudwatch_backends[s.account_id][s.region].get_alarms_by_alarm_names(s.alarms):
            if alarm.state_value == "ALARM":
                return str(alarm.name)
        return None

    def run_hook(self, which: str) -> bool:
        """Invoke the hook function; True if it reported Succeeded (as CodeDeploy waits for it to)."""
        from ..integrations.invoke import invoke_lambda

        s = self.shift
        function = s.hooks.get(which)
        if not function:
            return True
        execution_id = f"{s.deployment_id}-{HOOK_EVENTS[which]}"
        self.log(f"{which} hook {function} invoked ({HOOK_EVENTS[which]})")
        result = invoke_lambda(function, {"DeploymentId": s.deployment_id, "LifecycleEventHookExecutionId": execution_id},
                               "codedeploy", account_id=s.account_id, region=s.region)
        status = s.hook_status.get(execution_id)
        if result.function_error:
            self.log(f"{which} hook failed: {result.payload.decode(errors='replace')[:200]}")
            return False
        if status != "Succeeded":
            self.log(f"{which} hook reported {status or 'nothing'} (it must call "
                     "codedeploy.put_lifecycle_event_hook_execution_status with status Succeeded)")
            return False
        self.log(f"{which} hook reported Succeeded")
        return True

    def stop(self, status: str, code: str, message: str, roll_back: bool = True) -> None:
        s = self.shift
        for timer in self.timers:
            timer.cancel()
        s.status, s.error_code, s.error_message = status, code, message
        s.completed_at = self.clock.now()
        if not roll_back:
            self.log(f"stopped, not rolled back: alias {s.alias} keeps {s.weight:.0%} on version "
                     f"{s.new_version} ({message})")
            s.finished()
            return
        self.route(0.0)
        self.log(f"rolled back: alias {s.alias} → version {s.old_version} only ({message})")
        from . import codedeploy

        codedeploy.record_rollback(s, s.account_id, s.region)
        s.finished()

    def begin(self) -> None:
        s = self.shift
        s.status = "InProgress"
        s.started_at = self.clock.now()
        self.log(f"deployment {s.deployment_id} started: {s.type}, alarms {s.alarms or 'none'}")
        firing = self.firing_alarm()
        if firing:
            self.stop("Stopped", "ALARM_ACTIVE", f"alarm {firing} is in ALARM before traffic shifted")
            return
        if not self.run_hook("PreTraffic"):
            self.stop("Failed", "HOOK_EXECUTION_FAILURE", "the PreTraffic hook did not succeed")
            return
        for offset, weight in self.steps:
            self.timers.append(self.clock.call_at(self.start_at + offset, lambda w=weight: self.step(w)))
        self._poll_after(self.start_at)
        self.clock.fire_due()

    def step(self, weight: float) -> None:
        s = self.shift
        if s.done:
            return
        firing = self.firing_alarm()
        if firing:
            self.stop("Stopped", "ALARM_ACTIVE", f"alarm {firing} went to ALARM")
            return
        self.route(weight)
        if weight < 1.0:
            self.log(f"{weight:.0%} of traffic to version {s.new_version}")
            return
        self.log(f"100% of traffic to version {s.new_version}")
        if not self.run_hook("PostTraffic"):
            self.stop("Failed", "HOOK_EXECUTION_FAILURE", "the PostTraffic hook did not succeed")
            return
        s.status = "Succeeded"
        s.completed_at = self.clock.now()
        self.log("deployment succeeded")
        for timer in self.timers:
            timer.cancel()
        s.finished()

    def _poll_after(self, previous: float) -> None:
        # from the previous due time, not now(): clock.advance() fires a whole chain in order
        due = previous + ALARM_POLL_S
        self.timers.append(self.clock.call_at(due, lambda: self.poll(due)))

    def poll(self, due: float) -> None:
        if self.shift.done:
            return
        firing = self.firing_alarm()
        if firing:
            self.stop("Stopped", "ALARM_ACTIVE", f"alarm {firing} went to ALARM")
            return
        self._poll_after(due)


def start(function_name: str, alias: str, old_version: str, new_version: str, preference: dict[str, Any],
          account_id: str, region: str, *, stack_name: str | None = None,
          function_logical_id: str | None = None) -> TrafficShift:
    """Start a gradual deployment of ``alias`` from ``old_version`` to ``new_version`` (a deployment
    of the stack's CodeDeploy application when the stack is known)."""
    from . import codedeploy

    hooks = {k: str(v) for k, v in (preference.get("Hooks") or {}).items() if v}
    alarms = [str(a) for a in (preference.get("Alarms") or []) if a]
    shift = TrafficShift(new_deployment_id(), function_name, alias, str(old_version), str(new_version),
                         str(preference["Type"]), alarms, hooks, account_id, region)
    if stack_name and function_logical_id:
        shift.application, shift.deployment_group = codedeploy.ensure_group(
            stack_name, function_logical_id, preference, account_id, region)
    runner = _Runner(shift)
    shift.runner = runner
    shift.created_at = runner.start_at
    with _LOCK:
        _SHIFTS.append(shift)
    codedeploy.register(shift, account_id, region)
    runner.begin()
    return shift


def stop(deployment_id: str, auto_rollback: bool | None) -> TrafficShift | None:
    """CodeDeploy's ``StopDeployment``: Stopped (``MANUAL_STOP``), the alias rolled back unless
    ``auto_rollback`` is False (None: the group's automatic rollback on DEPLOYMENT_STOP_ON_REQUEST)."""
    shift = find(deployment_id)
    if shift is None or shift.done or shift.runner is None:
        return shift
    shift.runner.stop("Stopped", "MANUAL_STOP", "the deployment was stopped by a StopDeployment request",
                      roll_back=auto_rollback is not False)
    return shift


def report_hook(deployment_id: str, execution_id: str, status: str) -> bool:
    """A hook's ``PutLifecycleEventHookExecutionStatus``; False if no such deployment."""
    shift = find(deployment_id)
    if shift is None:
        return False
    shift.hook_status[execution_id] = status
    return True


__all__ = ["CONFIGS", "TrafficShift", "schedule", "start", "stop", "traffic_shifts", "report_hook",
           "new_deployment_id"]
