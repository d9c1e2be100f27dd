"""REST API request validators: required parameters and a JSON Schema body model → 400.

A method with ``requestValidatorId`` is checked before the integration runs (API Gateway
developer guide, "Request validation for REST APIs", checked 2026-11):
``validateRequestParameters`` rejects a request that lacks a parameter the method marks
required (``requestParameters={"method.request.querystring.page": True}``) with 400
``{"message": "Missing required request parameters: [page]"}``; ``validateRequestBody``
checks the body against the method's model for the request's content type (JSON Schema
draft 4) and rejects it with 400 ``{"message": "Invalid request body"}``. The function is not
invoked for a rejected request (and not billed).
"""

from __future__ import annotations

import json
from typing import Any

from .denials import Denied


def bad_request(message: str) -> Denied:
    return Denied(400, {"message": message}, [("x-amzn-ErrorType", "BadRequestException")])


def _param_present(kind: str, name: str, request: Any, path_parameters: dict[str, str]) -> bool:
    if kind == "header":
        return request.header(name) is not None
    if kind == "querystring":
        from urllib.parse import parse_qsl

        return any(k == name for k, _ in parse_qsl(request.query, keep_blank_values=True))
    if kind == "path":
        return bool(path_parameters.get(name))
    return True


def validate_rest(api: Any, method: Any, request: Any, path_parameters: dict[str, str]) -> None:
    """Raise :class:`Denied` (400) when the method's validator rejects the request."""
    validator_id = getattr(method, "request_validator_id", None)
    if not validator_id:
        return
    validator = api.request_validators.get(validator_id)
    if validator is None:
        return
    if _truthy(validator.validate_request_parameters):
        missing = []
        for spec, required in (method.request_parameters or {}).items():
            if not _truthy(required):
                continue
            parts = spec.split(".", 3)  # method.request.<kind>.<name>
            if len(parts) == 4 and not _param_present(parts[2], parts[3], request, path_parameters):
                missing.append(parts[3])
        if missing:
            raise bad_request(f"Missing required request parameters: [{', '.join(missing)}]")
    if _truthy(validator.validate_request_body):
        models = method.request_models or {}
        if not models:
            return
        media = (request.header("content-type") or "application/json").split(";")[0].strip().lower()
        model_name = models.get(media) or models.get("$default")
        if model_name is None:
            return
        model = next((m for m in api.models.values() if m.name == model_name), None) \
            if isinstance(api.models, dict) else None
        if model is None or not model.schema:
            return
        schema = json.loads(model.schema) if isinstance(model.schema, str) else model.schema
        try:
            document = json.loads(request.body or b"null")
        except ValueError:
            raise bad_request("Invalid request body") from None
        import jsonschema

        validator_cls = jsonschema.Draft4Validator
        errors = sorted(validator_cls(schema).iter_errors(document), key=lambda e: list(e.path))
        if errors:
            raise bad_request("Invalid request body")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
