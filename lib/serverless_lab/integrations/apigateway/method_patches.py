"""A REST API method changed as AWS changes it: ``PutMethod`` creates, ``UpdateMethod`` patches.

AWS answers ``PutMethod`` on a method that already exists with 409 ``ConflictException``
(*Method already exists for this resource*); an existing method is changed with ``UpdateMethod``
and JSON-patch operations on its fields
(https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateMethod.html,
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html). moto 5.2 replaces the
method instead (its integration is lost) and has no ``UpdateMethod``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# patch path -> the moto Method attribute it sets
_SCALARS = {"/authorizationType": "authorization_type", "/authorizerId": "authorizer_id",
            "/operationName": "operation_name", "/requestValidatorId": "request_validator_id"}
_MAPS = {"/requestParameters/": "request_parameters", "/requestModels/": "request_models"}


def _parts(response: Any) -> tuple[str, str, str]:
    url = response.path.split("/")
    return url[2], url[4], url[6]


def put_method(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """moto's PutMethod, refused with AWS's 409 when the method exists."""
    def put(self: Any) -> Any:
        from moto.apigateway.exceptions import ConflictException

        api_id, resource_id, http_method = _parts(self)
        resource = self.backend.get_resource(api_id, resource_id)   # NotFoundException as AWS
        if http_method in resource.resource_methods:
            raise ConflictException("Method already exists for this resource")
        return original(self)
    return put


def _unescape(key: str) -> str:
    return key.replace("~1", "/").replace("~0", "~")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() not in ("true", "false"):
        from moto.apigateway.exceptions import BadRequestException
        raise BadRequestException(f"Invalid boolean value {value!r}: use 'true' or 'false'")
    return str(value).lower() == "true"


def apply(method: Any, operations: list[dict[str, Any]]) -> None:
    """Apply AWS's patch operations to a moto ``Method`` (unknown paths: 400, as AWS answers)."""
    from moto.apigateway.exceptions import BadRequestException

    for op in operations:
        kind, path, value = op.get("op"), op.get("path", ""), op.get("value")
        if path in _SCALARS and kind == "replace":
            setattr(method, _SCALARS[path], value)
        elif path == "/apiKeyRequired" and kind == "replace":
            method.api_key_required = _bool(value)
        elif path.startswith("/authorizationScopes") and kind in ("add", "remove", "replace"):
            scopes = list(method.authorization_scopes or [])
            if kind == "add":
                scopes.append(value)
            elif kind == "remove":
                scopes = [s for s in scopes if s != value]
            else:
                scopes = [value] if value else []
            method.authorization_scopes = scopes or None
        elif any(path.startswith(prefix) for prefix in _MAPS) and kind in ("add", "remove", "replace"):
            prefix = next(p for p in _MAPS if path.startswith(p))
            attr, key = _MAPS[prefix], _unescape(path[len(prefix):])
            values = dict(getattr(method, attr) or {})
            if kind == "remove":
                values.pop(key, None)
            else:
                values[key] = _bool(value) if attr == "request_parameters" else value
            setattr(method, attr, values)
        else:
            raise BadRequestException(
                f"Invalid patch path '{path}' for operation '{kind}': a method accepts replace on "
                "/authorizationType, /authorizerId, /apiKeyRequired, /operationName, /requestValidatorId, "
                "and add/remove/replace on /authorizationScopes, /requestParameters/{name}, "
                "/requestModels/{contentType}.")


def update_method(self: Any) -> Any:
    """UpdateMethod: patch an existing method (404 ``NotFoundException`` when there is none)."""
    api_id, resource_id, http_method = _parts(self)
    method = self.backend.get_method(api_id, resource_id, http_method)   # NotFoundException as AWS
    apply(method, self._get_param("patchOperations") or [])
    return 200, {}, json.dumps(method.to_json())
