"""Lambda authorizers, as API Gateway runs them in front of a route.

REST APIs (``create_authorizer(type="TOKEN" | "REQUEST")``) call the authorizer function with
a TOKEN or REQUEST event and expect an IAM policy back::

    {"principalId": "user-7",
     "policyDocument": {"Version": "2012-10-17", "Statement": [
         {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:..."}]},
     "context": {"tier": "gold"}}                       # strings, numbers, booleans only

HTTP APIs (``apigatewayv2.create_authorizer(AuthorizerType="REQUEST")``) send a payload 2.0
(or 1.0) event and, with ``EnableSimpleResponses``, accept ``{"isAuthorized": true,
"context": {...}}``. The result is cached for ``authorizerResultTtlInSeconds`` on the lab
clock, keyed by the identity sources (the token), as AWS does; the cached policy is evaluated
again for each request's method ARN, which is why a policy that allows only the first method
called denies the next one (a classic caching surprise).

AWS's answers (API Gateway developer guide, "Lambda authorizers", checked 2026-11):
REST 401 ``{"message":"Unauthorized"}`` (missing identity source, or the function raised
``Exception("Unauthorized")``), 403 ``{"message":"User is not authorized to access this
resource"}`` (no Allow) or ``... with an explicit deny``, 500 ``{"message": null}`` with
``x-amzn-ErrorType: AuthorizerConfigurationException`` when the function fails or returns a
malformed policy. HTTP APIs answer 401 ``Unauthorized``, 403 ``Forbidden`` and 500
``Internal Server Error``.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ... import sample_events
from ...errors import LabError
from ..invoke import invoke_lambda, lambda_arn_from_uri
from .denials import (
    AuthOutcome,
    http_config_error,
    http_forbidden,
    http_unauthorized,
    report,
    rest_config_error,
    rest_forbidden,
    rest_unauthorized,
)
from .identity_sources import http_identity, rest_identity
from .jwt_authorizer import authorize_http_jwt, authorize_rest_cognito

log = logging.getLogger(__name__)

DEFAULT_REST_TTL_S = 300
MAX_TTL_S = 3600


class AuthorizerConfigError(LabError):
    """The authorizer answered something API Gateway cannot use (AWS answers 500)."""


# -- cache on the lab clock --------------------------------------------------------------------
@dataclass
class AuthorizerCache:
    """{(api, authorizer id, identity): (expires at, authorizer output)} on the lab clock."""

    now: Callable[[], float]
    entries: dict[tuple[str, str, str], tuple[float, Any]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[str, str, str]) -> Any:
        with self._lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] <= self.now():
                self.entries.pop(key, None)
                self.misses += 1
                return None
            self.hits += 1
            return entry[1]

    def put(self, key: tuple[str, str, str], ttl_s: float, value: Any) -> None:
        if ttl_s <= 0:
            return
        with self._lock:
            self.entries[key] = (self.now() + min(ttl_s, MAX_TTL_S), value)

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()


# -- policies ----------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@functools.lru_cache(maxsize=1024)
def _arn_regex(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern))


def _arn_matches(pattern: str, arn: str) -> bool:
    """IAM-style wildcards: ``*`` any run of characters, ``?`` one character."""
    return _arn_regex(pattern).fullmatch(arn) is not None


def validate_policy_output(output: Any, who: str) -> tuple[str | None, dict, dict[str, Any], str | None]:
    """Check an IAM-policy authorizer answer; raise AuthorizerConfigError saying what to fix."""
    example = ('return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17", '
               '"Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", '
               '"Resource": event["methodArn"]}]}, "context": {"key": "value"}}')
    if not isinstance(output, dict):
        raise AuthorizerConfigError(f"Authorizer {who} returned {type(output).__name__}, not a JSON "
                                    "object with principalId and policyDocument.", example)
    doc = output.get("policyDocument")
    if not isinstance(doc, dict):
        raise AuthorizerConfigError(f"Authorizer {who} returned no 'policyDocument' object "
                                    f"(keys: {sorted(output)}).", example)
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise AuthorizerConfigError(f"Authorizer {who}: policyDocument has no 'Statement' list.",
                                    example)
    for st in statements:
        if not isinstance(st, dict) or st.get("Effect") not in ("Allow", "Deny") \
                or not st.get("Resource") or not st.get("Action"):
            raise AuthorizerConfigError(
                f"Authorizer {who}: statement {st!r} needs Effect 'Allow' or 'Deny' (capitalised), "
                "Action and Resource.", example)
    context = output.get("context") or {}
    if not isinstance(context, dict):
        raise AuthorizerConfigError(f"Authorizer {who}: 'context' must be an object.", example)
    for k, v in context.items():
        if isinstance(v, (dict, list)) or v is None:
            raise AuthorizerConfigError(
                f"Authorizer {who}: context value {k!r} is {type(v).__name__}; API Gateway accepts "
                "only strings, numbers and booleans there.",
                "Flatten it, or json.dumps() it into a string and parse it in the handler.")
    principal = output.get("principalId")
    key = output.get("usageIdentifierKey")
    return (str(principal) if principal is not None else None), {"Statement": statements}, \
        context, (str(key) if key else None)


def evaluate_policy(doc: dict, resource_arn: str) -> str:
    """'Allow', 'Deny' (explicit) or 'NoMatch' for ``execute-api:Invoke`` on ``resource_arn``."""
    allowed = False
    for st in doc["Statement"]:
        actions = [str(a) for a in _as_list(st.get("Action"))]
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) for a in actions):
            continue
        if not any(_arn_matches(str(r), resource_arn) for r in _as_list(st.get("Resource"))):
            continue
        if st["Effect"] == "Deny":
            return "Deny"
        allowed = True
    return "Allow" if allowed else "NoMatch"


# -- running an authorizer function -------------------------------------------------------------
def call_authorizer(function_uri: str, event: dict[str, Any], *, account_id: str, region: str
                    ) -> tuple[Any, str | None]:
    """(decoded output, error message if the function failed)."""
    arn = lambda_arn_from_uri(function_uri or "") or function_uri
    if not arn:
        return None, "the authorizer has no function URI"
    try:
        result = invoke_lambda(arn, event, "apigateway", account_id=account_id, region=region)
    except Exception as exc:  # noqa: BLE001 - unknown function etc.: AWS answers 500
        return None, f"Lambda could not invoke {arn}: {exc}"
    try:
        output = json.loads(result.payload) if result.payload else None
    except ValueError:
        return None, f"the authorizer returned non-JSON: {result.payload[:120]!r}"
    if result.throttled:
        return None, f"Lambda throttled the authorizer ({result.throttled})"
    if result.function_error:
        message = output.get("errorMessage") if isinstance(output, dict) else None
        return output, f"function error: {message}"
    return output, None


def method_arn(region: str, account_id: str, api_id: str, stage: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


# -- the two flows ------------------------------------------------------------------------------
def authorize_rest(gateway: Any, api: Any, method: Any, target: Any, request: Any, region: str
                   ) -> AuthOutcome | None:
    """Run the method's authorizer (CUSTOM or COGNITO_USER_POOLS); raise :class:`Denied`."""
    kind = (method.authorization_type or "NONE").upper()
    if kind in ("NONE", "AWS_IAM") or not method.authorizer_id:
        return None
    authorizer = api.authorizers.get(method.authorizer_id)
    if authorizer is None:
        raise rest_config_error(f"method {target.route_key} names authorizer {method.authorizer_id}, "
                                "which does not exist")
    if kind == "COGNITO_USER_POOLS" or (authorizer.type or "").upper() == "COGNITO_USER_POOLS":
        return authorize_rest_cognito(gateway, authorizer, method, request, region)
    arn = method_arn(region, gateway.account_id, api.id, target.stage, request.method.upper(),
                     target.path)
    a_type = (authorizer.type or "TOKEN").upper()
    sources = [s for s in (authorizer.identity_source or "method.request.header.Authorization")
               .split(",") if s.strip()]
    values = [rest_identity(s, request, target.stage_variables) for s in sources]
    if any(v in (None, "") for v in values):
        raise rest_unauthorized()
    if a_type == "TOKEN" and authorizer.identity_validation_expression:
        if re.fullmatch(authorizer.identity_validation_expression, values[0] or "") is None:
            raise rest_unauthorized()
    ttl = authorizer.authorizer_result_ttl
    ttl = DEFAULT_REST_TTL_S if ttl is None else int(ttl)
    key = (api.id, str(authorizer.id), "\x1f".join(v or "" for v in values))
    output = gateway.auth_cache.get(key) if ttl > 0 else None
    if output is None:
        if a_type == "TOKEN":
            event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": values[0],
                                     "methodArn": arn}
        else:
            event = sample_events.apigw_v1(
                request.method, target.path, resource=target.resource_path,
                headers=list(request.headers), query=request.query,
                path_parameters=target.path_parameters, stage_variables=target.stage_variables,
                api_id=api.id, stage=target.stage, region=region, account_id=gateway.account_id,
                source_ip=request.source_ip, resource_id=target.resource_id)
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
            event = {"type": "REQUEST", "methodArn": arn, **event}
        output, error = call_authorizer(authorizer.authorizer_uri, event,
                                        account_id=gateway.account_id, region=region)
        if error is not None:
            message = output.get("errorMessage") if isinstance(output, dict) else None
            if message == "Unauthorized":
                raise rest_unauthorized()
            report(f"Authorizer {authorizer.name!r} failed: {error}.",
                   "API Gateway answers 500 AuthorizerConfigurationException; raise "
                   "Exception('Unauthorized') for a 401, or return a Deny policy for a 403.")
            raise rest_config_error(error)
        try:
            validate_policy_output(output, repr(authorizer.name))
        except AuthorizerConfigError as exc:
            report(exc.message, exc.next_step)
            raise rest_config_error(exc.message) from None
        gateway.auth_cache.put(key, ttl, output)
    principal, doc, context, usage_key = validate_policy_output(output, repr(authorizer.name))
    verdict = evaluate_policy(doc, arn)
    if verdict != "Allow":
        raise rest_forbidden(verdict == "Deny")
    ctx = {**{k: v for k, v in context.items()}, "principalId": principal}
    ctx["integrationLatency"] = 0
    return AuthOutcome(ctx, usage_key, principal)


def authorize_http(gateway: Any, api: Any, route: Any, target: Any, request: Any, region: str
                   ) -> AuthOutcome | None:
    """An HTTP API route's JWT or Lambda (REQUEST) authorizer; raise :class:`Denied`."""
    kind = (route.authorization_type or "NONE").upper()
    if kind == "NONE" or not route.authorizer_id:
        return None
    authorizer = api.authorizers.get(route.authorizer_id)
    if authorizer is None:
        raise http_config_error(f"route {route.route_key} names authorizer {route.authorizer_id}, "
                                "which does not exist")
    if kind == "JWT" or (authorizer.authorizer_type or "").upper() == "JWT":
        return authorize_http_jwt(gateway, authorizer, route, request, region, target)
    if kind == "AWS_IAM":
        return None
    sources = list(authorizer.identity_source or [])
    if isinstance(sources, str):
        sources = [s for s in sources.split(",") if s.strip()]
    values = [http_identity(s, request, target.stage_variables) for s in sources]
    if any(v in (None, "") for v in values):
        raise http_unauthorized()
    ttl = int(authorizer.auth_result_ttl or 0)
    key = (api.api_id, str(authorizer.id), "\x1f".join(v or "" for v in values))
    output = gateway.auth_cache.get(key) if ttl > 0 else None
    arn = method_arn(region, gateway.account_id, api.api_id, target.stage,
                     request.method.upper(), target.path)
    version = str(authorizer.auth_payload_format_version or "2.0")
    simple = bool(authorizer.enable_simple_response)
    who = repr(authorizer.name)
    if output is None:
        if version == "1.0":
            event = sample_events.apigw_v1(
                request.method, target.path, resource=target.resource_path,
                headers=list(request.headers), query=request.query,
                path_parameters=target.path_parameters, stage_variables=target.stage_variables,
                api_id=api.api_id, stage=target.stage, region=region,
                account_id=gateway.account_id, source_ip=request.source_ip)
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
            event = {"type": "REQUEST", "methodArn": arn, "identitySource": ",".join(
                v or "" for v in values), "authorizationToken": values[0] if values else None,
                **event}
        else:
            event = sample_events.apigw_v2(
                request.method, target.path, route_key=route.route_key,
                headers=list(request.headers), query=request.query,
                path_parameters=target.path_parameters, stage_variables=target.stage_variables,
                api_id=api.api_id, stage=target.stage, region=region,
                account_id=gateway.account_id, source_ip=request.source_ip)
            event.pop("body", None)
            event.pop("isBase64Encoded", None)
            event = {"version": "2.0", "type": "REQUEST", "routeArn": arn,
                     "identitySource": values, **{k: v for k, v in event.items()
                                                  if k != "version"}}
        output, error = call_authorizer(authorizer.authorizer_uri, event,
                                        account_id=gateway.account_id, region=region)
        if error is not None:
            message = output.get("errorMessage") if isinstance(output, dict) else None
            if message == "Unauthorized":
                raise http_unauthorized()
            report(f"Authorizer {who} failed: {error}.",
                   "An HTTP API answers 500; return {'isAuthorized': False} to deny instead.")
            raise http_config_error(error)
        try:
            _check_http_output(output, simple, who)
        except AuthorizerConfigError as exc:
            report(exc.message, exc.next_step)
            raise http_config_error(exc.message) from None
        gateway.auth_cache.put(key, ttl, output)
    if simple and isinstance(output, dict) and "isAuthorized" in output:
        if output["isAuthorized"] is not True:
            raise http_forbidden()
        context = dict(output.get("context") or {})
        return AuthOutcome({"lambda": context} if version == "2.0" else context)
    principal, doc, context, _ = validate_policy_output(output, who)
    if evaluate_policy(doc, arn) != "Allow":
        raise http_forbidden()
    if version == "2.0":
        return AuthOutcome({"lambda": dict(context)}, principal_id=principal)
    return AuthOutcome({**context, "principalId": principal, "integrationLatency": 0},
                       principal_id=principal)


def _check_http_output(output: Any, simple: bool, who: str) -> None:
    if simple and isinstance(output, dict) and "isAuthorized" in output:
        if not isinstance(output["isAuthorized"], bool):
            raise AuthorizerConfigError(
                f"Authorizer {who} returned isAuthorized={output['isAuthorized']!r}; it must be "
                "the JSON boolean true or false.", 'return {"isAuthorized": True, "context": {...}}')
        if not isinstance(output.get("context") or {}, dict):
            raise AuthorizerConfigError(f"Authorizer {who}: 'context' must be an object.",
                                        'return {"isAuthorized": True, "context": {"user": "ada"}}')
        return
    if simple:
        raise AuthorizerConfigError(
            f"Authorizer {who} has simple responses enabled but returned {output!r:.120} without "
            "'isAuthorized'.", 'return {"isAuthorized": True, "context": {...}}')
    validate_policy_output(output, who)
