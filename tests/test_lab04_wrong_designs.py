"""Lab 04's hidden tests catch wrong designs, not only wrong outputs (issues 21 and 27).

One submission answers with plausible misunderstandings; each passes at least some visible examples and
must still score 0 on the cell that checks its idea:

* optimistic locking that retries on *every* error: a missing table (which never succeeds) is retried
  ``max_attempts`` times and reported as a conflict, instead of its ``ResourceNotFoundException``;
* the course's helper called as the answer to the cost exercise (``pricing.dynamodb_on_demand_cost``): it
  prices what it is given, but never refuses an item over 400 KB, which DynamoDB cannot store;
* the design exercise 1 asks the student to reject: partition key ``order_id`` with a GSI on ``customer_id``
  (one customer's orders are spread over as many partition keys as orders; the main pattern reads an index);
* exercise 1's rejected alternatives guessed (every one "fails pattern 1"): the hidden test checks each of the
  four against the access pattern it cannot serve, and names the ones that are wrong.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_wrong_designs

pytestmark = pytest.mark.notebook
LAB = "lab04-dynamodb"

RETRY_EVERY_ERROR = '''
def add_to_balance(table_name: str, account_id: str, delta: int, max_attempts: int = 5) -> int:
    table = dynamodb.Table(table_name)
    for _ in range(max_attempts):
        try:
            item = table.get_item(Key={"account_id": account_id}, ConsistentRead=True).get("Item")
            if item is None:
                raise KeyError(account_id)
            new_balance = int(item["balance"]) + delta
            if new_balance < 0:
                raise ValueError(new_balance)
            table.update_item(Key={"account_id": account_id}, UpdateExpression="SET balance = :b, version = :next",
                              ConditionExpression="version = :seen",
                              ExpressionAttributeValues={":b": new_balance, ":next": item["version"] + 1, ":seen": item["version"]})
            return new_balance
        except ClientError:
            continue                                   # every error "might be a conflict"
    raise RuntimeError(f"gave up after {max_attempts} attempts")
'''

COST_FROM_HELPER = '''
def on_demand_monthly_cost(writes_per_day, reads_per_day, item_kb, strongly_consistent=False, days=30):
    return pricing.dynamodb_on_demand_cost(writes=writes_per_day * days, reads=reads_per_day * days, item_kb=item_kb,
                                           consistency="strong" if strongly_consistent else "eventual", free_tier=False).total
'''

ORDERS_BY_ORDER_ID = '''
def create_orders_table(name: str) -> None:
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}, {"AttributeName": "customer_id", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-customer", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "customer_id", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]}])


def put_order(name: str, order: dict) -> None:
    dynamodb.Table(name).put_item(Item={**order, "sk": f"{order['created_at']}#{order['order_id']}"})


def orders_for_customer(name: str, customer_id: str, start: str | None = None, end: str | None = None) -> list:
    cond = Key("customer_id").eq(customer_id)
    if start is not None and end is not None:
        cond = cond & Key("sk").between(start, end + "#\\uffff")
    elif start is not None:
        cond = cond & Key("sk").gte(start)
    elif end is not None:
        cond = cond & Key("sk").lte(end + "#\\uffff")
    kwargs = {"IndexName": "by-customer", "KeyConditionExpression": cond, "ScanIndexForward": False}
    items = []
    while True:
        page = dynamodb.Table(name).query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_order(name: str, order_id: str) -> dict | None:
    return dynamodb.Table(name).get_item(Key={"order_id": order_id}).get("Item")


def failing_pattern(design: str) -> int:
    return 1                                          # a guess: "every alternative breaks the main pattern"
'''

WRONG = {"lab04_optimistic_lock": (RETRY_EVERY_ERROR, ["lab04_optimistic_lock_test"]),
         "lab04_on_demand_cost": (COST_FROM_HELPER, ["lab04_on_demand_cost_test"]),
         "lab04_orders_design": (ORDERS_BY_ORDER_ID, ["lab04_orders_keys", "lab04_orders_rejected"])}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_wrong_designs(LAB, WRONG, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("test_id", [t for _c, tests in WRONG.values() for t in tests])
def test_wrong_design_scores_zero(graded, test_id):
    assert graded[test_id].points == 0, (test_id, graded[test_id].status, graded[test_id].message)


@pytest.mark.parametrize("test_id", ["lab04_optimistic_lock_conflict", "lab04_orders_by_customer", "lab04_orders_by_id"])
def test_the_right_parts_still_score(graded, test_id):
    # retrying every error still resolves real conflicts; the rejected key design still answers both patterns
    assert graded[test_id].points == graded[test_id].max_points, (test_id, graded[test_id].status, graded[test_id].message)


def test_a_guessed_rejection_is_told_which_designs_it_misjudged(graded):
    message = graded["lab04_orders_rejected"].message or ""
    assert "B fails pattern 3, not 1" in message and "C fails pattern 2, not 1" in message, message
    assert "A fails" not in message and "D fails" not in message, message   # the right guesses are not blamed


def test_the_feedback_says_what_to_retry(graded):
    message = graded["lab04_optimistic_lock_test"].message or ""
    assert "retry only a failed condition" in message, message
