"""API Gateway → Lambda: REST and HTTP APIs that moto stores but does not run.

What it models: ``gateway`` (routing, proxy events, response mapping, AWS's error answers),
``authorizers`` / ``jwt_authorizer`` (Lambda, JWT and Cognito authorizers), ``identity_sources``,
``denials`` (the 4xx/5xx answers that stop a request), ``usage_plans`` (throttling and quotas:
the 429s), ``validators`` (request validation: the 400s). How it plugs in: ``http_gateway``
(the execute-api ``requests`` hook and the local HTTP server) and ``seams`` (moto fixes).
"""

from __future__ import annotations

from .gateway import ApiGateway, GatewayRequest, GatewayResponse, map_v1_response, map_v2_response

__all__ = ["ApiGateway", "GatewayRequest", "GatewayResponse", "map_v1_response", "map_v2_response"]
