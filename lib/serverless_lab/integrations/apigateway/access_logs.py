"""Stage access logs: one line per request, in the stage's format, in its CloudWatch Logs group.

A stage with access log settings (REST: ``accessLogSettings`` / CloudFormation ``AccessLogSetting``;
HTTP APIs: ``AccessLogSettings``) writes, for every request it serves, its ``format`` with each
``$context`` variable replaced ("Access logging for REST APIs",
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-access-logging.html; "Customize
HTTP API access logs", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html).
A variable the course does not know, or one without a value for this request, is written ``-``.
The course writes to the log stream named after the stage; a lab reads the lines with
``filter_log_events`` on the group.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any

_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.]+[A-Za-z0-9_])")


def destination_group(arn: str) -> str | None:
    """The log group a ``destinationArn`` names (``arn:aws:logs:region:account:log-group:NAME[:*]``)."""
    marker = ":log-group:"
    if marker not in arn:
        return None
    name = arn.split(marker, 1)[1]
    return name[:-2] if name.endswith(":*") else name


def settings(stage: Any) -> tuple[str, str] | None:
    """(group, format) of a stage that logs access, else None."""
    raw = getattr(stage, "access_log_settings", None) or {}
    arn = raw.get("destinationArn") or raw.get("DestinationArn")
    fmt = raw.get("format") or raw.get("Format")
    group = destination_group(arn) if arn else None
    return (group, fmt) if group and fmt else None


def line(fmt: str, values: dict[str, Any]) -> str:
    """The format with each ``$context.name`` replaced by its value (``-`` when there is none)."""
    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        return "-" if found is None or found == "" else str(found)

    return _VARIABLE.sub(value, fmt)


def context_values(request: Any, response: Any, stage_name: str, api_id: str, now: float, *,
                   rest: bool, route: str | None) -> dict[str, Any]:
    """The ``$context`` variables of one request the course can fill."""
    headers = {k.lower(): v for k, v in response.headers}
    request_id = headers.get("x-amzn-requestid") or headers.get("apigw-requestid") or str(uuid.uuid4())
    when = datetime.fromtimestamp(now, tz=timezone.utc)
    method = request.method.upper()
    values: dict[str, Any] = {
        "requestId": request_id, "extendedRequestId": headers.get("x-amz-apigw-id") or request_id,
        "apiId": api_id, "stage": stage_name, "httpMethod": method, "status": response.status,
        "protocol": "HTTP/1.1", "responseLength": len(response.body or b""),
        "requestTime": when.strftime("%d/%b/%Y:%H:%M:%S +0000"), "requestTimeEpoch": int(now * 1000),
        "identity.sourceIp": request.source_ip, "identity.userAgent": request.header("user-agent"),
        "domainName": f"{api_id}.execute-api.{request.region}.amazonaws.com",
    }
    path = request.path or "/"
    if rest:
        values.update({"path": path, "resourcePath": route})
    else:
        values.update({"path": path, "routeKey": route})
    return values


def write(account_id: str, region: str, stage: Any, stage_name: str, api_id: str, request: Any,
          response: Any, *, rest: bool, route: str | None, now: float | None = None) -> None:
    """Write the request's access log line if the stage logs access."""
    found = settings(stage)
    if found is None:
        return
    from ...cloud import logs

    group, fmt = found
    now = time.time() if now is None else now
    values = context_values(request, response, stage_name, api_id, now, rest=rest, route=route)
    logs.append(account_id, region, group, stage_name, [{"timestamp": int(now * 1000), "message": line(fmt, values)}],
                create_group=False)


__all__ = ["write", "line", "settings", "destination_group"]
