"""Lab 03's hidden tests catch wrong designs, not only wrong outputs (issues 21 and 27).

One submission answers exercises 4 and 5 with plausible misunderstandings; each gives the right output on
the visible examples of at least one cell and must still score 0 on the cell that checks its idea:

* an idempotent tally in two separate writes: a conditional ``PutItem`` that records the delivery, then the
  ``ADD`` to the tally. Duplicates are caught, but a failure between the two writes (the test makes the tally
  write fail, then delivers the event again) loses the upload: the record says "done" for work never done;
* the lifecycle rule everybody copies, "Standard-IA after 30 days", whatever the objects: for small objects
  (billed as 128 KB), short-lived ones (billed 30 days) or often-read ones (retrieval) it costs more than it saves.

A second student answers exercise 5 with "transition when the object is at least 128 KB", which ignores the
30-day minimum, the retrieval fee and the transition request.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab03-s3-and-events"

TALLY_TWO_WRITES = """
TALLY_SRC = '''
import os

import boto3

ddb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]


def handler(event, context):
    for record in event["Records"]:
        bucket, obj = record["s3"]["bucket"]["name"], record["s3"]["object"]
        try:                                   # 1. remember the delivery (conditional: duplicates stop here)
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"event#{bucket}/{obj['key']}/{obj['sequencer']}"}},
                         ConditionExpression="attribute_not_exists(pk)")
        except ddb.exceptions.ConditionalCheckFailedException:
            continue
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": f"bucket#{bucket}"}},   # 2. a separate write: may never happen
                        UpdateExpression="ADD files :one, #b :size", ExpressionAttributeNames={"#b": "bytes"},
                        ExpressionAttributeValues={":one": {"N": "1"}, ":size": {"N": str(obj.get("size", 0))}})
'''
"""

ALWAYS_AFTER_30_DAYS = '''
def plan_lifecycle(object_kb: float, keep_days: int, reads_per_month: float) -> int | None:
    return 30 if keep_days > 30 else None          # "Standard-IA after 30 days", for every prefix
'''

WHEN_AT_LEAST_128_KB = '''
def plan_lifecycle(object_kb: float, keep_days: int, reads_per_month: float) -> int | None:
    return 30 if object_kb >= 128 and keep_days > 30 else None     # only the minimum size considered
'''

STUDENTS = {"two-writes-always-30": {"lab03_idempotent_tally": TALLY_TWO_WRITES,
                                     "lab03_lifecycle_plan": ALWAYS_AFTER_30_DAYS},
            "size-only": {"lab03_lifecycle_plan": WHEN_AT_LEAST_128_KB}}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_answers(LAB, STUDENTS, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("student,test_id", [("two-writes-always-30", "lab03_idempotent_tally_partial"),
                                             ("two-writes-always-30", "lab03_lifecycle_plan_test"),
                                             ("size-only", "lab03_lifecycle_plan_test")])
def test_wrong_design_scores_zero(graded, student, test_id):
    cell = graded[student][test_id]
    assert cell.points == 0, (student, test_id, cell.status, cell.message)


@pytest.mark.parametrize("test_id", ["lab03_idempotent_tally_test", "lab03_idempotent_tally_duplicates",
                                     "lab03_archive_after_test", "lab03_archive_after_validate"])
def test_the_right_parts_still_score(graded, test_id):
    # two writes count each upload once and stop duplicates: only the failure-between-writes cell is lost
    cell = graded["two-writes-always-30"][test_id]
    assert cell.points == cell.max_points, (test_id, cell.status, cell.message)


def test_the_feedback_names_the_cost_paid(graded):
    message = graded["size-only"]["lab03_lifecycle_plan_test"].message or ""
    assert "per million objects" in message and "Standard-IA" in message, message
