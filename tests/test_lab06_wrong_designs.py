"""Lab 06's hidden tests catch wrong designs, not only wrong outputs.

One submission answers every exercise with a plausible misunderstanding; each gives the right output on
at least some visible examples and must still score 0 on its exercise through the grader:

* routing decided by a Lambda function (a Task) instead of a Choice state, in JSONPath;
* retries written as a loop inside the payment handler, and no Retry in the state machine (the history
  shows one attempt; the function is billed for the waiting);
* a saga whose Catches go straight to the Fail state: nothing is compensated;
* a Map without MaxConcurrency (every item at once);
* Express memory billed by the exact MB instead of 64 MB increments.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_wrong_designs

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

WRONG = {"lab06_router": (ROUTER_IN_CODE, ["lab06_router_test"]),
         "lab06_payment": (RETRY_IN_HANDLER, ["lab06_payment_test", "lab06_payment_config_test"]),
         "lab06_saga": (NO_COMPENSATION, ["lab06_saga_compensation_test"]),
         "lab06_map": (MAP_UNLIMITED, ["lab06_map_test"]),
         "lab06_cost": (EXACT_MEMORY, ["lab06_cost_test"])}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_wrong_designs(LAB, WRONG, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("test_id", [t for _c, tests in WRONG.values() for t in tests])
def test_wrong_design_scores_zero(graded, test_id):
    assert graded[test_id].points == 0, (test_id, graded[test_id].status, graded[test_id].message)


def test_the_right_parts_still_score(graded):
    # a saga without compensation still runs the happy path; the cost-comparison answer is right
    for test_id in ("lab06_saga_happy_test", "lab06_cheaper_test"):
        assert graded[test_id].points == graded[test_id].max_points, (test_id, graded[test_id].message)
