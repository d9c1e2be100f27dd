"""CreateEventSourceMapping refuses what Lambda refuses (issue 19), with AWS's messages.

No handler runs: the mappings are refused, or accepted and deleted at once.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create

REGION = "us-east-1"


@pytest.fixture
def clients(aws):
    return (boto3.client("sqs", region_name=REGION), boto3.client("lambda", region_name=REGION),
            boto3.client("dynamodb", region_name=REGION), boto3.client("kinesis", region_name=REGION))


def _queue_arn(sqs, name: str, visibility: int) -> str:
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def test_queue_visibility_timeout_below_function_timeout_is_refused(clients, unique):
    """https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html: the queue's
    visibility timeout must be at least the function's timeout. AWS answers
    InvalidParameterValueException "Queue visibility timeout: 30 seconds is less than Function
    timeout: 60 seconds"."""
    sqs, lam, _, _ = clients
    fn = create(lam, unique("slow"), "def handler(e, c):\n    return 1\n", Timeout=60)
    short = _queue_arn(sqs, unique("short"), 30)
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=short, FunctionName=fn)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert err.value.response["Error"]["Message"] == \
        "Queue visibility timeout: 30 seconds is less than Function timeout: 60 seconds"
    assert lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"] == []
    equal = _queue_arn(sqs, unique("equal"), 60)   # equal is enough
    uuid = lam.create_event_source_mapping(EventSourceArn=equal, FunctionName=fn)["UUID"]
    lam.delete_event_source_mapping(UUID=uuid)


def test_stream_mappings_require_a_starting_position(clients, unique):
    """https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html:
    StartingPosition is required for Kinesis and DynamoDB Streams sources; AWS answers
    InvalidParameterValueException "1 validation error detected: Value null at
    'startingPosition' failed to satisfy constraint: Member must not be null."."""
    _, lam, ddb, kinesis = clients
    fn = create(lam, unique("reader"), "def handler(e, c):\n    return 1\n")
    table = unique("t")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    ddb_stream = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    stream = unique("k")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    kinesis_arn = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["StreamARN"]
    for arn in (ddb_stream, kinesis_arn):
        with pytest.raises(ClientError) as err:
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
        assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert "Value null at 'startingPosition'" in err.value.response["Error"]["Message"]
    uuid = lam.create_event_source_mapping(EventSourceArn=ddb_stream, FunctionName=fn,
                                           StartingPosition="LATEST")["UUID"]
    lam.delete_event_source_mapping(UUID=uuid)
