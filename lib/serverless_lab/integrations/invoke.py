"""One way to call a Lambda function from an integration: moto's own ``LambdaFunction.invoke``.

The local runtime (``serverless_lab.runtime``) patches that method so it runs real handler
code; integrations therefore never talk to worker processes themselves, and every call shows
up in the trace with the trigger named in ``x-serverless-lab-trigger``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..arn import function_ref
from ..runtime.headers import THROTTLE_HEADER, TRIGGER_HEADER  # the runtime's side of the contract


@dataclass
class LambdaResult:
    """What the Invoke API answered: the payload bytes and the X-Amz-Function-Error value."""

    payload: bytes
    function_error: str | None
    status: int = 200
    throttled: str | None = None  # AWS's reason code when Lambda refused the call (429)


def lambda_arn_from_uri(uri: str) -> str | None:
    """The function ARN inside an API Gateway integration URI (or the URI itself if it is one).

    ``arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/<function arn>/invocations``
    """
    if not uri:
        return None
    if ":lambda:path/" in uri and "/functions/" in uri:
        inner = uri.split("/functions/", 1)[1]
        return inner.rsplit("/invocations", 1)[0]
    if uri.startswith("arn:") and ":lambda:" in uri and ":function:" in uri:
        return uri
    return None


def invoke_lambda(name_or_arn: str, event: Any, trigger: str, *, account_id: str,
                  region: str, asynchronous: bool = False,
                  permission: tuple[str, str | None] | None = None,
                  trace_header: str | None = None) -> LambdaResult:
    """Invoke through moto's model (runs real code once the local runtime is active).

    ``event`` is a JSON-able object or already-encoded JSON text. Errors from the Lambda
    service itself (unknown function, throttling) propagate as moto's exceptions.
    ``permission`` = (service principal, source ARN) checks the function's resource policy
    first and raises :class:`PermissionDenied` (only when the session enforces policies).
    ``trace_header`` is the caller's X-Amzn-Trace-Id when it traces the call (API Gateway).
    """
    from moto.awslambda.models import lambda_backends

    ref = function_ref(name_or_arn)
    fn = lambda_backends[ref.account or account_id][ref.region or region].get_function(ref.name, ref.qualifier)
    if permission is not None:
        from ..runtime.permissions import check

        check(fn, permission[0], permission[1], account_id)
    body = event if isinstance(event, str) else json.dumps(event)
    request_headers = {TRIGGER_HEADER: trigger}
    if asynchronous:
        request_headers["x-amz-invocation-type"] = "Event"
    if trace_header:
        request_headers["X-Amzn-Trace-Id"] = trace_header
    response_headers: dict[str, Any] = {}
    payload = fn.invoke(body, request_headers, response_headers)
    if payload is None:
        payload = b""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    status = int(response_headers.get("status", 202 if asynchronous else 200) or 200)
    throttled = response_headers.get(THROTTLE_HEADER)
    return LambdaResult(payload, None if throttled else response_headers.get("x-amz-function-error"),
                        429 if throttled else status, throttled)
