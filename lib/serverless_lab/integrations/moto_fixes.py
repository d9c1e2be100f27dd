"""Small corrections to moto's API Gateway models that the proxy integration depends on.

- ``create_rest_api(binaryMediaTypes=[...])``: moto 5.2 drops the parameter;
- ``update_rest_api`` with AWS's patch form ``{"op": "add", "path": "/binaryMediaTypes/image~1png"}``
  (the media type is in the path, ``~1`` standing for ``/``): moto appends an empty string.
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

    patches.set(APIGatewayResponse, "create_rest_api", create_rest_api)
    patches.set(RestAPI, "apply_patch_operations", apply_patch_operations)
