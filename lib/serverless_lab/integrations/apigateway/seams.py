"""How API Gateway plugs into moto: the seams, and small corrections to moto's API Gateway models
that the proxy integration depends on.

- moto's per-stage exact-path callbacks are switched off: the execute-api hook
  (``http_gateway.ExecuteApiHook``) serves every URL;
- ``create_rest_api(binaryMediaTypes=[...])``: moto 5.2 drops the parameter;
- ``update_rest_api`` with AWS's patch form ``{"op": "add", "path": "/binaryMediaTypes/image~1png"}``
  (the media type is in the path, ``~1`` standing for ``/``): moto appends an empty string;
- HTTP API "quick create" (``apigatewayv2.create_api(..., Target=fn_arn, RouteKey=...)``):
  AWS then creates a Lambda proxy integration (payload 2.0), the route (``$default`` unless
  RouteKey says otherwise) and an auto-deployed ``$default`` stage; moto ignores both fields;
- ``apigatewayv2.update_stage`` (throttling, stage variables, logging on an HTTP API's stage):
  moto 5.2 lacks the operation. Fields given replace the stage's, except ``routeSettings``,
  which is merged route by route (AWS removes one route's settings with DeleteRouteSettings).
- ``create_authorizer(identityValidationExpression=...)``: moto 5.2 passes it on under a misspelt
  keyword (``identiy_...``), so the authorizer never has it; AWS keeps it;
- ``CreateDeployment``: moto keeps only the live API; a stage serves the deployment it was given
  (``deployments.py`` keeps what each deployment captured).
- HTTP API deployments (``CreateDeployment``, ``GetDeployment(s)``, ``DeleteDeployment``): moto 5.2
  has neither the routes nor the operations; a stage without auto-deploy serves its deployment
  (``http_deployments.py``).
- ``put_method`` on a method that exists: AWS answers 409 ``ConflictException`` (*Method already
  exists for this resource*); moto silently replaced it, dropping its integration. ``update_method``
  (the patch operations AWS documents for a method): moto 5.2 lacks the operation;
- ``apigatewayv2.create_integration`` of an HTTP API's Lambda proxy without
  ``PayloadFormatVersion``: AWS requires it when the integration is made through an SDK, the CLI
  or CloudFormation (only the console picks the latest); moto stores none.
Each is a declared seam (docs/architecture.md, "Seams"), so ``stop()`` restores moto exactly.
"""

from __future__ import annotations

import json
from typing import Any

from ...cloud.patching import Patcher, seam

INTEGRATION_MOCKS = seam(
    "moto.apigateway.models:RestAPI.update_integration_mocks", extension="integrations",
    why="moto registers exact-path callbacks per stage that know no Lambda proxy; the execute-api hook "
        "covers every URL, so moto's are switched off while the integrations run")
CREATE_REST_API = seam(
    "moto.apigateway.responses:APIGatewayResponse.create_rest_api", extension="integrations",
    why="moto 5.2 drops binaryMediaTypes on create_rest_api; binary proxy responses need it")
APPLY_PATCH_OPERATIONS = seam(
    "moto.apigateway.models:RestAPI.apply_patch_operations", extension="integrations",
    why="moto appends an empty string for AWS's '/binaryMediaTypes/image~1png' patch form")
CREATE_API_V2 = seam(
    "moto.apigatewayv2.responses:ApiGatewayV2Response.create_api", extension="integrations",
    why="HTTP API quick create (Target, RouteKey): moto ignores both; AWS creates integration, route, stage")
UPDATE_STAGE_V2 = seam(
    "moto.apigatewayv2.responses:ApiGatewayV2Response.update_stage", extension="integrations", create=True,
    why="moto 5.2 has no UpdateStage for HTTP APIs; labs change a stage's throttling and variables with it")
CREATE_AUTHORIZER = seam(
    "moto.apigateway.models:RestAPI.create_authorizer", extension="integrations",
    why="moto 5.2 drops identityValidationExpression (a misspelt keyword); a TOKEN authorizer checks it")
CREATE_DEPLOYMENT = seam(
    "moto.apigateway.models:RestAPI.create_deployment", extension="integrations",
    why="a stage serves the API its deployment captured; moto keeps only the live API")
PUT_METHOD = seam(
    "moto.apigateway.responses:APIGatewayResponse.put_method", extension="integrations",
    why="AWS answers 409 ConflictException to PutMethod on an existing method; moto replaces the method "
        "and drops its integration")
UPDATE_METHOD = seam(
    "moto.apigateway.responses:APIGatewayResponse.update_method", extension="integrations", create=True,
    why="moto 5.2 has no UpdateMethod; changing an existing method's authorization is done with it on AWS")
CREATE_INTEGRATION_V2 = seam(
    "moto.apigatewayv2.responses:ApiGatewayV2Response.create_integration", extension="integrations",
    why="AWS requires PayloadFormatVersion on an HTTP API's Lambda proxy integration made through the API")
V2_ROUTES = seam(
    "moto.apigatewayv2.urls:url_paths", extension="integrations", item=True,
    why="moto 5.2 routes no HTTP API deployments; a stage without auto-deploy serves its deployment")
V2_DEPLOYMENT_OPERATIONS = tuple(
    seam(f"moto.apigatewayv2.responses:ApiGatewayV2Response.{name}", extension="integrations", create=True,
         why="moto 5.2 has no HTTP API deployments; a stage without auto-deploy serves its deployment")
    for name in ("create_deployment", "get_deployment", "get_deployments", "delete_deployment"))
_V2_DEPLOYMENT_PATHS = (r"{0}/v2/apis/(?P<api_id>[^/]+)/deployments$",
                        r"{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$")
_STAGE_FIELDS = {"accessLogSettings": "access_log_settings", "autoDeploy": "auto_deploy",
                 "clientCertificateId": "client_certificate_id", "defaultRouteSettings": "default_route_settings",
                 "description": "description", "stageVariables": "stage_variables"}


def _media_from_path(path: str) -> str | None:
    prefix = "/binaryMediaTypes/"
    if path.startswith(prefix) and len(path) > len(prefix):
        return path[len(prefix):].replace("~1", "/").replace("~0", "~")
    return None


def install(patches: Patcher) -> None:
    """Install the fixes when moto first imports API Gateway (seconds of import a lab without it skips)."""
    def update_integration_mocks(self: Any, stage_name: str) -> None:
        return None

    patches.on_import(INTEGRATION_MOCKS.module,
                      lambda _m: patches.replace(INTEGRATION_MOCKS, update_integration_mocks))
    patches.on_import("moto.apigateway.responses", lambda _m: _install_v1(patches))
    patches.on_import("moto.apigatewayv2.responses", lambda _m: _install_v2(patches))
    patches.on_import("moto.apigatewayv2.urls", lambda _m: _install_v2_routes(patches))


def _install_v2_routes(patches: Patcher) -> None:
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    patches.replace(V2_ROUTES, {path: ApiGatewayV2Response.dispatch for path in _V2_DEPLOYMENT_PATHS})


def _install_v1(patches: Patcher) -> None:
    from . import method_patches
    from .deployments import record

    original_create = CREATE_REST_API.current()
    original_patch = APPLY_PATCH_OPERATIONS.current()
    original_authorizer = CREATE_AUTHORIZER.current()
    original_deployment = CREATE_DEPLOYMENT.current()

    def create_authorizer(self: Any, *args: Any, **kwargs: Any) -> Any:
        authorizer = original_authorizer(self, *args, **kwargs)
        expression = kwargs.get("identiy_validation_expression")
        if expression and not authorizer.identity_validation_expression:
            authorizer.identity_validation_expression = expression
        return authorizer

    def create_deployment(self: Any, *args: Any, **kwargs: Any) -> Any:
        deployment = original_deployment(self, *args, **kwargs)
        record(deployment, self)
        return deployment

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

    patches.replace(CREATE_REST_API, create_rest_api)
    patches.replace(PUT_METHOD, method_patches.put_method(PUT_METHOD.current()))
    patches.replace(UPDATE_METHOD, method_patches.update_method)
    patches.replace(APPLY_PATCH_OPERATIONS, apply_patch_operations)
    patches.replace(CREATE_AUTHORIZER, create_authorizer)
    patches.replace(CREATE_DEPLOYMENT, create_deployment)


def _install_v2(patches: Patcher) -> None:
    from moto.apigatewayv2.exceptions import BadRequestException

    from . import http_deployments

    original_create_api = CREATE_API_V2.current()
    original_integration = CREATE_INTEGRATION_V2.current()

    def create_integration(self: Any) -> Any:
        # "If you create a Lambda integration by using the AWS CLI, CloudFormation, or an SDK, you
        # must specify a payloadFormatVersion" (developer guide, "Create AWS Lambda proxy
        # integrations for HTTP APIs in API Gateway")
        params = json.loads(self.body or "{}")
        api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])   # NotFoundException
        if api.protocol_type == "HTTP" and params.get("integrationType") == "AWS_PROXY" \
                and not params.get("payloadFormatVersion"):
            raise BadRequestException(
                "PayloadFormatVersion is required for a Lambda proxy integration of an HTTP API: "
                "pass PayloadFormatVersion='2.0' (or '1.0' for the REST API event shape).")
        return original_integration(self)

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

    def update_stage(self: Any) -> Any:
        from datetime import datetime
        from urllib.parse import unquote

        api_id = self.path.split("/")[-3]
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.split("/")[-1]))  # NotFoundException
        params = json.loads(self.body or "{}")
        for field, attr in _STAGE_FIELDS.items():
            if field in params:
                setattr(stage, attr, params[field])
        if "routeSettings" in params:
            stage.route_settings = {**(stage.route_settings or {}), **params["routeSettings"]}
        if "deploymentId" in params:
            stage.config["deploymentId"] = params["deploymentId"]
        stage.updated = datetime.now()
        out = stage.to_json()
        if stage.config.get("deploymentId"):
            out["deploymentId"] = stage.config["deploymentId"]
        return 200, {}, json.dumps(out)

    def create_deployment(self: Any) -> Any:
        api_id = self.path.split("/")[-2]
        api = self.apigatewayv2_backend.get_api(api_id)   # NotFoundException
        params = json.loads(self.body or "{}")
        stage = None
        if params.get("stageName"):
            stage = self.apigatewayv2_backend.get_stage(api_id, params["stageName"])  # NotFoundException
        made = http_deployments.create(api, stage, params.get("description"))
        return 201, {}, json.dumps(made.to_json())

    def _deployment(self: Any) -> Any:
        from moto.apigatewayv2.exceptions import APIGatewayV2Error

        parts = self.path.split("/")
        api = self.apigatewayv2_backend.get_api(parts[-3])
        found = http_deployments.get(api, parts[-1])
        if found is None:
            missing = APIGatewayV2Error("NotFoundException",
                                        f"Invalid Deployment identifier specified {parts[-1]}")
            missing.code = 404
            raise missing
        return api, found

    def get_deployment(self: Any) -> Any:
        return 200, {}, json.dumps(_deployment(self)[1].to_json())

    def get_deployments(self: Any) -> Any:
        api = self.apigatewayv2_backend.get_api(self.path.split("/")[-2])
        return 200, {}, json.dumps({"items": [d.to_json() for d in http_deployments.listed(api)]})

    def delete_deployment(self: Any) -> Any:
        api, found = _deployment(self)
        http_deployments.delete(api, found.id)
        return 204, {}, ""

    for declared, fn in zip(V2_DEPLOYMENT_OPERATIONS, (create_deployment, get_deployment, get_deployments,
                                                      delete_deployment)):
        patches.replace(declared, fn)
    patches.replace(CREATE_API_V2, create_api)
    patches.replace(CREATE_INTEGRATION_V2, create_integration)
    patches.replace(UPDATE_STAGE_V2, update_stage)
