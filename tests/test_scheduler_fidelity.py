"""EventBridge Scheduler on the lab clock, as AWS documents it (issue 19).

Targets are SQS queues (cheap to count, and the message body is exactly the target input).
"""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import boto3
import pytest

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/scheduler"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def clients(aws):
    return boto3.client("scheduler", region_name=REGION), boto3.client("sqs", region_name=REGION)


def _queue(sqs, name: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _drain(sqs, url: str) -> list[dict]:
    out: list[dict] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])
        if not got:
            return out
        out += got
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])


def _last_sunday(year: int, month: int) -> date:
    d = date(year, month + 1, 1) - timedelta(days=1)
    return d - timedelta(days=(d.weekday() + 1) % 7)


def _next_transition(now: float, month: int) -> date:
    """The next last Sunday of ``month`` (March: clocks go forward in Paris; October: back)."""
    today = datetime.fromtimestamp(now, PARIS).date()
    day = _last_sunday(today.year, month)
    return day if day > today + timedelta(days=1) else _last_sunday(today.year + 1, month)


def _runs_around(aws, scheduler, sqs, unique, expression: str, night: date) -> list[datetime]:
    """Local times (Paris) at which a schedule starting the day before ``night`` sent to a queue,
    up to the day after."""
    url, arn = _queue(sqs, unique("dst"))
    start = datetime(night.year, night.month, night.day, tzinfo=PARIS) - timedelta(days=1)
    end = start + timedelta(days=3)
    scheduler.create_schedule(Name=unique("nightly"), ScheduleExpression=expression,
                              ScheduleExpressionTimezone="Europe/Paris", StartDate=start, EndDate=end,
                              FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": arn, "RoleArn": ROLE, "Input": '"<aws.scheduler.scheduled-time>"'})
    aws.clock.advance(end.timestamp() + 3600 - aws.clock.now())
    times = sorted(json.loads(m["Body"]) for m in _drain(sqs, url))
    return [datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).astimezone(PARIS)
            for t in times]


def test_a_local_time_that_does_not_exist_is_skipped(aws, clients, unique):
    """https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time:
    "When the time shifts forward in Spring, your schedule invocation gets skipped if the cron
    expression falls on a non-existent date and time." 02:30 does not exist in Paris on the last
    Sunday of March."""
    scheduler, sqs = clients
    night = _next_transition(aws.clock.now(), 3)
    runs = _runs_around(aws, scheduler, sqs, unique, "cron(30 2 * * ? *)", night)
    assert [(r.date(), r.hour, r.minute) for r in runs] == [
        (night - timedelta(days=1), 2, 30), (night + timedelta(days=1), 2, 30)]


def test_a_local_time_that_repeats_runs_once(aws, clients, unique):
    """Same page: "When the time shifts back in the Fall, your schedule runs only once and doesn't
    repeat its invocation." 02:30 happens twice in Paris on the last Sunday of October."""
    scheduler, sqs = clients
    night = _next_transition(aws.clock.now(), 10)
    runs = _runs_around(aws, scheduler, sqs, unique, "cron(30 2 * * ? *)", night)
    assert [(r.date(), r.hour, r.minute) for r in runs] == [
        (night - timedelta(days=1), 2, 30), (night, 2, 30), (night + timedelta(days=1), 2, 30)]
    first = runs[1].astimezone(timezone.utc)
    assert (first.hour, first.minute) == (0, 30)   # the first 02:30 (summer time, UTC+2)


def test_context_attributes_are_substituted_and_json_input_stays_json(aws, clients, unique):
    """https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html:
    <aws.scheduler.schedule-arn>, <aws.scheduler.scheduled-time>, <aws.scheduler.execution-id>,
    <aws.scheduler.attempt-number> in a templated target's Input."""
    scheduler, sqs = clients
    url, arn = _queue(sqs, unique("ctx"))
    template = {"arn": "<aws.scheduler.schedule-arn>", "at": "<aws.scheduler.scheduled-time>",
                "id": "<aws.scheduler.execution-id>", "attempt": "<aws.scheduler.attempt-number>"}
    schedule_arn = scheduler.create_schedule(
        Name=unique("ctx"), ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": ROLE, "Input": json.dumps(template)})["ScheduleArn"]
    aws.clock.advance(3 * 3600 + 60)
    bodies = [json.loads(m["Body"]) for m in _drain(sqs, url)]
    assert len(bodies) >= 3
    assert {b["arn"] for b in bodies} == {schedule_arn}
    assert {b["attempt"] for b in bodies} == {"1"}
    assert len({b["id"] for b in bodies}) == len(bodies)
    for b in bodies:
        datetime.strptime(b["at"], "%Y-%m-%dT%H:%M:%SZ")


def test_every_occurrence_fires_in_many_small_steps_as_in_one_large_step(aws, clients, unique):
    """Scheduler invokes a rate(5 minutes) schedule every five minutes
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based):
    how the lab clock gets there must not change how many runs there were."""
    scheduler, sqs = clients
    small_url, small_arn = _queue(sqs, unique("small"))
    big_url, big_arn = _queue(sqs, unique("big"))
    for arn in (small_arn, big_arn):
        scheduler.create_schedule(Name=unique("every5"), ScheduleExpression="rate(5 minutes)",
                                  FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": arn, "RoleArn": ROLE})
    small = 0
    for _ in range(120):          # two hours in one-minute steps
        aws.clock.advance(60)
        small += len(_drain(sqs, small_url))
    assert small == len(_drain(sqs, big_url)) == 120 // 5


def test_a_delivery_is_recorded_at_its_scheduled_time(aws, clients, unique):
    """Each run of a rate(10 minutes) schedule happens ten minutes after the last
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based), also when
    the lab clock jumps an hour at once: the deliveries are recorded ten minutes apart, not all at the
    end of the jump. The same holds for an EventBridge schedule rule."""
    scheduler, sqs = clients
    events = boto3.client("events", region_name=REGION)
    url, queue_arn = _queue(sqs, unique("times"))
    arn = scheduler.create_schedule(Name=unique("every10"), ScheduleExpression="rate(10 minutes)",
                                    FlexibleTimeWindow={"Mode": "OFF"},
                                    Target={"Arn": queue_arn, "RoleArn": ROLE})["ScheduleArn"]
    rule = events.put_rule(Name=unique("every10-rule"), ScheduleExpression="rate(10 minutes)")["RuleArn"]
    events.put_targets(Rule=rule.split("/")[-1], Targets=[{"Id": "q", "Arn": queue_arn}])
    start = aws.clock.now()
    aws.clock.advance(3600)
    for source in (arn, rule):
        times = [d.at for d in aws.extension("integrations").deliveries if d.rule_arn == source]
        assert len(times) == 6, source
        assert [round(b - a) for a, b in zip(times, times[1:])] == [600] * 5, source
        assert start < times[0] <= start + 600, source


# -- RetryPolicy and DeadLetterConfig ------------------------------------------------------------
# https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html (the dead-letter
# event and its attributes) and
# https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html (the two limits).
def _dead_letters(sqs, url: str) -> list[dict]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return [{k: v["StringValue"] for k, v in m.get("MessageAttributes", {}).items()} | {"Body": m["Body"]}
            for m in got.get("Messages", [])]


def _failing_schedule(aws, scheduler, sqs, unique, retry_policy: dict) -> tuple[str, str, str]:
    """A one-time schedule whose Lambda target does not exist (Lambda refuses the Invoke call with
    ResourceNotFoundException), with a dead-letter queue. Returns (dlq url, schedule ARN, target ARN)."""
    dlq_url, dlq_arn = _queue(sqs, unique("sched-dlq"))
    missing = f"arn:aws:lambda:{REGION}:123456789012:function:{unique('gone')}"
    when = datetime.fromtimestamp(aws.clock.now() + 120, timezone.utc).replace(microsecond=0)
    arn = scheduler.create_schedule(
        Name=unique("failing"), ScheduleExpression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": missing, "RoleArn": ROLE, "Input": '{"job": "nightly"}',
                "RetryPolicy": retry_policy, "DeadLetterConfig": {"Arn": dlq_arn}})["ScheduleArn"]
    return dlq_url, arn, missing


def test_failed_invocation_is_retried_then_dead_lettered_after_max_attempts(aws, clients, unique):
    scheduler, sqs = clients
    dlq_url, arn, target = _failing_schedule(aws, scheduler, sqs, unique,
                                             {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600})
    aws.clock.advance(120)
    assert _dead_letters(sqs, dlq_url) == []  # the first attempt failed; retries are still to come
    aws.clock.advance(600)
    attempts = [d for d in aws.extension("integrations").deliveries if d.rule_arn == arn]
    assert len(attempts) == 3 and not any(d.ok for d in attempts)  # one attempt + 2 retries
    [dead] = _dead_letters(sqs, dlq_url)
    assert dead["ERROR_CODE"] == "ResourceNotFoundException"
    assert "Function not found" in dead["ERROR_MESSAGE"]
    assert dead["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert dead["RETRY_ATTEMPTS"] == "2"
    assert dead["SCHEDULE_ARN"] == arn and dead["TARGET_ARN"] == target
    assert dead["IS_PAYLOAD_TRUNCATED"] == "false" and dead["EXECUTION_ID"]
    datetime.strptime(dead["SCHEDULED_TIME"], "%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(dead["Body"]) == {"job": "nightly"}


def test_retries_stop_at_maximum_event_age(aws, clients, unique):
    scheduler, sqs = clients
    dlq_url, _, _ = _failing_schedule(aws, scheduler, sqs, unique,
                                      {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60})
    aws.clock.advance(120 + 3600)
    [dead] = _dead_letters(sqs, dlq_url)
    assert dead["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds"
    assert 0 < int(dead["RETRY_ATTEMPTS"]) < 185


def test_zero_retries_dead_letters_at_once(aws, clients, unique):
    scheduler, sqs = clients
    dlq_url, _, _ = _failing_schedule(aws, scheduler, sqs, unique,
                                      {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60})
    aws.clock.advance(120)
    [dead] = _dead_letters(sqs, dlq_url)
    assert dead["RETRY_ATTEMPTS"] == "0" and dead["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"


def test_a_handler_that_raises_is_not_a_failed_delivery(aws, clients, unique):
    """Scheduler invokes Lambda asynchronously: Invoke succeeds (202) and the handler's error is
    Lambda's to retry (its asynchronous invocation), never Scheduler's dead-letter queue."""
    from lambda_helpers import create, runtime_available

    if not runtime_available():
        pytest.skip("the local Lambda runtime is not installed")
    scheduler, sqs = clients
    lam, logs = boto3.client("lambda", region_name=REGION), boto3.client("logs", region_name=REGION)
    name = unique("raises")
    fn = create(lam, name, "def handler(event, context):\n    raise ValueError('boom ' + event['job'])\n")
    lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    dlq_url, dlq_arn = _queue(sqs, unique("sched-dlq"))
    when = datetime.fromtimestamp(aws.clock.now() + 60, timezone.utc).replace(microsecond=0)
    arn = scheduler.create_schedule(
        Name=unique("raising"), ScheduleExpression=f"at({when.strftime('%Y-%m-%dT%H:%M:%S')})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": fn, "RoleArn": ROLE, "Input": '{"job": "nightly"}',
                "RetryPolicy": {"MaximumRetryAttempts": 2}, "DeadLetterConfig": {"Arn": dlq_arn}})["ScheduleArn"]
    aws.clock.advance(60)
    deadline = time.monotonic() + 120
    seen = ""
    while "boom nightly" not in seen:
        assert time.monotonic() < deadline, "the handler never ran"
        try:
            seen = " ".join(e["message"] for e in logs.filter_log_events(
                logGroupName=f"/aws/lambda/{name}")["events"])
        except logs.exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.2)
    aws.clock.advance(3600)
    assert [d.ok for d in aws.extension("integrations").deliveries if d.rule_arn == arn] == [True]
    assert _dead_letters(sqs, dlq_url) == []


# -- EventBridge rule targets: RetryPolicy and DeadLetterConfig -----------------------------------
# https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html: every message carries
# RULE_ARN, TARGET_ARN, ERROR_CODE (NO_RESOURCE, NO_PERMISSIONS, THROTTLING ...), ERROR_MESSAGE,
# EXHAUSTED_RETRY_CONDITION and RETRY_ATTEMPTS; a target that no longer exists is not retried.
def test_rule_target_that_does_not_exist_goes_straight_to_its_dead_letter_queue(aws, clients, unique):
    _, sqs = clients
    events = boto3.client("events", region_name=REGION)
    dlq_url, dlq_arn = _queue(sqs, unique("rule-dlq"))
    rule = unique("orders")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": ["shop"]}))["RuleArn"]
    missing = f"arn:aws:lambda:{REGION}:123456789012:function:{unique('gone')}"
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn},
                                            "RetryPolicy": {"MaximumRetryAttempts": 3}}])
    events.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": '{"id": 7}'}])
    aws.clock.advance(3600)
    [dead] = _dead_letters(sqs, dlq_url)
    assert dead["RULE_ARN"] == rule_arn and dead["TARGET_ARN"] == missing
    assert dead["ERROR_CODE"] == "NO_RESOURCE" and dead["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in dead and dead["ERROR_MESSAGE"]
    assert json.loads(dead["Body"])["detail"] == {"id": 7}
    assert len([d for d in aws.extension("integrations").deliveries if d.rule_arn == rule_arn]) == 1
