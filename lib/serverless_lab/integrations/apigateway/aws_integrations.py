"""REST API non-proxy ``AWS`` integrations: Lambda (custom integration) and SQS ``SendMessage``.

A method whose integration type is ``AWS`` renders the request template for the request's
content type (``application/json`` by default; without one the body passes through), calls the
service, then picks the integration response whose ``selectionPattern`` matches (a Lambda
function's ``errorMessage``; the default response otherwise) and renders its response template
(or passes the service's answer through) with its status code ("Set up Lambda custom
integrations", https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html;
"Tutorial: REST API as an Amazon SQS proxy", https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-sqs.html).
SQS's answer is its JSON SendMessageResponse, as AWS's serverless patterns show it.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from .mapping_templates import UnsupportedTemplate, form, render

_SQS_PATH = re.compile(r"^arn:aws[a-z-]*:apigateway:(?P<region>[a-z0-9-]+):sqs:path/(?P<account>\d+)/(?P<queue>[^/?]+)")


def is_served(integration: Any) -> bool:
    """Whether the course runs this AWS integration (Lambda or SQS SendMessage)."""
    uri = integration.uri or ""
    return integration.integration_type == "AWS" and (":lambda:path/" in uri or bool(_SQS_PATH.match(uri)))


def _template(templates: dict[str, str] | None, content_type: str) -> str | None:
    templates = templates or {}
    media = (content_type or "application/json").split(";")[0].strip().lower()
    return templates.get(media)


def _integration_response(integration: Any, error_message: str | None) -> tuple[str, Any]:
    """(status code, integration response) chosen by selectionPattern (the default one has none)."""
    responses = getattr(integration, "integration_responses", None) or {}
    default = None
    for code, response in responses.items():
        pattern = getattr(response, "selection_pattern", None)
        if not pattern:
            default = (code, response)
        elif error_message is not None and re.fullmatch(pattern, error_message, re.DOTALL):
            return code, response
    if error_message is not None and default is not None:
        return default
    return default or ("200", None)


def serve(integration: Any, request: Any, params: dict[str, dict[str, str]], context: dict[str, Any],
          stage_variables: dict[str, str], invoke: Any, account_id: str, region: str
          ) -> tuple[int, list[tuple[str, str]], bytes]:
    """Run the integration; (status, headers, body). ``invoke(event)`` calls the Lambda function
    and returns (payload, function_error) or an error response tuple."""
    template = _template(integration.request_templates, request.header("content-type") or "")
    try:
        rendered = render(template, request.body, params=params, context=context, stage_variables=stage_variables) \
            if template is not None else (request.body or b"").decode("utf-8", "replace")
    except UnsupportedTemplate as exc:
        return 500, [("Content-Type", "application/json")], json.dumps(
            {"message": "Internal server error", "course": str(exc)}).encode()
    error_message = None
    found = _SQS_PATH.match(integration.uri or "")
    if found:
        from moto.sqs.models import sqs_backends

        fields = form(rendered)
        backend = sqs_backends[found["account"]][found["region"]]
        message = backend.send_message(found["queue"], fields.get("MessageBody", ""),
                                       group_id=fields.get("MessageGroupId"),
                                       deduplication_id=fields.get("MessageDeduplicationId"))
        fifo = backend.get_queue(found["queue"]).fifo_queue
        answer: bytes = json.dumps({"SendMessageResponse": {
            "ResponseMetadata": {"RequestId": str(uuid.uuid4())},
            "SendMessageResult": {"MD5OfMessageAttributes": None, "MD5OfMessageBody": message.body_md5,
                                  "MD5OfMessageSystemAttributes": None, "MessageId": message.id,
                                  "SequenceNumber": message.sequence_number if fifo else None}}},
            separators=(",", ":")).encode()
    else:
        try:
            event = json.loads(rendered) if rendered.strip() else {}
        except ValueError:
            event = rendered
        outcome = invoke(event)
        if isinstance(outcome, tuple) and len(outcome) == 3:
            return outcome
        answer, function_error = outcome
        if function_error:
            try:
                error_message = str(json.loads(answer or b"{}").get("errorMessage"))
            except (ValueError, AttributeError):
                error_message = ""
    status, response = _integration_response(integration, error_message)
    templates = getattr(response, "response_templates", None) or {}
    template = templates.get("application/json")
    body = answer
    if template:
        try:
            body = render(template, answer, params=params, context=context,
                          stage_variables=stage_variables).encode()
        except UnsupportedTemplate as exc:
            return 500, [("Content-Type", "application/json")], json.dumps(
                {"message": "Internal server error", "course": str(exc)}).encode()
    return int(status), [("Content-Type", "application/json")], body


__all__ = ["serve", "is_served"]
