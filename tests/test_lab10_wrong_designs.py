"""Lab 10's hidden tests catch wrong designs, not only wrong outputs.

Two submissions answer exercises with plausible misunderstandings; each gives the right output on the
visible examples (or most of them) and must still score 0 on its test cell through the grader:

* an upload that asks the API for the key, then writes the bytes with the notebook's own S3 client
  ("the notebook has credentials anyway"): a browser has only the presigned URL;
* a poll loop with no pause ("the result comes within milliseconds anyway"), hammering the API;
* a processor that catches every error and stores an error item, so a poison file never reaches the
  dead-letter queue and is never retried;
* a processor that keeps its results in the function's memory instead of DynamoDB (the API, another
  function, cannot see them; a new execution environment forgets them);
* a redrive that deletes every message it handled, including one whose invocation failed again; one
  that deletes before it invokes (an event lost if the invocation fails); one that invokes
  asynchronously (every event "succeeds", the failed one is deleted);
* a poll loop that treats every answer but 200 as "not yet" (a 500 is retried until the timeout);
* a cost that counts one API call per upload and forgets the result polls;
* a cost that forgets CloudWatch Logs ingestion (the month's bill as it was before 2026-12).

Exercise 7 (the student writes the processor's part of the SAM template; the grader deploys it as a
change set and checks behaviour and least privilege):

* a policy with Action "*" and Resource "*"; a policy naming the right actions on Resource "*";
* the processor's slice copied from template.yaml: S3ReadPolicy (the whole bucket), DynamoDBCrudPolicy
  (deletes items), a prefix-only filter (images invoke the function too);
* no dead-letter queue (a poison event is dropped after the retries);
* a template that deploys but whose trigger never fires (ObjectRemoved instead of ObjectCreated);
* alarms on the wrong metric (NumberOfMessagesSent), on the wrong queue (a literal name), with a
  threshold one message never crosses (GreaterThanThreshold 1), too slow (three 5-minute periods), and
  one that treats missing data (an idle queue) as breaching.
"""

from __future__ import annotations

import pytest

from conftest import ROOT
from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab10-capstone"

UPLOAD_WITH_OWN_CREDENTIALS = '''
def upload(api_url: str, filename: str, data: bytes) -> str:
    ticket = requests.post(f"{api_url}/uploads", json={"filename": filename}, timeout=30)
    ticket.raise_for_status()
    body = ticket.json()
    s3.put_object(Bucket=BUCKET, Key=body["key"], Body=data)      # simpler than the URL
    return body["file_id"]
'''

TIGHT_POLL = '''
def wait_for_result(api_url: str, file_id: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        response = requests.get(f"{api_url}/results/{file_id}", timeout=30)
        if response.status_code == 200:
            return response.json()
    raise TimeoutError(file_id)
'''

_PROCESSOR_HEAD = """
import csv
import io
import os
from decimal import Decimal
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def summarise(filename, data):
    if not filename.lower().endswith(".csv"):
        return {"kind": "other"}
    rows = [r for r in csv.reader(io.StringIO(data.decode("utf-8"))) if r]
    header, body = rows[0], rows[1:]
    for n, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise ValueError(f"row {n} has {len(row)} fields")
    numeric = {}
    for i, name in enumerate(header):
        try:
            values = [Decimal(r[i]) for r in body]
        except ArithmeticError:
            continue
        if values:
            numeric[name] = {"min": min(values), "max": max(values), "mean": round(sum(values) / len(values), 4)}
    return {"kind": "csv", "rows": len(body), "columns": header, "numeric": numeric}
"""

SWALLOW_POISON = "PROCESSOR_SRC = '''" + _PROCESSOR_HEAD + '''

def handler(event, context):
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        _, file_id, filename = key.split("/", 2)
        data = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read()
        item = {"file_id": file_id, "key": key, "filename": filename, "size": len(data)}
        try:
            item.update(summarise(filename, data))
        except Exception as exc:              # "never crash: record the problem instead"
            item.update(kind="error", error=str(exc))
        table.put_item(Item=item)
\'\'\'
'''

RESULTS_IN_MEMORY = "PROCESSOR_SRC = '''" + _PROCESSOR_HEAD + '''
RESULTS = {}                                   # "a cache is faster than a table"


def handler(event, context):
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        _, file_id, filename = key.split("/", 2)
        data = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read()
        RESULTS[file_id] = {"file_id": file_id, "key": key, "filename": filename, "size": len(data),
                            **summarise(filename, data)}
    return RESULTS
\'\'\'
'''

DELETE_EVERYTHING = '''
def redrive(queue_url: str, function_name: str) -> int:
    done = 0
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return done
        for message in batch:
            response = lam.invoke(FunctionName=function_name, Payload=message["Body"].encode())
            if "FunctionError" not in response:
                done += 1
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])   # handled either way
'''

NO_POLLS_IN_LAMBDA = '''
def capstone_monthly_cost(uploads_per_minute, polls_per_upload=3, file_kb=50, days=30):
    uploads = uploads_per_minute * 60 * 24 * days
    parts = [
        pricing.lambda_monthly_cost(uploads, 20, 256, architecture="arm64", free_tier=False),   # one API call per upload
        pricing.lambda_monthly_cost(uploads, 150, 256, architecture="arm64", free_tier=False),
        pricing.apigateway_cost(uploads * (1 + polls_per_upload), api="http"),
        pricing.s3_cost(storage_gb=uploads * file_kb / 1024 / 1024, puts=uploads, gets=uploads),
        pricing.dynamodb_on_demand_cost(writes=uploads, reads=uploads * polls_per_upload, item_kb=1, free_tier=False),
    ]
    return sum(p.total for p in parts)
'''

NO_LOGS_IN_COST = """
def capstone_monthly_cost(uploads_per_minute, polls_per_upload=3, file_kb=50, days=30, log_kb_per_call=1.0):
    uploads = uploads_per_minute * 60 * 24 * days
    calls = uploads * (1 + polls_per_upload)
    parts = [
        pricing.lambda_monthly_cost(calls, 20, 256, architecture="arm64", free_tier=False),
        pricing.lambda_monthly_cost(uploads, 150, 256, architecture="arm64", free_tier=False),
        pricing.apigateway_cost(calls, api="http"),
        pricing.s3_cost(storage_gb=uploads * file_kb / 1024 / 1024, puts=uploads, gets=uploads),
        pricing.dynamodb_on_demand_cost(writes=uploads, reads=uploads * polls_per_upload, item_kb=1, free_tier=False),
    ]
    return sum(p.total for p in parts)
"""


RETRY_EVERY_ERROR = """
def wait_for_result(api_url: str, file_id: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    pause = 0.05
    while True:
        response = requests.get(f"{api_url}/results/{file_id}", timeout=30)
        if response.status_code == 200:
            return response.json()
        if time.monotonic() > deadline:                # any other answer: "not yet", try again
            raise TimeoutError(file_id)
        time.sleep(pause)
        pause = min(pause * 2, 1.0)
"""

ASYNC_REDRIVE = """
def redrive(queue_url: str, function_name: str) -> int:
    done = 0
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return done
        for message in batch:
            response = lam.invoke(FunctionName=function_name, InvocationType="Event",     # "faster"
                                  Payload=message["Body"].encode())
            if "FunctionError" not in response:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                done += 1
"""

DELETE_THEN_INVOKE = """
def redrive(queue_url: str, function_name: str) -> int:
    done = 0
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return done
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])   # "so nobody else takes it"
            response = lam.invoke(FunctionName=function_name, Payload=message["Body"].encode())
            if "FunctionError" not in response:
                done += 1
"""


def _solution_slice() -> str:
    """The solution's PROCESS_SLICE cell, without the nbgrader markers (each wrong slice edits it)."""
    import nbformat

    nb = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if (c.metadata.get("nbgrader") or {}).get("grade_id") == "lab10_template_slice")
    return "\n".join(line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


def _slice(*edits: tuple[str, str]) -> str:
    text = _solution_slice()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    return text


_OWN_READ = """        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: !Sub "arn:aws:s3:::${AWS::StackName}-${AWS::AccountId}-uploads/uploads/*"
        - DynamoDBWritePolicy:
            TableName: !Ref ResultsTable
"""
_TEXT_EVENT = """        TextUploaded:
          Type: S3
          Properties:
            Bucket: !Ref UploadsBucket
            Events: s3:ObjectCreated:*
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: uploads/}
                  - {Name: suffix, Value: .txt}
"""
_DLQ = """      DeadLetterQueue:
        Type: SQS
        TargetArn: !GetAtt PoisonQueue.Arn
"""
ADMIN_SLICE_SLOW_ALARM = _slice(
    (_OWN_READ, "        - Statement:\n            - {Effect: Allow, Action: '*', Resource: '*'}   # \"it just works\"\n"),
    ("      Period: 60\n      EvaluationPeriods: 1\n", "      Period: 300\n      EvaluationPeriods: 3\n"))
NEVER_FIRES_SLICE = _slice(
    ("Events: s3:ObjectCreated:*", "Events: s3:ObjectRemoved:*"),          # both events
    (_OWN_READ, "        - Statement:\n            - Effect: Allow\n              Action: [s3:GetObject, dynamodb:PutItem]\n"
                "              Resource: '*'\n"),
    ("MetricName: ApproximateNumberOfMessagesVisible", "MetricName: NumberOfMessagesSent"))
NO_DLQ_SLICE = _slice((_DLQ, ""), ("      Threshold: 0\n", "      Threshold: 1\n"))
COPIED_SLICE = _slice(
    (_OWN_READ, "        - S3ReadPolicy:\n            BucketName: !Sub \"${AWS::StackName}-${AWS::AccountId}-uploads\"\n"
                "        - DynamoDBCrudPolicy:\n            TableName: !Ref ResultsTable\n"),
    (_TEXT_EVENT, ""), ("                  - {Name: suffix, Value: .csv}\n", ""),
    ("Value: !GetAtt PoisonQueue.QueueName", "Value: PoisonQueue"))
IDLE_ALARM_SLICE = _slice(("TreatMissingData: notBreaching", "TreatMissingData: breaching"))

SUBMISSIONS = {
    "wrong-a": {"lab10_upload": (UPLOAD_WITH_OWN_CREDENTIALS, ["lab10_upload_test"]),
                "lab10_wait": (TIGHT_POLL, ["lab10_wait_test"]),
                "lab10_processor": (SWALLOW_POISON, ["lab10_processor_poison"]),
                "lab10_redrive": (DELETE_EVERYTHING, ["lab10_redrive_test"]),
                "lab10_cost": (NO_POLLS_IN_LAMBDA, ["lab10_cost_test"]),
                "lab10_template_slice": (ADMIN_SLICE_SLOW_ALARM, ["lab10_slice_least_privilege", "lab10_slice_alarm"])},
    "wrong-b": {"lab10_processor": (RESULTS_IN_MEMORY, ["lab10_processor_csv", "lab10_processor_stored"]),
                "lab10_cost": (NO_LOGS_IN_COST, ["lab10_cost_test"]),
                "lab10_template_slice": (NEVER_FIRES_SLICE, ["lab10_slice_trigger", "lab10_slice_dlq",
                                                             "lab10_slice_least_privilege", "lab10_slice_alarm"])},
    "wrong-c": {"lab10_template_slice": (NO_DLQ_SLICE, ["lab10_slice_dlq", "lab10_slice_alarm"]),
                "lab10_redrive": (ASYNC_REDRIVE, ["lab10_redrive_test"])},
    "wrong-d": {"lab10_template_slice": (COPIED_SLICE, ["lab10_slice_trigger", "lab10_slice_least_privilege",
                                                        "lab10_slice_alarm"]),
                "lab10_redrive": (DELETE_THEN_INVOKE, ["lab10_redrive_test"])},
    "wrong-e": {"lab10_template_slice": (IDLE_ALARM_SLICE, ["lab10_slice_alarm"]),
                "lab10_wait": (RETRY_EVERY_ERROR, ["lab10_wait_test"])},
}
STILL_RIGHT = {"wrong-a": ["lab10_outputs_test", "lab10_processor_csv", "lab10_processor_stored", "lab10_slice_trigger",
                           "lab10_slice_dlq"],
               "wrong-b": ["lab10_outputs_test", "lab10_upload_test", "lab10_redrive_test"],
               "wrong-c": ["lab10_slice_trigger", "lab10_cost_test"],
               "wrong-d": ["lab10_slice_dlq"],
               "wrong-e": ["lab10_slice_trigger", "lab10_slice_dlq", "lab10_slice_least_privilege", "lab10_upload_test"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    students = {student: {sid: code for sid, (code, _tests) in wrong.items()} for student, wrong in SUBMISSIONS.items()}
    return grade_answers(LAB, students, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("student, test_id", [(s, t) for s, wrong in SUBMISSIONS.items()
                                              for _c, tests in wrong.values() for t in tests])
def test_wrong_design_scores_zero(graded, student, test_id):
    got = graded[student][test_id]
    assert got.points == 0, (student, test_id, got.status, got.message)


@pytest.mark.parametrize("student, test_id", [(s, t) for s, ids in STILL_RIGHT.items() for t in ids])
def test_the_right_parts_still_score(graded, student, test_id):
    got = graded[student][test_id]
    assert got.points == got.max_points, (student, test_id, got.message)
