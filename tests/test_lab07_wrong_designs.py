"""Lab 07's hidden tests catch wrong designs, not only wrong outputs.

Four submissions answer the exercises with plausible misunderstandings; each such answer passes (most of) the
visible examples and must still score 0 on its exercise through the grader (one grading run for all four):

* a pattern that says ``>= 36`` where the rule is "a number above 35" (fine for integers, wrong for 35.5);
* an SQS handler that raises when one message is bad, failing the whole batch;
* a handler that returns ``batchItemFailures`` on a mapping without ``ReportBatchItemFailures`` (ignored:
  the bad messages are deleted as if they had succeeded);
* a redrive that moves one ``receive_message`` worth (10 messages) and stops;
* ``rate(1 day)`` or a UTC cron where the job must run at 02:30 Paris time;
* de-duplication in a module-level set (lost when the duplicate lands in a new execution environment);
* Powertools' ``@idempotent`` on the whole SQS handler (the batch differs on every delivery, so nothing is
  ever a duplicate).

Added for issue 21 (second pass):

* a device prefix without its dash (``greenhouse`` also matches ``greenhouse7``);
* a handler that reports failures by ``receiptHandle`` instead of ``messageId`` (Lambda fails the whole batch);
* a handler that swallows bad messages (reports nothing: they are deleted and never reach the DLQ);
* a redrive that deletes before it sends (a message the source queue refuses is lost);
* a redrive that empties the DLQ with ``PurgeQueue`` at the end (the same message is lost);
* ``StartMessageMoveTask`` between two queues no redrive policy links (AWS refuses it);
* an audit subscription with a filter policy (``severity`` exists) where every message must arrive;
* a filter policy applied to the message body (``FilterPolicyScope=MessageBody``) for attribute filters;
* ``rate(1 day)`` with a ``StartDate`` at 02:30 Paris (24 hours: 03:30 after clocks go forward);
* a UTC scheduled rule on the default bus instead of an EventBridge Scheduler schedule;
* Powertools keyed on the whole SQS body (``sent_at`` differs on a producer retry);
* a balance update that reads, adds and writes (payments in concurrent batches are lost);
* exercise 7, the queue settings: hard-coded for the visible example, a visibility timeout equal to the
  function timeout, a ``maxReceiveCount`` of 3, and one of 1,000 (a poison message pages no one for hours).
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab07-events-and-queues"

INTEGER_THRESHOLD = '''
ALERT_PATTERN = {
    "source": ["lab.iot"], "detail-type": ["Reading"],
    "detail": {"device": [{"prefix": "greenhouse-"}], "temperature": [{"numeric": [">=", 36]}],
               "status": [{"anything-but": ["maintenance", "calibrating"]}], "muted": [{"exists": False}]},
}
'''

_ORDERS_HEAD = '''
ORDERS_SRC = """
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])


def handler(event, context):
'''

RAISE_WHOLE_BATCH = _ORDERS_HEAD + '''    for record in event["Records"]:
        order = json.loads(record["body"])
        if not (isinstance(order, dict) and type(order.get("qty")) is int and order["qty"] >= 1
                and isinstance(order.get("order_id"), str)):
            raise ValueError(f"bad order {record['messageId']}")      # the whole batch fails
        table.put_item(Item={"order_id": order["order_id"], "qty": order["qty"]})
"""


def wire_orders(queue_arn, function_name, table_name):
    deploy_function(function_name, ORDERS_SRC, env={"ORDERS_TABLE": table_name})
    return lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function_name, BatchSize=10,
                                           FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
'''

NO_REPORT_SETTING = _ORDERS_HEAD + '''    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            ok = (isinstance(order, dict) and isinstance(order.get("order_id"), str)
                  and type(order.get("qty")) is int and order["qty"] >= 1)
        except ValueError:
            ok = False
        if not ok:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        table.put_item(Item={"order_id": order["order_id"], "qty": order["qty"]})
    return {"batchItemFailures": failures}
"""


def wire_orders(queue_arn, function_name, table_name):
    deploy_function(function_name, ORDERS_SRC, env={"ORDERS_TABLE": table_name})
    return lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function_name,
                                           BatchSize=10)["UUID"]      # the failures it returns are ignored
'''

ONE_RECEIVE = '''
def redrive(dlq_url, source_url):
    got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    for m in got:
        sqs.send_message(QueueUrl=source_url, MessageBody=m["Body"], **({"MessageAttributes": m["MessageAttributes"]}
                                                                       if m.get("MessageAttributes") else {}))
        sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
    return len(got)
'''

DAILY_RATE = '''
def schedule_nightly(function_arn, name):
    return scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
                                     Target={"Arn": function_arn, "RoleArn": ROLE})["ScheduleArn"]
'''

UTC_CRON = '''
def schedule_nightly(function_arn, name):
    return scheduler.create_schedule(Name=name, ScheduleExpression="cron(30 2 * * ? *)",   # 02:30 UTC, not Paris
                                     FlexibleTimeWindow={"Mode": "OFF"},
                                     Target={"Arn": function_arn, "RoleArn": ROLE})["ScheduleArn"]
'''

_PAYMENTS_HEAD = '''
PAYMENTS_SRC = """
import json
import os

import boto3
from aws_lambda_powertools.utilities.idempotency import (DynamoDBPersistenceLayer, IdempotencyConfig,
                                                         idempotent, idempotent_function)

balances = boto3.resource("dynamodb").Table(os.environ["PAYMENTS_TABLE"])
'''
_DEPLOY = '''

def deploy_payments(function_name, payments_table, idempotency_table):
    return deploy_function(function_name, PAYMENTS_SRC, layers=[POWERTOOLS_LAYER],
                           env={"PAYMENTS_TABLE": payments_table, "IDEMPOTENCY_TABLE": idempotency_table})
'''

MODULE_SET = _PAYMENTS_HEAD + '''seen = set()      # lives in one execution environment only


def handler(event, context):
    for record in event["Records"]:
        payment = json.loads(record["body"])
        if payment["payment_id"] in seen:
            continue
        balances.update_item(Key={"account": payment["account"]}, UpdateExpression="ADD balance :a",
                             ExpressionAttributeValues={":a": payment["amount"]})
        seen.add(payment["payment_id"])
    return {"batchItemFailures": []}
"""''' + _DEPLOY

WHOLE_EVENT_IDEMPOTENT = _PAYMENTS_HEAD + '''store = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])


@idempotent(persistence_store=store)          # keyed on the whole SQS event: receipt handles differ every time
def handler(event, context):
    for record in event["Records"]:
        payment = json.loads(record["body"])
        balances.update_item(Key={"account": payment["account"]}, UpdateExpression="ADD balance :a",
                             ExpressionAttributeValues={":a": payment["amount"]})
    return {"batchItemFailures": []}
"""''' + _DEPLOY

DASHLESS_PREFIX = '''
ALERT_PATTERN = {
    "source": ["lab.iot"], "detail-type": ["Reading"],
    "detail": {"device": [{"prefix": "greenhouse"}], "temperature": [{"numeric": [">", 35]}],
               "status": [{"anything-but": ["maintenance", "calibrating"]}], "muted": [{"exists": False}]},
}
'''

_ORDERS_LOOP = '''    failures = []
    for record in event["Records"]:
        try:
            order = json.loads(record["body"])
            ok = (isinstance(order, dict) and isinstance(order.get("order_id"), str)
                  and type(order.get("qty")) is int and order["qty"] >= 1)
        except ValueError:
            ok = False
        if not ok:
'''
_ORDERS_TAIL = '''            continue
        table.put_item(Item={"order_id": order["order_id"], "qty": order["qty"]})
    return {"batchItemFailures": failures}
"""


def wire_orders(queue_arn, function_name, table_name):
    deploy_function(function_name, ORDERS_SRC, env={"ORDERS_TABLE": table_name})
    return lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function_name, BatchSize=10,
                                           FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
'''
RECEIPT_HANDLE_IDS = (_ORDERS_HEAD + _ORDERS_LOOP
                      + '''            failures.append({"itemIdentifier": record["receiptHandle"]})     # not the messageId\n'''
                      + _ORDERS_TAIL)
SWALLOW_BAD = (_ORDERS_HEAD + _ORDERS_LOOP
               + '''            print("skipping bad order", record["messageId"])      # never reported: deleted\n'''
               + _ORDERS_TAIL)

DELETE_BEFORE_SEND = '''
def redrive(dlq_url, source_url):
    moved = 0
    while True:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return moved
        for m in got:
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])     # gone before it is sent
            sqs.send_message(QueueUrl=source_url, MessageBody=m["Body"],
                             **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}))
            moved += 1
'''

PURGE_AT_END = '''
def redrive(dlq_url, source_url):
    moved = 0
    while True:
        got = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                  VisibilityTimeout=60).get("Messages", [])
        if not got:
            break
        for m in got:
            try:
                sqs.send_message(QueueUrl=source_url, MessageBody=m["Body"],
                                 **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}))
                moved += 1
            except ClientError:
                pass
    sqs.purge_queue(QueueUrl=dlq_url)          # one call empties the DLQ, sent or not
    return moved
'''

MOVE_TASK = '''
def redrive(dlq_url, source_url):
    def arn(url):
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    waiting = int(sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
                  ["Attributes"]["ApproximateNumberOfMessages"])
    sqs.start_message_move_task(SourceArn=arn(dlq_url), DestinationArn=arn(source_url))
    return waiting
'''

AUDIT_FILTERED = '''
def subscribe_alerts(topic_arn, urgent_queue_arn, audit_queue_arn):
    urgent = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=urgent_queue_arn, ReturnSubscriptionArn=True,
                           Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps(
                               {"severity": ["high", "critical"], "site": [{"prefix": "eu-"}]})})
    audit = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=audit_queue_arn, ReturnSubscriptionArn=True,
                          Attributes={"RawMessageDelivery": "true",
                                      "FilterPolicy": json.dumps({"severity": [{"exists": True}]})})
    return urgent["SubscriptionArn"], audit["SubscriptionArn"]
'''

BODY_SCOPE = '''
def subscribe_alerts(topic_arn, urgent_queue_arn, audit_queue_arn):
    urgent = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=urgent_queue_arn, ReturnSubscriptionArn=True,
                           Attributes={"RawMessageDelivery": "true", "FilterPolicyScope": "MessageBody",
                                       "FilterPolicy": json.dumps({"severity": ["high", "critical"],
                                                                   "site": [{"prefix": "eu-"}]})})
    audit = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=audit_queue_arn, ReturnSubscriptionArn=True,
                          Attributes={"RawMessageDelivery": "true"})
    return urgent["SubscriptionArn"], audit["SubscriptionArn"]
'''

RATE_FROM_START = '''
def schedule_nightly(function_arn, name):
    paris = ZoneInfo("Europe/Paris")
    now = dt.datetime.fromtimestamp(aws.clock.now(), paris)
    first = now.replace(hour=2, minute=30, second=0, microsecond=0)
    if first <= now:
        first += dt.timedelta(days=1)
    return scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 day)", StartDate=first,   # every 24 h
                                     ScheduleExpressionTimezone="Europe/Paris", FlexibleTimeWindow={"Mode": "OFF"},
                                     Target={"Arn": function_arn, "RoleArn": ROLE})["ScheduleArn"]
'''

UTC_RULE = '''
def schedule_nightly(function_arn, name):
    arn = ev.put_rule(Name=name, ScheduleExpression="cron(30 1 * * ? *)")["RuleArn"]    # 02:30 Paris in winter only
    lam.add_permission(FunctionName=function_arn, StatementId=name, Action="lambda:InvokeFunction",
                       Principal="events.amazonaws.com", SourceArn=arn)
    ev.put_targets(Rule=name, Targets=[{"Id": "job", "Arn": function_arn}])
    return arn
'''

WHOLE_BODY_KEY = _PAYMENTS_HEAD + '''store = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
config = IdempotencyConfig(event_key_jmespath="body")      # the body holds sent_at, new on every retry


@idempotent_function(data_keyword_argument="record", config=config, persistence_store=store)
def apply(record):
    payment = json.loads(record["body"])
    balances.update_item(Key={"account": payment["account"]}, UpdateExpression="ADD balance :a",
                         ExpressionAttributeValues={":a": payment["amount"]})
    return {"applied": payment["payment_id"]}


def handler(event, context):
    config.register_lambda_context(context)
    for record in event["Records"]:
        apply(record=record)
    return {"batchItemFailures": []}
"""''' + _DEPLOY

READ_MODIFY_WRITE = _PAYMENTS_HEAD + '''store = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])
config = IdempotencyConfig(event_key_jmespath="payment_id")


@idempotent_function(data_keyword_argument="payment", config=config, persistence_store=store)
def apply_payment(payment):
    item = balances.get_item(Key={"account": payment["account"]}, ConsistentRead=True).get("Item") or {}
    balances.put_item(Item={"account": payment["account"],                 # read, add, write: not atomic
                            "balance": int(item.get("balance", 0)) + payment["amount"]})
    return {"applied": payment["payment_id"]}


def handler(event, context):
    config.register_lambda_context(context)
    for record in event["Records"]:
        apply_payment(payment=json.loads(record["body"]))
    return {"batchItemFailures": []}
"""''' + _DEPLOY

SETTINGS_HARD_CODED = '''
def queue_settings(function_timeout_s, failure_rate, dlq_within_s):
    return {"VisibilityTimeout": 120, "maxReceiveCount": 6}          # the visible example's answer
'''
SETTINGS_TIMEOUT_ONLY = '''
def queue_settings(function_timeout_s, failure_rate, dlq_within_s):
    receives = 5
    while failure_rate ** receives > 1e-4:
        receives += 1
    return {"VisibilityTimeout": function_timeout_s, "maxReceiveCount": receives}   # what Lambda accepts, not AWS's rule
'''
SETTINGS_FEW_RECEIVES = '''
def queue_settings(function_timeout_s, failure_rate, dlq_within_s):
    return {"VisibilityTimeout": 6 * function_timeout_s, "maxReceiveCount": 3}
'''
SETTINGS_MANY_RECEIVES = '''
def queue_settings(function_timeout_s, failure_rate, dlq_within_s):
    return {"VisibilityTimeout": 6 * function_timeout_s, "maxReceiveCount": 1000}   # "never lose a message"
'''

STUDENTS = {
    "misread-a": {"lab07_alert_pattern": INTEGER_THRESHOLD, "lab07_orders": RAISE_WHOLE_BATCH,
                  "lab07_redrive": ONE_RECEIVE, "lab07_nightly": DAILY_RATE, "lab07_payments": MODULE_SET,
                  "lab07_queue_settings": SETTINGS_MANY_RECEIVES},
    "misread-b": {"lab07_alert_pattern": DASHLESS_PREFIX, "lab07_orders": NO_REPORT_SETTING,
                  "lab07_redrive": DELETE_BEFORE_SEND, "lab07_fanout": AUDIT_FILTERED, "lab07_nightly": UTC_CRON,
                  "lab07_payments": WHOLE_EVENT_IDEMPOTENT, "lab07_queue_settings": SETTINGS_HARD_CODED},
    "misread-c": {"lab07_orders": RECEIPT_HANDLE_IDS, "lab07_redrive": MOVE_TASK, "lab07_fanout": BODY_SCOPE,
                  "lab07_nightly": RATE_FROM_START, "lab07_payments": WHOLE_BODY_KEY,
                  "lab07_queue_settings": SETTINGS_TIMEOUT_ONLY},
    "misread-d": {"lab07_orders": SWALLOW_BAD, "lab07_redrive": PURGE_AT_END, "lab07_nightly": UTC_RULE,
                  "lab07_payments": READ_MODIFY_WRITE, "lab07_queue_settings": SETTINGS_FEW_RECEIVES},
}
# (student, test cell) -> must score 0
ZERO = [("misread-a", "lab07_alert_pattern_test"), ("misread-a", "lab07_orders_partial_test"),
        ("misread-a", "lab07_orders_dlq_test"), ("misread-a", "lab07_redrive_test"),
        ("misread-a", "lab07_nightly_test"), ("misread-a", "lab07_payments_test"),
        ("misread-a", "lab07_payments_new_env_test"),
        ("misread-b", "lab07_orders_partial_test"), ("misread-b", "lab07_orders_dlq_test"),
        ("misread-b", "lab07_nightly_test"), ("misread-b", "lab07_payments_test"),
        ("misread-b", "lab07_payments_new_env_test"),
        # issue 21
        ("misread-a", "lab07_queue_settings_poison_test"),
        ("misread-b", "lab07_alert_pattern_hidden_test"), ("misread-b", "lab07_redrive_test"),
        ("misread-b", "lab07_fanout_test"), ("misread-b", "lab07_queue_settings_test"),
        ("misread-b", "lab07_queue_settings_transient_test"), ("misread-b", "lab07_queue_settings_poison_test"),
        ("misread-c", "lab07_orders_partial_test"), ("misread-c", "lab07_orders_dlq_test"),
        ("misread-c", "lab07_redrive_test"), ("misread-c", "lab07_fanout_test"), ("misread-c", "lab07_nightly_test"),
        ("misread-c", "lab07_payments_test"), ("misread-c", "lab07_payments_new_env_test"),
        ("misread-c", "lab07_queue_settings_test"),
        ("misread-d", "lab07_orders_partial_test"), ("misread-d", "lab07_orders_dlq_test"),
        ("misread-d", "lab07_redrive_test"), ("misread-d", "lab07_nightly_test"),
        ("misread-d", "lab07_payments_concurrent_test"),
        ("misread-d", "lab07_queue_settings_transient_test")]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    results = grade_answers(LAB, STUDENTS, tmp_path_factory.mktemp("grading"))
    return {(student, gid): e for student, exercises in results.items() for gid, e in exercises.items()}


@pytest.mark.parametrize("student,test_id", ZERO)
def test_wrong_design_scores_zero(graded, student, test_id):
    ex = graded[(student, test_id)]
    assert ex.points == 0, (student, test_id, ex.status, ex.message)


def test_the_right_parts_still_pass(graded):
    zero = set(ZERO)
    for (student, gid), ex in graded.items():
        if (student, gid) not in zero and gid != "lab07_alert_pattern_hidden_test":
            assert ex.points == ex.max_points, (student, gid, ex.message)
    # the >= 36 pattern gets the integer cases right: only the cell with 35.01 loses its point
    assert graded[("misread-a", "lab07_alert_pattern_hidden_test")].points == 2
