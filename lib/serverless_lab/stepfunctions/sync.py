"""``StartSyncExecution``: run an Express workflow and answer with its result.

AWS runs a synchronous Express execution while the caller waits and returns its status, output
(or error and cause) and billing details in the response
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartSyncExecution.html).
It is the API behind "API Gateway → Express workflow → answer". moto 5.2 answers it with
``404 Not yet implemented``: its routes know only the ``states.<region>`` host, and boto3 sends
this one operation to ``sync-states.<region>`` (the operation's endpoint prefix). The session adds
the host (:mod:`serverless_lab.cloud.hosts`); this module adds the operation, and runs the
execution with moto's own ``SyncExecution`` (the interpreter's synchronous worker) on the
calling thread, so Lambda Task states run real handlers.

What follows AWS:
- a ``STANDARD`` state machine answers ``StateMachineTypeNotSupported``;
- the execution ARN is an Express one (``…:express:<machine>:<name>:<id>``), and, as on AWS,
  the execution is not kept: ``DescribeExecution``, ``ListExecutions`` and
  ``GetExecutionHistory`` do not know it (Express history goes to CloudWatch Logs on AWS);
- ``billingDetails``: the duration rounded up to the next 100 ms and memory in 64 MB steps, the
  units of Express pricing (https://aws.amazon.com/step-functions/pricing/). AWS measures the
  memory an execution uses; the mock bills the 64 MB minimum unless the definition and the
  payloads are larger.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import uuid
from typing import Any

from ..cloud.patching import Patcher, seam

RESPONSE_SEAM = seam(
    "moto.stepfunctions.responses:StepFunctionResponse.start_sync_execution",
    why="moto has no StartSyncExecution; the course runs the Express execution synchronously with "
        "moto's own SyncExecution worker",
    extension="stepfunctions", create=True)


def _error(code: str, message: str) -> Exception:
    from moto.core.exceptions import AWSError

    class _Error(AWSError):
        TYPE = code
        STATUS = 400

    return _Error(message)


def express_execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:…:states:<region>:<account>:express:<machine>:<name>:<id>`` (an Express execution)."""
    parts = state_machine_arn.split(":")
    return ":".join(parts[:5] + ["express", parts[6], name, str(uuid.uuid4())])


def billing(start: datetime.datetime, stop: datetime.datetime, definition: str, payloads: list[str]) -> dict[str, int]:
    """Express billing units: duration up to the next 100 ms, memory in 64 MB steps (64 MB minimum)."""
    duration_ms = max(0.0, (stop - start).total_seconds() * 1000)
    billed_ms = max(100, math.ceil(duration_ms / 100) * 100)
    used_mb = (len(definition) + sum(len(p or "") for p in payloads)) / (1024 * 1024)
    billed_mb = max(64, math.ceil(used_mb / 64) * 64)
    return {"billedMemoryUsedInMB": billed_mb, "billedDurationInMilliseconds": billed_ms}


def start_sync_execution(response: Any) -> Any:
    """moto response method: run the Express execution, answer with its result."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.parser.api import ExecutionStatus, StateMachineType
    from moto.stepfunctions.parser.backend import execution as moto_execution
    from moto.stepfunctions.parser.backend.execution import SyncExecution

    # the clock moto stamps stopDate with (the lab clock while the extension runs), so that the
    # billed duration is stop - start on one clock
    now = moto_execution.datetime.datetime.now

    arn = response._get_param("stateMachineArn")
    name = response._get_param("name") or str(uuid.uuid4())
    execution_input = response._get_param("input", if_none="{}")
    trace_header = response._get_param("traceHeader")
    backend = response.stepfunction_backend
    machine = backend.describe_state_machine(arn)       # StateMachineDoesNotExist as moto answers it
    if getattr(machine, "type", "STANDARD") != "EXPRESS":      # moto keeps the type in .type
        raise _error("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine")
    from . import _check_input

    _check_input(execution_input)                      # InvalidExecutionInput, as StartExecution answers it
    if not re.fullmatch(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}", name):
        raise _error("InvalidName", f"Invalid Name: '{name}'")
    execution = SyncExecution(
        name=name, sm_type=StateMachineType.EXPRESS, role_arn=machine.roleArn,
        exec_arn=express_execution_arn(machine.arn, name), account_id=backend.account_id,
        region_name=backend.region_name, state_machine=machine,
        start_date=now(tz=datetime.timezone.utc),
        cloud_watch_logging_session=None, activity_store={}, input_data=execution_input,
        trace_header=trace_header)
    execution.start()                                    # SyncExecutionWorker: runs to the end here
    status = execution.exec_status
    status = getattr(status, "value", status)
    sync_status = {ExecutionStatus.SUCCEEDED.value: "SUCCEEDED",
                   ExecutionStatus.TIMED_OUT.value: "TIMED_OUT"}.get(status, "FAILED")
    stop = execution.stop_date or now(tz=datetime.timezone.utc)
    output = None
    if sync_status == "SUCCEEDED":
        output = execution.output if isinstance(execution.output, str) else json.dumps(
            execution.output, separators=(",", ":"))
    out: dict[str, Any] = {
        "executionArn": execution.exec_arn, "stateMachineArn": machine.arn, "name": name,
        "startDate": execution.start_date, "stopDate": stop, "status": sync_status,
        "input": execution_input, "inputDetails": {"included": True},
        "billingDetails": billing(execution.start_date, stop, machine.definition, [execution_input, output or ""]),
    }
    if output is not None:
        out["output"] = output
        out["outputDetails"] = {"included": True}
    if execution.error is not None:
        out["error"] = execution.error
    if execution.cause is not None:
        out["cause"] = execution.cause
    if trace_header:
        out["traceHeader"] = trace_header
    return ActionResult(out)


def install(patcher: Patcher) -> None:
    patcher.replace(RESPONSE_SEAM, start_sync_execution)
