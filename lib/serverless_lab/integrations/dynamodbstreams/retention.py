"""DynamoDB Streams keeps a stream record 24 hours, then trims it.

AWS: "In DynamoDB Streams, there is a 24 hour limit on data retention. Stream records whose age
exceeds this limit are subject to removal (trimming) from the stream." A reader that reaches
behind that point gets ``TrimmedDataAccessException``: GetShardIterator with a sequence number
older than the trim point, or GetRecords with an iterator whose records were trimmed after it was
handed out; a ``TRIM_HORIZON`` iterator starts at the oldest record still kept
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html).

Here the age is measured on the lab clock (``record.lab_time``, set when the course appends a
record) and a shard is trimmed whenever it is written or read, so a long session keeps one day
of records per stream at most. Trimming drops records from the front of moto's list and moves
the shard's ``starting_sequence_number`` past them: sequence numbers of kept records do not change
and every reader (moto's iterators, the course's mappings) indexes from that number.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError

RETENTION_S = 24 * 3600        # DynamoDB Streams keeps records 24 hours


class TrimmedDataAccessException(JsonRESTError):
    """The read reaches records DynamoDB Streams has already trimmed (older than 24 hours)."""

    code = 400

    def __init__(self, sequence_number: int, oldest: int) -> None:
        super().__init__(
            "TrimmedDataAccessException",
            f"The data you are trying to access has been trimmed: sequence number {sequence_number} "
            f"is older than the oldest record kept ({oldest}); stream records are kept 24 hours. "
            "Ask for a new iterator with ShardIteratorType='TRIM_HORIZON' (the oldest kept record) or "
            "'LATEST'.")


def trim(shard: Any, now: float) -> int:
    """Drop the records older than 24 hours (lab clock) from the front of ``shard``; return how many.
    The caller holds the lock that guards the shard's list."""
    horizon = now - RETENTION_S
    items = shard.items
    n = 0
    while n < len(items) and getattr(items[n], "lab_time", now) < horizon:
        n += 1
    if n:
        del items[:n]
        shard.starting_sequence_number += n
    return n


def check_not_trimmed(shard: Any, sequence_number: int | None) -> None:
    """Refuse a read that starts before the oldest kept record."""
    if sequence_number is not None and int(sequence_number) < shard.starting_sequence_number:
        raise TrimmedDataAccessException(int(sequence_number), shard.starting_sequence_number)
