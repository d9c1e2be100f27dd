"""The contract between the runtime and everything that invokes a function through moto.

``LambdaFunction.invoke(body, request_headers, response_headers)`` (moto's model method, replaced
by :mod:`.models`) is how moto's own triggers and the course's integrations reach a handler. Two
headers of the course's own ride along (docs/architecture.md, "How a call travels"):

* request ``x-serverless-lab-trigger``: names the trigger for the trace; without it the trigger
  is inferred from the event's shape (:func:`infer_trigger`);
* response ``x-serverless-lab-throttled``: the AWS reason code when the call was throttled.

and one of AWS's: request ``X-Amzn-Trace-Id``, the tracing header of a caller that traces the call
(API Gateway with tracing enabled); ``Sampled=1`` makes Lambda trace it (``runtime/xray.py``).
"""

from __future__ import annotations

import json

TRIGGER_HEADER = "x-serverless-lab-trigger"
THROTTLE_HEADER = "x-serverless-lab-throttled"

_SOURCES = {"aws:s3": "s3", "aws:sqs": "sqs", "aws:dynamodb": "dynamodb", "aws:kinesis": "kinesis",
            "aws:sns": "sns", "aws:codecommit": "codecommit", "aws:ses": "ses"}


def infer_trigger(raw: bytes) -> str:
    """Name the event source from the event's shape (AWS's event formats)."""
    try:
        ev = json.loads(raw) if raw else {}
    except ValueError:
        return "invoke"
    return trigger_of_event(ev)


def trigger_of_event(ev: object) -> str:
    """:func:`infer_trigger` for an event already parsed from JSON."""
    if not isinstance(ev, dict):
        return "invoke"
    recs = ev.get("Records")
    if isinstance(recs, list) and recs and isinstance(recs[0], dict):
        src = recs[0].get("eventSource") or recs[0].get("EventSource")
        if src in _SOURCES:
            return _SOURCES[src]
    if "awslogs" in ev:
        return "logs"
    if "detail-type" in ev and "source" in ev:
        return "schedule" if ev.get("detail-type") == "Scheduled Event" else "events"
    if "requestContext" in ev and ("httpMethod" in ev or "routeKey" in ev):
        return "apigateway"
    return "invoke"
