"""REST API mapping templates: the Velocity subset non-proxy integrations use most.

A non-proxy (``AWS``) integration turns the request into the integration's input with a mapping
template and the integration's output into the response with another ("Mapping template
reference", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html).
The course renders the variables and functions those templates use without directives:
``$input.body``, ``$input.json('$...')``, ``$input.path('$...')``, ``$input.params('name')``,
``$util.urlEncode(...)``, ``$util.escapeJavaScript(...)``, ``$util.base64Encode(...)``,
``$context.*`` and ``$stageVariables.*``. A template with a directive (``#set``, ``#foreach``,
``#if``) raises :class:`UnsupportedTemplate`, naming it, rather than render something else.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote_plus

_CALL = re.compile(r"\$(?:\{)?(input|util)\.(json|path|params|body|urlEncode|escapeJavaScript|base64Encode)"
                   r"(?:\((?:'([^']*)'|\"([^\"]*)\"|(\$[A-Za-z0-9_.]+(?:\([^()]*\))?))?\))?(?:\})?")
_VAR = re.compile(r"\$(?:\{)?(context|stageVariables)\.([A-Za-z0-9_.]+[A-Za-z0-9_])(?:\})?")
_DIRECTIVE = re.compile(r"(^|\s)#(set|foreach|if|elseif|else|end|macro|define|parse|include)\b")


class UnsupportedTemplate(ValueError):
    """A mapping template uses Velocity the course does not render."""


def _json_path(document: Any, path: str) -> Any:
    path = path.strip()
    if path in ("$", ""):
        return document
    for part in re.findall(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]", path[1:] if path.startswith("$") else path):
        key, index = part
        if key:
            document = document.get(key) if isinstance(document, dict) else None
        else:
            document = document[int(index)] if isinstance(document, list) and int(index) < len(document) else None
    return document


def render(template: str, body: bytes, *, params: dict[str, dict[str, str]], context: dict[str, Any],
           stage_variables: dict[str, str]) -> str:
    """The template with its variables and calls replaced."""
    found = _DIRECTIVE.search(template)
    if found:
        raise UnsupportedTemplate(f"the mapping template uses #{found.group(2)}, which the course's API Gateway "
                                  "does not render: use $input / $util / $context expressions only")
    text = (body or b"").decode("utf-8", "replace")

    def parsed() -> Any:
        try:
            return json.loads(text or "null")
        except ValueError:
            return None

    def value_of(expression: str) -> str:
        return render(expression, body, params=params, context=context, stage_variables=stage_variables)

    def call(match: re.Match[str]) -> str:
        owner, name = match.group(1), match.group(2)
        arg = match.group(3) if match.group(3) is not None else match.group(4)
        nested = match.group(5)
        if owner == "input":
            if name == "body":
                return text
            if name == "json":
                return json.dumps(_json_path(parsed(), arg or "$"))
            if name == "path":
                found = _json_path(parsed(), arg or "$")
                return found if isinstance(found, str) else json.dumps(found)
            if name == "params":
                for kind in ("path", "querystring", "header"):
                    if arg in params.get(kind, {}):
                        return params[kind][arg]
                return ""
        source = value_of(nested) if nested else (arg or "")
        if name == "urlEncode":
            return quote_plus(source)
        if name == "escapeJavaScript":
            return json.dumps(source)[1:-1]
        if name == "base64Encode":
            return base64.b64encode(source.encode()).decode()
        return match.group(0)

    def var(match: re.Match[str]) -> str:
        scope, name = match.group(1), match.group(2)
        value = context.get(name) if scope == "context" else stage_variables.get(name)
        return "" if value is None else str(value)

    return _VAR.sub(var, _CALL.sub(call, template))


def form(text: str) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (SQS's query API) as a dict."""
    return dict(parse_qsl(text, keep_blank_values=True))


__all__ = ["render", "form", "UnsupportedTemplate"]
