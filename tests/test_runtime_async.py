"""Asynchronous invocation: 202, retries on the lab clock, destinations, dead-letter queue."""

from __future__ import annotations

import json

import boto3

from lambda_helpers import create


def queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(sqs, url: str) -> list[dict]:
    """Receive and delete (SQS runs on the lab clock: an undeleted message comes back when a test
    advances the clock past its visibility timeout)."""
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                               MessageAttributeNames=["All"]).get("Messages", [])
    for m in msgs:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return msgs


FAILING = """
    def handler(event, context):
        raise RuntimeError("downstream unavailable: " + str(event["order"]))
"""


def test_async_failure_is_retried_then_sent_to_destination_and_dlq(aws, unique):
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    failures_url, failures_arn = queue(sqs, unique("failures"))
    dlq_url, dlq_arn = queue(sqs, unique("dlq"))
    name = unique("async-fail")
    create(lam, name, FAILING, DeadLetterConfig={"TargetArn": dlq_arn})
    assert lam.get_function_configuration(FunctionName=name)["DeadLetterConfig"]["TargetArn"] == dlq_arn
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=2,
                                         DestinationConfig={"OnFailure": {"Destination": failures_arn}})
    rt = aws.extension("lambda")
    resp = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"order": 7}).encode())
    assert resp["StatusCode"] == 202 and resp["Payload"].read() == b""
    assert rt.wait_idle(20)
    assert len(rt.trace.filter(function_name=name)) == 1          # first attempt only, so far
    assert drain(sqs, failures_url) == []
    aws.clock.advance(61)                                          # ~1 minute later: retry 1
    assert rt.wait_idle(20)
    aws.clock.advance(121)                                         # ~2 minutes later: retry 2
    assert rt.wait_idle(20)
    recs = rt.trace.filter(function_name=name).records()
    assert [r.attempt for r in recs] == [1, 2, 3]
    assert len({r.request_id for r in recs}) == 1 and all(r.invocation_type == "Event" for r in recs)
    [msg] = drain(sqs, failures_url)
    record = json.loads(msg["Body"])
    assert record["version"] == "1.0"
    ctx = record["requestContext"]
    assert ctx["condition"] == "RetriesExhausted" and ctx["approximateInvokeCount"] == 3
    assert ctx["requestId"] == recs[0].request_id and ctx["functionArn"].endswith(f":{name}:$LATEST")
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    [dead] = drain(sqs, dlq_url)
    assert json.loads(dead["Body"]) == {"order": 7}
    attrs = dead["MessageAttributes"]
    assert attrs["RequestID"]["StringValue"] == recs[0].request_id
    assert attrs["ErrorMessage"]["StringValue"] == "downstream unavailable: 7"


def test_async_success_destination_and_no_retries(aws, unique):
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    ok_url, ok_arn = queue(sqs, unique("ok"))
    name = unique("async-ok")
    create(lam, name, "def handler(event, context):\n    return {'doubled': event['x'] * 2}\n")
    lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"x": 21}')
    rt = aws.extension("lambda")
    assert rt.wait_idle(20)
    [msg] = drain(sqs, ok_url)
    record = json.loads(msg["Body"])
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == {"doubled": 42}
    assert "functionError" not in record["responseContext"]


def test_zero_retries_and_event_age(aws, unique):
    lam, sqs = boto3.client("lambda"), boto3.client("sqs")
    fail_url, fail_arn = queue(sqs, unique("f0"))
    name = unique("noretry")
    create(lam, name, FAILING)
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"order": 1}')
    rt = aws.extension("lambda")
    assert rt.wait_idle(20)
    [msg] = drain(sqs, fail_url)
    assert json.loads(msg["Body"])["requestContext"]["approximateInvokeCount"] == 1

    aged = unique("aged")
    create(lam, aged, FAILING)
    lam.put_function_event_invoke_config(FunctionName=aged, MaximumEventAgeInSeconds=60,
                                         DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    lam.invoke(FunctionName=aged, InvocationType="Event", Payload=b'{"order": 2}')
    assert rt.wait_idle(20)
    aws.clock.advance(61)        # the retry is due, but the event is now older than 60 s
    assert rt.wait_idle(20)
    [msg] = drain(sqs, fail_url)
    assert json.loads(msg["Body"])["requestContext"]["condition"] == "EventAgeExceeded"
    assert len(rt.trace.filter(function_name=aged)) == 1


def test_throttled_async_event_waits_and_runs_later(aws, unique):
    lam = boto3.client("lambda")
    name = unique("held")
    create(lam, name, "def handler(event, context):\n    return 1\n")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
    rt = aws.extension("lambda")
    assert rt.wait_idle(20)
    assert [r.outcome for r in rt.trace.filter(function_name=name)] == ["throttled"]
    lam.delete_function_concurrency(FunctionName=name)
    aws.clock.advance(5)
    assert rt.wait_idle(20)
    assert [r.outcome for r in rt.trace.filter(function_name=name)] == ["throttled", "success"]


def test_on_success_destination_can_be_another_function(aws, unique):
    lam = boto3.client("lambda")
    first, second = unique("first"), unique("second")
    create(lam, second, "def handler(event, context):\n    print('got', event['responsePayload'])\n    return 1\n")
    second_arn = lam.get_function(FunctionName=second)["Configuration"]["FunctionArn"]
    create(lam, first, "def handler(event, context):\n    return {'step': 1}\n")
    lam.put_function_event_invoke_config(FunctionName=first,
                                         DestinationConfig={"OnSuccess": {"Destination": second_arn}})
    lam.invoke(FunctionName=first, InvocationType="Event", Payload=b"{}")
    rt = aws.extension("lambda")
    assert rt.wait_idle(20)
    [rec] = rt.trace.filter(function_name=second).records()
    assert rec.outcome == "success" and rec.invocation_type == "Event"
    logs = boto3.client("logs")
    streams = logs.describe_log_streams(logGroupName=f"/aws/lambda/{second}")["logStreams"]
    events = logs.get_log_events(logGroupName=f"/aws/lambda/{second}", logStreamName=streams[0]["logStreamName"])
    assert "got {'step': 1}" in [e["message"] for e in events["events"]]
