"""Small corrections to moto's API Gateway models that the proxy integration depends on.

- ``create_rest_api(binaryMediaTypes=[...])``: moto 5.2 drops the parameter;
- ``update_rest_api`` with AWS's patch form ``{"op": "add", "path": "/binaryMediaTypes/image~1png"}``
  (the media type is in the path, ``~1`` standing for ``/``): moto appends an empty string;
- HTTP API "quick create" (``apigatewayv2.create_api(..., Target=fn_arn, RouteKey=...)``):
  AWS then creates a Lambda proxy integration (payload 2.0), the route (``$default`` unless
  RouteKey says otherwise) and an auto-deployed ``$default`` stage; moto ignores both fields.
Both are applied through :class:`Patches`, so ``stop()`` restores moto exactly.
"""

from __future__ import annotations

import json
from typing import Any

from ._patch import Patches


def _media_from_path(path: str) -> str | None:
    prefix = "/binaryMediaTypes/"
    if path.startswith(prefix) and len(path) > len(prefix):
        return path[len(prefix):].replace("~1", "/").replace("~0", "~")
    return None


def install(patches: Patches) -> None:
    from moto.apigateway.models import RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    original_create = APIGatewayResponse.create_rest_api
    original_patch = RestAPI.apply_patch_operations

    def create_rest_api(self: Any) -> Any:
        status, headers, body = original_create(self)
        types = self._get_param("binaryMediaTypes")
        if types and int(status) == 200:
            api = self.backend.apis.get(json.loads(body)["id"])
            if api is not None:
                api.binaryMediaTypes = list(types)
                body = json.dumps(api.to_dict())
        return status, headers, body

    def apply_patch_operations(self: Any, patch_operations: list[dict[str, Any]]) -> None:
        fixed = []
        for op in patch_operations:
            media = _media_from_path(op.get("path", ""))
            if media and op.get("op") in ("add", "remove") and not op.get("value"):
                op = {**op, "path": "/binaryMediaTypes", "value": media}
            fixed.append(op)
        original_patch(self, fixed)

    from moto.apigatewayv2.responses import ApiGatewayV2Response

    original_create_api = ApiGatewayV2Response.create_api

    def create_api(self: Any) -> Any:
        status, headers, body = original_create_api(self)
        params = json.loads(self.body or "{}")
        target = params.get("target")
        if target and int(status) == 200 and params.get("protocolType") == "HTTP":
            api = self.apigatewayv2_backend.get_api(json.loads(body)["apiId"])
            integration = api.create_integration(
                connection_type="INTERNET", description="", integration_method="POST",
                integration_type="AWS_PROXY", integration_uri=target,
                payload_format_version="2.0")
            api.create_route(api_key_required=False, authorization_scopes=[],
                             route_key=params.get("routeKey") or "$default",
                             target=f"integrations/{integration.id}")
            api.create_stage({"stageName": "$default", "autoDeploy": True})
        return status, headers, body

    patches.set(ApiGatewayV2Response, "create_api", create_api)
    patches.set(APIGatewayResponse, "create_rest_api", create_rest_api)
    patches.set(RestAPI, "apply_patch_operations", apply_patch_operations)
