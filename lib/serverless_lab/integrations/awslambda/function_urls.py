"""Lambda function URLs: ``https://<url-id>.lambda-url.<region>.on.aws/`` answers over HTTP.

moto keeps the configuration (``CreateFunctionUrlConfig``, ``GetFunctionUrlConfig``,
``UpdateFunctionUrlConfig``, ``DeleteFunctionUrlConfig``) but nothing answers at the URL. This
module serves it, through the same two doors as API Gateway: the ``responses`` hook inside the
mock (``requests.get(function_url)``) and the local server a browser can open
(``aws.extension("integrations").function_url_local(name)``).

AWS's rules (Lambda developer guide, "Invoking Lambda function URLs" and "Control access to
Lambda function URLs"):
- the event is payload format 2.0 with the function-URL request context (``apiId`` and
  ``domainPrefix`` are the URL id, ``routeKey`` and ``stage`` are ``$default``); the answer is
  read with the same inference rules as an HTTP API's 2.0 payload;
- ``AuthType: AWS_IAM``: each request must be signed with SigV4; an unsigned one gets 403;
- ``AuthType: NONE``: no authentication, but the function's resource-based policy "must grant
  public access": ``lambda:InvokeFunctionUrl`` to ``*`` with ``lambda:FunctionUrlAuthType`` NONE
  (and, for URLs created since October 2025, ``lambda:InvokeFunction``). The course checks the
  policy when the session enforces Lambda permissions (``enforce_lambda_permissions``), as
  API Gateway's integration does;
- ``Cors`` answers preflight requests and adds ``Access-Control-*`` headers.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from ... import sample_events
from ..apigateway.gateway import ApiGateway, GatewayRequest, GatewayResponse, map_v2_response
from ..invoke import invoke_lambda

if TYPE_CHECKING:
    from ...cloud.session import MockSession

log = logging.getLogger(__name__)

URL_RE = re.compile(
    r"^https?://(?P<id>[a-z0-9]{32})\.lambda-url\.(?P<region>[a-z0-9-]+)\.on\.aws(?::\d+)?"
    r"(?P<path>/[^?#]*)?(?:\?(?P<query>[^#]*))?")
URL_ID_RE = re.compile(r"^[a-z0-9]{32}$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
MAX_DURATION_S = 900.0   # a function URL waits as long as the function's timeout (up to 15 min)


def _json(status: int, body: dict[str, Any]) -> GatewayResponse:
    return GatewayResponse(status, [("Content-Type", "application/json")],
                           json.dumps(body).encode())


def _public_statement(st: dict[str, Any], action: str) -> bool:
    if st.get("Effect", "Allow") != "Allow":
        return False
    actions = st.get("Action", "")
    actions = actions if isinstance(actions, list) else [actions]
    if not any(str(a).lower() in (action.lower(), "lambda:*", "*") for a in actions):
        return False
    who = st.get("Principal")
    principals = who.get("AWS", []) if isinstance(who, dict) else who
    principals = principals if isinstance(principals, list) else [principals]
    if "*" not in principals:
        return False
    if action.lower() != "lambda:invokefunctionurl":
        return True
    # AddPermission(FunctionUrlAuthType="NONE") is the condition lambda:FunctionUrlAuthType = NONE
    url_auth = st.get("FunctionUrlAuthType")
    for conds in (st.get("Condition") or {}).values():
        for key, value in conds.items():
            if key.lower() == "lambda:functionurlauthtype":
                url_auth = value
    return url_auth == "NONE"


def policy_allows_public(fn: Any) -> bool:
    """Whether the function's policy grants ``lambda:InvokeFunctionUrl`` (auth type NONE) and
    ``lambda:InvokeFunction`` to everyone."""
    statements = getattr(getattr(fn, "policy", None), "statements", []) or []
    return all(any(_public_statement(st, action) for st in statements)
               for action in ("lambda:InvokeFunctionUrl", "lambda:InvokeFunction"))


class FunctionUrls:
    """Finds the function behind a URL id and serves the request as Lambda does."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.account_id = session.account_id
        self.region = session.region
        self.enforce_permissions = bool(session.options.get("enforce_lambda_permissions"))

    def function_for(self, url_id: str, region: str | None = None) -> Any:
        from moto.awslambda.models import lambda_backends

        backend = lambda_backends[self.account_id][region or self.region]
        for fn in backend.list_functions():
            config = getattr(fn, "url_config", None)
            if config is not None and config.url.split("//", 1)[1].split(".", 1)[0] == url_id:
                return fn
        return None

    def handle(self, request: GatewayRequest) -> GatewayResponse:
        """Serve one request addressed to a function URL (``request.api_id`` is the URL id)."""
        region = request.region or self.region
        fn = self.function_for(request.api_id, region)
        if fn is None:
            # no function behind this URL id: Lambda answers 403 Forbidden
            return _json(403, {"Message": "Forbidden"})
        config = fn.url_config.config
        cors = config.get("Cors") or None
        if cors and request.method.upper() == "OPTIONS" and request.header("origin") \
                and request.header("access-control-request-method"):
            return ApiGateway._preflight(cors, request)
        auth = (config.get("AuthType") or "NONE").upper()
        if auth == "AWS_IAM":
            signed = (request.header("authorization") or "").startswith("AWS4-HMAC-SHA256 ")
            if not signed:
                return _json(403, {"Message": "Forbidden"})
        elif self.enforce_permissions and not policy_allows_public(fn):
            log.warning("%s's function URL has AuthType NONE but its resource-based policy does "
                        "not grant public access: lambda.add_permission(FunctionName=..., "
                        "StatementId='FunctionURLAllowPublicAccess', "
                        "Action='lambda:InvokeFunctionUrl', Principal='*', "
                        "FunctionUrlAuthType='NONE') and the same with "
                        "Action='lambda:InvokeFunction'", fn.function_name)
            return _json(403, {"Message": "Forbidden"})
        response = self._call(fn, request, region, auth)
        return ApiGateway._with_cors(response, cors, request)

    def _event(self, request: GatewayRequest, region: str, auth: str) -> dict[str, Any]:
        body: str | None = None
        b64 = False
        if request.body:
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                body, b64 = base64.b64encode(request.body).decode("ascii"), True
        headers = [(k.lower(), v) for k, v in request.headers]
        event = sample_events.apigw_v2(
            request.method, request.path or "/", route_key="$default", headers=headers,
            query=request.query, body=body, is_base64=b64, api_id=request.api_id,
            stage="$default", region=region, account_id=self.account_id,
            source_ip=request.source_ip)
        ctx = event["requestContext"]
        ctx["domainName"] = f"{request.api_id}.lambda-url.{region}.on.aws"
        ctx["domainPrefix"] = request.api_id
        ctx["requestId"] = str(uuid.uuid4())
        ctx["http"]["protocol"] = "HTTP/1.1"
        ctx.pop("authorizer", None)
        ctx["authentication"] = None
        if auth == "AWS_IAM":
            ctx["accountId"] = self.account_id
            ctx["authorizer"] = {"iam": {
                "accessKey": _signed_access_key(request.header("authorization") or ""),
                "accountId": self.account_id, "callerId": None, "cognitoIdentity": None,
                "principalOrgId": None, "userArn": f"arn:aws:iam::{self.account_id}:root",
                "userId": self.account_id}}
        else:
            ctx["accountId"] = "anonymous"
        event.setdefault("isBase64Encoded", b64)
        return event

    def _call(self, fn: Any, request: GatewayRequest, region: str, auth: str) -> GatewayResponse:
        event = self._event(request, region, auth)
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["result"] = invoke_lambda(fn.function_arn, event, "function-url",
                                              account_id=self.account_id, region=region)
            except BaseException as exc:  # noqa: BLE001 - reported to the client as Lambda does
                box["error"] = exc

        worker = threading.Thread(target=run, name="function-url", daemon=True)
        worker.start()
        worker.join(min(float(getattr(fn, "timeout", 3) or 3) + 5.0, MAX_DURATION_S))
        if worker.is_alive() or "error" in box:
            if "error" in box:
                log.warning("Lambda rejected the invocation of %s: %s", fn.function_name, box["error"])
            return _json(502, {"Message": "Internal Server Error"})
        result = box["result"]
        if result.throttled:
            return _json(429, {"Message": "Rate Exceeded."})
        if result.function_error:
            return _json(502, {"Message": "Internal Server Error"})
        mapped = map_v2_response(result.payload)
        if mapped is None:
            log.warning("Invalid function URL response from %s: %r", fn.function_name,
                        result.payload[:200])
            return _json(502, {"Message": "Internal Server Error"})
        mapped.headers.append(("x-amzn-RequestId", event["requestContext"]["requestId"]))
        mapped.headers.append(("X-Amzn-Trace-Id",
                               f"root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"))
        return mapped


def _signed_access_key(authorization: str) -> str | None:
    match = re.search(r"Credential=([^/,\s]+)/", authorization)
    return match.group(1) if match else None


class FunctionUrlHook:
    """The ``responses`` callback that serves function URLs inside the mock."""

    def __init__(self, urls: FunctionUrls) -> None:
        self.urls = urls
        self._registered: list[Any] = []

    def start(self) -> None:
        import responses
        from moto.core.models import responses_mock

        pattern = re.compile(r"https?://[a-z0-9]{32}\.lambda-url\.[a-z0-9-]+\.on\.aws(:\d+)?(/.*)?$")
        for method in METHODS:
            cb = responses.CallbackResponse(method=method, url=pattern, callback=self._callback,
                                            content_type=None)
            responses_mock.add(cb)
            self._registered.append(cb)

    def stop(self) -> None:
        from moto.core.models import responses_mock

        for cb in self._registered:
            responses_mock.remove(cb)
        self._registered.clear()

    def _callback(self, prepared: Any) -> tuple[int, list[tuple[str, str]], bytes]:
        from urllib.parse import urlsplit

        from ..apigateway.gateway import _own_length

        match = URL_RE.match(prepared.url)
        if match is None:  # pragma: no cover - the registered pattern guarantees a match
            return 403, [("Content-Type", "application/json")], b'{"Message":"Forbidden"}'
        body = prepared.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, (bytes, bytearray)):
            body = b"".join(body) if body else b""
        scheme = urlsplit(prepared.url).scheme
        request = GatewayRequest(
            api_id=match["id"], method=prepared.method, path=match["path"] or "/",
            query=match["query"] or "", headers=list(prepared.headers.items()), body=bytes(body),
            region=match["region"], scheme=scheme, port=443 if scheme == "https" else 80)
        response = _own_length(self.urls.handle(request))
        return response.status, response.headers, response.body
