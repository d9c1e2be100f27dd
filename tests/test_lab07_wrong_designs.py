"""Lab 07's hidden tests catch wrong designs, not only wrong outputs.

Two submissions answer the exercises with plausible misunderstandings; each such answer passes (most of) the
visible examples and must still score 0 on its exercise through the grader:

* a pattern that says ``>= 36`` where the rule is "a number above 35" (fine for integers, wrong for 35.5);
* an SQS handler that raises when one message is bad, failing the whole batch;
* a handler that returns ``batchItemFailures`` on a mapping without ``ReportBatchItemFailures`` (ignored:
  the bad messages are deleted as if they had succeeded);
* a redrive that moves one ``receive_message`` worth (10 messages) and stops;
* ``rate(1 day)`` or a UTC cron where the job must run at 02:30 Paris time;
* de-duplication in a module-level set (lost when the duplicate lands in a new execution environment);
* Powertools' ``@idempotent`` on the whole SQS handler (the batch differs on every delivery, so nothing is
  ever a duplicate).
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

STUDENTS = {
    "misread-a": {"lab07_alert_pattern": INTEGER_THRESHOLD, "lab07_orders": RAISE_WHOLE_BATCH,
                  "lab07_redrive": ONE_RECEIVE, "lab07_nightly": DAILY_RATE, "lab07_payments": MODULE_SET},
    "misread-b": {"lab07_orders": NO_REPORT_SETTING, "lab07_nightly": UTC_CRON,
                  "lab07_payments": WHOLE_EVENT_IDEMPOTENT},
}
# (student, test cell) -> must score 0
ZERO = [("misread-a", "lab07_alert_pattern_test"), ("misread-a", "lab07_orders_partial_test"),
        ("misread-a", "lab07_orders_dlq_test"), ("misread-a", "lab07_redrive_test"),
        ("misread-a", "lab07_nightly_test"), ("misread-a", "lab07_payments_test"),
        ("misread-a", "lab07_payments_new_env_test"),
        ("misread-b", "lab07_orders_partial_test"), ("misread-b", "lab07_orders_dlq_test"),
        ("misread-b", "lab07_nightly_test"), ("misread-b", "lab07_payments_test"),
        ("misread-b", "lab07_payments_new_env_test")]


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
