"""The one CloudWatch Logs writer: Lambda's and Fargate's log lines land in moto's Logs backend.

Written straight into moto's in-memory backend (the same state ``boto3.client("logs")`` reads,
and the same state a subscription filter fires from), not through boto3: a log line must never
cost an HTTP round trip, and a writer may run inside a moto request (docs/architecture.md,
"How a call travels").
"""

from __future__ import annotations

import threading
from typing import Any

_create_lock = threading.Lock()   # two writers creating one stream: moto would refuse the second

__all__ = ["backend", "has_group", "create_group", "append"]


def backend(account_id: str, region: str) -> Any:
    """moto's CloudWatch Logs backend for an account and region."""
    from moto.logs.models import logs_backends

    return logs_backends[account_id][region]


def has_group(account_id: str, region: str, group: str) -> bool:
    return group in backend(account_id, region).groups


def create_group(account_id: str, region: str, group: str) -> None:
    b = backend(account_id, region)
    if group not in b.groups:
        b.create_log_group(group, {})


def append(account_id: str, region: str, group: str, stream: str, events: list[dict[str, Any]], *,
           create_group: bool = True) -> bool:
    """Append ``[{"timestamp": ms, "message": str}, ...]`` to group/stream, creating the stream (and
    the group, if ``create_group``). False if the group is gone (a lab deleted it meanwhile): the
    lines are dropped, as AWS drops what a deleted group would have received."""
    from moto.logs.exceptions import ResourceNotFoundException

    if not events:
        return True
    b = backend(account_id, region)
    try:
        with _create_lock:
            if group not in b.groups:
                if not create_group:
                    return False
                b.ensure_log_group(group)
            if stream not in b.groups[group].streams:
                b.create_log_stream(group, stream)
        # outside the lock: a subscription filter may invoke a function (which logs) from in here
        b.put_log_events(group, stream, events)
    except (ResourceNotFoundException, KeyError):   # deleted between the check and the write
        return False
    return True
