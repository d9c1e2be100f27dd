"""What an HTTP API's stage serves: the live API if the stage auto-deploys, else its deployment.

API Gateway (developer guide, "Stages for HTTP APIs in API Gateway",
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html, read 2026-12-07):
"A deployment is a snapshot of your API configuration. After you deploy an API to a stage, it's
available for clients to invoke. You must deploy an API for changes to take effect. If you enable
automatic deployments, changes to an API are automatically released for you."

So a stage created without ``AutoDeploy`` answers 404 ``{"message":"Not Found"}`` until
``CreateDeployment(StageName=...)`` (or ``UpdateStage(DeploymentId=...)``) gives it a deployment,
and a route or integration changed afterwards reaches it only with the next deployment. Stage
settings (variables, throttling) are the stage's own and apply at once. moto 5.2 has no
deployments for HTTP APIs; the seams in ``seams.py`` route ``CreateDeployment``,
``GetDeployment(s)`` and ``DeleteDeployment`` here.
"""

from __future__ import annotations

import copy
import threading
import uuid
import weakref
from datetime import datetime, timezone
from typing import Any

_LOCK = threading.Lock()
# api model -> {deployment id: Deployment}
_DEPLOYMENTS: weakref.WeakKeyDictionary[Any, dict[str, Deployment]] = weakref.WeakKeyDictionary()


class Deployment:
    """One HTTP API deployment: the routes, integrations and authorizers as they were."""

    def __init__(self, live: Any, description: str | None) -> None:
        self.id = uuid.uuid4().hex[:6]
        self.description = description
        self.created = datetime.now(timezone.utc)
        self.routes: dict[str, Any] = copy.deepcopy(dict(live.routes))
        self.integrations: dict[str, Any] = copy.deepcopy(dict(live.integrations))
        self.authorizers: dict[str, Any] = copy.deepcopy(dict(live.authorizers))

    def to_json(self) -> dict[str, Any]:
        out = {"autoDeployed": False, "createdDate": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
               "deploymentId": self.id, "deploymentStatus": "DEPLOYED"}
        if self.description:
            out["description"] = self.description
        return out


class DeployedHttpApi:
    """An HTTP API as one deployment captured it; anything not captured reads the live API."""

    def __init__(self, live: Any, deployment: Deployment) -> None:
        self._live = live
        self.routes = deployment.routes
        self.integrations = deployment.integrations
        self.authorizers = deployment.authorizers

    def __getattr__(self, name: str) -> Any:
        return getattr(self._live, name)


def create(api: Any, stage: Any | None, description: str | None) -> Deployment:
    """Snapshot ``api``; point ``stage`` (if given) at the new deployment."""
    deployment = Deployment(api, description)
    with _LOCK:
        _DEPLOYMENTS.setdefault(api, {})[deployment.id] = deployment
    if stage is not None:
        stage.config["deploymentId"] = deployment.id
    return deployment


def get(api: Any, deployment_id: str) -> Deployment | None:
    with _LOCK:
        return _DEPLOYMENTS.get(api, {}).get(deployment_id)


def listed(api: Any) -> list[Deployment]:
    with _LOCK:
        return sorted(_DEPLOYMENTS.get(api, {}).values(), key=lambda d: d.created)


def delete(api: Any, deployment_id: str) -> bool:
    with _LOCK:
        return _DEPLOYMENTS.get(api, {}).pop(deployment_id, None) is not None


def served(api: Any, stage: Any) -> Any | None:
    """What ``stage`` serves: the live API (auto-deploy), its deployment, or None (nothing yet)."""
    if getattr(stage, "auto_deploy", False):
        return api
    deployment = get(api, (getattr(stage, "config", None) or {}).get("deploymentId") or "")
    return DeployedHttpApi(api, deployment) if deployment is not None else None
