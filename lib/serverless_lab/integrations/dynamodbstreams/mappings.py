"""The DynamoDB Streams → Lambda event source mapping: one ordered reader per mapping.

moto delivers stream records from inside the write (``StreamShard.add``): the writing thread
hands *every record still in the shard's list* to each mapping's function, then empties the
list. With writes from several threads at once, two threads hand the same pending records to
two invocations (a record delivered twice, out of order), a third empties the list before a
record was sent (a record lost), and sequence numbers restart after each emptying. moto also
keeps no read position, so ``GetRecords`` loses what a mapping consumed, and a failed batch is
dropped as if it had succeeded.

AWS's documented behaviour ("Using AWS Lambda with Amazon DynamoDB" and "Lambda parameters for
Amazon DynamoDB event source mappings", Lambda Developer Guide) is what this module gives:

- **the stream is a log**: every change is appended once, with an increasing sequence number,
  and stays readable (``GetRecords`` sees it whatever mappings have read); writes are applied
  one at a time, so the stream's order per item is the order the table saw;
- **one reader per mapping**: each mapping keeps its own position in the stream (``LATEST``:
  after the last record when it was created; ``TRIM_HORIZON``: the oldest) and hands the
  function one batch at a time, in stream order (``BatchSize`` records at most, default 100);
  the position moves on only after the batch succeeded, so each record reaches the function
  once, and again only when a failed batch is retried;
- **failures block the shard**: a function error, a throttle or an invalid partial-batch
  response leaves the position where it was and the same records are retried (on the lab
  clock: 1, 2, 4 … up to 30 seconds apart) until ``MaximumRetryAttempts`` retries have failed
  (default -1: until the records are older than ``MaximumRecordAgeInSeconds``, default the
  stream's 24-hour retention). Discarded records are described to the mapping's
  ``DestinationConfig.OnFailure`` queue or topic, as AWS sends them;
- ``BisectBatchOnFunctionError`` splits a failing batch in two and retries each half (not
  counted as a retry); ``FunctionResponseTypes=["ReportBatchItemFailures"]`` lets the handler
  return ``{"batchItemFailures": [{"itemIdentifier": SequenceNumber}]}``: the mapping
  checkpoints before the lowest failed record and retries from there;
- ``MaximumBatchingWindowInSeconds`` waits up to that many lab-clock seconds to fill a batch;
  ``FilterCriteria`` skips records that match no filter (they are never sent);
  ``ParallelizationFactor`` (1–10) is accepted and validated, and the course delivers with one
  batch at a time per shard, which keeps AWS's per-item order guarantee.
  ``TumblingWindowInSeconds`` is refused with a clear error (the course does not model it).

When deliveries run (deterministic, so a notebook cell or a test sees the result): at the end of
every DynamoDB write call (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems,
ExecuteStatement), in the calling thread. Concurrent writers never deliver the same batch: the
first one runs the mapping's reader until the stream is drained, the others leave their records
to it. Retries, batching windows and a disabled mapping's next look (once a lab-clock second
while records wait, as Lambda keeps polling) fire on the lab clock; ``drain()`` runs whatever is
due now, including a mapping just enabled.
Every batch handed to a function is recorded as a :class:`StreamBatch`
(``aws.extension("integrations").streams.batches``).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid as uuidlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ...cloud.patching import Patcher
from ..eventbridge.patterns import matches
from ..invoke import invoke_lambda
from .retention import RETENTION_S, check_not_trimmed, trim
from .seams import (
    BATCH_WRITE,
    DELETE_ITEM,
    EXECUTE_STATEMENT,
    GET_RECORDS,
    GET_SHARD_ITERATOR,
    MAPPING_INIT,
    PUT_ITEM,
    SHARD_ADD,
    TRANSACT_WRITE,
    UPDATE_ITEM,
    UPDATE_TABLE_STREAMS,
)

if TYPE_CHECKING:
    from ...cloud.session import MockSession

log = logging.getLogger(__name__)

MAX_BATCH = 10_000
MAX_ROUNDS = 10_000            # one reader run never loops forever (a handler feeding its own table)
FIRST_RETRY_S, MAX_RETRY_S = 1.0, 30.0
POLL_S = 1.0                   # a disabled mapping with records waiting looks again (lab-clock seconds)


@dataclass
class StreamBatch:
    """One batch a mapping handed to a function (or discarded), and what became of it."""

    mapping: str                  # the mapping's UUID
    function_arn: str
    stream_arn: str
    sequence_numbers: list[str]
    event_ids: list[str]
    at: float                     # lab-clock time
    attempt: int = 1              # 1 = first delivery of these records from this position
    outcome: str = "ok"           # ok | partial | error | throttled | invalid-response | no-function
    #                               | filtered | discarded
    failed: list[str] = field(default_factory=list)     # sequence numbers that will be retried
    filtered: list[str] = field(default_factory=list)   # skipped by FilterCriteria
    error: str | None = None
    condition: str | None = None  # discarded: RetryAttemptsExhausted | RecordAgeExceeded

    @property
    def size(self) -> int:
        return len(self.sequence_numbers)


@dataclass
class _Reader:
    """A mapping's position in its stream and its retry state."""

    uuid: str
    account: str
    region: str
    table: str
    label: str                    # the stream's label (the ARN's last part)
    next_seq: int                 # sequence number of the next record to deliver
    attempts: int = 0             # failed attempts of the batch at next_seq (function errors)
    waits: int = 0                # retries scheduled for it (throttles included): the backoff
    limit: int | None = None      # bisected batch size
    bisect_end: int | None = None
    retry_timer: Any = None       # a failed batch's retry: the reader waits for it
    poll_timer: Any = None        # a disabled mapping's next look (never blocks)
    window_timer: Any = None
    window_due: bool = False
    live: bool = False            # moto has stored the mapping (registered from its constructor)

    @property
    def table_key(self) -> tuple[str, str, str]:
        return self.account, self.region, self.table


def _param_error(message: str) -> Exception:
    from moto.awslambda.exceptions import InvalidParameterValueException

    return InvalidParameterValueException(message)


def _is_stream(arn: str) -> bool:
    return ":dynamodb:" in arn and "/stream/" in arn


def parse_stream_arn(arn: str) -> tuple[str, str, str, str]:
    """``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`` → (account, region, name, label)."""
    parts = arn.split(":", 5)
    resource = parts[5].split("/")
    return parts[4], parts[3], resource[1], "/".join(resource[3:])


def require_starting_position(spec: dict[str, Any]) -> None:
    """A DynamoDB or Kinesis stream mapping must say where to start reading, as on AWS
    (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html:
    StartingPosition is "Required for Amazon Kinesis and Amazon DynamoDB Stream event sources");
    the message is the one AWS answers."""
    arn = spec.get("EventSourceArn") or ""
    if (_is_stream(arn) or ":kinesis:" in arn) and not spec.get("StartingPosition"):
        raise _param_error("1 validation error detected: Value null at 'startingPosition' failed to "
                           "satisfy constraint: Member must not be null.")


def validate_stream_mapping(spec: dict[str, Any]) -> None:
    """Reject the DynamoDB stream settings AWS rejects, with an error that says what to change."""
    def rng(key: str, low: int, high: int, extra: str = "") -> None:
        if spec.get(key) is None:
            return
        value = int(spec[key])
        if not low <= value <= high and not (extra and value == -1):
            raise _param_error(f"{key} {value} is out of range for a DynamoDB stream: {low} to {high}{extra}.")

    start = spec.get("StartingPosition")
    if start is not None and start not in ("TRIM_HORIZON", "LATEST"):
        raise _param_error(f"StartingPosition {start!r} is not supported for DynamoDB streams: use "
                           "'LATEST' (new records only) or 'TRIM_HORIZON' (the oldest kept record).")
    rng("BatchSize", 1, MAX_BATCH)
    rng("MaximumBatchingWindowInSeconds", 0, 300)
    rng("ParallelizationFactor", 1, 10)
    rng("MaximumRetryAttempts", 0, 10_000, " (or -1: retry until the records expire)")
    age = spec.get("MaximumRecordAgeInSeconds")
    if age is not None and int(age) != -1 and not 60 <= int(age) <= 604_800:
        raise _param_error(f"MaximumRecordAgeInSeconds {age} is out of range: 60 to 604800 seconds, "
                           "or -1 (keep retrying until the record expires).")
    types = spec.get("FunctionResponseTypes") or []
    unknown = [t for t in types if t != "ReportBatchItemFailures"]
    if unknown:
        raise _param_error(f"FunctionResponseTypes {unknown} not supported: the only value is "
                           "'ReportBatchItemFailures'.")
    if spec.get("TumblingWindowInSeconds"):
        raise _param_error("TumblingWindowInSeconds is not modelled by the course's mocked Lambda: leave it "
                           "out (keep window state in a table instead).")
    for item in (spec.get("FilterCriteria") or {}).get("Filters", []) or []:
        try:
            json.loads(item.get("Pattern", ""))
        except ValueError:
            raise _param_error(f"Invalid filter pattern definition: {item.get('Pattern')!r} is not "
                               "JSON (write it with json.dumps({...})).") from None


def _base64_binaries(value: Any) -> Any:
    """``B`` / ``BS`` values (bytes in moto's stream record, also inside ``M`` and ``L``) as the
    base64 text AWS writes in the JSON event."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _base64_binaries(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_base64_binaries(v) for v in value]
    return value


def lambda_record(record: Any, region: str, stream_arn: str) -> dict[str, Any]:
    """The record AWS puts in ``event["Records"]`` for one stream record (moto's StreamRecord).

    Binary attributes arrive base64-encoded, as in the JSON AWS sends (DynamoDB's JSON wire
    format: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html).
    """
    raw = record.to_json()
    change = _base64_binaries(dict(raw["dynamodb"]))
    when = change.get("ApproximateCreationDateTime")
    if isinstance(when, datetime):
        change["ApproximateCreationDateTime"] = float(int(when.replace(tzinfo=when.tzinfo or timezone.utc)
                                                          .timestamp()))
    return {"eventID": raw["eventID"], "eventName": raw["eventName"], "eventVersion": "1.1",
            "eventSource": "aws:dynamodb", "awsRegion": region, "dynamodb": change,
            "eventSourceARN": stream_arn}


def failed_sequence_numbers(response: Any, batch: list[str]) -> tuple[list[str] | None, str | None]:
    """The sequence numbers a partial batch response reports, or (None, why) if it is invalid.

    AWS ("Configuring partial batch response with DynamoDB and Lambda"): an empty or null
    ``batchItemFailures`` is a full success; an ``itemIdentifier`` that is empty, null or not a
    sequence number of the batch fails the whole batch.
    """
    if not isinstance(response, dict):
        return [], None
    items = response.get("batchItemFailures")
    if items is None or items == []:
        return [], None
    if not isinstance(items, list):
        return None, "batchItemFailures is not a list"
    known, out = set(batch), []
    for item in items:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or not isinstance(ident, str):
            return None, f"invalid batch item failure {item!r} (expected {{'itemIdentifier': SequenceNumber}})"
        if ident not in known:
            return None, f"itemIdentifier {ident!r} is not a SequenceNumber of this batch"
        out.append(ident)
    return out, None


class StreamMappings:
    """Reads DynamoDB streams for the event source mappings of one session."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self.clock = session.clock
        self.patcher = Patcher()
        self.batches: deque[StreamBatch] = deque(maxlen=5000)
        self._lock = threading.RLock()          # the readers' state (never held while writing)
        self._writes = threading.RLock()        # one DynamoDB write at a time (never held while invoking)
        self._local = threading.local()         # depth of nested write calls in this thread
        self._readers: dict[str, _Reader] = {}
        self._dirty: set[tuple[str, str, str]] = set()
        self._busy: set[str] = set()
        self._again: set[str] = set()
        self._idle = threading.Condition(self._lock)
        self._stopped = False

    # -- install ------------------------------------------------------------------------------
    def start(self) -> StreamMappings:
        p, streams = self.patcher, self
        original_init = MAPPING_INIT.current()

        def add(shard: Any, old: Any, new: Any) -> None:
            if not (shard.table.stream_specification or {}).get("StreamEnabled"):
                return   # the stream was turned off (moto keeps the shard and failed with a KeyError)
            pending = getattr(streams._local, "update", None)
            if pending is not None:   # inside UpdateItem: one record for the whole update
                pending.append((shard, old, new))
                return
            streams._append(shard, old, new)
            if not getattr(streams._local, "depth", 0):
                streams.deliver_dirty()   # a write that came through none of the guarded calls

        def init(esm: Any, spec: dict[str, Any]) -> None:
            arn = spec.get("EventSourceArn") or ""
            require_starting_position(spec)
            if _is_stream(arn):
                validate_stream_mapping(spec)
            original_init(esm, spec)
            if _is_stream(arn):
                streams.register(esm)

        p.replace(SHARD_ADD, add)
        p.replace(MAPPING_INIT, init)
        for declared in (PUT_ITEM, DELETE_ITEM, TRANSACT_WRITE, EXECUTE_STATEMENT, BATCH_WRITE):
            p.replace(declared, self._guarded(declared.current()))
        p.replace(UPDATE_ITEM, self._guarded(UPDATE_ITEM.current(), one_record=True))
        original_streams = UPDATE_TABLE_STREAMS.current()

        def update_table_streams(backend: Any, table: Any, stream_specification: dict[str, Any]) -> None:
            enabling = stream_specification.get("StreamEnabled") or stream_specification.get("StreamViewType")
            if enabling and not (table.stream_specification or {}).get("StreamEnabled"):
                table.latest_stream_label = None     # turned off earlier: a new stream, new label
            original_streams(backend, table, stream_specification)

        p.replace(UPDATE_TABLE_STREAMS, update_table_streams)
        original_iterator, original_records = GET_SHARD_ITERATOR.current(), GET_RECORDS.current()

        def get_shard_iterator(backend: Any, arn: str, shard_id: str, shard_iterator_type: str,
                               sequence_number: str | None = None) -> Any:
            with streams._writes:
                shard = backend._get_table_from_arn(arn).stream_shard
                if shard is not None:
                    trim(shard, streams.clock.now())
                    if shard_iterator_type in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
                        check_not_trimmed(shard, int(sequence_number) if sequence_number else None)
                return original_iterator(backend, arn, shard_id, shard_iterator_type, sequence_number)

        def get_records(backend: Any, iterator_arn: str, limit: int) -> Any:
            with streams._writes:
                iterator = backend.shard_iterators.get(iterator_arn)
                if iterator is not None:
                    trim(iterator.stream_shard, streams.clock.now())
                    check_not_trimmed(iterator.stream_shard, iterator.sequence_number)
                return original_records(backend, iterator_arn, limit)

        p.replace(GET_SHARD_ITERATOR, get_shard_iterator)
        p.replace(GET_RECORDS, get_records)
        return self

    def _guarded(self, original: Any, one_record: bool = False) -> Any:
        """``original`` as one write: under the write lock, stream records delivered at the end.

        ``one_record``: UpdateItem on a missing item makes moto store the bare key first (a stream
        record of its own) and then the updated item; DynamoDB writes one INSERT with the result.
        """
        streams = self

        def write(owner: Any, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(streams._local, "depth", 0)
            streams._local.depth = depth + 1
            try:
                with streams._writes:
                    if not one_record:
                        return original(owner, *args, **kwargs)
                    outer = getattr(streams._local, "update", None)
                    changes: list[tuple[Any, Any, Any]] = []
                    streams._local.update = changes
                    try:
                        out = original(owner, *args, **kwargs)
                    finally:
                        streams._local.update = outer
                    if changes:
                        streams._append(changes[-1][0], changes[0][1], changes[-1][2])
                    return out
            finally:
                streams._local.depth = depth
                if depth == 0:
                    streams.deliver_dirty()

        return write

    def _append(self, shard: Any, old: Any, new: Any) -> None:
        """Append one change to the shard's log with the next sequence number."""
        from moto.dynamodb.models.table import StreamRecord

        table = shard.table
        name = "INSERT" if old is None else ("REMOVE" if new is None else "MODIFY")
        with self._writes:
            trim(shard, self.clock.now())   # a long session keeps one day of records, as AWS does
            seq = shard.starting_sequence_number + len(shard.items)
            record = StreamRecord(table, table.stream_specification["StreamViewType"], name, old, new, seq)
            record.lab_time = self.clock.now()
            shard.items.append(record)
        with self._lock:
            self._dirty.add((table.account_id, table.region_name, table.name))

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for reader in self._readers.values():
                for timer in (reader.retry_timer, reader.window_timer, reader.poll_timer):
                    if timer is not None:
                        timer.cancel()
        self.patcher.undo()

    # -- mappings -----------------------------------------------------------------------------
    def register(self, esm: Any) -> None:
        """Remember where a new mapping starts reading its stream."""
        account, region, table, label = parse_stream_arn(esm.event_source_arn)
        with self._writes:
            shard = self._shard(account, region, table, label)
            start = 0 if shard is None else shard.starting_sequence_number
            if shard is not None and (esm.starting_position or "TRIM_HORIZON") == "LATEST":
                start += len(shard.items)
        with self._lock:
            self._readers[esm.uuid] = _Reader(esm.uuid, esm.account_id, esm.region, table, label, start)

    @staticmethod
    def _shard(account: str, region: str, table: str, label: str) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        try:
            t = dynamodb_backends[account][region].tables.get(table)
        except KeyError:
            return None
        if t is None or t.stream_shard is None or t.latest_stream_label != label:
            return None   # the table or its stream is gone (a stream turned off and on is a new one)
        return t.stream_shard

    def _mapping(self, reader: _Reader) -> Any:
        from moto.awslambda.models import lambda_backends

        esm = lambda_backends[reader.account][reader.region].get_event_source_mapping(reader.uuid)
        if esm is not None:
            reader.live = True
        elif reader.live:   # deleted
            with self._lock:
                self._readers.pop(reader.uuid, None)
                for timer in (reader.retry_timer, reader.window_timer, reader.poll_timer):
                    if timer is not None:
                        timer.cancel()
        return esm

    def _read(self, reader: _Reader, limit: int) -> list[Any]:
        with self._writes:   # never a half-done transaction's records
            shard = self._shard(reader.account, reader.region, reader.table, reader.label)
            if shard is None:
                return []
            trim(shard, self.clock.now())   # a mapping behind the trim point goes on from the oldest kept
            start = max(0, reader.next_seq - shard.starting_sequence_number)
            return shard.items[start:start + limit]

    # -- delivery -----------------------------------------------------------------------------
    def deliver_dirty(self) -> int:
        """Run the reader of every mapping whose stream got records; returns batches handed over."""
        with self._lock:
            if not self._dirty:
                return 0
            dirty, self._dirty = self._dirty, set()
            uuids = [r.uuid for r in self._readers.values() if r.table_key in dirty]
        return sum(self.run(u) for u in uuids)

    def run(self, uuid: str) -> int:
        """Deliver what is due on one mapping; one runner per mapping at a time (others leave it
        their records: it reads again before it stops)."""
        with self._lock:
            if self._stopped or uuid not in self._readers:
                return 0
            if uuid in self._busy:
                self._again.add(uuid)
                return 0
            self._busy.add(uuid)
        delivered = 0
        try:
            while True:
                with self._lock:
                    self._again.discard(uuid)
                    reader = self._readers.get(uuid)
                if reader is not None:
                    delivered += self._pump(reader)
                with self._lock:   # stop and free the mapping in one step: a writer that finds it
                    if uuid not in self._again or self._stopped:   # busy from now on was read
                        self._busy.discard(uuid)
                        self._idle.notify_all()
                        return delivered
        except BaseException as exc:
            with self._lock:
                self._busy.discard(uuid)
                self._again.discard(uuid)
                self._idle.notify_all()
            if not isinstance(exc, Exception):
                raise
            # a delivery problem must not fail the caller's write
            log.exception("DynamoDB stream delivery for mapping %s failed", uuid)
            return delivered

    def _pump(self, reader: _Reader) -> int:
        delivered = 0
        for _ in range(MAX_ROUNDS):
            esm = self._mapping(reader)
            if esm is None or self._stopped or reader.retry_timer is not None:
                break
            if not esm.enabled:
                if self._read(reader, 1):
                    self._poll_later(reader)   # Lambda polls: enabling it later delivers these
                break
            size = int(esm.batch_size or 100)
            records = self._read(reader, reader.limit or size)
            if not records:
                reader.window_due = False
                break
            window = float(esm.max_batch_window or 0)
            if window and len(records) < size and not reader.window_due and reader.limit is None:
                self._open_window(reader, window)
                break
            with self._lock:   # this batch goes now: the next one gets a window of its own
                reader.window_due = False
                if reader.window_timer is not None:
                    reader.window_timer.cancel()
                    reader.window_timer = None
            delivered += 1
            if not self._deliver(esm, reader, records):
                break
        return delivered

    def _poll_later(self, reader: _Reader) -> None:
        with self._lock:
            if self._stopped or reader.poll_timer is not None:
                return

            def poll() -> None:
                with self._lock:
                    reader.poll_timer = None
                self.run(reader.uuid)

            reader.poll_timer = self.clock.call_later(POLL_S, poll)

    def _open_window(self, reader: _Reader, window: float) -> None:
        with self._lock:
            if reader.window_timer is not None or self._stopped:
                return

            def close() -> None:
                with self._lock:
                    reader.window_timer = None
                    reader.window_due = True
                self.run(reader.uuid)

            reader.window_timer = self.clock.call_later(window, close)

    def _deliver(self, esm: Any, reader: _Reader, records: list[Any]) -> bool:
        """Hand one batch over; True if the reader may go on, False if it waits for a retry."""
        stream_arn = esm.event_source_arn
        events = [lambda_record(r, esm.region, stream_arn) for r in records]
        seqs = [e["dynamodb"]["SequenceNumber"] for e in events]
        last = int(seqs[-1])
        batch = StreamBatch(esm.uuid, esm.function_arn, stream_arn, seqs, [e["eventID"] for e in events],
                            self.clock.now(), attempt=reader.attempts + 1)
        filters = [f.get("Pattern") for f in ((esm.filter_criteria or {}).get("Filters") or [])]
        if filters:
            keep = [e for e in events if any(matches(p, e) for p in filters)]
            batch.filtered = [e["dynamodb"]["SequenceNumber"] for e in events if e not in keep]
            events = keep
            batch.sequence_numbers = [e["dynamodb"]["SequenceNumber"] for e in events]
            batch.event_ids = [e["eventID"] for e in events]
            if not events:
                batch.outcome = "filtered"
                self.batches.append(batch)
                self._advance(reader, last + 1)
                return True
        max_age = int(esm.max_record_age if esm.max_record_age not in (None, -1) else RETENTION_S)
        oldest = getattr(records[0], "lab_time", None)
        if oldest is not None and self.clock.now() - oldest > max_age:
            return self._discard(esm, reader, batch, records, last, "RecordAgeExceeded")
        try:
            result = invoke_lambda(esm.function_arn, {"Records": events}, "dynamodb",
                                   account_id=esm.account_id, region=esm.region)
        except Exception as exc:  # noqa: BLE001 - e.g. the function was deleted: the records wait
            batch.outcome, batch.error = "no-function", f"{type(exc).__name__}: {exc}"
            batch.failed = list(batch.sequence_numbers)
            self.batches.append(batch)
            return self._retry_later(reader)
        if result.throttled:
            batch.outcome, batch.error = "throttled", result.throttled
            batch.failed = list(batch.sequence_numbers)
            self.batches.append(batch)
            return self._retry_later(reader)
        failed: list[str] | None = []
        if result.function_error:
            batch.outcome, failed = "error", None
            try:
                body = json.loads(result.payload or b"null")
                batch.error = f"{body.get('errorType')}: {body.get('errorMessage')}"
            except (ValueError, AttributeError):
                batch.error = result.function_error
        elif "ReportBatchItemFailures" in (esm.function_response_types or []):
            why: str | None
            try:
                response = json.loads(result.payload) if result.payload else None
            except ValueError:
                failed, why = None, "the response is not JSON"
            else:
                failed, why = failed_sequence_numbers(response, batch.sequence_numbers)
            if failed is None:
                batch.outcome, batch.error = "invalid-response", why
        if failed == []:
            self.batches.append(batch)
            self._advance(reader, last + 1)
            return True
        if failed is None:   # the whole batch failed
            batch.failed = list(batch.sequence_numbers)
            self.batches.append(batch)
            if esm.bisect_on_error and len(records) > 1:
                # split in two and retry each half at once; a split is not a retry
                reader.limit = max(1, len(records) // 2)
                reader.bisect_end = max(reader.bisect_end or 0, last)
                return True
        else:                # partial: checkpoint before the lowest failed record
            lowest = min(int(s) for s in failed)
            batch.outcome = "partial"
            batch.failed = [s for s in batch.sequence_numbers if int(s) >= lowest]
            self.batches.append(batch)
            if lowest > reader.next_seq:
                self._advance(reader, lowest)
        reader.attempts += 1
        retries = esm.max_retry_attempts
        if retries is not None and int(retries) >= 0 and reader.attempts > int(retries):
            todo = [r for r in records if int(r.record["dynamodb"]["SequenceNumber"]) >= reader.next_seq]
            return self._discard(esm, reader, None, todo, last, "RetryAttemptsExhausted", batch)
        return self._retry_later(reader)

    def _advance(self, reader: _Reader, next_seq: int) -> None:
        reader.next_seq = next_seq
        reader.attempts = reader.waits = 0
        if reader.bisect_end is None or next_seq > reader.bisect_end:
            reader.limit, reader.bisect_end = None, None

    def _retry_later(self, reader: _Reader) -> bool:
        """Back off (1, 2, 4 … 30 lab-clock seconds) before the blocked batch is tried again."""
        delay = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** min(reader.waits, 5))
        reader.waits += 1
        self._later(reader, delay)
        return False

    def _later(self, reader: _Reader, delay: float) -> None:
        """Run the reader again after ``delay`` lab-clock seconds (it reads nothing until then)."""
        with self._lock:
            if self._stopped or reader.retry_timer is not None:
                return

            def retry() -> None:
                with self._lock:
                    reader.retry_timer = None
                self.run(reader.uuid)

            reader.retry_timer = self.clock.call_later(delay, retry)

    def _discard(self, esm: Any, reader: _Reader, batch: StreamBatch | None, records: list[Any],
                 last: int, condition: str, failed_batch: StreamBatch | None = None) -> bool:
        """Give up on ``records`` (move past them) and describe them to the on-failure destination."""
        if batch is None:
            seqs = [r.record["dynamodb"]["SequenceNumber"] for r in records]
            batch = StreamBatch(esm.uuid, esm.function_arn, esm.event_source_arn, seqs,
                                [r.record["eventID"] for r in records], self.clock.now(),
                                attempt=reader.attempts)
        batch.outcome, batch.condition = "discarded", condition
        if failed_batch is not None:
            batch.error = failed_batch.error
        self.batches.append(batch)
        attempts = reader.attempts
        self._advance(reader, last + 1)
        if records:
            self._on_failure(esm, records, condition, attempts, batch)
        return True

    def _on_failure(self, esm: Any, records: list[Any], condition: str, attempts: int,
                    batch: StreamBatch) -> None:
        target = ((esm.destination_config or {}).get("OnFailure") or {}).get("Destination")
        if not target:
            return
        first, final = records[0].record, records[-1].record

        def iso(record: dict[str, Any]) -> str:
            when = record["dynamodb"].get("ApproximateCreationDateTime")
            if isinstance(when, datetime):
                return when.strftime("%Y-%m-%dT%H:%M:%SZ")
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

        document = {
            "requestContext": {"requestId": str(uuidlib.uuid4()), "functionArn": esm.function_arn,
                               "condition": condition, "approximateInvokeCount": max(1, attempts)},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST",
                                "functionError": "Unhandled" if batch.error else None},
            "version": "1.0",
            "timestamp": datetime.fromtimestamp(self.clock.now(), timezone.utc)
                                 .strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": getattr(self._shard(esm.account_id, esm.region, *parse_stream_arn(
                    esm.event_source_arn)[2:]), "id", None),
                "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
                "endSequenceNumber": final["dynamodb"]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": iso(first),
                "approximateArrivalOfLastRecord": iso(final),
                "batchSize": len(records),
                "streamArn": esm.event_source_arn,
            },
        }
        body = json.dumps(document)
        parts = target.split(":")
        try:
            if parts[2] == "sqs":
                from moto.sqs.models import sqs_backends

                sqs_backends[parts[4]][parts[3]].send_message(parts[5], body)
            elif parts[2] == "sns":
                from moto.sns.models import sns_backends

                sns_backends[parts[4]][parts[3]].publish(body, arn=target)
            else:
                log.warning("on-failure destination %s is not an SQS queue or SNS topic", target)
        except Exception:  # noqa: BLE001 - a missing destination loses the description, as on AWS
            log.warning("could not send the discarded batch's description to %s", target, exc_info=True)

    # -- public -------------------------------------------------------------------------------
    def drain(self, timeout: float = 30.0) -> int:
        """Run every delivery due now (lab-clock timers included) and wait for running ones."""
        self.clock.fire_due()
        with self._lock:
            uuids = list(self._readers)
        delivered = sum(self.run(u) for u in uuids)
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._busy and time.monotonic() < deadline:
                self._idle.wait(0.05)
        return delivered

    def position(self, uuid: str) -> str | None:
        """The sequence number a mapping reads next (None for an unknown mapping)."""
        with self._lock:
            reader = self._readers.get(uuid)
            return None if reader is None else str(reader.next_seq)

    def batches_for(self, function: str | None = None, table: str | None = None) -> list[StreamBatch]:
        """Recorded batches, optionally for one function (name or ARN) or source table name."""
        out = list(self.batches)
        if function:
            out = [b for b in out if b.function_arn == function or b.function_arn.split(":")[6] == function]
        if table:
            out = [b for b in out if parse_stream_arn(b.stream_arn)[2] == table]
        return out
