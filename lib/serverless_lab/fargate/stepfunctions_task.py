"""Step Functions ``arn:aws:states:::ecs:runTask.sync``: run a Fargate task and wait for it to stop.

moto's ECS integration calls RunTask, then polls DescribeTasks every half second of real time
until ``lastStatus`` is STOPPED, and succeeds whatever the container's exit code. With the course's
Fargate engine a task spends ~35 s of lab time starting and ~11 s stopping, so a state machine would
sit through them in real time. Here the wait follows :func:`serverless_lab.fargate.wait_for_task`:

* while the task only waits on AWS time (start-up, shut-down, a lab-clock ``sleep`` inside the task)
  the lab clock jumps to its next step, as a Step Functions Wait state does on the lab clock;
* the state's output is the task as DescribeTasks shows it (PascalCase keys and epoch-millisecond
  dates, as AWS returns it);
* as on AWS, the state fails with ``States.TaskFailed`` when an essential container exited with a
  non-zero code or the task never started (its ``Cause`` is the task description as JSON), so a
  Retry or Catch on the state sees a failed batch job;
* stopping the execution (StopExecution, a state timeout) stops the task with StopTask.

The task also works without the Fargate engine (moto's metadata tasks): then only the polling
interval is shortened.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .engine import FargateEngine

ECS_SYNC_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs:"
    "StateTaskServiceEcs._build_sync_resolver",
    why="moto polls ecs:runTask.sync in real time every 0.5 s and ignores exit codes; the course waits on "
        "the lab clock (fast-forwarding start-up) and fails the state on a non-zero essential exit code",
    extension="fargate", lazy=True)

ECS_PARAMETERS_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs:"
    "StateTaskServiceEcs._normalise_parameters",
    why="moto's Task states pass ASL's PascalCase Parameters (Cluster, TaskDefinition) to boto3 unchanged, so "
        "ecs:runTask fails with KeyError 'Cluster'; the course maps them onto ECS's request shape",
    extension="fargate", lazy=True)
ECS_RESPONSE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs:"
    "StateTaskServiceEcs._normalise_response",
    why="moto leaves boto3's camelCase response while its own ECS code reads Tasks/TaskArn; the course "
        "returns AWS's PascalCase task description",
    extension="fargate", lazy=True)

ECS_EVAL_SYNC_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_ecs:"
    "StateTaskServiceEcs._eval_sync",
    why="moto also waits on a task-token callback endpoint during .sync; after a first failed attempt that endpoint is "
        "already interrupted, so a Retry attempt ends at once with States.Timeout. runTask.sync has no task token: the "
        "course waits on the task alone",
    extension="fargate", lazy=True)

POLL_S = 0.02
_SHAPES: dict[str, Any] = {}


def _operation(action: str) -> Any:
    """botocore's model of an ECS operation from its snake_case name (run_task → RunTask)."""
    if action not in _SHAPES:
        import botocore.session
        from botocore import xform_name

        model = botocore.session.get_session().get_service_model("ecs")
        by_snake = {xform_name(op): op for op in model.operation_names}
        _SHAPES[action] = model.operation_model(by_snake[action])
    return _SHAPES[action]


def _eval_sync(service: Any, env: Any, sync_resolver: Any, timeout_seconds: Any = None, callback_endpoint: Any = None,
               heartbeat_endpoint: Any = None) -> Any:
    """Wait on the task only (the resolver blocks until STOPPED, a failure, or the execution ends)."""
    while env.is_running():
        result = sync_resolver()
        if result is not None:
            return result
        time.sleep(POLL_S)
    return None


def _normalise_parameters(service: Any, parameters: dict, boto_service_name: str | None = None,
                          service_action_name: str | None = None) -> None:
    action = service._get_boto_service_action(service_action_name)
    service._to_boto_request(parameters, _operation(action).input_shape)


def _normalise_response(service: Any, response: Any, boto_service_name: str | None = None,
                        service_action_name: str | None = None) -> None:
    action = service._get_boto_service_action(service_action_name)
    service._from_boto_response(response, _operation(action).output_shape)
    if isinstance(response, dict):
        plain = _plain(response)
        response.clear()
        response.update(plain)


def _plain(value: Any) -> Any:
    """JSON-ready: timestamps become epoch milliseconds, as Step Functions shows ECS's dates."""
    from datetime import datetime

    def default(o: Any) -> Any:
        if isinstance(o, datetime):
            return int(o.timestamp() * 1000)
        return str(o)
    return json.loads(json.dumps(value, default=default))


def _failed(task: dict[str, Any]) -> bool:
    """AWS's rule for a failed ECS .sync task: an essential container exited non-zero, or never ran."""
    if task.get("stopCode") == "TaskFailedToStart":
        return True
    containers = task.get("containers") or []
    return any(c.get("exitCode") is None or c.get("exitCode") != 0 for c in containers)


def _task_failed(service: Any, env: Any, cause: str) -> Exception:
    """The ``States.TaskFailed`` failure a Retry or Catch on the state can handle."""
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent, FailureEventException
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    typ = StatesErrorNameType.StatesTaskFailed
    return FailureEventException(failure_event=FailureEvent(
        env=env, error_name=StatesErrorName(typ=typ), event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
            error=typ.to_name(), cause=cause, resourceType=service._get_sfn_resource_type(),
            resource=service._get_sfn_resource()))))


class EcsSyncIntegration:
    """Installs the runTask.sync resolver while the session runs (``engine.ecs_sync``)."""

    def __init__(self, engine: FargateEngine) -> None:
        self.engine = engine
        self._patcher = Patcher()
        self._stopped = False

    def start(self) -> EcsSyncIntegration:
        self._patcher.on_import(ECS_SYNC_SEAM.module, self._install)  # when moto loads its ECS integration
        return self

    def stop(self) -> None:
        self._stopped = True
        self._patcher.undo()

    def _install(self, module: Any) -> None:
        if self._stopped:
            return
        integration = self

        def build_sync_resolver(service: Any, env: Any, resource_runtime_part: Any, normalised_parameters: dict,
                                state_credentials: Any) -> Any:
            return integration._resolver(service, env, resource_runtime_part, state_credentials)

        self._patcher.replace(ECS_SYNC_SEAM, build_sync_resolver)
        self._patcher.replace(ECS_EVAL_SYNC_SEAM, _eval_sync)
        self._patcher.replace(ECS_PARAMETERS_SEAM, _normalise_parameters)
        self._patcher.replace(ECS_RESPONSE_SEAM, _normalise_response)

    def _resolver(self, service: Any, env: Any, resource_runtime_part: Any, state_credentials: Any) -> Any:
        from moto.stepfunctions.parser.asl.utils.boto_client import boto_client_for

        ecs = boto_client_for(service="ecs", region=resource_runtime_part.region, state_credentials=state_credentials)
        submitted: dict = env.stack.pop()
        task_arn: str = submitted["Tasks"][0]["TaskArn"]
        cluster_arn: str = submitted["Tasks"][0]["ClusterArn"]
        engine = self.engine
        clock = engine.clock

        def describe() -> dict[str, Any]:
            return ecs.describe_tasks(cluster=cluster_arn, tasks=[task_arn])["tasks"][0]

        def resolve() -> Any:
            grace_since: float | None = None
            while env.is_running() and not engine._stopped:
                task = describe()
                if task["lastStatus"] == "STOPPED":
                    if _failed(task):
                        out = ecs.describe_tasks(cluster=cluster_arn, tasks=[task_arn])
                        service._normalise_response(response=out, service_action_name="describe_tasks")
                        raise _task_failed(service, env, json.dumps(_plain(out["Tasks"][0])))
                    out = ecs.describe_tasks(cluster=cluster_arn, tasks=[task_arn])
                    service._normalise_response(response=out, service_action_name="describe_tasks")
                    return _plain(out["Tasks"][0])
                run = engine.find(task_arn)
                if run is not None and engine.waiting_on_clock(task_arn):
                    from . import STOP_GRACE_S, working_after_sigterm

                    if working_after_sigterm(engine, run):

                        grace_since = grace_since or time.monotonic()
                        if time.monotonic() - grace_since < STOP_GRACE_S:
                            time.sleep(POLL_S)
                            continue
                    else:
                        grace_since = None
                    nxt = engine.next_event(task_arn)
                    if nxt is not None:
                        clock.advance(max(0.0, nxt - clock.now()) + 1e-3)
                        grace_since = None
                        continue
                time.sleep(POLL_S)
            # the execution stopped (StopExecution, timeout): Step Functions stops the task
            try:
                if describe()["lastStatus"] != "STOPPED":
                    ecs.stop_task(cluster=cluster_arn, task=task_arn, reason="Execution stopped by Step Functions")
            except Exception:  # noqa: BLE001 - the session may be closing
                pass
            return None

        return resolve
