"""Step Functions in the mocked world: moto's ASL interpreter, made to behave like AWS.

``mock_aws()`` runs real state machines (moto's ``execute_state_machine``); Lambda Task states
run the real handlers through the local runtime. This extension fixes what moto gets wrong for a
course (docs/architecture.md lists every seam):

- JSONata expressions evaluate (``jsonata-python``), with Variables and ``$states``;
- an execution started without a name gets its own ARN (moto names them all ``nameless:None``);
- Wait states and Retry intervals run on the lab clock (``aws.clock``): a one-hour Wait
  fast-forwards, and the history shows the hour;
- a broken definition gets AWS's ``InvalidDefinition`` and message shape;
- handled conditions (a caught error, a Fail state) are logged at DEBUG, not ERROR;
- a session's end aborts executions still waiting (a task token nobody answered);
- ``StartSyncExecution`` runs an Express workflow and answers with its result (:mod:`.sync`);
- speed: each definition and JSONPath is parsed once (``programs``), Task states share boto3
  clients (``clients``), Lambda tasks hand their request straight to the Lambda API handler
  instead of a boto3 round trip (``lambda_tasks``), and states without ``TimeoutSeconds`` run on
  the execution's own thread (``inline``), so ten Lambda tasks cost about ten warm invokes.

The Fargate extension plugs ``arn:aws:states:::ecs:runTask.sync`` in beside these
(``serverless_lab.fargate.stepfunctions_task``); reading a history is in :mod:`.history`.

A lab reaches it as ``aws.extension("stepfunctions")``::

    sfn = aws.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=sm_arn, input=json.dumps({...}))["executionArn"]
    done = aws.extension("stepfunctions").wait(arn)       # describe_execution once finished
    events = aws.extension("stepfunctions").history(arn)  # every event, all pages
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam
from ..errors import LabError
from . import clients as _clients
from . import definition as _definition
from . import inline as _inline
from . import jsonata as _jsonata
from . import jsonpath as _jsonpath
from . import lambda_tasks as _lambda_tasks
from . import programs as _programs
from . import sync as _sync
from . import terminal as _terminal
from . import timing as _timing
from .definition import problems as definition_problems
from .history import (
    execution_path,
    retries,
    retry_waits,
    state_attempts,
    task_failures,
    tasks_in_flight,
    transitions,
)
from .jsonata import evaluate as evaluate_jsonata

if TYPE_CHECKING:
    from ..cloud.session import MockSession

__all__ = ["activate", "StepFunctionsHandle", "evaluate_jsonata", "definition_problems", "retries",
           "retry_waits", "state_attempts", "task_failures", "tasks_in_flight", "transitions", "execution_path"]

START_SEAM = seam(
    "moto.stepfunctions.parser.models:StepFunctionsParserBackend.start_execution",
    why="moto gives every execution started without a name the ARN …:execution:<machine>:None, so a "
        "second start fails or returns the first; AWS generates a unique name (a UUID)",
    extension="stepfunctions")
TERMINATED_SEAM = seam(
    "moto.stepfunctions.parser.backend.execution:BaseExecutionWorkerCommunication.terminated",
    why="moto offers no way to wait for an execution but polling DescribeExecution; the course "
        "signals the end of each execution so wait() returns as soon as it finishes",
    extension="stepfunctions")
LOG_FAILURE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.eval_component:EvalComponent._log_failure_event_exception",
    why="moto logs every handled condition (a caught Task error, a Fail state, a Retry) at ERROR; "
        "a correct workflow must print no ERROR lines",
    extension="stepfunctions")
LOG_EXCEPTION_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.eval_component:EvalComponent._log_exception",
    why="as above, for exceptions the interpreter turns into States.* errors",
    extension="stepfunctions")

FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def _check_input(execution_input: Any) -> None:
    """AWS answers input that is not JSON with ``InvalidExecutionInput``; moto's parser backend
    raises it without an error code (the client sees ``Code: ''``)."""
    if execution_input is None:
        return
    import json

    try:
        json.loads(execution_input)
    except ValueError as exc:
        from moto.core.exceptions import AWSError

        class InvalidExecutionInput(AWSError):
            TYPE = "InvalidExecutionInput"
            STATUS = 400

        raise InvalidExecutionInput(f"Invalid State Machine Execution Input: '{exc}'") from None


def _quiet(self: Any, *args: Any, **kwargs: Any) -> None:
    """Handled conditions go in the execution history; the log keeps them at DEBUG."""
    import logging

    log = logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component")
    if log.isEnabledFor(logging.DEBUG):
        log.debug("handled at %r: %r %r", self, args, kwargs)


class StepFunctionsHandle:
    """The Step Functions extension of one session (``aws.extension("stepfunctions")``)."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.waits = _timing.LabWaits(session.clock, str(session.options.get("stepfunctions_waits", "advance")))
        self._patcher = Patcher()
        self._sfn = None
        self._finished = threading.Condition()

    def start(self) -> StepFunctionsHandle:
        try:
            _jsonata.install(self._patcher)
            _jsonpath.install(self._patcher)
            _timing.install(self._patcher, self.waits)
            _definition.install(self._patcher)
            _clients.install(self._patcher)
            self.programs = _programs.install(self._patcher)
            _inline.install(self._patcher)
            _terminal.install(self._patcher)
            self.lambda_tasks = _lambda_tasks.install(self._patcher)
            _sync.install(self._patcher)
            original = START_SEAM.current()

            def start_execution(backend: Any, state_machine_arn: str, name: Any = None,
                                execution_input: Any = None, trace_header: Any = None) -> Any:
                _check_input(execution_input)
                return original(backend, state_machine_arn, name or str(uuid.uuid4()),
                                execution_input, trace_header)

            self._patcher.replace(START_SEAM, start_execution)
            terminated = TERMINATED_SEAM.current()
            finished = self._finished

            def on_terminated(comm: Any) -> None:
                try:
                    terminated(comm)
                finally:
                    with finished:
                        finished.notify_all()

            self._patcher.replace(TERMINATED_SEAM, on_terminated)
            self._patcher.replace(LOG_FAILURE_SEAM, _quiet)
            self._patcher.replace(LOG_EXCEPTION_SEAM, _quiet)
        except BaseException:
            self._patcher.undo()
            raise
        return self

    # -- reading executions ------------------------------------------------------------------
    def _client(self):
        if self._sfn is None:
            self._sfn = self.session.client("stepfunctions")
        return self._sfn

    def wait(self, execution_arn: str, timeout_s: float = 60.0) -> dict[str, Any]:
        """Block (real time) until the execution has finished; return ``describe_execution``.

        Waits inside the workflow run on the lab clock, so this is only as long as the real work
        (Lambda handlers) takes.
        """
        deadline = time.monotonic() + timeout_s
        while self._status(execution_arn) not in FINISHED:
            if time.monotonic() > deadline:
                status = self._status(execution_arn)
                raise LabError(f"Execution {execution_arn.rsplit(':', 1)[-1]} is still {status} after "
                               f"{timeout_s:.0f} s.",
                               "Is it waiting for a task token (send_task_success / send_task_failure), or "
                               "for aws.clock.advance(...) with stepfunctions_waits='clock'? Or pass a "
                               "larger timeout_s.")
            with self._finished:
                if self._status(execution_arn) in FINISHED:
                    break
                self._finished.wait(0.05)
        return self._client().describe_execution(executionArn=execution_arn)

    def _status(self, execution_arn: str) -> str:
        """The execution's status read from the in-process backend (no API call), else via the API."""
        try:
            from moto.stepfunctions.responses import get_backend

            parts = execution_arn.split(":")
            execution = get_backend(parts[4], parts[3]).describe_execution(execution_arn)
            status = execution.status
            return getattr(status, "value", status)
        except Exception:  # noqa: BLE001 - a server backend or an unknown ARN: ask the API
            return self._client().describe_execution(executionArn=execution_arn)["status"]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every history event of an execution (all pages), oldest first."""
        sfn = self._client()
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return sorted(events, key=lambda e: e["id"])
            kwargs["nextToken"] = page["nextToken"]

    def run(self, state_machine_arn: str, input: Any = None, name: str | None = None,
            timeout_s: float = 60.0) -> dict[str, Any]:
        """Start an execution and wait for it: ``describe_execution`` plus ``"events"``."""
        import json

        kwargs: dict[str, Any] = {"stateMachineArn": state_machine_arn,
                                  "input": input if isinstance(input, str) else json.dumps(input or {})}
        if name:
            kwargs["name"] = name
        arn = self._client().start_execution(**kwargs)["executionArn"]
        out = self.wait(arn, timeout_s)
        out["events"] = self.history(arn)
        return out

    def __repr__(self) -> str:
        return f"<stepfunctions: waits={self.waits.mode}, {self.waits.waited_s:,.0f} s of waits fast-forwarded>"

    def running(self) -> list[Any]:
        """moto's execution objects still RUNNING in this session (every account and region)."""
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        out = []
        for account in list(stepfunctions_parser_backends.keys()):
            for _region, backend in list(stepfunctions_parser_backends[account].items()):
                for machine in list(getattr(backend, "state_machines", [])):
                    for execution in list(getattr(machine, "executions", [])):
                        if getattr(execution.status, "value", execution.status) == "RUNNING":
                            out.append(execution)
        return out

    def abort_running(self, cause: str = "The mock_aws() session ended.") -> int:
        """Abort every execution still running (a callback never answered, a long Wait with
        ``stepfunctions_waits='clock'``); return how many there were."""
        import datetime

        running = self.running()
        stop_date = datetime.datetime.now(datetime.timezone.utc)
        for execution in running:
            try:
                execution.stop(stop_date=stop_date, error=None, cause=cause)
            except Exception:  # noqa: BLE001 - best effort: the others must still stop
                pass
        deadline = time.monotonic() + 2.0
        while running and time.monotonic() < deadline:
            # a Task waiting for a token (or an activity) blocks on its callback endpoint, which
            # moto's stop does not wake (and it may register just after the stop): wake them all
            still = self.running()
            if not still:
                break
            for execution in still:
                env = getattr(execution.exec_worker, "env", None)
                for endpoint in list(getattr(getattr(env, "callback_pool_manager", None), "_pool", {}).values()):
                    endpoint.interrupt_all()
            time.sleep(0.01)
        return len(running)

    def stop(self) -> None:
        """Abort executions still running, so none outlives the session; undo the seams."""
        try:
            self.abort_running()
            _terminal.wait_for_interrupted_work()   # while the seams still keep it quiet
        finally:
            self._patcher.undo()


def activate(session: MockSession) -> StepFunctionsHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return StepFunctionsHandle(session).start()
