"""Lab 09's hidden tests catch wrong designs, not only wrong outputs.

One submission answers several exercises with a plausible misunderstanding of the concept; each such answer
gives the right output on the visible examples and must still score 0 on its exercise through the grader:

* a query built by string formatting (quotes escaped by hand) instead of Data API parameters;
* a "transfer" made of separate autocommitted statements instead of one transaction;
* a Lambda handler that creates its database client on every invocation;
* a capacity range that keeps the floor at 0.5 ACU whatever the latency target allows;
* a connection count that ignores Aurora PostgreSQL's 2,000 cap at a minimum of 0 or 0.5 ACU (the formula alone);
* a capacity choice sized to the peak load (8 ACU), which leaves too few connections for the reporting job.

Sources: the 2,000 cap and AWS's max_connections table, Aurora User Guide, "Maximum connections for Aurora Serverless v2"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections,
read 2026-12-06).
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_wrong_designs

pytestmark = pytest.mark.notebook
LAB = "lab09-aurora-serverless"

FORMATTED_SQL = '''
def orders_of(customer: str) -> list[dict]:
    safe = customer.replace("'", "''")            # "escaping" by hand: the value is still part of the SQL text
    out = run(f"SELECT id, item, qty FROM orders WHERE customer = '{safe}' ORDER BY id")
    return [{"id": r[0]["longValue"], "item": r[1]["stringValue"], "qty": r[2]["longValue"]} for r in out["records"]]
'''

AUTOCOMMIT_TRANSFER = '''
def transfer(src: str, dst: str, amount: int) -> int:
    run("UPDATE accounts SET balance = balance - :a WHERE name = :n", a=amount, n=src)      # commits at once
    credited = run("UPDATE accounts SET balance = balance + :a WHERE name = :n", a=amount, n=dst)
    if credited["numberOfRecordsUpdated"] != 1:
        raise ValueError(f"no account {dst!r}")
    run("INSERT INTO transfers (src, dst, amount) VALUES (:s, :d, :a)", s=src, d=dst, a=amount)
    return run("SELECT balance FROM accounts WHERE name = :n", n=src)["records"][0][0]["longValue"]
'''

CLIENT_PER_INVOCATION = """
SIGNUP_SRC = '''
import os
import boto3


def handler(event, context):
    data = boto3.client("rds-data")              # a new client (and HTTPS connection) on every invocation
    common = {"resourceArn": os.environ["CLUSTER_ARN"], "secretArn": os.environ["SECRET_ARN"], "database": "shop"}
    data.execute_statement(sql="INSERT INTO signups (email) VALUES (:email) ON CONFLICT (email) DO NOTHING",
                           parameters=[{"name": "email", "value": {"stringValue": event["email"]}}], **common)
    total = data.execute_statement(sql="SELECT COUNT(*) FROM signups", **common)["records"][0][0]["longValue"]
    return {"email": event["email"], "total": total}
'''


def deploy_signup(name: str) -> str:
    run("CREATE TABLE IF NOT EXISTS signups (email TEXT PRIMARY KEY)")
    return deploy_function(name, SIGNUP_SRC, {"CLUSTER_ARN": ARN, "SECRET_ARN": SECRET})
"""

ALWAYS_WARM = '''
import math

def choose_capacity(load, latency_target_ms):
    return 0.5, max(1.0, math.ceil(max(load) / 50 * 2) / 2)   # never pause, size for the peak
'''

FORMULA_ONLY = '''
def lambda_concurrency_without_proxy(max_acu, other_connections=0, min_acu=1.0):
    max_connections = min(int(max_acu * 2 * 1024**3 // 9_531_392), 5000)     # min_acu ignored: no 2,000 cap
    return max(0, max_connections - 3 - other_connections)
'''

SIZED_TO_PEAK = '''
CAPACITY_CHOICE = {"MinCapacity": 0, "MaxCapacity": 8, "SecondsUntilAutoPause": 300}   # 400 statements/s = 8 ACU, no more
'''

WRONG = {"lab09_orders_of": (FORMATTED_SQL, "lab09_orders_of_test"),
         "lab09_transfer": (AUTOCOMMIT_TRANSFER, "lab09_transfer_rolls_back_test"),
         "lab09_signup": (CLIENT_PER_INVOCATION, "lab09_signup_test"),
         "lab09_choose_capacity": (ALWAYS_WARM, "lab09_choose_capacity_test"),
         "lab09_connections": (FORMULA_ONLY, "lab09_connections_test"),
         "lab09_capacity_choice": (SIZED_TO_PEAK, "lab09_capacity_choice_test")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_wrong_designs(LAB, WRONG, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("solution_id", list(WRONG))
def test_wrong_design_scores_zero(graded, solution_id):
    test_id = WRONG[solution_id][1]
    assert graded[test_id].points == 0, (test_id, graded[test_id].status, graded[test_id].message)


def test_the_decision_feedback_names_the_broken_requirement(graded):
    assert "connections" in graded["lab09_capacity_choice_test"].message, graded["lab09_capacity_choice_test"].message


def test_the_other_exercises_still_pass(graded):
    wrong = {t for _c, t in WRONG.values()}
    for gid, ex in graded.items():
        if gid not in wrong and gid != "lab09_transfer_commits_test":
            assert ex.points == ex.max_points, (gid, ex.message)
    # the autocommitted transfer gets the happy path right: only the rollback points are lost
    assert graded["lab09_transfer_commits_test"].points == graded["lab09_transfer_commits_test"].max_points
