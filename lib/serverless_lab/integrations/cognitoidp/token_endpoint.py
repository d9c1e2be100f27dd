"""The user pool domain's token endpoint: ``POST https://<domain>.auth.<region>.amazoncognito.com/oauth2/token``.

moto stores user pool domains, resource servers and app clients, but nothing answers at the
domain. This module serves the **client credentials** grant (machine-to-machine), as the Cognito
developer guide's "Token endpoint" page describes it:

- the client authenticates with HTTP Basic (``client_id:client_secret``) or with ``client_id``
  and ``client_secret`` in the form body; the app client must have a secret, the
  ``client_credentials`` flow in ``AllowedOAuthFlows`` with ``AllowedOAuthFlowsUserPoolClient``;
- ``scope`` (space-separated) asks for custom scopes ``<resource server id>/<scope name>`` the
  client is allowed (``AllowedOAuthScopes``); without ``scope`` the token carries every custom
  scope the client is allowed;
- the answer is ``{"access_token", "expires_in": 3600, "token_type": "Bearer"}``, an RS256
  access token signed with the pool's key (the one moto's JWKS serves) whose claims are
  ``sub`` and ``client_id`` (the app client), ``token_use: access``, ``scope``, ``iss``, ``exp``,
  ``iat``, ``auth_time``, ``jti``, ``version: 2``;
- errors are 400 ``{"error": "invalid_request" | "invalid_client" | "unauthorized_client" |
  "unsupported_grant_type" | "invalid_scope"}`` (401 for ``invalid_client``).
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

if TYPE_CHECKING:
    from ...cloud.session import MockSession

TOKEN_URL_RE = re.compile(
    r"^https://(?P<domain>[a-z0-9-]+)\.auth\.(?P<region>[a-z0-9-]+)\.amazoncognito\.com/oauth2/token/?(\?.*)?$")
ACCESS_TOKEN_TTL_S = 3600   # the default access token validity (60 minutes)


def _error(code: str, status: int = 400) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": code})


class TokenEndpoint:
    """Answers ``/oauth2/token`` for every user pool domain of the session's account."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self._registered: list[Any] = []

    def start(self) -> None:
        import responses
        from moto.core.models import responses_mock

        cb = responses.CallbackResponse(method="POST", url=TOKEN_URL_RE, callback=self._callback,
                                        content_type=None)
        responses_mock.add(cb)
        self._registered.append(cb)

    def stop(self) -> None:
        from moto.core.models import responses_mock

        for cb in self._registered:
            responses_mock.remove(cb)
        self._registered.clear()

    def _callback(self, prepared: Any) -> tuple[int, dict[str, str], str]:
        match = TOKEN_URL_RE.match(prepared.url)
        assert match is not None   # the registered pattern guarantees it
        body = prepared.body or ""
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        form = dict(parse_qsl(body, keep_blank_values=True))
        return self.token(match["domain"], match["region"], form,
                          prepared.headers.get("Authorization"))

    def token(self, domain: str, region: str, form: dict[str, str], authorization: str | None
              ) -> tuple[int, dict[str, str], str]:
        from moto.cognitoidp.models import cognitoidp_backends

        backend = cognitoidp_backends[self.session.account_id][region]
        upd = backend.user_pool_domains.get(domain)
        pool = backend.user_pools.get(upd.user_pool_id) if upd is not None else None
        if pool is None:
            return _error("invalid_request")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                pair = base64.b64decode(authorization.split(None, 1)[1]).decode("utf-8")
            except ValueError:
                return _error("invalid_client", 401)
            client_id, _, secret = pair.partition(":")
            client_id, secret = unquote(client_id), unquote(secret)
        client = pool.clients.get(client_id or "")
        if client is None or not client.generate_secret or secret != client.secret:
            return _error("invalid_client", 401)
        grant = form.get("grant_type")
        if not grant:
            return _error("invalid_request")
        if grant != "client_credentials":
            return _error("unsupported_grant_type")
        config = client.extended_config
        if "client_credentials" not in (config.get("AllowedOAuthFlows") or []) \
                or not config.get("AllowedOAuthFlowsUserPoolClient"):
            return _error("unauthorized_client")
        allowed = list(config.get("AllowedOAuthScopes") or [])
        defined = {f"{rs.identifier}/{s['ScopeName']}"
                   for rs in pool.resource_servers.values() for s in (rs.scopes or [])}
        asked = form.get("scope", "").split()
        scopes = asked or [s for s in allowed if s in defined]
        if not scopes or any(s not in allowed or s not in defined for s in scopes):
            return _error("invalid_scope")
        now = int(time.time())
        claims = {"sub": client.id, "token_use": "access", "scope": " ".join(scopes),
                  "auth_time": now, "iss": f"https://cognito-idp.{region}.amazonaws.com/{pool.id}",
                  "exp": now + ACCESS_TOKEN_TTL_S, "iat": now, "version": 2,
                  "jti": str(uuid.uuid4()), "client_id": client.id}
        token = _sign(pool, claims)
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"access_token": token, "expires_in": ACCESS_TOKEN_TTL_S, "token_type": "Bearer"})


def _sign(pool: Any, claims: dict[str, Any]) -> str:
    """RS256 with the pool's key; ``kid`` as in the JWKS moto serves for the pool."""
    from joserfc import jwt

    return jwt.encode({"kid": "dummy", "alg": "RS256"}, claims, pool.json_web_key)
