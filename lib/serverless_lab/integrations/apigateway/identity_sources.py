"""Identity sources: where an authorizer's token comes from in a request.

REST APIs name them ``method.request.header.Authorization``, ``method.request.querystring.token``,
``stageVariables.x`` or ``context.x``; HTTP APIs ``$request.header.Authorization``,
``$request.querystring.token``, ``$stageVariables.x`` or ``$context.x`` (API Gateway developer
guide, "Lambda authorizers"). An empty or missing source means 401 before the function runs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl


def _query_value(query: str, name: str) -> str | None:
    for k, v in parse_qsl(query, keep_blank_values=True):
        if k == name:
            return v
    return None


# identity-source syntax: (header, query string, stage variable, context) prefixes
_REST_SOURCES = ("method.request.header.", "method.request.querystring.", "stageVariables.", "context.")
_HTTP_SOURCES = ("$request.header.", "$request.querystring.", "$stageVariables.", "$context.")


def _identity(source: str, request: Any, stage_variables: dict[str, str],
              prefixes: tuple[str, str, str, str]) -> str | None:
    header, query, stage, context = prefixes
    source = source.strip()
    if source.startswith(header):
        return request.header(source[len(header):])
    if source.startswith(query):
        return _query_value(request.query, source[len(query):])
    if source.startswith(stage):
        return stage_variables.get(source[len(stage):])
    if source.startswith(context):
        return source  # constant per API in the mock
    return None


def rest_identity(source: str, request: Any, stage_variables: dict[str, str]) -> str | None:
    """``method.request.header.X`` / ``.querystring.x`` / ``stageVariables.x`` → value."""
    return _identity(source, request, stage_variables, _REST_SOURCES)


def http_identity(source: str, request: Any, stage_variables: dict[str, str]) -> str | None:
    """``$request.header.X`` / ``$request.querystring.x`` / ``$stageVariables.x`` → value."""
    return _identity(source, request, stage_variables, _HTTP_SOURCES)
