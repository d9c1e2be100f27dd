"""How API Gateway stops a request before the integration: the answer (:class:`Denied`), the
authorizer's 401/403/500 answers, and what passed the authorizer (:class:`AuthOutcome`).

Shared by the Lambda authorizers (``authorizers``), the JWT / Cognito authorizers
(``jwt_authorizer``), throttling (``usage_plans``) and request validation (``validators``); the
answers' bodies and headers are AWS's (see ``authorizers`` for the sources).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ...errors import LabError

log = logging.getLogger(__name__)


class Denied(Exception):
    """The gateway stops the request here with this answer (status, JSON body, headers)."""

    def __init__(self, status: int, body: Any, headers: list[tuple[str, str]] | None = None,
                 reason: str = "") -> None:
        super().__init__(reason or f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or []
        self.reason = reason


def rest_unauthorized() -> Denied:
    return Denied(401, {"message": "Unauthorized"}, [("x-amzn-ErrorType", "UnauthorizedException")])


def rest_forbidden(explicit: bool) -> Denied:
    msg = "User is not authorized to access this resource" + (" with an explicit deny" if explicit else "")
    return Denied(403, {"Message": msg}, [("x-amzn-ErrorType", "AccessDeniedException")])


def rest_config_error(reason: str) -> Denied:
    return Denied(500, {"message": None},
                  [("x-amzn-ErrorType", "AuthorizerConfigurationException")], reason)


def http_unauthorized(extra: list[tuple[str, str]] | None = None) -> Denied:
    return Denied(401, {"message": "Unauthorized"}, extra)


def http_forbidden(extra: list[tuple[str, str]] | None = None) -> Denied:
    return Denied(403, {"message": "Forbidden"}, extra)


def http_config_error(reason: str) -> Denied:
    return Denied(500, {"message": "Internal Server Error"}, None, reason)


@dataclass
class AuthOutcome:
    """What passed the authorizer: what the handler sees in ``requestContext.authorizer``."""

    context: dict[str, Any]
    usage_identifier_key: str | None = None
    principal_id: str | None = None


def report(reason: str, hint: str = "") -> None:
    """Say in the notebook's log what went wrong and what to fix (the client only sees 500)."""
    log.warning("%s", LabError(reason, hint) if hint else reason)
