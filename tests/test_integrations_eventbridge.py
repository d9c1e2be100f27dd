"""EventBridge → Lambda: patterns, target input, schedules on the lab clock.

As in the API Gateway tests, a Python callable stands in for the handler (patched
``LambdaFunction.invoke``) so delivery, matching and timing are checked on their own; the
last tests run real handler code through the local runtime.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.awslambda.models import LambdaFunction

from lambda_helpers import runtime_available
from serverless_lab.integrations import matches, parse_schedule, target_input
from serverless_lab.integrations.eventbridge.schedule_expressions import ScheduleExpressionError
from serverless_lab.packaging import lambda_role, zip_code

REGION = "us-east-1"






@pytest.fixture
def received(world, monkeypatch):
    """Events each function received: ``received.calls`` (function, event, headers)."""
    calls: list = []

    def fake_invoke(self, body, request_headers, response_headers):
        calls.append(SimpleNamespace(function=self.function_name, event=json.loads(body),
                                     headers=dict(request_headers)))
        return b""

    monkeypatch.setattr(LambdaFunction, "invoke", fake_invoke)
    return SimpleNamespace(calls=calls)


def create_function(name: str, code: str = "def handler(event, context):\n    return event\n"
                    ) -> str:
    lam = boto3.client("lambda", region_name=REGION)
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role(),
                               Handler="lambda_function.handler",
                               Code={"ZipFile": zip_code(code)})["FunctionArn"]


def put(events_client, source="com.example.orders", detail_type="Order Placed", detail=None,
        **extra):
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail or {}),
             **extra}
    out = events_client.put_events(Entries=[entry])
    assert out["FailedEntryCount"] == 0
    return out["Entries"][0]["EventId"]


# -- pattern matching (moto's matcher, the documented syntax) ----------------------------------
EVENT = {"version": "0", "id": "1", "detail-type": "Order Placed", "source": "com.example.orders",
         "account": "123456789012", "time": "2026-11-22T10:00:00Z", "region": REGION,
         "resources": [], "detail": {"amount": 120, "state": "NEW", "customer": {"tier": "gold"},
                                     "tags": ["a", "b"], "ip": "10.0.0.7"}}


@pytest.mark.parametrize("pattern,expected", [
    ({"source": ["com.example.orders"]}, True),
    ({"source": ["com.example.other"]}, False),
    ({"detail": {"state": [{"prefix": "NE"}]}}, True),
    ({"detail": {"state": [{"anything-but": ["NEW", "OLD"]}]}}, False),
    ({"detail": {"state": [{"anything-but": "CANCELLED"}]}}, True),
    ({"detail": {"amount": [{"numeric": [">", 100, "<=", 200]}]}}, True),
    ({"detail": {"amount": [{"numeric": ["<", 100]}]}}, False),
    ({"detail": {"coupon": [{"exists": False}]}}, True),
    ({"detail": {"customer": {"tier": [{"exists": True}]}}}, True),
    ({"detail": {"tags": ["b"]}}, True),                   # arrays match if any element does
    ({"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"state": [{"equals-ignore-case": "new"}]}}, True),
    ({"detail": {"state": [{"suffix": "EW"}]}}, True),
    ({"detail-type": ["Order Placed"], "detail": {"customer": {"tier": ["silver"]}}}, False),
    ({"$or": [{"detail": {"state": ["OLD"]}}, {"detail": {"amount": [120]}}]}, True),
])
def test_pattern_syntax(pattern, expected):
    assert matches(pattern, EVENT) is expected


# -- target input ------------------------------------------------------------------------------
def test_input_input_path_and_transformer():
    common = dict(rule_arn="arn:aws:events:us-east-1:123456789012:rule/r", rule_name="r",
                  ingestion_time="2026-11-22T10:00:01Z")
    assert target_input({"Input": '{"fixed": 1}'}, EVENT, **common) == '{"fixed": 1}'
    assert json.loads(target_input({"InputPath": "$.detail.customer"}, EVENT, **common)) == \
        {"tier": "gold"}
    transformer = {"InputPathsMap": {"state": "$.detail.state", "amount": "$.detail.amount",
                                     "tags": "$.detail.tags", "nothing": "$.detail.missing"},
                   "InputTemplate": '{"state": <state>, "line": "order is <state> for <amount>",'
                                    ' "tags": <tags>, "n": <amount>, "missing": <nothing>,'
                                    ' "rule": "<aws.events.rule-name>"}'}
    out = json.loads(target_input({"InputTransformer": transformer}, EVENT, **common))
    assert out == {"state": "NEW", "line": "order is NEW for 120", "tags": ["a", "b"], "n": 120,
                   "missing": None, "rule": "r"}
    as_text = {"InputPathsMap": {"state": "$.detail.state"},
               "InputTemplate": '"the order is <state>"'}
    assert json.loads(target_input({"InputTransformer": as_text}, EVENT, **common)) == \
        "the order is NEW"
    whole = {"InputPathsMap": {}, "InputTemplate": '{"original": <aws.events.event.json>}'}
    assert json.loads(target_input({"InputTransformer": whole}, EVENT, **common)) == \
        {"original": EVENT}
    assert json.loads(target_input({}, EVENT, **common)) == EVENT


# -- delivery through put_events ---------------------------------------------------------------
def test_put_events_reaches_lambda_async_in_aws_shape(received, unique):
    name = unique("orders")
    fn = create_function(name)
    events = boto3.client("events", region_name=REGION)
    rule = unique("big-orders")
    events.put_rule(Name=rule, EventPattern=json.dumps(
        {"source": ["com.example.orders"], "detail": {"amount": [{"numeric": [">=", 100]}]}}))
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
    event_id = put(events, detail={"amount": 150, "item": "book"},
                   Resources=["arn:aws:s3:::bucket"])
    put(events, detail={"amount": 5})             # does not match
    put(events, source="com.example.other", detail={"amount": 500})  # does not match
    assert len(received.calls) == 1
    call = received.calls[0]
    assert call.function == name
    assert call.headers["x-amz-invocation-type"] == "Event"
    assert call.headers["x-serverless-lab-trigger"] == "events"
    event = call.event
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time", "region",
                           "resources", "detail"]
    assert event["id"] == event_id and event["version"] == "0"
    assert event["detail-type"] == "Order Placed" and event["source"] == "com.example.orders"
    assert event["account"] == "123456789012" and event["region"] == REGION
    assert event["resources"] == ["arn:aws:s3:::bucket"]
    assert event["detail"] == {"amount": 150, "item": "book"}
    datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_targets_get_their_own_input_and_sqs_still_works(received, world, unique):
    fn = create_function(unique("shaped"))
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]
                                         )["Attributes"]["QueueArn"]
    events = boto3.client("events", region_name=REGION)
    rule = unique("shaping")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["com.example.orders"]}))
    events.put_targets(Rule=rule, Targets=[
        {"Id": "path", "Arn": fn, "InputPath": "$.detail"},
        {"Id": "const", "Arn": fn, "Input": '{"kind": "constant"}'},
        {"Id": "tx", "Arn": fn, "InputTransformer": {
            "InputPathsMap": {"item": "$.detail.item"},
            "InputTemplate": '{"message": "bought <item>", "rule": <aws.events.rule-name>}'}},
        {"Id": "queue", "Arn": queue_arn},
    ])
    put(events, detail={"item": "lamp"})
    assert {json.dumps(c.event, sort_keys=True) for c in received.calls} == {
        json.dumps(x, sort_keys=True)
        for x in ({"item": "lamp"}, {"kind": "constant"}, {"message": "bought lamp", "rule": rule})}
    body = json.loads(sqs.receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["detail"] == {"item": "lamp"}
    deliveries = world.extension("integrations").deliveries
    assert {d.target_id for d in deliveries} == {"path", "const", "tx", "queue"}
    assert all(d.ok for d in deliveries)


def test_disabled_rules_and_schedule_rules_do_not_match_events(received, unique):
    fn = create_function(unique("quiet"))
    events = boto3.client("events", region_name=REGION)
    off, sched = unique("off"), unique("sched")
    events.put_rule(Name=off, EventPattern=json.dumps({"source": ["com.example.orders"]}),
                    State="DISABLED")
    events.put_rule(Name=sched, ScheduleExpression="rate(1 hour)")
    for rule in (off, sched):
        events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
    put(events)
    assert received.calls == []
    events.enable_rule(Name=off)
    put(events)
    assert len(received.calls) == 1


# -- schedules on the lab clock ----------------------------------------------------------------
def test_rate_schedule_fast_forward_fires_in_order(received, world, unique):
    fn = create_function(unique("tick"))
    events = boto3.client("events", region_name=REGION)
    rule = unique("every-5")
    rule_arn = events.put_rule(Name=rule, ScheduleExpression="rate(5 minutes)")["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
    start = world.clock.now()
    world.clock.advance(3600)
    calls = [c for c in received.calls if c.function.startswith("tick")]
    assert len(calls) == 12
    assert all(c.headers["x-serverless-lab-trigger"] == "schedule" for c in calls)
    assert all(c.headers["x-amz-invocation-type"] == "Event" for c in calls)
    first = calls[0].event
    assert first["detail-type"] == "Scheduled Event" and first["source"] == "aws.events"
    assert first["resources"] == [rule_arn] and first["detail"] == {}
    times = [datetime.strptime(c.event["time"], "%Y-%m-%dT%H:%M:%SZ")
             .replace(tzinfo=timezone.utc).timestamp() for c in calls]
    assert times == sorted(times)
    assert all(round(b - a) == 300 for a, b in zip(times, times[1:], strict=False))
    assert abs(times[0] - (start + 300)) < 2
    # disabled: no firing; deleted: the timer is gone
    events.disable_rule(Name=rule)
    world.clock.advance(900)
    assert len([c for c in received.calls if c.function.startswith("tick")]) == 12
    events.remove_targets(Rule=rule, Ids=["fn"])
    events.delete_rule(Name=rule)
    assert f"default/{rule}" not in world.extension("integrations").schedules()


def test_cron_schedule_fires_at_noon_utc(received, world, unique):
    fn = create_function(unique("noon"))
    events = boto3.client("events", region_name=REGION)
    rule = unique("noon")
    events.put_rule(Name=rule, ScheduleExpression="cron(0 12 * * ? *)")
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
    world.clock.advance(2 * 86400)
    fired = [datetime.strptime(c.event["time"], "%Y-%m-%dT%H:%M:%SZ") for c in received.calls]
    assert len(fired) == 2 and all((t.hour, t.minute) == (12, 0) for t in fired)


@pytest.mark.parametrize("expression,after,expected", [
    ("rate(1 minute)", "2026-01-01T00:00:00", "2026-01-01T00:01:00"),
    ("rate(2 hours)", "2026-01-01T00:00:00", "2026-01-01T02:00:00"),
    ("cron(0 12 * * ? *)", "2026-01-01T12:00:00", "2026-01-02T12:00:00"),
    ("cron(15 10 ? * 6L 2026)", "2026-01-01T00:00:00", "2026-01-30T10:15:00"),   # last Friday
    ("cron(0 8 ? * MON-FRI *)", "2026-01-02T09:00:00", "2026-01-05T08:00:00"),   # skip weekend
    ("cron(0 0 L * ? *)", "2026-02-01T00:00:00", "2026-02-28T00:00:00"),          # last day
    ("cron(0 9 1W * ? *)", "2026-02-01T00:00:00", "2026-02-02T09:00:00"),         # Sun 1st→Mon
    ("cron(0 10 ? * 2#1 *)", "2026-03-01T00:00:00", "2026-03-02T10:00:00"),      # first Monday
    ("cron(0/15 * * * ? *)", "2026-01-01T00:07:00", "2026-01-01T00:15:00"),
    ("cron(0 18 ? JAN-MAR SUN 2026)", "2026-03-29T18:00:00", "2027-01-01T00:00:00"),
])
def test_schedule_next_times(expression, after, expected):
    schedule = parse_schedule(expression)
    t0 = datetime.fromisoformat(after).replace(tzinfo=timezone.utc).timestamp()
    nxt = schedule.next_after(t0)
    if expected.startswith("2027"):
        assert nxt == float("inf")  # no Sunday in Jan–Mar 2026 is left after the 29th of March
    else:
        assert datetime.fromtimestamp(nxt, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") == expected


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "cron(0 12 * * * *)",
    "cron(0 12 * *)", "cron(61 * * * ? *)", "cron(0 12 ? * 9 *)", "every 5 minutes",
])
def test_invalid_schedule_expressions(received, expression):
    with pytest.raises(ScheduleExpressionError):
        parse_schedule(expression)
    events = boto3.client("events", region_name=REGION)
    with pytest.raises(ClientError) as err:
        events.put_rule(Name="bad-schedule", ScheduleExpression=expression)
    assert err.value.response["Error"]["Code"] == "ValidationException"


# -- end to end: a real handler through the local runtime --------------------------------------
@pytest.mark.skipif(not runtime_available(), reason="serverless_lab.runtime (the local Lambda "
                    "runtime) is not installed yet; needed to run real handler code")
def test_e2e_event_and_schedule_run_real_handler(aws, unique):
    bucket = unique("eb-e2e")
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    code = f"""
import json, boto3
def handler(event, context):
    key = event.get("detail-type", "x").replace(" ", "-") + "/" + event["id"]
    boto3.client("s3").put_object(Bucket="{bucket}", Key=key, Body=json.dumps(event))
    return "ok"
"""
    fn = create_function(unique("eb-writer"), code)
    events = boto3.client("events", region_name=REGION)
    rule, sched = unique("orders"), unique("tick")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["com.example.orders"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
    events.put_rule(Name=sched, ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule=sched, Targets=[{"Id": "fn", "Arn": fn}])
    event_id = put(events, detail={"n": 1})
    aws.clock.advance(180)

    def keys():
        return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

    from serverless_lab.trace import TRACE

    def triggers():
        return sorted(r.trigger for r in TRACE.filter(function_name=fn.split(":")[-1]).records())

    # the handler writes its object before its invocation is recorded (the record is made when it
    # returns): wait for both, or a loaded machine sees the objects and not yet the last record
    deadline = time.time() + 60
    while time.time() < deadline and (len(keys()) < 4 or len(triggers()) < 4):
        time.sleep(0.2)
    found = keys()
    assert f"Order-Placed/{event_id}" in found
    assert len([k for k in found if k.startswith("Scheduled-Event/")]) == 3
    body = json.loads(s3.get_object(Bucket=bucket, Key=f"Order-Placed/{event_id}")["Body"].read())
    assert body["detail"] == {"n": 1}
    assert triggers() == ["events", "schedule", "schedule", "schedule"]


def test_step_functions_target_starts_an_execution(received, unique):
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name=unique("flow"), roleArn=lambda_role(),
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass",
                                                                      "End": True}}}))
    events = boto3.client("events", region_name=REGION)
    rule = unique("to-sfn")
    events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["com.example.orders"]}))
    events.put_targets(Rule=rule, Targets=[{"Id": "sfn", "Arn": machine["stateMachineArn"],
                                            "InputPath": "$.detail"}])
    put(events, detail={"order": 7})
    (execution,) = sfn.list_executions(stateMachineArn=machine["stateMachineArn"])["executions"]
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"order": 7}


# -- EventBridge Scheduler ---------------------------------------------------------------------
def test_scheduler_rate_at_and_context_attributes(received, world, unique):
    fn = create_function(unique("sched-target"))
    scheduler = boto3.client("scheduler", region_name=REGION)
    every = unique("every-10")
    arn = scheduler.create_schedule(
        Name=every, ScheduleExpression="rate(10 minutes)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": fn, "RoleArn": lambda_role(),
                "Input": '{"schedule": "<aws.scheduler.schedule-arn>", '
                         '"at": "<aws.scheduler.scheduled-time>"}'})["ScheduleArn"]
    when = datetime.fromtimestamp(world.clock.now() + 1800, timezone.utc)
    once = unique("once")
    scheduler.create_schedule(
        Name=once, ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"}, ActionAfterCompletion="DELETE",
        Target={"Arn": fn, "RoleArn": lambda_role()})
    world.clock.advance(3600)
    events_seen = [c.event for c in received.calls]
    rated = [e for e in events_seen if e != {}]
    assert len(rated) == 6 and all(e["schedule"] == arn for e in rated)
    assert [e["at"] for e in rated] == sorted(e["at"] for e in rated)
    assert events_seen.count({}) == 1                     # the one-time schedule, default input
    assert all(c.headers["x-serverless-lab-trigger"] == "schedule" for c in received.calls)
    names = [s["Name"] for s in scheduler.list_schedules()["Schedules"]]
    assert every in names and once not in names            # deleted after completion
    scheduler.update_schedule(Name=every, ScheduleExpression="rate(10 minutes)", State="DISABLED",
                              FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": fn, "RoleArn": lambda_role()})
    world.clock.advance(3600)
    assert len(received.calls) == 7
    with pytest.raises(ClientError) as err:
        scheduler.create_schedule(Name=unique("bad"), ScheduleExpression="cron(0 12 * * * *)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": fn, "RoleArn": lambda_role()})
    assert err.value.response["Error"]["Code"] == "ValidationException"


def test_scheduler_cron_in_a_time_zone():
    schedule = parse_schedule("cron(0 9 ? * MON-FRI *)", timezone_name="Europe/Paris",
                              allow_at=True)
    t0 = datetime(2026, 7, 3, 12, 0, tzinfo=timezone.utc).timestamp()   # a Friday, summer time
    nxt = datetime.fromtimestamp(schedule.next_after(t0), timezone.utc)
    assert nxt == datetime(2026, 7, 6, 7, 0, tzinfo=timezone.utc)      # Monday 09:00 CEST
    with pytest.raises(ScheduleExpressionError, match="time zone"):
        parse_schedule("cron(0 9 * * ? *)", timezone_name="Mars/Olympus", allow_at=True)
    with pytest.raises(ScheduleExpressionError):
        parse_schedule("at(2026-12-01T09:00:00)")   # rules do not take at()


def test_s3_eventbridge_notifications_reach_lambda(received, unique):
    fn = create_function(unique("on-upload"))
    s3 = boto3.client("s3", region_name=REGION)
    bucket = unique("uploads")
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    events = boto3.client("events", region_name=REGION)
    rule = unique("uploads")
    events.put_rule(Name=rule, EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": "in/"}]}}}))
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn, "InputTransformer": {
        "InputPathsMap": {"key": "$.detail.object.key", "size": "$.detail.object.size"},
        "InputTemplate": '{"key": <key>, "size": <size>}'}}])
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=b"1,2,3")
    s3.put_object(Bucket=bucket, Key="out/b.csv", Body=b"x")
    assert [c.event for c in received.calls] == [{"key": "in/a.csv", "size": 5}]


def test_enforced_permissions_for_rules(monkeypatch, unique):
    """Opt-in: a rule reaches a function only once events.amazonaws.com may invoke it."""
    from serverless_lab import mock_aws

    with mock_aws(extensions=["integrations"], enforce_lambda_permissions=True) as session:
        got = []
        monkeypatch.setattr(LambdaFunction, "invoke",
                            lambda self, body, rh, resp: got.append(json.loads(body)) or b"")
        name = unique("guarded")
        fn = create_function(name)
        events = boto3.client("events", region_name=REGION)
        rule = unique("guarded")
        rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps(
            {"source": ["com.example.orders"]}))["RuleArn"]
        events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": fn}])
        put(events)
        assert got == []
        failed = session.extension("integrations").deliveries[-1]
        assert not failed.ok and "add_permission" in failed.error
        boto3.client("lambda", region_name=REGION).add_permission(
            FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com", SourceArn=rule_arn)
        put(events)
        assert len(got) == 1
