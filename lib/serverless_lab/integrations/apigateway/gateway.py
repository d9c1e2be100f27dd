"""API Gateway → Lambda proxy integrations, the part moto stores but never runs.

One :class:`ApiGateway` answers an HTTP request addressed to an API (REST or HTTP API): it
finds the stage and the route as API Gateway does, builds the event with
:mod:`serverless_lab.sample_events` (payload format 1.0 or 2.0), invokes the function through moto's
Lambda model (the local runtime runs the handler), and maps the handler's answer back to an
HTTP response with AWS's rules and AWS's error bodies. Transport is elsewhere: the
``requests`` hook and the local HTTP server (``http_gateway``) both call :meth:`handle`.

Facts (API Gateway developer guide): a REST API answers an unknown resource or method with
403 ``{"message":"Missing Authentication Token"}``, a function error or malformed proxy
response with 502 ``{"message": "Internal server error"}``, a Lambda call the service rejects
with 500, an integration timeout (29 s) with 504 ``{"message": "Endpoint request timed
out"}``. An HTTP API answers no-route with 404 ``{"message":"Not Found"}``, a function error or
a bad response with 500 ``{"message":"Internal Server Error"}``, a timeout with 503.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ... import sample_events
from ..invoke import invoke_lambda, lambda_arn_from_uri
from . import access_logs, aws_integrations, http_deployments, service_integrations, tracing
from .authorizers import AuthorizerCache, authorize_http, authorize_rest
from .denials import Denied
from .deployments import deployed, path_of
from .usage_plans import Throttles, check_http, check_rest
from .validators import validate_rest

if TYPE_CHECKING:
    from ...cloud.session import MockSession

log = logging.getLogger(__name__)

REST_TIMEOUT_S = 29.0
HTTP_API_TIMEOUT_S = 30.0
EXECUTE_API_DOMAIN = "{api_id}.execute-api.{region}.amazonaws.com"

# payload 2.0 (and HTTP API 1.0): bodies of these content types reach the handler as text
_TEXT_TYPES = ("text/*", "application/json", "application/*+json", "application/xml",
               "application/*+xml", "application/javascript", "application/ecmascript",
               "application/graphql")


@dataclass
class GatewayRequest:
    """An HTTP request addressed to one API: ``path`` starts after the host (stage included)."""

    api_id: str
    method: str
    path: str
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    region: str | None = None
    scheme: str = "https"
    port: int = 443
    matched_route: str | None = None  # the resource path (REST) or route key (HTTP) that served it
    trace: tracing.StageTrace | None = None   # set when the REST stage has X-Ray tracing enabled

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in reversed(self.headers):
            if k.lower() == name:
                return v
        return None


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self) -> Any:
        return json.loads(self.body)


_FRAMING = ("content-length", "transfer-encoding", "connection")


def _own_length(response: GatewayResponse) -> GatewayResponse:
    """The gateway frames the body it sends: its own Content-Length, never the function's.

    A function's Content-Length describes the body it returned (e.g. base64 text), not the
    bytes the gateway sends after decoding it; API Gateway passes the function's value on as
    ``x-amzn-Remapped-Content-Length`` ("Amazon API Gateway important notes", REST APIs) and
    sets the real one, so HTTP clients read exactly the body.
    """
    headers = []
    for k, v in response.headers:
        low = k.lower()
        if low == "content-length":
            headers.append(("x-amzn-Remapped-Content-Length", v))
        elif low not in _FRAMING:
            headers.append((k, v))
    headers.append(("Content-Length", str(len(response.body))))
    response.headers = headers
    return response


def _json_response(status: int, message: str, extra: list[tuple[str, str]] | None = None
                   ) -> GatewayResponse:
    body = json.dumps({"message": message}).encode()
    headers = [("Content-Type", "application/json")] + (extra or [])
    return GatewayResponse(status, headers, body)


def _denied_response(denied: Denied) -> GatewayResponse:
    """An authorizer / API key / throttle / validator answer, in AWS's shape."""
    body = json.dumps(denied.body).encode()
    return GatewayResponse(denied.status, [("Content-Type", "application/json")] + denied.headers,
                           body)


def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _matches_media(media: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatch(media, p.replace("~1", "/").lower()) for p in patterns)


def _cors_near_miss(origin: str, allowed: list[str]) -> None:
    """Log what to fix when an origin almost matches an AllowOrigins entry (a typo)."""
    from ...errors import LabError

    def norm(o: str) -> str:
        o = o.strip().lower().rstrip("/")
        return o.split("://", 1)[-1]

    for entry in allowed:
        if entry != origin and norm(entry) == norm(origin):
            log.warning("%s", LabError(
                f"CORS: the browser's Origin {origin!r} does not match AllowOrigins entry "
                f"{entry!r}; API Gateway compares origins exactly, so the browser blocks the call.",
                "An origin is scheme://host[:port], lower case, with no path or trailing slash: "
                f"update_api(ApiId=..., CorsConfiguration={{'AllowOrigins': [{origin!r}], ...}})."))
            return


def _is_edge(api: Any) -> bool:
    """REST APIs are edge-optimized unless created REGIONAL or PRIVATE (AWS's default: EDGE)."""
    types = (getattr(api, "endpoint_configuration", None) or {}).get("types") or ["EDGE"]
    return "EDGE" in [str(t).upper() for t in types]


def _cloudfront_headers(request: GatewayRequest) -> list[tuple[str, str]]:
    """What CloudFront adds in front of an edge-optimized API (the developer guide's sample
    proxy event, "Input format of a Lambda function for proxy integration"). The viewer-kind
    headers follow the request's User-Agent as CloudFront's device detection does, roughly."""
    agent = (request.header("user-agent") or "").lower()
    mobile = any(w in agent for w in ("mobile", "android", "iphone"))
    tablet = "ipad" in agent or "tablet" in agent
    smart_tv = "smart-tv" in agent or "smarttv" in agent
    desktop = not (mobile or tablet or smart_tv)
    flag = {True: "true", False: "false"}
    cf_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:8]).decode()
    return [("CloudFront-Forwarded-Proto", request.scheme),
            ("CloudFront-Is-Desktop-Viewer", flag[desktop]),
            ("CloudFront-Is-Mobile-Viewer", flag[mobile]),
            ("CloudFront-Is-SmartTV-Viewer", flag[smart_tv]),
            ("CloudFront-Is-Tablet-Viewer", flag[tablet]),
            ("CloudFront-Viewer-Country", "US"),
            ("Via", f"1.1 {uuid.uuid4().hex}.cloudfront.net (CloudFront)"),
            ("X-Amz-Cf-Id", cf_id)]


_STAGE_VAR = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def _with_stage_variables(arn: str | None, variables: dict[str, str] | None) -> str | None:
    """``function:orders:${stageVariables.alias}`` → the alias this stage names (AWS pattern)."""
    if not arn or "${" not in arn:
        return arn
    return _STAGE_VAR.sub(lambda m: str((variables or {}).get(m.group(1), "")), arn)


# -- path templates ----------------------------------------------------------------------------
def match_template(template: str, path: str) -> tuple[dict[str, str], tuple[int, ...]] | None:
    """Match ``/items/{id}`` or ``/files/{proxy+}`` against a request path.

    Returns (path parameters, specificity key) or None. Lower keys are more specific:
    literal segment 0, ``{param}`` 1, ``{param+}`` 2 (API Gateway prefers literal matches).
    """
    t_parts = [p for p in template.strip("/").split("/") if p] if template.strip("/") else []
    p_parts = [p for p in path.split("/")][1:] if path != "/" else []
    if p_parts and p_parts[-1] == "" and len(p_parts) > 1:
        p_parts = p_parts[:-1]  # a trailing slash matches the same resource
    params: dict[str, str] = {}
    ranks: list[int] = []
    for i, seg in enumerate(t_parts):
        if seg.startswith("{") and seg.endswith("+}"):
            if i != len(t_parts) - 1 or len(p_parts) <= i:
                return None
            params[seg[1:-2]] = unquote("/".join(p_parts[i:]))
            ranks.append(2)
            return params, tuple(ranks)
        if i >= len(p_parts):
            return None
        if seg.startswith("{") and seg.endswith("}"):
            if p_parts[i] == "":
                return None
            params[seg[1:-1]] = unquote(p_parts[i])
            ranks.append(1)
        elif seg == p_parts[i]:
            ranks.append(0)
        else:
            return None
    if len(p_parts) != len(t_parts):
        return None
    return params, tuple(ranks)


@dataclass
class _Target:
    """What a request resolved to: the function and how to talk to it."""

    kind: str                      # "rest" or "http"
    function_arn: str | None
    payload_version: str
    stage: str
    stage_variables: dict[str, str]
    resource_path: str             # REST resource path or HTTP API route path
    route_key: str
    path_parameters: dict[str, str]
    path: str                      # path after the stage
    timeout_s: float
    resource_id: str | None = None
    binary_media_types: list[str] = field(default_factory=list)
    integration_type: str = "AWS_PROXY"
    moto_resource: Any = None
    cors: dict[str, Any] | None = None
    authorizer: dict[str, Any] | None = None   # requestContext.authorizer for the handler
    api_key_id: str | None = None
    api_key: str | None = None
    api_id: str = ""
    edge: bool = False             # an edge-optimized REST API: requests come through CloudFront
    trace_header: str | None = None  # X-Amzn-Trace-Id of API Gateway's Lambda call (tracing enabled)


class ApiGateway:
    """Resolves and serves requests for every API in the session's account."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.account_id = session.account_id
        self.region = session.region
        self.enforce_permissions = bool(session.options.get("enforce_lambda_permissions"))
        # authorizer results and throttling buckets live on the lab clock (advance() expires them)
        self.auth_cache = AuthorizerCache(now=session.clock.now)
        self.throttles = Throttles(session.clock.now)

    # -- public -----------------------------------------------------------------------------
    def handle(self, request: GatewayRequest) -> GatewayResponse:
        """Serve one request; never raises (errors become API Gateway's error responses)."""
        return _own_length(self._handle(request))

    def _handle(self, request: GatewayRequest) -> GatewayResponse:
        region = request.region or self.region
        try:
            rest = self._rest_api(request.api_id, region)
            if rest is not None:
                stage_name = request.path.lstrip("/").partition("/")[0]
                request.trace = tracing.begin(
                    rest, rest.stages.get(stage_name), stage_name, request.method,
                    f"https://{EXECUTE_API_DOMAIN.format(api_id=request.api_id, region=region)}{request.path}",
                    request.header("x-amzn-trace-id"), request.source_ip, self.account_id, region)
                response = self._serve_rest(rest, request, region)
                if request.trace is not None:
                    request.trace.finish(response.status)
                self._access_log(rest.stages.get(stage_name), stage_name, rest.id, request, response, region,
                                 rest=True)
                return response
            http = self._http_api(request.api_id, region)
            if http is not None:
                response = self._serve_http(http, request, region)
                first = request.path.lstrip("/").partition("/")[0]
                stage_name = first if first and first != "$default" and first in http.stages else "$default"
                self._access_log(http.stages.get(stage_name), stage_name, http.api_id, request, response, region,
                                 rest=False)
                return response
        except Exception:  # noqa: BLE001 - the gateway answers, it never crashes the caller
            log.exception("API Gateway integration failed")
            return _json_response(500, "Internal server error")
        # AWS: an unknown API id does not resolve at all; answer like a missing REST resource
        return _json_response(403, "Forbidden", [("x-amzn-ErrorType", "ForbiddenException")])

    def _access_log(self, stage: Any, stage_name: str, api_id: str, request: GatewayRequest,
                    response: GatewayResponse, region: str, *, rest: bool) -> None:
        """The stage's access log line for this request, if it logs access (access_logs.py)."""
        if stage is not None:
            access_logs.write(self.account_id, region, stage, stage_name, api_id, request, response, rest=rest,
                              route=request.matched_route, now=self.session.clock.now())

    def apis(self, region: str | None = None) -> list[dict[str, Any]]:
        """Every API with its stages: what a lab (or the local server's index page) can call."""
        from moto.apigateway.models import apigateway_backends
        from moto.apigatewayv2.models import apigatewayv2_backends

        region = region or self.region
        out = []
        for api in apigateway_backends[self.account_id][region].apis.values():
            out.append({"id": api.id, "name": api.name, "type": "REST",
                        "stages": sorted(api.stages)})
        for api in apigatewayv2_backends[self.account_id][region].apis.values():
            if api.protocol_type == "HTTP":
                out.append({"id": api.api_id, "name": api.name, "type": "HTTP",
                            "stages": sorted(api.stages)})
        return out

    def api_type(self, api_id: str, region: str | None = None) -> str | None:
        region = region or self.region
        if self._rest_api(api_id, region) is not None:
            return "REST"
        if self._http_api(api_id, region) is not None:
            return "HTTP"
        return None

    def stages(self, api_id: str, region: str | None = None) -> list[str]:
        region = region or self.region
        api = self._rest_api(api_id, region) or self._http_api(api_id, region)
        return sorted(api.stages) if api is not None else []

    # -- lookup -----------------------------------------------------------------------------
    def _rest_api(self, api_id: str, region: str) -> Any:
        from moto.apigateway.models import apigateway_backends

        apis = apigateway_backends[self.account_id][region].apis
        return apis.get(api_id) or apis.get(api_id.lower())

    def _http_api(self, api_id: str, region: str) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        api = apigatewayv2_backends[self.account_id][region].apis.get(api_id.lower())
        return api if api is not None and api.protocol_type == "HTTP" else None

    # -- REST APIs (payload 1.0) ------------------------------------------------------------
    def _serve_rest(self, api: Any, request: GatewayRequest, region: str) -> GatewayResponse:
        missing = _json_response(403, "Missing Authentication Token",
                                 [("x-amzn-ErrorType", "MissingAuthenticationTokenException")])
        stage_name, _, rest = request.path.lstrip("/").partition("/")
        stage = api.stages.get(stage_name)
        if stage is None:
            return _json_response(403, "Forbidden", [("x-amzn-ErrorType", "ForbiddenException")])
        path = "/" + rest
        api = deployed(api, stage)   # the stage serves its deployment, not later edits
        candidates = []
        for resource in api.resources.values():
            matched = match_template(path_of(api, resource), path)
            if matched is not None:
                candidates.append((matched[1], resource, matched[0]))
        candidates.sort(key=lambda c: c[0])
        method = request.method.upper()
        for _, resource, params in candidates:
            chosen = resource.resource_methods.get(method) or resource.resource_methods.get("ANY")
            if chosen is None:
                continue
            request.matched_route = resource.get_path()
            integration = chosen.method_integration
            if integration is None:
                return _json_response(500, "Internal server error")
            timeout_ms = integration.timeout_in_millis
            timeout = min(float(timeout_ms) / 1000 if timeout_ms else REST_TIMEOUT_S, REST_TIMEOUT_S)
            target = _Target(
                kind="rest", function_arn=_with_stage_variables(
                    lambda_arn_from_uri(integration.uri or ""), stage.variables),
                payload_version="1.0", stage=stage_name, stage_variables=dict(stage.variables),
                resource_path=path_of(api, resource), route_key=f"{method} {path_of(api, resource)}",
                path_parameters=params, path=path, timeout_s=timeout, resource_id=resource.id,
                binary_media_types=list(api.binaryMediaTypes or []),
                integration_type=integration.integration_type, moto_resource=resource)
            try:
                outcome = authorize_rest(self, api, chosen, target, request, region)
                if outcome is not None:
                    target.authorizer = outcome.context
                target.api_key_id = check_rest(
                    self, api, stage_name, chosen, target.resource_path, request, region,
                    outcome.usage_identifier_key if outcome is not None else None)
                if target.api_key_id:
                    target.api_key = request.header("x-api-key") or (
                        outcome.usage_identifier_key if outcome is not None else None)
                validate_rest(api, chosen, request, params)
            except Denied as denied:
                return _denied_response(denied)
            if aws_integrations.is_served(integration):
                return self._serve_aws(api, integration, target, request, region)
            if integration.integration_type != "AWS_PROXY":
                return self._delegate_to_moto(target, request, region)
            if (integration.http_method or "POST").upper() != "POST":
                # Lambda's Invoke is a POST: "For Lambda integrations, you must use the HTTP method
                # of POST for the integration request" (developer guide, "Set up Lambda proxy
                # integrations in API Gateway"); API Gateway's call fails and the client gets 500
                log.warning("Execution failed due to configuration error: the integration of %s "
                            "calls Lambda with %s; Lambda proxy integrations need "
                            "integrationHttpMethod='POST' (put_integration, then create_deployment)",
                            target.route_key, integration.http_method)
                return _json_response(500, "Internal server error",
                                      [("x-amzn-ErrorType", "InternalServerErrorException")])
            target.edge = _is_edge(api)
            return self._call_v1(target, request, region, api.id)
        return missing

    def _serve_aws(self, api: Any, integration: Any, target: _Target, request: GatewayRequest,
                   region: str) -> GatewayResponse:
        """A non-proxy AWS integration (Lambda custom integration, SQS SendMessage): aws_integrations.py."""
        from urllib.parse import parse_qsl

        request_id = str(uuid.uuid4())
        params = {"path": dict(target.path_parameters), "querystring": dict(parse_qsl(request.query)),
                  "header": {k: v for k, v in request.headers}}
        context = {"requestId": request_id, "httpMethod": request.method.upper(), "stage": target.stage,
                   "resourcePath": target.resource_path, "resourceId": target.resource_id, "apiId": api.id,
                   "accountId": self.account_id, "identity.sourceIp": request.source_ip}
        target.api_id = api.id
        target.function_arn = lambda_arn_from_uri(integration.uri or "")

        def invoke(event: Any) -> Any:
            outcome = self._invoke(target, event, region)
            if isinstance(outcome, GatewayResponse):
                return outcome.status, outcome.headers, outcome.body
            return outcome

        status, headers, body = aws_integrations.serve(integration, request, params, context,
                                                       dict(target.stage_variables), invoke, self.account_id, region)
        return GatewayResponse(status, headers + self._standard_headers(True, request_id), body)

    def _delegate_to_moto(self, target: _Target, request: GatewayRequest, region: str
                          ) -> GatewayResponse:
        """Non-proxy integrations (HTTP, AWS, MOCK) keep moto's own behaviour."""
        import requests

        url = f"https://{EXECUTE_API_DOMAIN.format(api_id=request.api_id, region=region)}" \
              f"{request.path}" + (f"?{request.query}" if request.query else "")
        prepared = requests.Request(request.method, url, headers=dict(request.headers),
                                    data=request.body or None).prepare()
        try:
            status, body = target.moto_resource.get_response(prepared)
        except NotImplementedError as exc:
            log.warning("moto does not run %s integrations: %s", target.integration_type, exc)
            return _json_response(500, "Internal server error")
        if isinstance(body, str):
            body = body.encode()
        return GatewayResponse(int(status), [("Content-Type", "application/json")], body or b"")

    # -- HTTP APIs (payload 2.0 or 1.0) -----------------------------------------------------
    def _serve_http(self, api: Any, request: GatewayRequest, region: str) -> GatewayResponse:
        not_found = _json_response(404, "Not Found")
        first, _, rest = request.path.lstrip("/").partition("/")
        if first and first != "$default" and first in api.stages:
            stage_name, path = first, "/" + rest
        elif "$default" in api.stages:
            stage_name, path = "$default", request.path or "/"
        else:
            return not_found
        stage = api.stages[stage_name]
        api = http_deployments.served(api, stage)   # an auto-deploying stage serves the live API
        if api is None:                              # a stage never deployed serves nothing
            return not_found
        cors = api.cors_configuration or None
        if cors and request.method.upper() == "OPTIONS" and request.header("origin") \
                and request.header("access-control-request-method"):
            return self._preflight(cors, request)
        best = None
        method = request.method.upper()
        for route in api.routes.values():
            key = route.route_key
            if key == "$default":
                rank: tuple = (9,)
                params: dict[str, str] = {}
                route_path = "$default"
            else:
                r_method, _, route_path = key.partition(" ")
                if r_method not in (method, "ANY"):
                    continue
                matched = match_template(route_path, path)
                if matched is None:
                    continue
                params, ranks = matched
                rank = (0, ranks, 0 if r_method == method else 1)
            if best is None or rank < best[0]:
                best = (rank, route, params, route_path)
        if best is None:
            return self._with_cors(not_found, cors, request)
        _, route, params, route_path = best
        request.matched_route = route.route_key
        target_ref = (route.target or "").split("/", 1)
        integration = api.integrations.get(target_ref[1]) if len(target_ref) == 2 else None
        if integration is None:
            return self._with_cors(not_found, cors, request)
        timeout_ms = integration.timeout_in_millis
        timeout = min(float(timeout_ms) / 1000 if timeout_ms else HTTP_API_TIMEOUT_S,
                      HTTP_API_TIMEOUT_S)
        target = _Target(
            kind="http", function_arn=_with_stage_variables(
                lambda_arn_from_uri(integration.integration_uri or ""), stage.stage_variables),
            payload_version=str(integration.payload_format_version or "2.0"), stage=stage_name,
            stage_variables=dict(stage.stage_variables or {}), resource_path=route_path,
            route_key=route.route_key, path_parameters=params, path=path, timeout_s=timeout,
            integration_type=integration.integration_type, cors=cors)
        try:
            check_http(self, api, stage, route.route_key, region)
            outcome = authorize_http(self, api, route, target, request, region)
            if outcome is not None:
                target.authorizer = outcome.context
        except Denied as denied:
            return self._with_cors(_denied_response(denied), cors, request)
        if getattr(integration, "integration_subtype", None) == "SQS-SendMessage":
            status, answer, request_id = service_integrations.sqs_send_message(
                integration, request, params, dict(stage.stage_variables or {}), self.account_id, region)
            response = GatewayResponse(status, [("Content-Type", "application/json"), *self._standard_headers(
                False, request_id)], json.dumps(answer, separators=(",", ":")).encode())
            return self._with_cors(response, cors, request)
        if integration.integration_type != "AWS_PROXY" or target.function_arn is None:
            log.warning("HTTP API integration type %s is not run locally (only Lambda proxy)",
                        integration.integration_type)
            return self._with_cors(_json_response(500, "Internal Server Error"), cors, request)
        if target.payload_version == "1.0":
            response = self._call_v1(target, request, region, api.api_id)
        else:
            response = self._call_v2(target, request, region, api.api_id)
        return self._with_cors(response, cors, request)

    @staticmethod
    def _preflight(cors: dict[str, Any], request: GatewayRequest) -> GatewayResponse:
        origin = request.header("origin") or ""
        allowed = cors.get("AllowOrigins") or cors.get("allowOrigins") or []
        headers: list[tuple[str, str]] = []
        if not ("*" in allowed or origin in allowed):
            _cors_near_miss(origin, allowed)
        if "*" in allowed or origin in allowed:
            headers.append(("Access-Control-Allow-Origin", "*" if "*" in allowed else origin))
            methods = cors.get("AllowMethods") or cors.get("allowMethods") or ["*"]
            headers.append(("Access-Control-Allow-Methods", ",".join(methods)))
            hdrs = cors.get("AllowHeaders") or cors.get("allowHeaders")
            if hdrs:
                headers.append(("Access-Control-Allow-Headers", ",".join(hdrs)))
            max_age = cors.get("MaxAge") or cors.get("maxAge")
            if max_age:
                headers.append(("Access-Control-Max-Age", str(max_age)))
        return GatewayResponse(204, headers, b"")

    @staticmethod
    def _with_cors(response: GatewayResponse, cors: dict[str, Any] | None,
                   request: GatewayRequest) -> GatewayResponse:
        origin = request.header("origin")
        if not cors:
            return response
        # AWS: with a CORS configuration, API Gateway ignores the integration's CORS headers
        response.headers = [(k, v) for k, v in response.headers
                            if not k.lower().startswith("access-control-")]
        if not origin:
            return response
        allowed = cors.get("AllowOrigins") or cors.get("allowOrigins") or []
        if "*" in allowed or origin in allowed:
            response.headers.append(("Access-Control-Allow-Origin",
                                     "*" if "*" in allowed else origin))
            expose = cors.get("ExposeHeaders") or cors.get("exposeHeaders")
            if expose:
                response.headers.append(("Access-Control-Expose-Headers", ",".join(expose)))
            if cors.get("AllowCredentials") or cors.get("allowCredentials"):
                response.headers.append(("Access-Control-Allow-Credentials", "true"))
        return response

    # -- events and invocation --------------------------------------------------------------
    def _request_headers(self, request: GatewayRequest, region: str, edge: bool = False
                         ) -> list[tuple[str, str]]:
        """The client's headers (their case kept) plus those API Gateway adds in front of the
        integration; an edge-optimized REST API adds CloudFront's too."""
        headers = list(request.headers)
        names = {k.lower() for k, _ in headers}
        if edge:
            headers += [(k, v) for k, v in _cloudfront_headers(request) if k.lower() not in names]
        if "host" not in names:
            headers.insert(0, ("Host", EXECUTE_API_DOMAIN.format(api_id=request.api_id,
                                                                 region=region)))
        trace = f"Root={request.trace.trace_id}" if request.trace is not None else \
            f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
        for name, value in (("X-Amzn-Trace-Id", trace), ("X-Forwarded-For", request.source_ip),
                            ("X-Forwarded-Port", str(request.port)),
                            ("X-Forwarded-Proto", request.scheme)):
            if name.lower() not in names:
                headers.append((name, value))
        return headers

    def _body_for_event(self, target: _Target, request: GatewayRequest) -> tuple[Any, bool]:
        if not request.body:
            return None, False
        media = _media_type(request.header("content-type"))
        if target.kind == "rest":
            binary = bool(media) and _matches_media(media, target.binary_media_types)
        else:
            binary = not media or not _matches_media(media, list(_TEXT_TYPES))
            if not media:
                try:
                    request.body.decode("utf-8")
                    binary = False
                except UnicodeDecodeError:
                    binary = True
        if binary:
            return base64.b64encode(request.body).decode("ascii"), True
        return request.body.decode("utf-8", errors="replace"), False

    def _call_v1(self, target: _Target, request: GatewayRequest, region: str, api_id: str
                 ) -> GatewayResponse:
        body, b64 = self._body_for_event(target, request)
        request_id = str(uuid.uuid4())
        event = sample_events.apigw_v1(
            request.method, unquote(target.path), resource=target.resource_path,
            headers=self._request_headers(request, region, target.edge), query=request.query,
            path_parameters=target.path_parameters, stage_variables=target.stage_variables,
            body=body, is_base64=b64, api_id=api_id, stage=target.stage, region=region,
            account_id=self.account_id, source_ip=request.source_ip, request_id=request_id,
            resource_id=target.resource_id)
        if target.authorizer is not None:
            event["requestContext"]["authorizer"] = target.authorizer
        if request.trace is not None:
            target.trace_header = request.trace.lambda_header()
        if target.api_key_id and isinstance(event["requestContext"].get("identity"), dict):
            event["requestContext"]["identity"]["apiKey"] = target.api_key
            event["requestContext"]["identity"]["apiKeyId"] = target.api_key_id
        if target.kind == "http":
            event["requestContext"].pop("resourceId", None)
            event["requestContext"]["resourcePath"] = target.resource_path
            if target.route_key == "$default":
                event["resource"] = target.path
        result = self._invoke(target, event, region)
        if isinstance(result, GatewayResponse):
            return result
        payload, function_error = result
        rest = target.kind == "rest"
        if function_error:
            return self._integration_error(rest)
        mapped = map_v1_response(payload, request, target.binary_media_types if rest else None)
        if mapped is None:
            log.warning("Malformed Lambda proxy response from %s: %r", target.function_arn,
                        payload[:200])
            return self._integration_error(rest)
        mapped.headers += self._standard_headers(rest, request_id, request.trace)
        return mapped

    def _call_v2(self, target: _Target, request: GatewayRequest, region: str, api_id: str
                 ) -> GatewayResponse:
        body, b64 = self._body_for_event(target, request)
        request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16] + "="
        event = sample_events.apigw_v2(
            request.method, target.path, route_key=target.route_key,
            headers=self._request_headers(request, region), query=request.query,
            path_parameters=target.path_parameters, stage_variables=target.stage_variables,
            body=body, is_base64=b64, api_id=api_id, stage=target.stage, region=region,
            account_id=self.account_id, source_ip=request.source_ip, request_id=request_id)
        if target.authorizer is not None:
            event["requestContext"]["authorizer"] = target.authorizer
        result = self._invoke(target, event, region)
        if isinstance(result, GatewayResponse):
            return result
        payload, function_error = result
        if function_error:
            return self._integration_error(False)
        mapped = map_v2_response(payload)
        if mapped is None:
            log.warning("Invalid Lambda response for an HTTP API from %s: %r",
                        target.function_arn, payload[:200])
            return self._integration_error(False)
        mapped.headers += self._standard_headers(False, request_id)
        return mapped

    @staticmethod
    def _standard_headers(rest: bool, request_id: str, trace: tracing.StageTrace | None = None
                          ) -> list[tuple[str, str]]:
        if rest:
            root = trace.trace_id if trace is not None else f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
            return [("x-amzn-RequestId", request_id),
                    ("x-amz-apigw-id", base64.b32encode(uuid.uuid4().bytes).decode()[:16]),
                    ("X-Amzn-Trace-Id", f"Root={root}")]   # a traced request's trace id
        return [("Apigw-Requestid", request_id)]

    @staticmethod
    def _integration_error(rest: bool) -> GatewayResponse:
        if rest:
            return _json_response(502, "Internal server error",
                                  [("x-amzn-ErrorType", "InternalServerErrorException")])
        return _json_response(500, "Internal Server Error")

    def _invoke(self, target: _Target, event: Any, region: str
                ) -> tuple[bytes, str | None] | GatewayResponse:
        """Call the function with API Gateway's integration timeout (the call runs on)."""
        rest = target.kind == "rest"
        if not target.function_arn:
            return _json_response(500, "Internal server error" if rest else "Internal Server Error")
        box: dict[str, Any] = {}
        permission = None
        if self.enforce_permissions:
            context = event.get("requestContext") or {} if isinstance(event, dict) else {}
            method = (event.get("httpMethod") if isinstance(event, dict) else None) \
                or (context.get("http") or {}).get("method") or target.route_key.split(" ", 1)[0]
            route = target.resource_path if target.resource_path != "$default" else "$default"
            source = (f"arn:aws:execute-api:{region}:{self.account_id}:{context.get('apiId') or target.api_id}"
                      f"/{target.stage}/{method}/{route.lstrip('/')}")
            permission = ("apigateway.amazonaws.com", source)

        def run() -> None:
            try:
                box["result"] = invoke_lambda(target.function_arn, event, "apigateway",
                                              account_id=self.account_id, region=region,
                                              permission=permission, trace_header=target.trace_header)
            except BaseException as exc:  # noqa: BLE001 - reported to the client as AWS does
                box["error"] = exc

        worker = threading.Thread(target=run, name="apigw-integration", daemon=True)
        worker.start()
        worker.join(target.timeout_s)
        if worker.is_alive():
            if rest:
                return _json_response(504, "Endpoint request timed out",
                                      [("x-amzn-ErrorType", "InternalServerErrorException")])
            return _json_response(503, "Service Unavailable")
        if "error" in box:
            log.warning("Lambda rejected the invocation of %s: %s", target.function_arn,
                        box["error"])
            return _json_response(500, "Internal server error" if rest else "Internal Server Error")
        result = box["result"]
        if result.throttled:
            # Lambda refused the invocation (429): API Gateway answers 500, as documented
            log.warning("Lambda throttled %s (%s)", target.function_arn, result.throttled)
            return _json_response(500, "Internal server error" if rest else "Internal Server Error")
        return result.payload, result.function_error


# -- response mapping --------------------------------------------------------------------------
_V1_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


def _status(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 100 <= value <= 599 else None
    if isinstance(value, str) and value.strip().isdigit():
        return _status(int(value))
    return None


def _b64_flag(value: Any) -> bool | None:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def map_v1_response(payload: bytes, request: GatewayRequest | None = None,
                    binary_media_types: list[str] | None = None) -> GatewayResponse | None:
    """A payload-1.0 proxy response → HTTP response, or None when AWS would call it malformed.

    AWS accepts exactly statusCode, headers, multiValueHeaders, body (a string) and
    isBase64Encoded, each optional: a missing statusCode is 200 and a missing body is empty, so
    ``{}`` is a 200 with no body, while any other key is malformed (502). A key in both header
    maps takes the multiValueHeaders values. A REST API
    (``binary_media_types`` given) decodes a base64 body only when the request's Accept header
    matches one of the API's binary media types, as AWS does; otherwise the base64 text is sent.
    """
    try:
        obj = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not set(obj) <= _V1_KEYS:
        return None
    status = 200 if obj.get("statusCode") is None else _status(obj["statusCode"])
    is_b64 = _b64_flag(obj.get("isBase64Encoded"))
    body = obj.get("body")
    if status is None or is_b64 is None or not (body is None or isinstance(body, str)):
        return None
    single = obj.get("headers") or {}
    multi = obj.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        return None
    headers: list[tuple[str, str]] = []
    multi_names = {k.lower() for k in multi}
    for k, v in single.items():
        if k.lower() in multi_names:
            continue
        text = _scalar(v)
        if text is None:
            return None
        headers.append((k, text))
    for k, values in multi.items():
        if not isinstance(values, list):
            return None
        for v in values:
            text = _scalar(v)
            if text is None:
                return None
            headers.append((k, text))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    raw = (body or "").encode("utf-8")
    if is_b64 and body:
        decode = True
        if binary_media_types is not None:
            accept = _media_type(request.header("accept") if request else None)
            decode = bool(accept) and _matches_media(accept, binary_media_types)
        if decode:
            try:
                raw = base64.b64decode(body, validate=False)
            except ValueError:
                return None
    return GatewayResponse(status, headers, raw)


def map_v2_response(payload: bytes) -> GatewayResponse | None:
    """A payload-2.0 response → HTTP response (None = AWS answers 500).

    A dict with ``statusCode`` is read as a structured response (statusCode, headers, body,
    isBase64Encoded, cookies → Set-Cookie). Anything else that is valid JSON is taken as the
    body of a 200 ``application/json`` response: a returned string is the body itself.
    """
    try:
        obj = json.loads(payload) if payload.strip() else None
    except ValueError:
        return None
    if not (isinstance(obj, dict) and "statusCode" in obj):
        if isinstance(obj, str):
            body = obj.encode("utf-8")
        else:
            body = payload if payload.strip() else b""
        return GatewayResponse(200, [("Content-Type", "application/json")], body)
    status = 200 if obj.get("statusCode") is None else _status(obj["statusCode"])
    is_b64 = _b64_flag(obj.get("isBase64Encoded"))
    body = obj.get("body")
    headers_in = obj.get("headers") or {}
    cookies = obj.get("cookies") or []
    if status is None or is_b64 is None or not isinstance(headers_in, dict) \
            or not isinstance(cookies, list):
        return None
    if body is not None and not isinstance(body, str):
        body = json.dumps(body)
    headers: list[tuple[str, str]] = []
    for k, v in headers_in.items():
        text = _scalar(v)
        if text is None:
            return None
        headers.append((k, text))
    for cookie in cookies:
        headers.append(("Set-Cookie", str(cookie)))
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    raw = (body or "").encode("utf-8")
    if is_b64 and body:
        try:
            raw = base64.b64decode(body)
        except ValueError:
            return None
    return GatewayResponse(status, headers, raw)
