"""What a REST API's stage serves: the API as it was when its deployment was created.

API Gateway (developer guide, "Deploy REST APIs in API Gateway"): "After creating your API, you
must deploy it to make it callable by your users ... Every time you update an API, you must
redeploy the API to an existing stage or to a new stage." A deployment is a snapshot of the
API's resources, methods, integrations, authorizers, request validators and models; a stage
points at one deployment (``CreateDeployment``, ``CreateStage(deploymentId=...)`` or
``UpdateStage`` patching ``/deploymentId``). A method added after the deployment is not on the
stage: the caller gets 403 ``Missing Authentication Token``, as for any unknown resource.
Stage settings (stage variables, throttling) are the stage's own and apply at once.

moto keeps only the live API; the seam on ``RestAPI.create_deployment`` (``seams.py``) calls
:func:`record` to keep a deep copy, and the gateway serves :func:`deployed`.
"""

from __future__ import annotations

import copy
import threading
import weakref
from typing import Any

_SNAPSHOTS: weakref.WeakKeyDictionary[Any, DeployedApi] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class DeployedApi:
    """A REST API as one deployment captured it; anything not captured reads the live API."""

    def __init__(self, live: Any) -> None:
        self._live = live
        self.resources: dict[str, Any] = copy.deepcopy(dict(live.resources))
        # a resource's path is resolved now: moto resolves parents through the live backend
        self.paths: dict[str, str] = {rid: r.get_path() for rid, r in live.resources.items()}
        self.authorizers: dict[str, Any] = copy.deepcopy(dict(live.authorizers))
        self.request_validators: dict[str, Any] = copy.deepcopy(dict(live.request_validators))
        self.models: dict[str, Any] = copy.deepcopy(dict(live.models))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._live, name)



def record(deployment: Any, api: Any) -> None:
    """Keep what ``deployment`` captured of ``api`` (called as the deployment is created)."""
    snapshot = DeployedApi(api)
    with _LOCK:
        _SNAPSHOTS[deployment] = snapshot


def deployed(api: Any, stage: Any) -> Any:
    """The API as the stage's deployment captured it (the live API if it was never recorded)."""
    deployment = api.deployments.get(getattr(stage, "deployment_id", None) or "")
    if deployment is None:
        return api
    with _LOCK:
        return _SNAPSHOTS.get(deployment, api)


def path_of(api: Any, resource: Any) -> str:
    """The resource's path as the deployment saw it (``api`` from :func:`deployed`)."""
    paths = api.paths if isinstance(api, DeployedApi) else {}
    return paths.get(resource.id) or resource.get_path()
