"""DynamoDB Streams keeps records 24 hours (lab clock), then trims them (issue 19).

AWS: "In DynamoDB Streams, there is a 24 hour limit on data retention. Stream records whose age
exceeds this limit are subject to removal (trimming) from the stream. You might receive a
TrimmedDataAccessException if you request a shard iterator with a sequence number older than the
trim point (24 hours), or [if] you obtain a shard iterator, but before you use the iterator in a
GetRecords request, a stream record in the shard exceeds the 24 hour period and is trimmed."
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetRecords.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_GetShardIterator.html
(TRIM_HORIZON: "Start reading at the last (untrimmed) stream record, which is the oldest record in
the shard.")
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from moto.awslambda.models import LambdaFunction

from serverless_lab.packaging import lambda_role, zip_code

REGION = "us-east-1"
HOUR = 3600


@pytest.fixture
def clients(aws):
    return (boto3.client("dynamodb", region_name=REGION),
            boto3.client("dynamodbstreams", region_name=REGION))


def _table(ddb, name: str) -> tuple[str, str]:
    out = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST",
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    return out["TableDescription"]["LatestStreamArn"], name


def _put(ddb, table: str, key: str) -> None:
    ddb.put_item(TableName=table, Item={"pk": {"S": key}})


def _shard(streams, arn: str) -> str:
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


def _keys(streams, arn: str, iterator_type: str = "TRIM_HORIZON", **kw) -> list[str]:
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn),
                                    ShardIteratorType=iterator_type, **kw)["ShardIterator"]
    return [r["dynamodb"]["Keys"]["pk"]["S"] for r in streams.get_records(ShardIterator=it)["Records"]]


def test_records_older_than_24_hours_are_trimmed(aws, clients, unique):
    ddb, streams = clients
    arn, table = _table(ddb, unique("orders"))
    _put(ddb, table, "old")
    aws.clock.advance(23 * HOUR)
    _put(ddb, table, "young")
    assert _keys(streams, arn) == ["old", "young"]   # 23 hours: everything still kept
    aws.clock.advance(2 * HOUR)
    assert _keys(streams, arn) == ["young"]           # "old" is 25 hours old: trimmed
    _put(ddb, table, "new")
    assert _keys(streams, arn) == ["young", "new"]
    aws.clock.advance(25 * HOUR)
    _put(ddb, table, "last")
    assert _keys(streams, arn) == ["last"]            # a long session keeps one day at most


def test_an_iterator_behind_the_trim_point_is_refused(aws, clients, unique):
    ddb, streams = clients
    arn, table = _table(ddb, unique("orders"))
    _put(ddb, table, "old")
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn),
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    [record] = streams.get_records(ShardIterator=it)["Records"]
    seq = record["dynamodb"]["SequenceNumber"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn),
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    aws.clock.advance(25 * HOUR)
    _put(ddb, table, "young")
    # an iterator handed out before its records were trimmed
    with pytest.raises(streams.exceptions.TrimmedDataAccessException) as err:
        streams.get_records(ShardIterator=it)
    assert err.value.response["Error"]["Code"] == "TrimmedDataAccessException"
    # a sequence number older than the trim point
    for kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        with pytest.raises(streams.exceptions.TrimmedDataAccessException):
            streams.get_shard_iterator(StreamArn=arn, ShardId=_shard(streams, arn),
                                       ShardIteratorType=kind, SequenceNumber=seq)
    assert _keys(streams, arn) == ["young"]
    assert _keys(streams, arn, "LATEST") == []


@pytest.fixture
def received(world, monkeypatch):
    """Records each function got (a stand-in handler: only the mapping's reading is under test)."""
    calls: list = []

    def fake_invoke(self, body, request_headers, response_headers):
        calls.append(json.loads(body))
        return b"{}"

    monkeypatch.setattr(LambdaFunction, "invoke", fake_invoke)
    return SimpleNamespace(calls=calls, session=world)


def test_a_trim_horizon_mapping_starts_at_the_oldest_kept_record(received, unique):
    ddb, lam = boto3.client("dynamodb", region_name=REGION), boto3.client("lambda", region_name=REGION)
    arn, table = _table(ddb, unique("orders"))
    _put(ddb, table, "old")
    received.session.clock.advance(25 * HOUR)
    name = unique("reader")
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role(),
                        Handler="lambda_function.handler",
                        Code={"ZipFile": zip_code("def handler(event, context):\n    return {}\n")})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=name, StartingPosition="TRIM_HORIZON")
    _put(ddb, table, "young")
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for call in received.calls for r in call["Records"]]
    assert keys == ["young"]
