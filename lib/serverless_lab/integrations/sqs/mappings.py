"""The SQS → Lambda event source mapping with AWS's semantics, on the lab clock.

moto's own mapping (``Queue.add_message``) invokes the function once per message, at the moment
the message is sent, and never sees messages that were in the queue before the mapping existed.
AWS's documented behaviour ("Using Lambda with Amazon SQS", Lambda Developer Guide) is what a
lab must show, so this module takes the mapping over:

- **batches**: one invocation receives up to ``BatchSize`` messages (``send_message_batch`` of
  10 with the default BatchSize = 10 is one invocation with 10 records); messages already in
  the queue when the mapping is created or enabled are delivered too;
- **batching window**: with ``MaximumBatchingWindowInSeconds`` > 0 the poller waits up to that
  many lab-clock seconds to fill a batch (a full batch goes at once);
- **success deletes, failure returns**: a batch whose invocation succeeds is deleted; a function
  error or a throttle leaves every message in flight until the queue's visibility timeout
  ends, then it is received again (``ApproximateReceiveCount`` + 1), and after the redrive
  policy's ``maxReceiveCount`` receives it moves to the dead-letter queue;
- **partial batch responses**: with ``FunctionResponseTypes=["ReportBatchItemFailures"]`` the
  handler returns ``{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}``: only those
  return to the queue, the rest are deleted; an invalid response fails the whole batch;
- **maximum concurrency**: ``ScalingConfig.MaximumConcurrency`` caps the concurrent invocations
  of the mapping (without it, five batches at a time, as AWS's five initial pollers);
- **filter criteria**: messages that match none of ``FilterCriteria.Filters`` are deleted
  without an invocation (SQS is the one source where AWS deletes filtered-out messages);
- **the SQS clock**: moto's SQS keeps time through ``unix_time``/``unix_time_millis``; here they
  read the lab clock, so ``aws.clock.advance(30)`` ends a 30-second visibility timeout (or a
  ``DelaySeconds``), and retention periods follow the clock too.

When deliveries run (deterministic, so a notebook cell or a test sees the result):

- at the end of every ``SendMessage`` / ``SendMessageBatch`` / ``ChangeMessageVisibility`` call
  and of ``CreateEventSourceMapping`` / ``UpdateEventSourceMapping``, synchronously;
- when a lab-clock timer falls due (end of a visibility timeout, of a delay, of a batching
  window): at real time in the clock's thread, or at once in ``aws.clock.advance(...)``;
- ``aws.extension("integrations").drain()`` runs whatever is due now and waits for it.

Every batch handed to a function is recorded as a :class:`SqsBatch`
(``aws.extension("integrations").sqs.batches``).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...cloud.patching import Patcher
from ..eventbridge.patterns import matches
from ..invoke import invoke_lambda
from . import redrive
from .seams import (
    ADD_MESSAGE,
    CAMEL_TO_SNAKE,
    CHANGE_VISIBILITY,
    CREATE_MAPPING,
    RECEIPT_HANDLE,
    RECEIVE,
    RETENTION_CHECK,
    SEND_BATCH,
    SEND_MESSAGE,
    SQS_TIME,
    SQS_TIME_MS,
    UPDATE_MAPPING,
)

if TYPE_CHECKING:
    from ...cloud.session import MockSession

log = logging.getLogger(__name__)

DEFAULT_CONCURRENCY = 5      # AWS starts polling a standard queue with five concurrent batches
MAX_ROUNDS = 10_000          # a drain never loops forever (a handler feeding its own queue)
_EPS = 0.0005                # moto's Message.visible is strict (now > visible_at)


@dataclass
class SqsBatch:
    """One batch a mapping handed to a function, and what became of each message."""

    mapping: str                  # the mapping's UUID
    function_arn: str
    queue_arn: str
    message_ids: list[str]
    at: float                     # lab-clock time of the invocation
    outcome: str = "ok"           # ok | partial | error | throttled | invalid-response | no-function
    failed: list[str] = field(default_factory=list)
    filtered: list[str] = field(default_factory=list)  # deleted by FilterCriteria, never invoked
    error: str | None = None
    response: Any = None

    @property
    def size(self) -> int:
        return len(self.message_ids)

    @property
    def deleted(self) -> list[str]:
        return [m for m in self.message_ids if m not in set(self.failed)]


def _param_error(message: str) -> Exception:
    from moto.awslambda.exceptions import InvalidParameterValueException

    return InvalidParameterValueException(message)


def validate_sqs_mapping(spec: dict[str, Any], *, fifo: bool, existing: Any = None) -> None:
    """Reject the SQS settings AWS rejects, with an error that says what to change."""
    def get(key: str, attr: str) -> Any:
        if key in spec:
            return spec[key]
        return getattr(existing, attr, None) if existing is not None else None

    batch = get("BatchSize", "batch_size")
    window = get("MaximumBatchingWindowInSeconds", "max_batch_window")
    if batch is not None:
        if int(batch) < 1 or int(batch) > (10 if fifo else 10_000):
            raise _param_error(f"BatchSize {batch} is out of range: an SQS "
                               f"{'FIFO ' if fifo else ''}queue allows 1 to "
                               f"{10 if fifo else 10_000} messages per batch.")
    if window is not None and (int(window) < 0 or int(window) > 300):
        raise _param_error("MaximumBatchingWindowInSeconds must be between 0 and 300 seconds.")
    if fifo and window:
        raise _param_error("Batching windows are not supported for FIFO queues: leave "
                           "MaximumBatchingWindowInSeconds out.")
    if not fifo and batch is not None and int(batch) > 10 and not window:
        raise _param_error("Maximum batch window in seconds must be greater than 0 if maximum "
                           "batch size is greater than 10")
    scaling = get("ScalingConfig", "scaling_config") or {}
    if "MaximumConcurrency" in scaling:
        value = int(scaling["MaximumConcurrency"])
        if value < 2 or value > 1000:
            raise _param_error(f"ScalingConfig.MaximumConcurrency {value} is out of range: "
                               "SQS mappings allow 2 to 1000 concurrent invocations.")
    types = get("FunctionResponseTypes", "function_response_types") or []
    unknown = [t for t in types if t != "ReportBatchItemFailures"]
    if unknown:
        raise _param_error(f"FunctionResponseTypes {unknown} not supported: the only value is "
                           "'ReportBatchItemFailures'.")
    for item in (get("FilterCriteria", "filter_criteria") or {}).get("Filters", []) or []:
        try:
            json.loads(item.get("Pattern", ""))
        except ValueError:
            raise _param_error(f"Invalid filter pattern definition: {item.get('Pattern')!r} is not "
                               "JSON (write it with json.dumps({...})).") from None


def lambda_record(message: Any, queue: Any, region: str) -> dict[str, Any]:
    """The record AWS puts in ``event["Records"]`` for one SQS message."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if queue.fifo_queue:
        attributes.update({"SequenceNumber": str(message.sequence_number),
                           "MessageGroupId": message.group_id,
                           "MessageDeduplicationId": message.deduplication_id})
    typed = {}
    for name, value in (message.message_attributes or {}).items():
        entry: dict[str, Any] = {"stringListValues": [], "binaryListValues": [],
                                 "dataType": value.get("DataType", "String")}
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            binary = value["BinaryValue"]
            # AWS sends binary values base64-encoded in the JSON event (moto keeps the bytes)
            entry["binaryValue"] = (base64.b64encode(binary).decode("ascii")
                                    if isinstance(binary, (bytes, bytearray)) else binary)
        typed[name] = entry
    record = {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": typed,
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": queue.queue_arn,
        "awsRegion": region,
    }
    if typed:
        record["md5OfMessageAttributes"] = message.attribute_md5
    return record


_SEQUENCE_LOCK = threading.Lock()


def next_sequence_number(queue: Any) -> str:
    """A FIFO message's SequenceNumber: "a large, non-consecutive number that Amazon SQS assigns
    to each message", increasing within the queue (SQS API reference, SendMessage,
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html)."""
    import random

    with _SEQUENCE_LOCK:
        last = getattr(queue, "lab_sequence_number", None) or 18_000_000_000_000_000_000
        queue.lab_sequence_number = last + random.randint(1, 1 << 16)
        return str(queue.lab_sequence_number)


def check_visibility_timeout(backend: Any, queue: Any, function_name: str) -> None:
    """Refuse a queue whose visibility timeout is below the function's timeout, as Lambda does
    (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html), with the message
    AWS answers (InvalidParameterValueException)."""
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        fn = backend.get_function(function_name)
    except UnknownFunctionException:
        return   # moto's create answers the 404 itself
    visibility = int(queue.visibility_timeout or 0)
    timeout = int(getattr(fn, "timeout", 3) or 3)
    if visibility < timeout:
        raise _param_error(f"Queue visibility timeout: {visibility} seconds is less than Function "
                           f"timeout: {timeout} seconds")


def _receipt_handle() -> str:
    """An opaque receipt handle (AWS's are long base64 strings that change on every receive)."""
    return base64.b64encode(os.urandom(138)).decode()


def _filter_view(record: dict[str, Any]) -> dict[str, Any]:
    """What a FilterCriteria pattern sees: the record, with a JSON body parsed (as AWS does)."""
    view = dict(record)
    try:
        view["body"] = json.loads(record["body"])
    except (TypeError, ValueError):
        pass
    return view


def failed_ids(response: Any, batch_ids: list[str]) -> tuple[list[str] | None, str | None]:
    """The messageIds a partial batch response reports, or (None, why) if it is invalid.

    AWS: an empty or null ``batchItemFailures`` (or an empty/null response) is a full success;
    an itemIdentifier that is empty, null, under another key or not in the batch fails the
    whole batch ("Reporting batch item failures", Lambda Developer Guide).
    """
    if response is None or response == {} or response == "":
        return [], None
    if not isinstance(response, dict):
        return [], None  # not an SQSBatchResponse: AWS treats it as a success
    items = response.get("batchItemFailures")
    if items is None or items == []:
        return [], None
    if not isinstance(items, list):
        return None, "batchItemFailures is not a list"
    out: list[str] = []
    known = set(batch_ids)
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or not isinstance(ident, str):
            return None, f"invalid batch item failure {item!r} (expected {{'itemIdentifier': messageId}})"
        if ident not in known:
            return None, f"itemIdentifier {ident!r} is not a messageId of this batch"
        out.append(ident)
    return out, None


class SqsMappings:
    """Polls SQS queues for the event source mappings of one session."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.clock = session.clock
        self.patcher = Patcher()
        self.batches: deque[SqsBatch] = deque(maxlen=5000)
        self._lock = threading.RLock()
        self._now = threading.local()           # a timer's own time while it runs
        self._dirty: set[tuple[str, str, str]] = set()   # (account, region, queue name)
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._windows: dict[str, Any] = {}      # mapping uuid -> Timer of its batching window
        self._window_due: set[str] = set()
        self._wakeups: dict[tuple[str, str, str, int], Any] = {}
        self._mappings: dict[str, tuple[str, str]] = {}  # uuid -> (account, region)
        self._idle = threading.Condition(self._lock)
        self._stopped = False

    # -- time ---------------------------------------------------------------------------------
    def now(self) -> float:
        override = getattr(self._now, "value", None)
        return override if override is not None else self.clock.now()

    @contextmanager
    def _at(self, when: float) -> Iterator[None]:
        """Run a timer's work at the timer's own time (advance() jumps past many at once)."""
        previous = getattr(self._now, "value", None)
        self._now.value = max(when, previous or 0.0)
        try:
            yield
        finally:
            self._now.value = previous

    # -- install ------------------------------------------------------------------------------
    def start(self) -> SqsMappings:
        p = self.patcher
        wall, wall_ms = SQS_TIME.current(), SQS_TIME_MS.current()   # moto's, for an explicit datetime
        p.replace(SQS_TIME, lambda dt=None: self.now() if dt is None else wall(dt))
        p.replace(SQS_TIME_MS, lambda dt=None: self.now() * 1000.0 if dt is None else wall_ms(dt))
        mappings = self
        original_create = CREATE_MAPPING.current()
        original_update = UPDATE_MAPPING.current()
        original_send = SEND_MESSAGE.current()
        original_batch = SEND_BATCH.current()
        original_visibility = CHANGE_VISIBILITY.current()
        original_add = ADD_MESSAGE.current()

        def create_event_source_mapping(backend: Any, spec: dict[str, Any]) -> Any:
            queue = mappings._queue_by_arn(backend.account_id, backend.region_name,
                                           spec.get("EventSourceArn") or "")
            if queue is not None:
                validate_sqs_mapping(spec, fifo=bool(queue.fifo_queue))
                check_visibility_timeout(backend, queue, spec.get("FunctionName") or "")
            try:
                esm = original_create(backend, spec)
            except ValueError as exc:  # moto raises ValueError(code, message) for a bad BatchSize
                raise _param_error(str(exc.args[-1]) if exc.args else str(exc)) from None
            if queue is not None:
                queue.lambda_event_source_mappings.pop(esm.function_arn, None)  # ours, not moto's
                with mappings._lock:
                    mappings._mappings[esm.uuid] = (backend.account_id, backend.region_name)
                mappings._mark(queue)
                mappings.drain_queues()
            return esm

        def update_event_source_mapping(backend: Any, uuid: str, spec: dict[str, Any]) -> Any:
            esm = backend.get_event_source_mapping(uuid)
            if esm is not None and uuid in mappings._mappings:
                queue = mappings._queue_by_arn(backend.account_id, backend.region_name,
                                               esm.event_source_arn)
                validate_sqs_mapping(spec, fifo=bool(queue and queue.fifo_queue), existing=esm)
            try:
                result = original_update(backend, uuid, spec)
            except ValueError as exc:
                raise _param_error(str(exc.args[-1]) if exc.args else str(exc)) from None
            if esm is not None and uuid in mappings._mappings:
                queue = mappings._queue_by_arn(backend.account_id, backend.region_name,
                                               esm.event_source_arn)
                if queue is not None:
                    mappings._mark(queue)
                    mappings.drain_queues()
            return result

        def send_message(backend: Any, *args: Any, **kwargs: Any) -> Any:
            with mappings._api_call() as outermost:
                out = original_send(backend, *args, **kwargs)
            if outermost:
                mappings.drain_queues()
            return out

        def send_message_batch(backend: Any, *args: Any, **kwargs: Any) -> Any:
            # moto's SendMessageBatch calls send_message per entry: deliver once, at the end
            with mappings._api_call() as outermost:
                out = original_batch(backend, *args, **kwargs)
            if outermost:
                mappings.drain_queues()
            return out

        def change_message_visibility(backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            out = original_visibility(backend, queue_name, *args, **kwargs)
            queue = backend.queues.get(queue_name)
            if queue is not None:
                mappings._mark(queue)
                mappings._wake_at_visibility(queue)
                mappings.drain_queues()
            return out

        def add_message(queue: Any, message: Any) -> None:
            if queue.fifo_queue:
                message.sequence_number = next_sequence_number(queue)
            original_add(queue, message)
            mappings._mark(queue)
            if message.delayed_until:
                mappings._wake(queue, message.delayed_until / 1000.0 + _EPS)

        def is_message_valid_based_on_retention_period(backend: Any, queue_name: str, message: Any) -> bool:
            queue = backend.get_queue(queue_name)
            retention = int(getattr(queue, "message_retention_period", None) or 345_600)
            return retention + (message.sent_timestamp or 0) / 1000 > mappings.now()

        original_receive = RECEIVE.current()

        def receive_message(backend: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
            queue = backend.get_queue(queue_name)
            retention = int(getattr(queue, "message_retention_period", None) or 345_600)
            oldest_ms = (mappings.now() - retention) * 1000.0
            expired = [m for m in queue._messages if (m.sent_timestamp or 0) <= oldest_ms]
            if expired:
                with queue._messages_lock:
                    queue._messages = [m for m in queue._messages if m not in expired]
                for m in expired:
                    queue.pending_messages.discard(m)
            return original_receive(backend, queue_name, *args, **kwargs)

        p.replace(RECEIVE, receive_message)
        p.replace(RETENTION_CHECK, is_message_valid_based_on_retention_period)
        p.replace(CAMEL_TO_SNAKE, functools.lru_cache(maxsize=1024)(CAMEL_TO_SNAKE.current()))
        p.replace(RECEIPT_HANDLE, _receipt_handle)
        self.move_tasks = redrive.install(p, self)
        p.replace(CREATE_MAPPING, create_event_source_mapping)
        p.replace(UPDATE_MAPPING, update_event_source_mapping)
        p.replace(SEND_MESSAGE, send_message)
        p.replace(SEND_BATCH, send_message_batch)
        p.replace(CHANGE_VISIBILITY, change_message_visibility)
        p.replace(ADD_MESSAGE, add_message)
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for timer in list(self._windows.values()) + list(self._wakeups.values()):
                timer.cancel()
            self._windows.clear()
            self._wakeups.clear()
        self.patcher.undo()

    # -- lookups ------------------------------------------------------------------------------
    @staticmethod
    def _queue_by_arn(account: str, region: str, arn: str) -> Any:
        from moto.sqs.models import sqs_backends

        if ":sqs:" not in arn:
            return None
        parts = arn.split(":")
        account, region, name = parts[4] or account, parts[3] or region, parts[5]
        try:
            return sqs_backends[account][region].queues.get(name)
        except KeyError:
            return None

    def _live_mappings(self) -> list[Any]:
        from moto.awslambda.models import lambda_backends

        out = []
        with self._lock:
            items = list(self._mappings.items())
        for uuid, (account, region) in items:
            esm = lambda_backends[account][region].get_event_source_mapping(uuid)
            if esm is None:
                with self._lock:
                    self._mappings.pop(uuid, None)
                continue
            out.append(esm)
        return out

    def mappings_for(self, queue_arn: str) -> list[Any]:
        return [m for m in self._live_mappings() if m.event_source_arn == queue_arn]

    # -- triggers -----------------------------------------------------------------------------
    @contextmanager
    def _api_call(self) -> Iterator[bool]:
        """Whether this is the outermost SQS send call of this thread."""
        depth = getattr(self._now, "depth", 0)
        self._now.depth = depth + 1
        try:
            yield depth == 0
        finally:
            self._now.depth = depth

    def _mark(self, queue: Any) -> None:
        with self._lock:
            self._dirty.add((queue.account_id, queue.region, queue.name))

    def _wake(self, queue: Any, when: float) -> None:
        """Arm a lab-clock timer that polls ``queue`` at ``when`` (one per queue and ms)."""
        key = (queue.account_id, queue.region, queue.name, int(when * 1000))
        with self._lock:
            if self._stopped or key in self._wakeups or not self._mappings:
                return

            def fire() -> None:
                with self._lock:
                    self._wakeups.pop(key, None)
                    self._dirty.add(key[:3])
                with self._at(when):
                    self.drain_queues()

            self._wakeups[key] = self.clock.call_at(when, fire)

    def _wake_at_visibility(self, queue: Any) -> None:
        """Poll again when the earliest in-flight (or delayed) message becomes visible."""
        now_ms = self.now() * 1000.0
        pending = [max(m.visible_at, m.delayed_until) for m in list(queue._messages)
                   if m.visible_at > now_ms or m.delayed_until > now_ms]
        if pending:
            self._wake(queue, min(pending) / 1000.0 + _EPS)

    # -- delivery -----------------------------------------------------------------------------
    def drain_queues(self) -> int:
        """Deliver what is due on every queue that got messages; returns batches delivered."""
        delivered = 0
        for _ in range(MAX_ROUNDS):
            with self._lock:
                if self._stopped or not self._dirty:
                    return delivered
                if not self._mappings:
                    self._dirty.clear()
                    return delivered
                dirty, self._dirty = self._dirty, set()
            arns = {f"arn:aws:sqs:{region}:{account}:{name}" for account, region, name in dirty}
            found = False
            for esm in self._live_mappings():
                if esm.event_source_arn in arns:
                    found = True
                    delivered += self.run_mapping(esm)
            if not found:
                continue
        return delivered

    def run_mapping(self, esm: Any) -> int:
        """Deliver every due batch of one mapping (one runner per mapping at a time)."""
        with self._lock:
            if esm.uuid in self._busy:
                self._again.add(esm.uuid)
                return 0
            self._busy.add(esm.uuid)
        delivered = 0
        try:
            while True:
                with self._lock:
                    self._again.discard(esm.uuid)
                delivered += self._pump(esm)
                with self._lock:
                    if esm.uuid not in self._again:
                        self._busy.discard(esm.uuid)
                        self._idle.notify_all()
                        break
        except BaseException:
            with self._lock:
                self._busy.discard(esm.uuid)
                self._idle.notify_all()
            raise
        return delivered

    def _pump(self, esm: Any) -> int:
        if not esm.enabled or self._stopped:
            return 0
        queue = self._queue_by_arn(esm.account_id, esm.region, esm.event_source_arn)
        if queue is None:
            return 0
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[queue.account_id][queue.region]
        batch_size = int(esm.batch_size or 10)
        window = float(esm.max_batch_window or 0)
        width = int((esm.scaling_config or {}).get("MaximumConcurrency") or DEFAULT_CONCURRENCY)
        visibility = int(queue.visibility_timeout if queue.visibility_timeout is not None else 30)
        if not visibility:
            width = 1   # a failed message is visible again at once: never receive it twice per round
        delivered = 0
        for _ in range(MAX_ROUNDS):
            # inside a batching window only full batches go; the window's end sends the rest
            full_only = window > 0 and esm.uuid not in self._window_due
            if full_only and 0 < len(queue.messages) < batch_size:
                self._open_window(esm, window)
            batches = []
            exhausted = False
            while len(batches) < width and not exhausted:
                if full_only and len(queue.messages) < batch_size:
                    break
                messages = backend.receive_message(queue.name, batch_size, 0, visibility,
                                                   message_attribute_names=["All"])
                # a short standard-queue batch means nothing else is visible (FIFO skips busy groups)
                if not messages:
                    exhausted = not queue.fifo_queue   # FIFO: other groups may free up after this round
                    break
                exhausted = len(messages) < batch_size and not queue.fifo_queue
                batches.append(messages)
            if not batches:
                break
            if len(batches) == 1:
                self._deliver(esm, queue, backend, batches[0])
            else:
                threads = [threading.Thread(target=self._deliver, args=(esm, queue, backend, b),
                                            name="serverless-lab-sqs-poller", daemon=True)
                           for b in batches]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            delivered += len(batches)
            if exhausted:
                break
            if not visibility and any(
                    b.failed for b in list(self.batches)[-len(batches):]):
                # visibility timeout 0: a failed message is visible at once; retry a second later
                # (lab-clock) rather than spin here
                self._wake(queue, self.now() + 1.0)
                break
        with self._lock:
            self._window_due.discard(esm.uuid)
        self._wake_at_visibility(queue)
        return delivered

    def _open_window(self, esm: Any, window: float) -> None:
        with self._lock:
            if esm.uuid in self._windows or self._stopped:
                return
            when = self.now() + window

            def close() -> None:
                with self._lock:
                    self._windows.pop(esm.uuid, None)
                    self._window_due.add(esm.uuid)
                with self._at(when):
                    self.run_mapping(esm)

            self._windows[esm.uuid] = self.clock.call_at(when, close)

    def _deliver(self, esm: Any, queue: Any, backend: Any, messages: list[Any]) -> None:
        region = queue.region
        records = [lambda_record(m, queue, region) for m in messages]
        batch = SqsBatch(esm.uuid, esm.function_arn, queue.queue_arn,
                         [r["messageId"] for r in records], self.now())
        filters = [f.get("Pattern") for f in ((esm.filter_criteria or {}).get("Filters") or [])]
        if filters:
            keep = [r for r in records if any(matches(p, _filter_view(r)) for p in filters)]
            batch.filtered = [r["messageId"] for r in records if r not in keep]
            for record in records:
                if record not in keep:
                    self._delete(backend, queue, record)
            records = keep
            batch.message_ids = [r["messageId"] for r in records]
            if not records:
                batch.outcome = "filtered"
                self.batches.append(batch)
                return
        event = {"Records": records}
        try:
            result = invoke_lambda(esm.function_arn, event, "sqs", account_id=esm.account_id,
                                   region=esm.region)
        except Exception as exc:  # noqa: BLE001 - a deleted function: messages stay in the queue
            batch.outcome, batch.error = "no-function", f"{type(exc).__name__}: {exc}"
            batch.failed = list(batch.message_ids)
            self.batches.append(batch)
            return
        if result.throttled:
            batch.outcome, batch.error = "throttled", result.throttled
            batch.failed = list(batch.message_ids)
        elif result.function_error:
            batch.outcome = "error"
            batch.failed = list(batch.message_ids)
            try:
                body = json.loads(result.payload or b"null")
                batch.error = f"{body.get('errorType')}: {body.get('errorMessage')}"
            except (ValueError, AttributeError):
                batch.error = result.function_error
        else:
            try:
                response = json.loads(result.payload) if result.payload else None
            except ValueError:
                response = result.payload.decode("utf-8", "replace")
                invalid = True
            else:
                invalid = False
            batch.response = response
            if "ReportBatchItemFailures" in (esm.function_response_types or []):
                failed, why = (None, "the response is not JSON") if invalid else \
                    failed_ids(response, batch.message_ids)
                if failed is None:
                    batch.outcome, batch.error = "invalid-response", why
                    batch.failed = list(batch.message_ids)
                elif failed:
                    batch.outcome, batch.failed = "partial", failed
        failed_set = set(batch.failed)
        for record in records:
            if record["messageId"] not in failed_set:
                self._delete(backend, queue, record)
        self.batches.append(batch)

    @staticmethod
    def _delete(backend: Any, queue: Any, record: dict[str, Any]) -> None:
        try:
            backend.delete_message(queue.name, record["receiptHandle"])
        except Exception:  # noqa: BLE001 - deleted meanwhile (e.g. purge_queue)
            pass

    # -- public -------------------------------------------------------------------------------
    def drain(self, timeout: float = 30.0) -> int:
        """Run every delivery that is due now (and timers due on the lab clock); wait for
        deliveries other threads are running. Returns the batches delivered here."""
        self.clock.fire_due()
        with self._lock:
            for esm in self._live_mappings():
                queue = self._queue_by_arn(esm.account_id, esm.region, esm.event_source_arn)
                if queue is not None:
                    self._dirty.add((queue.account_id, queue.region, queue.name))
        delivered = self.drain_queues()
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._busy and time.monotonic() < deadline:
                self._idle.wait(0.05)
        return delivered

    def batches_for(self, function: str | None = None, queue: str | None = None) -> list[SqsBatch]:
        """Recorded batches, optionally for one function (name or ARN) or queue (name or ARN)."""
        out = list(self.batches)
        if function:
            out = [b for b in out if b.function_arn == function
                   or b.function_arn.split(":")[6] == function]
        if queue:
            out = [b for b in out if b.queue_arn == queue or b.queue_arn.rsplit(":", 1)[-1] == queue]
        return out
