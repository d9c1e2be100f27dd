"""The local Lambda runtime: every Lambda path in moto runs your real handler code.

``mock_aws()`` activates it (``aws.extension("lambda")`` returns the :class:`LambdaRuntime`
handle). Create functions with boto3 as on AWS; Invoke, S3 notifications, SQS event source
mappings, DynamoDB streams, SNS, Kinesis, CloudWatch Logs subscriptions, Step Functions tasks
(and the API Gateway / EventBridge integrations) run the handler in an *execution
environment*: a worker process with the function's zip at ``/var/task`` and its layers at ``/opt``
(a private mount namespace on Linux; the real folders where the kernel refuses one: see
``worker._enter_layout``), handler, environment variables, memory size and timeout, plus
``AWS_ENDPOINT_URL`` so the handler's own boto3 calls reach the same mocked world.

Runtimes: AWS's current Python runtimes (python3.14 back to the deprecated ones AWS still lets
you create; see ``errors.PYTHON_RUNTIMES`` for the dated schedule: past its dates a runtime gets
AWS's InvalidParameterValueException on create and update). All run on the notebook's own Python
interpreter: the runtime name is simulated, not a different interpreter. Other runtimes
(nodejs, java, ...) are refused with ``InvalidRuntimeException`` naming the supported ones.

Behaviour as AWS documents it: INIT (handler import, 10 s limit) -> INVOKE ... -> SHUTDOWN;
warm reuse keeps module state; cold and warm starts in CloudWatch Logs (``REPORT`` with
``Init Duration`` on cold starts only); errors ``Unhandled`` / ``Runtime.ImportModuleError`` /
``Runtime.HandlerNotFound`` / ``Runtime.ExitError`` / ``Runtime.OutOfMemory`` (memory enforced
by watching the worker's resident set size, RLIMIT_AS only as a loose backstop) /
``Sandbox.Timedout``; concurrency limits with 429 ``TooManyRequestsException``; provisioned
concurrency; async invocation with retries, destinations and DLQ on the lab clock; weighted
alias routing; CloudWatch metrics in the ``AWS/Lambda`` namespace (Invocations, Errors,
Throttles, Duration, ConcurrentExecutions).

How a cold start works here: a warm "zygote" Python (stdlib only) forks one process per
environment, usually ahead of demand (a few *spare* processes wait, not yet bound to any function;
after a burst of cold starts, as many as the burst needed); the environment then imports the
handler module, and that import (plus a sub-millisecond set-up) is the reported ``Init Duration``.
Workers and spares die with the kernel (PR_SET_PDEATHSIG on Linux), environments' process groups
are killed on timeout and in ``stop()``.

For integrations: ``LambdaFunction.invoke(body, request_headers, response_headers)`` (moto's
model) runs the handler synchronously and returns the payload bytes; request header
``x-serverless-lab-trigger`` names the trigger for the trace (else it is inferred from the
event); on error it sets ``x-amz-function-error``; on a throttle also
``x-serverless-lab-throttled: <AWS reason code>``. See :mod:`serverless_lab.runtime.headers`; the
seams live in :mod:`.models` (moto's models) and :mod:`.responses` (its HTTP face), and every
call goes through :func:`serverless_lab.runtime.dispatch.dispatch` (docs/architecture.md).

Public handle (``rt = aws.extension("lambda")``)::

    rt.trace                       # serverless_lab.trace.TRACE: every invocation
    rt.clear_trace()
    rt.environments()              # [{id, function, version, state, created, last_used, invocations, ...}]
    rt.set_account_concurrency(n)  # default 1,000 (also mock_aws(account_concurrency=n))
    rt.set_keep_alive(seconds)     # lab-clock seconds (also mock_aws(keep_alive_s=...)), default 600
    rt.reclaim_idle()              # reclaim environments idle past the keep-alive now
    rt.set_spare_processes(16)     # processes forked ahead of cold starts (default 16; grows after bursts)
    rt.wait_idle(timeout=30)       # wait for running and queued (async) invocations
    rt.stop()                      # kill every worker (mock_aws does it for you)

boto3 retries a 429 by default (legacy mode: up to 4 retries); to see a throttle at once use
``Config(retries={"total_max_attempts": 1})``.
"""

from __future__ import annotations

import atexit
from typing import Any

from .errors import SUPPORTED_RUNTIMES
from .service import InvokeResult, LambdaRuntime

__all__ = ["activate", "LambdaRuntime", "InvokeResult", "SUPPORTED_RUNTIMES"]


def activate(session: Any) -> LambdaRuntime:
    """Start the local Lambda service for ``session`` and put its seams into moto."""
    from ..cloud.patching import Patcher
    from . import models, responses, trigger_permissions

    rt = LambdaRuntime(session)
    patcher = Patcher()
    try:
        models.install(rt, patcher)
        responses.install(rt, patcher)
        trigger_permissions.install(rt, patcher)
    except BaseException:
        patcher.undo()
        rt.stop()
        raise
    original_stop = rt.stop

    def stop() -> None:
        try:
            original_stop()
        finally:
            patcher.undo()
            try:
                atexit.unregister(stop)
            except Exception:  # noqa: BLE001
                pass

    rt.stop = stop  # type: ignore[method-assign]
    atexit.register(stop)
    return rt
