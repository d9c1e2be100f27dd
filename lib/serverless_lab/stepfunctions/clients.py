"""One boto3 client per service and region for the ASL interpreter's Task states.

moto's interpreter builds a new boto3 client for every Task it runs (``boto_client_for``): about
10–20 ms each, several times what a warm Lambda invoke takes in the mock, so a workflow of ten
Lambda tasks spent most of its time constructing clients. The clients it builds differ only by
service, region and endpoint (credentials and configuration are fixed), and botocore clients are
safe to share between threads, so the course keeps one of each for the session.
"""

from __future__ import annotations

import threading
import types
from typing import Any

from ..cloud.patching import Patcher, seam

BOTO3_SEAM = seam(
    "moto.stepfunctions.parser.asl.utils.boto_client:boto3",
    why="moto creates a new boto3 client for every Task state (10-20 ms each); the course reuses one "
        "per service, region and endpoint for the session",
    extension="stepfunctions")


class ClientCache:
    def __init__(self, boto3_module: Any) -> None:
        self._boto3 = boto3_module
        self._clients: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def client(self, *args: Any, **kwargs: Any) -> Any:
        service = kwargs.get("service_name", args[0] if args else None)
        key = (service, kwargs.get("region_name"), kwargs.get("endpoint_url"), kwargs.get("aws_access_key_id"))
        with self._lock:
            found = self._clients.get(key)
            if found is None:
                found = self._clients[key] = self._boto3.client(*args, **kwargs)
            return found


def install(patcher: Patcher) -> ClientCache:
    import boto3

    cache = ClientCache(boto3)
    patcher.replace(BOTO3_SEAM, types.SimpleNamespace(client=cache.client, Session=boto3.Session,
                                                      session=boto3.session))
    return cache
