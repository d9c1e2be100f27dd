"""TransactWriteItems with a ClientRequestToken is applied once, as DynamoDB applies it.

"Providing a ClientRequestToken makes the call to TransactWriteItems idempotent ... A client request token
is valid for 10 minutes after the first request that uses it is completed ... If you submit a request with
the same client token but a change in other parameters within the 10-minute idempotency window, DynamoDB
returns an IdempotentParameterMismatch exception."
(https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html)
"""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws

REGION = "us-east-1"


@pytest.fixture
def world():
    with mock_aws(region=REGION) as aws:
        ddb = boto3.client("dynamodb", region_name=REGION)
        table = f"tx-{uuid.uuid4().hex[:8]}"
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        ddb.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "0"}})
        yield aws, ddb, table


def _add(table: str, amount: int) -> list[dict]:
    return [{"Update": {"TableName": table, "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}}]


def _count(ddb, table: str) -> int:
    return int(ddb.get_item(TableName=table, Key={"pk": {"S": "counter"}})["Item"]["n"]["N"])


def test_the_same_token_applies_a_transaction_once(world):
    _aws, ddb, table = world
    for _ in range(3):
        ddb.transact_write_items(ClientRequestToken="order-1", TransactItems=_add(table, 5))
    assert _count(ddb, table) == 5
    ddb.transact_write_items(ClientRequestToken="order-2", TransactItems=_add(table, 5))   # another token: applied
    ddb.transact_write_items(TransactItems=_add(table, 1))                                # no token: applied
    ddb.transact_write_items(TransactItems=_add(table, 1))
    assert _count(ddb, table) == 12


def test_the_same_token_with_other_parameters_is_refused(world):
    _aws, ddb, table = world
    ddb.transact_write_items(ClientRequestToken="order-3", TransactItems=_add(table, 5))
    with pytest.raises(ClientError) as err:
        ddb.transact_write_items(ClientRequestToken="order-3", TransactItems=_add(table, 6))
    assert err.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert isinstance(err.value, ddb.exceptions.IdempotentParameterMismatchException)
    assert _count(ddb, table) == 5


def test_the_token_expires_after_ten_minutes_on_the_lab_clock(world):
    aws, ddb, table = world
    ddb.transact_write_items(ClientRequestToken="order-4", TransactItems=_add(table, 5))
    aws.clock.advance(599)
    ddb.transact_write_items(ClientRequestToken="order-4", TransactItems=_add(table, 5))
    assert _count(ddb, table) == 5
    aws.clock.advance(2)
    ddb.transact_write_items(ClientRequestToken="order-4", TransactItems=_add(table, 5))   # a new request now
    assert _count(ddb, table) == 10


def test_a_cancelled_transaction_does_not_keep_its_token(world):
    _aws, ddb, table = world
    guarded = [{"Update": {**_add(table, 5)[0]["Update"], "ConditionExpression": "n >= :min",
                           "ExpressionAttributeValues": {":a": {"N": "5"}, ":min": {"N": "1"}}}}]
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(ClientRequestToken="order-5", TransactItems=guarded)
    ddb.put_item(TableName=table, Item={"pk": {"S": "counter"}, "n": {"N": "1"}})
    ddb.transact_write_items(ClientRequestToken="order-5", TransactItems=guarded)   # the retry is evaluated
    assert _count(ddb, table) == 6
