"""The SQS event source mapping (serverless_lab.integrations.sqs.mappings) with AWS's semantics.

Most tests run real handlers through the local runtime (module-scoped world, one function per
test); the validation tests need no handler at all.
"""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create, runtime_available
from serverless_lab.integrations.sqs.mappings import failed_ids

REGION = "us-east-1"

pytestmark = pytest.mark.skipif(not runtime_available(), reason="needs the local Lambda runtime")

# Records every batch in a DynamoDB-free way: the handler's return value is its report, and the
# mapping keeps it (SqsBatch.response). Bodies "fail" fail the batch item; "boom" raises.
PARTIAL = """
def handler(event, context):
    failures = []
    for record in event["Records"]:
        if record["body"].startswith("fail"):
            failures.append({"itemIdentifier": record["messageId"]})
        if record["body"] == "boom":
            raise RuntimeError("whole batch")
    return {"batchItemFailures": failures, "seen": [r["body"] for r in event["Records"]],
            "counts": [r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]]}
"""


@pytest.fixture(scope="module")
def session():
    from serverless_lab import mock_aws

    with mock_aws() as s:
        yield s


@pytest.fixture
def clients(session):
    return (boto3.client("sqs", region_name=REGION), boto3.client("lambda", region_name=REGION),
            session.extension("integrations"))


def make_queue(sqs, name, *, visibility=30, dlq_after=None, fifo=False):
    attrs = {"VisibilityTimeout": str(visibility)}
    dlq_arn = None
    if fifo:
        attrs["FifoQueue"] = "true"
        attrs["ContentBasedDeduplication"] = "true"
    if dlq_after:
        dlq = sqs.create_queue(QueueName=name + "-dlq" + (".fifo" if fifo else ""),
                               Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attrs["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": dlq_after})
    url = sqs.create_queue(QueueName=name + (".fifo" if fifo else ""), Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def count(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]), int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_ten_messages_are_one_batch_and_are_deleted(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(10)])
    batches = integ.sqs.batches_for(function=fn)
    assert [b.size for b in batches] == [10]
    assert batches[0].outcome == "ok"
    assert sorted(batches[0].response["seen"]) == sorted(f"m{i}" for i in range(10))
    assert count(sqs, url) == (0, 0)


def test_messages_queued_before_the_mapping_are_delivered(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"early{i}")
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=5)
    batches = integ.sqs.batches_for(function=fn)
    assert sum(b.size for b in batches) == 3 and len(batches) == 1
    assert count(sqs, url) == (0, 0)


def test_partial_batch_returns_only_failed_messages_then_dlq(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), visibility=30, dlq_after=2)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "ok-1"},
                                                  {"Id": "b", "MessageBody": "fail-1"},
                                                  {"Id": "c", "MessageBody": "ok-2"}])
    first = integ.sqs.batches_for(function=fn)[-1]
    assert first.outcome == "partial" and len(first.failed) == 1
    assert count(sqs, url) == (0, 1)          # only the failed one is left, in flight
    session.clock.advance(29)
    assert len(integ.sqs.batches_for(function=fn)) == 1   # still invisible
    session.clock.advance(2)                   # visibility timeout over: received again
    again = integ.sqs.batches_for(function=fn)
    assert len(again) == 2 and again[-1].response["seen"] == ["fail-1"]
    assert again[-1].response["counts"] == ["2"]
    session.clock.advance(31)                  # received twice = maxReceiveCount: to the DLQ
    dlq = sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1] + "-dlq")["QueueUrl"]
    assert count(sqs, url) == (0, 0)
    msgs = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in msgs] == ["fail-1"]


def test_without_report_batch_item_failures_an_error_returns_the_whole_batch(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), visibility=10)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "ok"},
                                                  {"Id": "b", "MessageBody": "boom"}])
    batch = integ.sqs.batches_for(function=fn)[-1]
    assert batch.outcome == "error" and "whole batch" in batch.error
    assert count(sqs, url) == (0, 2)


def test_advance_replays_each_retry_at_its_own_time(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), visibility=10, dlq_after=4)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="boom")
    session.clock.advance(100)                 # 3 more receives at +10, +20, +30, then DLQ
    assert len(integ.sqs.batches_for(function=fn)) == 4
    assert count(sqs, url) == (0, 0)


def test_batching_window_on_the_lab_clock(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=50,
                                    MaximumBatchingWindowInSeconds=20)
    for i in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=f"w{i}")
    assert integ.sqs.batches_for(function=fn) == []
    session.clock.advance(21)
    assert [b.size for b in integ.sqs.batches_for(function=fn)] == [7]


def test_filter_criteria_delete_what_does_not_match(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": json.dumps({"kind": "order"})},
        {"Id": "b", "MessageBody": json.dumps({"kind": "spam"})}])
    batch = integ.sqs.batches_for(function=fn)[-1]
    assert batch.size == 1 and len(batch.filtered) == 1
    assert count(sqs, url) == (0, 0)


def test_maximum_concurrency_caps_parallel_batches(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    slow = "import time\ndef handler(event, context):\n    time.sleep(0.05)\n"
    name = unique("fn")
    fn = create(lam, name, slow)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=1,
                                    ScalingConfig={"MaximumConcurrency": 2}, Enabled=False)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(6)])
    uuid = lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"][0]["UUID"]
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert len(integ.sqs.batches_for(function=fn)) == 6
    envs = {e["id"] for e in session.extension("lambda").environments() if e["function"] == name}
    assert 1 <= len(envs) <= 2


def test_fifo_keeps_group_order(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), fifo=True)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"g{i}", "MessageGroupId": "one"} for i in range(4)])
    seen = [s for b in integ.sqs.batches_for(function=fn) for s in b.response["seen"]]
    assert seen == ["g0", "g1", "g2", "g3"]


@pytest.mark.parametrize("kwargs,fragment", [
    ({"BatchSize": 100}, "greater than 0 if maximum batch size is greater than 10"),
    ({"ScalingConfig": {"MaximumConcurrency": 5000}}, "MaximumConcurrency"),
    ({"FunctionResponseTypes": ["ReportBatchItemFailures", "Nope"]}, "FunctionResponseTypes"),
    ({"FilterCriteria": {"Filters": [{"Pattern": "{not json"}]}}, "filter pattern"),
])
def test_invalid_settings_get_aws_errors(clients, unique, kwargs, fragment):
    sqs, lam, _ = clients
    _, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    with pytest.raises(ClientError) as err:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, **kwargs)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert fragment in err.value.response["Error"]["Message"]


@pytest.mark.parametrize("response,expected", [
    (None, []), ({}, []), ({"batchItemFailures": []}, []), ({"batchItemFailures": None}, []),
    ({"batchItemFailures": [{"itemIdentifier": "b"}]}, ["b"]),
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
    ({"batchItemFailures": [{"id": "b"}]}, None),
    ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, None),
])
def test_partial_batch_response_rules(response, expected):
    assert failed_ids(response, ["a", "b"])[0] == expected


def test_zero_visibility_timeout_retries_on_the_clock_not_in_a_spin(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), visibility=3, dlq_after=3)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=1)
    # CreateEventSourceMapping refuses a visibility timeout below the function's timeout (3 s);
    # the check is made when the mapping is created; lower it afterwards to reach 0
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=url, MessageBody="boom")
    assert len(integ.sqs.batches_for(function=fn)) == 1
    session.clock.advance(10)
    assert len(integ.sqs.batches_for(function=fn)) == 3      # then the DLQ
    assert count(sqs, url) == (0, 0)


def test_a_full_batch_does_not_wait_for_the_window(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=5,
                                    MaximumBatchingWindowInSeconds=60)
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"} for i in range(7)])
    assert [b.size for b in integ.sqs.batches_for(function=fn)] == [5]     # 2 wait for the window
    assert count(sqs, url) == (2, 0)


def test_disabled_or_deleted_mappings_deliver_nothing(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"))
    fn = create(lam, unique("fn"), PARTIAL)
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, Enabled=False)["UUID"]
    sqs.send_message(QueueUrl=url, MessageBody="wait")
    assert integ.sqs.batches_for(function=fn) == [] and count(sqs, url) == (1, 0)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert [b.size for b in integ.sqs.batches_for(function=fn)] == [1]
    lam.delete_event_source_mapping(UUID=uuid)
    sqs.send_message(QueueUrl=url, MessageBody="nobody listens")
    assert integ.drain() == 0 and count(sqs, url) == (1, 0)


def test_messages_past_retention_are_dropped_not_blocking(clients, session, unique):
    sqs, _, _ = clients
    url = sqs.create_queue(QueueName=unique("q"), Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    session.clock.advance(61)
    sqs.send_message(QueueUrl=url, MessageBody="new")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["new"]


def test_fifo_group_longer_than_a_batch_is_delivered_in_order(clients, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), fifo=True)
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10, Enabled=False)
    for chunk in range(3):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": f"g{chunk * 10 + i:02d}", "MessageGroupId": "one"} for i in range(10)])
    uuid = lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"][0]["UUID"]
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    seen = [s for b in integ.sqs.batches_for(function=fn) for s in b.response["seen"]]
    assert seen == [f"g{i:02d}" for i in range(30)]
    assert count(sqs, url) == (0, 0)


def test_start_message_move_task_redrives_the_dlq_in_batches(clients, session, unique):
    sqs, lam, integ = clients
    url, arn = make_queue(sqs, unique("q"), visibility=10, dlq_after=1)
    dlq = sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1] + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for i in range(12):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"dead-{i}",
                         MessageAttributes={"n": {"DataType": "Number", "StringValue": str(i)}})
    fn = create(lam, unique("fn"), PARTIAL)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    assert count(sqs, dlq) == (0, 0) and count(sqs, url) == (0, 0)
    assert sorted(b.size for b in integ.sqs.batches_for(function=fn)) == [2, 10]
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["TaskHandle"] == handle and task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 12
    with pytest.raises(ClientError) as err:
        sqs.start_message_move_task(SourceArn=arn)      # not a dead-letter queue
    assert err.value.response["Error"]["Code"] == "InvalidParameterValue"
