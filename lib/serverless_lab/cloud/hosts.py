"""Hosts boto3 sends requests to that moto 5.2's routes do not know.

moto finds a request's service by its host (``moto.backend_index.backend_url_patterns``), then
the handler by the service's ``url_bases``. Two hosts that today's botocore uses are missing, so
the call answers ``404 Not yet implemented``:

- ``sync-states.<region>.amazonaws.com``: Step Functions' ``StartSyncExecution`` (the operation
  carries the endpoint prefix ``sync-``);
- ``<account-id>.streams-ddb.<region>.amazonaws.com``: DynamoDB Streams' account-based endpoint,
  which botocore 1.44 uses for every ``dynamodbstreams`` call (DescribeStream, GetRecords, ...).

The session adds both at start (docs/architecture.md, "Seams"). A service's ``url_bases`` are
changed when moto first imports its routes, so a lab that never uses the service pays nothing.
"""

from __future__ import annotations

import re

from .patching import Patcher, seam

# service -> (moto's routes module, extra host pattern)
EXTRA_HOSTS: dict[str, tuple[str, str]] = {
    "stepfunctions": ("moto.stepfunctions.urls", r"https?://sync-states\.(.+)\.amazonaws\.com"),
    "dynamodbstreams": ("moto.dynamodbstreams.urls", r"https?://(.+)\.streams-ddb\.(.+)\.amazonaws\.com"),
}

URL_PATTERNS = seam(
    "moto.backend_index:backend_url_patterns", extension="session",
    why="moto finds a request's service by its host and lacks two hosts botocore uses: sync-states.<region> "
        "(StartSyncExecution) and <account>.streams-ddb.<region> (DynamoDB Streams)")
URL_BASES = {service: seam(
    f"{module}:url_bases", extension="session", lazy=True,
    why=f"{service}: the handler is found by url_bases, which lack the host above")
    for service, (module, _pattern) in EXTRA_HOSTS.items()}


def install(patcher: Patcher) -> None:
    """Add the missing hosts for this session (undone with ``patcher.undo()``)."""
    extra = [(service, re.compile(pattern)) for service, (_m, pattern) in EXTRA_HOSTS.items()]
    patcher.replace(URL_PATTERNS, [*URL_PATTERNS.current(), *extra])
    for service, (module, pattern) in EXTRA_HOSTS.items():
        declared = URL_BASES[service]

        def add_base(_module: object, declared=declared, pattern=pattern) -> None:
            patcher.replace(declared, [*declared.current(), pattern])

        patcher.on_import(module, add_base)
