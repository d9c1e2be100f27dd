"""Lab 06's hidden tests catch wrong designs, not only wrong outputs.

One submission answers every exercise with a plausible misunderstanding; each gives the right output on
at least some visible examples and must still score 0 on its exercise through the grader:

* routing decided by a Lambda function (a Task) instead of a Choice state, in JSONPath;
* retries written as a loop inside the payment handler, and no Retry in the state machine (the history
  shows one attempt; the function is billed for the waiting);
* a saga whose Catches go straight to the Fail state: nothing is compensated;
* a Map without MaxConcurrency (every item at once);
* Express memory billed by the exact MB instead of 64 MB increments;
* Standard or Express chosen by price alone (exercise 6): Express for steps that are not idempotent, for a
  callback, ... (its budget cell still scores).

A second submission tries the other half of each pair (and must also score 0 where named):

* the course's own pricing helper called as the cost answer (the hidden test compares with literal values
  worked from AWS's prices, and refuses the helper);
* Retry on ``States.ALL``: a declined card is retried three times although it can never succeed;
* compensations in the wrong order (release before refund);
* a Map that ships one parcel at a time (``MaxConcurrency: 1``) when the carrier allows more;
* routing written in JSONPath when the exercise asks for JSONata;
* "always Standard" (exercise 6): safe, but over budget for high-volume idempotent work (its semantics cell
  still scores).

A third submission is right, with its prices in its own dict named ``pricing``: the check that refuses the
course's helper must not refuse a student's own name (its cost cell scores).

All three submissions are graded in one run of the grader.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab06-step-functions"

ROUTER_IN_CODE = '''
DECIDE_SRC = """
def handler(event, context):
    if event["country"] not in ("DE", "FR", "NL", "US"):
        return {**event, "route": "reject"}
    return {**event, "route": "manual" if event["amount"] >= 1000 and not event.get("vip") else "auto"}
"""
_decide_fn = None


def router_definition() -> dict:
    global _decide_fn
    if _decide_fn is None:
        _decide_fn = deploy(f"lab06-decide-{uuid.uuid4().hex[:6]}", DECIDE_SRC)
    return {"StartAt": "Decide", "States": {
        "Decide": {"Type": "Task", "Resource": _decide_fn, "Next": "Go"},
        "Go": {"Type": "Choice", "Choices": [
            {"Variable": "$.route", "StringEquals": "reject", "Next": "Unsupported"},
            {"Variable": "$.route", "StringEquals": "manual", "Next": "ManualReview"}], "Default": "AutoApprove"},
        "ManualReview": {"Type": "Pass", "Parameters": {"order_id.$": "$.order_id", "route": "manual"}, "End": True},
        "AutoApprove": {"Type": "Pass", "Parameters": {"order_id.$": "$.order_id", "route": "auto"}, "End": True},
        "Unsupported": {"Type": "Fail", "Error": "Order.UnsupportedCountry"}}}
'''

RETRY_IN_HANDLER = '''
PAYMENT_SRC = """
import os, time, boto3
ddb = boto3.client("dynamodb")

class GatewayTimeout(Exception):
    pass

class CardDeclined(Exception):
    pass

def gateway_charge(order):
    n = int(ddb.update_item(TableName=os.environ["ATTEMPTS"], Key={"pk": {"S": order["order_id"]}, "sk": {"S": "pay"}},
                            UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}},
                            ReturnValues="UPDATED_NEW")["Attributes"]["n"]["N"])
    if order.get("card") == "declined":
        raise CardDeclined("the issuer declined the card")
    if n <= order.get("flaky", 0):
        raise GatewayTimeout(f"attempt {n}: the gateway did not answer")
    return {"order_id": order["order_id"], "charged": order["amount"], "attempt": n}

def handler(event, context):
    for attempt in range(4):                 # retry here, with back-off
        try:
            return gateway_charge(event)
        except GatewayTimeout:
            if attempt == 3:
                raise
            time.sleep(0.01 * 2 ** attempt)
"""


def payment_definition(function_arn: str) -> dict:
    return {"StartAt": "Pay", "States": {"Pay": {"Type": "Task", "Resource": function_arn, "End": True}}}
'''

NO_COMPENSATION = '''
def saga_definition(fns: dict) -> dict:
    def step(name, nxt):
        return {"Type": "Task", "Resource": fns[name], "ResultPath": None, "Next": nxt,
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "OrderFailed"}]}
    return {"StartAt": "Reserve", "States": {
        "Reserve": step("reserve", "Charge"), "Charge": step("charge", "Ship"), "Ship": step("ship", "Done"),
        "Done": {"Type": "Succeed"},
        "OrderFailed": {"Type": "Fail", "Error": "OrderFailed", "Cause": "the order failed"}}}
'''

MAP_UNLIMITED = '''
def ship_all_definition(function_arn: str, limit: int) -> dict:
    return {"StartAt": "ShipAll", "States": {"ShipAll": {
        "Type": "Map", "ItemsPath": "$.items",
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "batch.$": "$.batch"},
        "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": {"Type": "Task", "Resource": function_arn, "End": True}}},
        "End": True}}}
'''

EXACT_MEMORY = '''
import math


def monthly_cost(kind: str, executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> float:
    if kind == "STANDARD":
        return max(executions * transitions - 4000, 0) * 0.025 / 1000
    billed_s = math.ceil(duration_s * 10 - 1e-9) / 10
    return executions * 1.00 / 1e6 + executions * billed_s * memory_mb / 1024 * 0.00001667


def cheaper(executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> str:
    if duration_s > 300:
        return "STANDARD"
    exp = monthly_cost("EXPRESS", executions, transitions, duration_s, memory_mb)
    return "EXPRESS" if exp < monthly_cost("STANDARD", executions, transitions, duration_s, memory_mb) else "STANDARD"
'''

CHEAPEST_ONLY = '''
import math


def choose_type(workload: dict) -> str:
    w = workload
    if w["duration_s"] > 300:
        return "STANDARD"
    std = max(w["executions"] * w["transitions"] - 4000, 0) * 0.025 / 1000
    exp = (w["executions"] / 1e6 + w["executions"] * math.ceil(w["duration_s"] * 10 - 1e-9) / 10
           * max(1, math.ceil(w["memory_mb"] / 64 - 1e-9)) * 64 / 1024 * 0.00001667)
    return "EXPRESS" if exp < std else "STANDARD"
'''

ROUTER_JSONPATH = '''
def router_definition() -> dict:
    return {"StartAt": "Route", "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Not": {"Or": [{"Variable": "$.country", "StringEquals": c} for c in ("DE", "FR", "NL", "US")]},
             "Next": "Unsupported"},
            {"And": [{"Variable": "$.amount", "NumericGreaterThanEquals": 1000},
                     {"Variable": "$.vip", "BooleanEquals": False}], "Next": "ManualReview"}], "Default": "AutoApprove"},
        "ManualReview": {"Type": "Pass", "Parameters": {"order_id.$": "$.order_id", "route": "manual"}, "End": True},
        "AutoApprove": {"Type": "Pass", "Parameters": {"order_id.$": "$.order_id", "route": "auto"}, "End": True},
        "Unsupported": {"Type": "Fail", "Error": "Order.UnsupportedCountry"}}}
'''

# the payment handler done right (the gateway code of RETRY_IN_HANDLER, no loop), and Retry on every error
RETRY_EVERYTHING = RETRY_IN_HANDLER[:RETRY_IN_HANDLER.index("def handler")] + '''def handler(event, context):
    return gateway_charge(event)
"""


def payment_definition(function_arn: str) -> dict:
    return {"StartAt": "Pay", "States": {"Pay": {
        "Type": "Task", "Resource": function_arn,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 3,
                   "JitterStrategy": "FULL"}],
        "End": True}}}
'''

COMPENSATE_IN_ORDER = '''
def saga_definition(fns: dict) -> dict:
    def step(name, nxt, on_error=None):
        state = {"Type": "Task", "Resource": fns[name], "ResultPath": None, "Next": nxt}
        if on_error:
            state["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": on_error}]
        return state
    return {"StartAt": "Reserve", "States": {
        "Reserve": step("reserve", "Charge", "OrderFailed"),
        "Charge": step("charge", "Ship", "ReleaseOnly"),
        "Ship": step("ship", "Done", "Release"),          # undo in the order the steps ran: wrong
        "Done": {"Type": "Succeed"},
        "Release": step("release", "Refund"),
        "Refund": step("refund", "OrderFailed"),
        "ReleaseOnly": step("release", "OrderFailed"),
        "OrderFailed": {"Type": "Fail", "Error": "OrderFailed", "Cause": "the order was rolled back"}}}
'''

MAP_ONE_AT_A_TIME = '''
def ship_all_definition(function_arn: str, limit: int) -> dict:
    return {"StartAt": "ShipAll", "States": {"ShipAll": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "batch.$": "$.batch"},
        "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": {"Type": "Task", "Resource": function_arn, "End": True}}},
        "End": True}}}
'''

PRICING_HELPER = '''
def monthly_cost(kind: str, executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> float:
    if kind == "STANDARD":
        return pricing.stepfunctions_standard_cost(executions * transitions).total
    return pricing.stepfunctions_express_cost(executions, duration_s, memory_mb).total


def cheaper(executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> str:
    if duration_s > 300:
        return "STANDARD"
    exp = monthly_cost("EXPRESS", executions, transitions, duration_s, memory_mb)
    return "EXPRESS" if exp < monthly_cost("STANDARD", executions, transitions, duration_s, memory_mb) else "STANDARD"
'''

OWN_PRICING_DICT = '''
pricing = {"standard_per_transition": 0.025 / 1000, "free_transitions": 4000,
           "express_per_request": 1.00 / 1e6, "express_per_gb_second": 0.00001667}


def monthly_cost(kind: str, executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> float:
    if kind == "STANDARD":
        return max(executions * transitions - pricing["free_transitions"], 0) * pricing["standard_per_transition"]
    billed_s = math.ceil(duration_s * 10 - 1e-9) / 10
    gb = max(1, math.ceil(memory_mb / 64 - 1e-9)) * 64 / 1024
    return executions * pricing["express_per_request"] + executions * billed_s * gb * pricing["express_per_gb_second"]


def cheaper(executions: float, transitions: float, duration_s: float, memory_mb: float = 64) -> str:
    if duration_s > 300:
        return "STANDARD"
    exp = monthly_cost("EXPRESS", executions, transitions, duration_s, memory_mb)
    return "EXPRESS" if exp < monthly_cost("STANDARD", executions, transitions, duration_s, memory_mb) else "STANDARD"
'''

ALWAYS_STANDARD = '''
def choose_type(workload: dict) -> str:
    return "STANDARD"
'''

# {student: {solution cell: (wrong answer, tests it must score 0 on)}}
WRONG = {
    "first": {"lab06_router": (ROUTER_IN_CODE, ["lab06_router_test"]),
              "lab06_payment": (RETRY_IN_HANDLER, ["lab06_payment_test", "lab06_payment_config_test"]),
              "lab06_saga": (NO_COMPENSATION, ["lab06_saga_compensation_test"]),
              "lab06_map": (MAP_UNLIMITED, ["lab06_map_test"]),
              "lab06_cost": (EXACT_MEMORY, ["lab06_cost_test"]),
              "lab06_choose": (CHEAPEST_ONLY, ["lab06_choose_semantics_test"])},
    "second": {"lab06_router": (ROUTER_JSONPATH, ["lab06_router_test"]),
               "lab06_payment": (RETRY_EVERYTHING, ["lab06_payment_config_test"]),
               "lab06_saga": (COMPENSATE_IN_ORDER, ["lab06_saga_compensation_test"]),
               "lab06_map": (MAP_ONE_AT_A_TIME, ["lab06_map_test"]),
               "lab06_cost": (PRICING_HELPER, ["lab06_cost_test"]),
               "lab06_choose": (ALWAYS_STANDARD, ["lab06_choose_budget_test"])},
}
# a right answer whose own price table is called `pricing`
RIGHT = {"third": {"lab06_cost": OWN_PRICING_DICT}}
# the parts of each wrong submission that are right still score
STILL_SCORE = {"first": ["lab06_saga_happy_test", "lab06_cheaper_test", "lab06_choose_budget_test"],
               "second": ["lab06_payment_test", "lab06_saga_happy_test", "lab06_cheaper_test",
                          "lab06_choose_semantics_test"],
               "third": ["lab06_cost_test", "lab06_cheaper_test"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = {student: {cell: code for cell, (code, _tests) in answers.items()} for student, answers in WRONG.items()}
    students.update(RIGHT)
    return grade_answers(LAB, students, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize(("student", "test_id"),
                         [(s, t) for s, answers in WRONG.items() for _c, tests in answers.values() for t in tests])
def test_wrong_design_scores_zero(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == 0, (student, test_id, result.status, result.message)


@pytest.mark.parametrize(("student", "test_id"), [(s, t) for s, tests in STILL_SCORE.items() for t in tests])
def test_the_right_parts_still_score(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == result.max_points, (student, test_id, result.message)
