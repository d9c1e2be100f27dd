"""Hosts botocore uses that moto's routes lack (lib/serverless_lab/cloud/hosts.py)."""

from __future__ import annotations

from serverless_lab import mock_aws


def _table_with_stream(aws, name: str) -> str:
    d = aws.client("dynamodb")
    t = d.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                       AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                       BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return t["TableDescription"]["LatestStreamArn"]


def test_dynamodb_streams_answer_on_botocores_account_endpoint():
    with mock_aws() as aws:
        arn = _table_with_stream(aws, "orders")
        d = aws.client("dynamodb")
        d.put_item(TableName="orders", Item={"pk": {"S": "o1"}, "n": {"N": "1"}})
        d.put_item(TableName="orders", Item={"pk": {"S": "o1"}, "n": {"N": "2"}})
        streams = aws.client("dynamodbstreams")
        assert ".streams-ddb." in streams.meta.endpoint_url or "streams.dynamodb" in streams.meta.endpoint_url
        description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        assert description["TableName"] == "orders" and description["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=description["Shards"][0]["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
        assert records[1]["dynamodb"]["OldImage"]["n"] == {"N": "1"}
        assert [s["StreamArn"] for s in streams.list_streams(TableName="orders")["Streams"]] == [arn]


def test_the_hosts_are_gone_with_the_session():
    import moto.backend_index as index

    before = list(index.backend_url_patterns)
    with mock_aws() as aws:
        aws.client("dynamodbstreams").list_streams()
        assert len(index.backend_url_patterns) == len(before) + 2
    assert index.backend_url_patterns == before
