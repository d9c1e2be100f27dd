"""The HTTP API JWT authorizer (and REST's Cognito user-pool authorizer) against moto's Cognito.

Set up as AWS's docs do it: a Cognito user pool issues the tokens; the authorizer's
``JwtConfiguration`` names the pool as ``Issuer``
(``https://cognito-idp.{region}.amazonaws.com/{pool id}``) and the app client id as
``Audience``. moto signs its tokens with RS256 and serves the pool's key set at
``{issuer}/.well-known/jwks.json``; the gateway fetches it through the mock, as API Gateway
fetches it from Cognito.

Checks, in AWS's order (API Gateway developer guide, "Controlling access to HTTP APIs with JWT
authorizers", checked 2026-11): a token in the identity source (``Bearer`` prefix optional),
``kid`` in the issuer's JWKS, RS256 signature, ``iss`` equal to the configured issuer, ``aud``
(ID token) or ``client_id`` (access token) among the audiences, ``exp``/``nbf``/``iat`` valid,
and — when the route has authorization scopes — at least one of them in the token's ``scope``
(or ``scp``) claim. Failures answer 401 ``{"message":"Unauthorized"}`` with a
``www-authenticate`` header; a missing scope answers 403 ``{"message":"Forbidden"}``. The claims
reach the handler in ``requestContext.authorizer.jwt.claims`` (payload 2.0).
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from .denials import AuthOutcome, Denied, http_forbidden, http_unauthorized, report, rest_unauthorized
from .identity_sources import http_identity

_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+)$")
_jwks_lock = threading.Lock()
_LEEWAY_S = 0


def _www(error: str, description: str, scope: str = "") -> list[tuple[str, str]]:
    return [("www-authenticate",
             f'Bearer scope="{scope}" error="{error}" error_description="{description}"')]


def _jwks(gateway: Any, issuer: str) -> Any:
    """The issuer's key set, fetched once per gateway (through the mock) and kept."""
    from joserfc.jwk import KeySet

    cache = gateway.__dict__.setdefault("_jwks_cache", {})
    with _jwks_lock:
        if issuer in cache:
            return cache[issuer]
    if _COGNITO_ISSUER.match(issuer) is None:
        report(f"JWT authorizer issuer {issuer!r} is not a Cognito user pool in this mocked world, "
               "so its keys cannot be fetched.",
               "Use Issuer=f'https://cognito-idp.{region}.amazonaws.com/{user_pool_id}' "
               "(no trailing slash) with the pool you created.")
        return None
    keys = _fetch_keys(issuer, gateway.account_id)
    if keys is None:
        report(f"JWT authorizer issuer {issuer!r}: no user pool with that id answers.",
               "Check the pool id in the issuer URL (cognito.create_user_pool(...)['UserPool']['Id']).")
        return None
    keyset = KeySet.import_key_set(keys)
    with _jwks_lock:
        cache[issuer] = keyset
    return keyset


def _fetch_keys(issuer: str, account_id: str) -> dict | None:
    m = _COGNITO_ISSUER.match(issuer)
    assert m is not None
    region, pool_id = m.group(1), m.group(2)
    if pool_id not in _pools(account_id, region):
        return None
    import requests

    r = requests.get(f"{issuer}/.well-known/jwks.json", timeout=10)
    if r.status_code != 200:
        return None
    return r.json()


def verify_token(gateway: Any, token: str, issuer: str, audiences: list[str]
                 ) -> dict[str, Any]:
    """Claims of a valid token; raise :class:`Denied` (401) with AWS's reason otherwise."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    token = token.strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    keys = _jwks(gateway, issuer.rstrip("/") if issuer else "")
    if keys is None:
        raise http_unauthorized(_www("invalid_token", "unable to find an signing key for the token"))
    try:
        decoded = jwt.decode(token, keys, algorithms=["RS256"])
    except (JoseError, ValueError) as exc:
        raise http_unauthorized(_www("invalid_token", f"the token is not valid: {exc}")) from None
    claims = dict(decoded.claims)
    now = time.time()
    if claims.get("iss") != issuer:
        raise http_unauthorized(_www("invalid_token",
                                     f"the token has an invalid issuer {claims.get('iss')!r}"))
    if "exp" in claims and float(claims["exp"]) + _LEEWAY_S < now:
        raise http_unauthorized(_www("invalid_token", "the token has expired"))
    if "nbf" in claims and float(claims["nbf"]) - _LEEWAY_S > now:
        raise http_unauthorized(_www("invalid_token", "the token is not valid yet"))
    aud = claims.get("aud")
    aud_values = aud if isinstance(aud, list) else ([aud] if aud else [])
    if not aud_values and claims.get("client_id"):
        aud_values = [claims["client_id"]]
    if not any(a in audiences for a in aud_values):
        raise http_unauthorized(_www("invalid_token", "the token does not have a valid audience"))
    return claims


def _scopes(claims: dict[str, Any]) -> list[str]:
    raw = claims.get("scope", claims.get("scp"))
    if isinstance(raw, list):
        return [str(s) for s in raw]
    return str(raw).split() if raw else []


def _stringify(claims: dict[str, Any]) -> dict[str, str]:
    """AWS passes every claim to the handler as a string (lists as "[a b]")."""
    out = {}
    for k, v in claims.items():
        if isinstance(v, list):
            out[k] = "[" + " ".join(str(x) for x in v) + "]"
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, dict):
            out[k] = json.dumps(v)
        else:
            out[k] = str(v)
    return out


def authorize_http_jwt(gateway: Any, authorizer: Any, route: Any, request: Any, region: str,
                       target: Any) -> AuthOutcome:
    config = authorizer.jwt_config or {}
    issuer = config.get("issuer") or config.get("Issuer") or ""
    audiences = list(config.get("audience") or config.get("Audience") or [])
    sources = authorizer.identity_source or ["$request.header.Authorization"]
    if isinstance(sources, str):
        sources = [sources]
    token = http_identity(sources[0], request, target.stage_variables)
    if not token:
        raise http_unauthorized()
    claims = verify_token(gateway, token, issuer, audiences)
    granted = _scopes(claims)
    required = list(route.authorization_scopes or [])
    if required and not any(s in granted for s in required):
        raise http_forbidden(_www("insufficient_scope",
                                  f"expected scopes: [{' '.join(required)}]", " ".join(required)))
    version = str(getattr(target, "payload_version", "2.0"))
    if version == "1.0":
        return AuthOutcome({"claims": _stringify(claims), "scopes": granted or None})
    return AuthOutcome({"jwt": {"claims": _stringify(claims), "scopes": granted or None}})


def authorize_rest_cognito(gateway: Any, authorizer: Any, method: Any, request: Any, region: str
                           ) -> AuthOutcome:
    """REST ``COGNITO_USER_POOLS``: an ID token (or an access token with method scopes)."""
    source = authorizer.identity_source or "method.request.header.Authorization"
    header = source.split("method.request.header.", 1)[-1]
    token = request.header(header)
    if not token:
        raise rest_unauthorized()
    arns = authorizer.provider_arns or []
    for arn in arns:
        pool_id = arn.rsplit("/", 1)[-1]
        pool_region = arn.split(":")[3] if arn.count(":") >= 4 else region
        issuer = f"https://cognito-idp.{pool_region}.amazonaws.com/{pool_id}"
        try:
            pool = _pools(gateway.account_id, pool_region).get(pool_id)
            claims = verify_token(gateway, token, issuer, list(pool.clients) if pool else [])
        except Denied:
            continue
        scopes = list(method.authorization_scopes or [])
        if scopes:
            if claims.get("token_use") != "access" or not any(s in _scopes(claims) for s in scopes):
                raise rest_unauthorized()
        elif claims.get("token_use") != "id":
            raise rest_unauthorized()
        return AuthOutcome({"claims": _stringify(claims)})
    raise rest_unauthorized()


def _pools(account_id: str, region: str) -> dict[str, Any]:
    from moto.cognitoidp.models import cognitoidp_backends

    return cognitoidp_backends[account_id][region].user_pools
