"""The one invoke path: a direct Invoke, an async event and a trigger all go through :func:`dispatch`.

moto reaches the runtime through two faces (docs/architecture.md, "How a call travels"):
the Invoke API (:mod:`.responses`, ``LambdaResponse.invoke``) and every trigger moto implements
(:mod:`.models`, ``LambdaFunction.invoke``: S3 notifications, SQS mappings, streams, SNS, Step
Functions, and the course's own integrations). Both build a :class:`Request` and call
:func:`dispatch`, which checks the function can run here, then answers a DryRun, queues an
``Event`` for :mod:`.async_invoke` (whose attempts come back through
:meth:`LambdaRuntime.invoke <serverless_lab.runtime.service.LambdaRuntime.invoke>`), or runs a
synchronous call. Only the *shape of the answer* differs between the two faces.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .headers import TRIGGER_HEADER, infer_trigger

if TYPE_CHECKING:
    from .service import InvokeResult, LambdaRuntime

__all__ = ["Request", "Dispatched", "dispatch", "trigger_of", "header_reader"]


@dataclass
class Request:
    """One call into Lambda, whichever face it came through."""

    fn: Any                                   # moto's LambdaFunction (the version that runs)
    payload: bytes
    invocation_type: str = "RequestResponse"  # RequestResponse | Event | DryRun
    trigger: str = "invoke"
    invoked_arn: str | None = None
    client_context: dict | None = None
    trace_header: str | None = None           # X-Amzn-Trace-Id of a traced caller (API Gateway)


@dataclass
class Dispatched:
    """What :func:`dispatch` did: ``kind`` is "refused", "dryrun", "queued" or "ran"."""

    kind: str
    problem: str | None = None          # refused: why the function cannot run here
    request_id: str | None = None       # queued: the async event's request id
    result: InvokeResult | None = None  # ran: the synchronous invocation's result


def trigger_of(headers: dict[str, str], raw: bytes) -> str:
    """The trigger named by the caller's header, else inferred from the event's shape."""
    return headers.get(TRIGGER_HEADER) or infer_trigger(raw)


def dispatch(rt: LambdaRuntime, req: Request) -> Dispatched:
    """Run, queue or refuse one call (the only place the three invocation types part ways)."""
    problem = rt.check_runtime(req.fn)
    if problem:
        return Dispatched("refused", problem=problem)
    if req.invocation_type == "DryRun":
        return Dispatched("dryrun")
    if req.invocation_type == "Event":
        from .async_invoke import AsyncJob

        version = str(req.fn.version)
        job = AsyncJob(req.fn.function_name, None if version == "$LATEST" else version, req.payload,
                       trigger=req.trigger, invoked_arn=req.invoked_arn, region=req.fn.region,
                       account_id=req.fn.account_id)
        rt.async_.submit(job)
        return Dispatched("queued", request_id=job.request_id)
    result = rt.invoke(req.fn, req.payload, trigger=req.trigger, invocation_type=req.invocation_type,
                       invoked_arn=req.invoked_arn, client_context=req.client_context,
                       trace_header=req.trace_header)
    return Dispatched("ran", result=result)


def as_bytes(body: Any) -> bytes:
    """moto hands the body over as bytes, str, or (from some triggers) an already-parsed dict."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def header_reader(headers: Any) -> Callable[[str], Any]:
    """A case-insensitive reader of a few named headers (``name`` in lower case) that does not copy
    them all: moto passes werkzeug's headers (case-insensitive already), dicts, or None."""
    if not headers:
        return lambda name: None
    if isinstance(headers, dict):
        return lower_headers(headers).get
    return headers.get


def lower_headers(headers: Any) -> dict[str, str]:
    """Header names lower-cased (moto passes dicts, werkzeug Headers, or None)."""
    if not headers:
        return {}
    items = headers.items() if hasattr(headers, "items") else headers
    return {str(k).lower(): v for k, v in items}
