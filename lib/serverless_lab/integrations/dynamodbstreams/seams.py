"""How DynamoDB Streams plugs into moto: the stream as a log each mapping reads from its own
position, one write at a time, and stream settings validated as AWS does (``mappings``); records
trimmed after 24 hours (``retention``).
"""

from __future__ import annotations

from ...cloud.patching import seam

_EXT = "integrations"
_DDB = "moto.dynamodb.models:DynamoDBBackend"
_ONE_WRITE = ("moto reads the old item, stores the new one and appends the stream record without a lock: "
              "concurrent writes to one item could leave the stream in another order than the table. "
              "The course applies writes one at a time and delivers stream records when the call ends.")
SHARD_ADD = seam(
    "moto.dynamodb.models.table:StreamShard.add", extension=_EXT,
    why="moto hands every record still in the shard's list to each mapping from the writing thread, then "
        "empties it: concurrent writes deliver a record twice or never and sequence numbers restart. The "
        "course keeps the stream as a log and each mapping reads it from its own position "
        "(serverless_lab.integrations.dynamodbstreams.mappings).")
MAPPING_INIT = seam(
    "moto.awslambda.models:EventSourceMapping.__init__", extension=_EXT,
    why="moto accepts any DynamoDB stream setting and keeps no read position: the course validates them as "
        "AWS does and records where a new mapping starts reading (LATEST or TRIM_HORIZON).")
PUT_ITEM = seam(f"{_DDB}.put_item", extension=_EXT, why=_ONE_WRITE)
UPDATE_ITEM = seam(f"{_DDB}.update_item", extension=_EXT, why=_ONE_WRITE)
DELETE_ITEM = seam(f"{_DDB}.delete_item", extension=_EXT, why=_ONE_WRITE)
TRANSACT_WRITE = seam(f"{_DDB}.transact_write_items", extension=_EXT,
                      why="A transaction is one write: its stream records are delivered after it commits "
                          "(moto rolls a failed one back by restoring copies of the tables).")
EXECUTE_STATEMENT = seam(f"{_DDB}.execute_statement", extension=_EXT,
                         why="PartiQL writes change the table directly: one write at a time, and stream records "
                             "delivered when the statement ends, as for PutItem.")
BATCH_WRITE = seam("moto.dynamodb.responses:DynamoHandler.batch_write_item", extension=_EXT,
                   why="moto's BatchWriteItem writes item by item: deliver once at the end (one batch for "
                       "its records, not one invocation per item).")
UPDATE_TABLE_STREAMS = seam(f"{_DDB}.update_table_streams", extension=_EXT,
                            why="moto refuses to enable a stream again after it was turned off (it keeps the old "
                                "label); DynamoDB then creates a new stream with a new label and ARN")
_STREAMS = "moto.dynamodbstreams.models:DynamoDBStreamsBackend"
_TRIM = ("moto keeps every stream record for ever and fails with an AssertionError on an iterator before "
         "its first record: DynamoDB Streams trims records older than 24 hours and answers "
         "TrimmedDataAccessException (serverless_lab.integrations.dynamodbstreams.retention)")
GET_SHARD_ITERATOR = seam(f"{_STREAMS}.get_shard_iterator", extension=_EXT, why=_TRIM)
GET_RECORDS = seam(f"{_STREAMS}.get_records", extension=_EXT, why=_TRIM)
