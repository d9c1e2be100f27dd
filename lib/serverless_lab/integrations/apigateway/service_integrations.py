"""HTTP API first-class AWS service integrations: ``SQS-SendMessage``.

An integration of type ``AWS_PROXY`` with ``IntegrationSubtype: SQS-SendMessage`` sends a message
built from the request by its ``RequestParameters`` (``QueueUrl`` and ``MessageBody`` required;
``DelaySeconds``, ``MessageGroupId``, ``MessageDeduplicationId`` optional), each a static value or a
mapping expression such as ``$request.body``, ``$request.header.name``, ``$request.querystring.name``,
``$request.path.name``, ``$context.requestId`` or ``$stageVariables.name`` ("Integration subtype
reference", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html;
"Transforming API requests and responses", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html).
The client gets SQS's answer as JSON, ``{"SendMessageResponse": {"ResponseMetadata": {...},
"SendMessageResult": {...}}}``, as AWS's serverless patterns show it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

SUPPORTED_SUBTYPES = ("SQS-SendMessage",)


def _json_path(document: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def resolve(expression: Any, request: Any, params: dict[str, str], context: dict[str, Any],
            stage_variables: dict[str, str]) -> str | None:
    """A mapping expression's value for this request (a static value is itself)."""
    if not isinstance(expression, str) or not expression.startswith("$"):
        return None if expression is None else str(expression)
    if expression == "$request.body":
        return (request.body or b"").decode("utf-8", "replace")
    if expression.startswith("$request.body."):
        try:
            found = _json_path(json.loads(request.body or b"null"), expression[len("$request.body."):])
        except ValueError:
            return None
        return found if isinstance(found, str) or found is None else json.dumps(found)
    if expression.startswith("$request.header."):
        return request.header(expression[len("$request.header."):])
    if expression.startswith("$request.querystring."):
        from urllib.parse import parse_qsl

        name = expression[len("$request.querystring."):]
        return next((v for k, v in parse_qsl(request.query, keep_blank_values=True) if k == name), None)
    if expression.startswith("$request.path."):
        return params.get(expression[len("$request.path."):])
    if expression.startswith("$context."):
        value = context.get(expression[len("$context."):])
        return None if value is None else str(value)
    if expression.startswith("$stageVariables."):
        return stage_variables.get(expression[len("$stageVariables."):])
    return expression


def sqs_send_message(integration: Any, request: Any, params: dict[str, str], stage_variables: dict[str, str],
                     account_id: str, region: str) -> tuple[int, dict[str, Any], str]:
    """Send the message; (status, JSON answer, request id)."""
    from moto.sqs.models import sqs_backends

    request_id = str(uuid.uuid4())
    context = {"requestId": request_id, "httpMethod": request.method.upper(), "path": request.path}
    mapped = {name: resolve(expr, request, params, context, stage_variables)
              for name, expr in (integration.request_parameters or {}).items()}
    queue_url, body = mapped.get("QueueUrl"), mapped.get("MessageBody")
    if not queue_url or body is None:
        return 500, {"message": "Internal Server Error"}, request_id
    parts = queue_url.rstrip("/").split("/")
    backend = sqs_backends[parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else account_id][
        mapped.get("Region") or region]
    delay = mapped.get("DelaySeconds")
    message = backend.send_message(parts[-1], body, delay_seconds=int(delay) if delay else None,
                                   group_id=mapped.get("MessageGroupId"),
                                   deduplication_id=mapped.get("MessageDeduplicationId"))
    queue = backend.get_queue(parts[-1])
    result = {"MD5OfMessageAttributes": None, "MD5OfMessageBody": message.body_md5,
              "MD5OfMessageSystemAttributes": None, "MessageId": message.id,
              "SequenceNumber": message.sequence_number if queue.fifo_queue else None}
    return 200, {"SendMessageResponse": {"ResponseMetadata": {"RequestId": request_id},
                                         "SendMessageResult": result}}, request_id


__all__ = ["sqs_send_message", "resolve", "SUPPORTED_SUBTYPES"]
