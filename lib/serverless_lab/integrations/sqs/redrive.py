"""``StartMessageMoveTask`` / ``ListMessageMoveTasks``: redrive a dead-letter queue (moto lacks both).

AWS moves the messages of a dead-letter queue back to their source queue (or to
``DestinationArn``) at up to ``MaxNumberOfMessagesPerSecond`` ("Configuring a dead-letter queue
redrive", SQS Developer Guide). Here the move is done at once: every message of the DLQ that is
not in flight is sent again (same body and message attributes, a new message id, receive count
0) and deleted from the DLQ; the task is then ``COMPLETED``. Without ``DestinationArn`` the
destination is the queue whose redrive policy names this DLQ (moto does not remember each
message's original queue; with several such queues, give ``DestinationArn``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ...cloud.patching import Patcher
from .seams import LIST_MOVES, START_MOVE


def _error(message: str) -> Exception:
    from moto.sqs.exceptions import InvalidParameterValue

    return InvalidParameterValue(message)


def _queue_by_arn(backend: Any, arn: str | None, what: str) -> Any:
    name = (arn or "").split(":")[-1]
    queue = backend.queues.get(name) if arn and arn.startswith("arn:") else None
    if queue is None:
        raise _error(f"{what} {arn!r} is not the ARN of a queue in this account and Region.")
    return queue


def install(patcher: Patcher, mappings: Any) -> dict[str, list[dict[str, Any]]]:
    """Install both actions; once messages are moved, ``mappings`` (the session's
    :class:`~serverless_lab.integrations.sqs.mappings.SqsMappings`) delivers them in batches."""
    from moto.core.responses import ActionResult

    tasks: dict[str, list[dict[str, Any]]] = {}

    def start_message_move_task(response: Any) -> Any:
        backend = response.sqs_backend
        source_arn = response._get_param("SourceArn")
        source = _queue_by_arn(backend, source_arn, "SourceArn")
        sources = backend.list_dead_letter_source_queues(source.name)
        if not sources:
            raise _error("Source queue must be configured as a Dead Letter Queue.")
        destination_arn = response._get_param("DestinationArn")
        if destination_arn:
            destination = _queue_by_arn(backend, destination_arn, "DestinationArn")
        elif len(sources) == 1:
            destination = sources[0]
        else:
            raise _error("This dead-letter queue serves several queues: give DestinationArn.")
        if bool(destination.fifo_queue) != bool(source.fifo_queue):
            raise _error("The source and destination queues must both be standard or both be FIFO.")
        moving = [m for m in list(source._messages) if m.visible and not m.delayed]
        with mappings._api_call():      # one delivery at the end, in batches, not one per message
            for message in moving:
                backend.send_message(destination.name, message.body,
                                     message_attributes=dict(message.message_attributes or {}) or None,
                                     group_id=message.group_id, deduplication_id=message.deduplication_id)
                with source._messages_lock:
                    source._messages = [m for m in source._messages if m is not message]
                source.pending_messages.discard(message)
        handle = str(uuid.uuid4())
        tasks.setdefault(source.queue_arn, []).insert(0, {
            "TaskHandle": handle, "Status": "COMPLETED", "SourceArn": source.queue_arn,
            "DestinationArn": destination.queue_arn if destination_arn else None,
            "ApproximateNumberOfMessagesMoved": len(moving),
            "ApproximateNumberOfMessagesToMove": len(moving),
            "StartedTimestamp": int(backend_time_ms())})
        mappings.drain_queues()
        return ActionResult({"TaskHandle": handle})

    def list_message_move_tasks(response: Any) -> Any:
        backend = response.sqs_backend
        source = _queue_by_arn(backend, response._get_param("SourceArn"), "SourceArn")
        limit = int(response._get_param("MaxResults") or 1)
        results = [{k: v for k, v in t.items() if v is not None} for t in tasks.get(source.queue_arn, [])[:limit]]
        return ActionResult({"Results": results})

    patcher.replace(START_MOVE, start_message_move_task)
    patcher.replace(LIST_MOVES, list_message_move_tasks)
    return tasks


def backend_time_ms() -> float:
    """SQS's clock (the lab clock while the integrations run)."""
    from moto.sqs import models

    return models.unix_time_millis()
