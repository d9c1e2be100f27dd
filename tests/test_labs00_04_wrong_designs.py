"""Labs 00–04: the hidden tests catch wrong designs, not only wrong outputs.

One submission per lab answers every exercise with a plausible misunderstanding. Each wrong answer
gives the right output on at least some visible examples, and must still score 0 on the test cell
that checks its idea through the grader (the other cells of the same exercise may pass: partial
credit is one test cell per idea). All five labs are graded in one `grade()` call.
"""

from __future__ import annotations

import nbformat
import pytest

from conftest import ROOT
from grading_helpers import answer, write
from serverless_lab.grading.grade import grade

pytestmark = pytest.mark.notebook

# --- lab 00 -------------------------------------------------------------------------------------
SAVE_NOTE_CHARACTERS = '''
def save_note(bucket: str, key: str, text: str) -> int:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))
    return len(text)                                  # characters, not the bytes S3 stores
'''
COUNT_ONE_PAGE = '''
def count_objects(bucket: str, prefix: str = "") -> int:
    return s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("KeyCount", 0)   # one page: at most 1,000 keys
'''
BATCH_AS_WAIT_ALLOWS = '''
import math

def choose_batch(readings_per_day: int, max_wait_seconds: int) -> tuple[int, float]:
    b = max_wait_seconds * readings_per_day // 86_400 + 1      # every request costs, so batch as much as the wait allows
    return b, max(0, math.ceil(30 * readings_per_day / b) - 1_000_000) * 0.20 / 1_000_000
'''

# --- lab 01 -------------------------------------------------------------------------------------
VALIDATE_OWN_REQUEST_ID = '''
def validate_order(event, context):
    import json, uuid

    def respond(status, body):
        return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}

    if not isinstance(event, dict):
        return respond(400, {"error": "not an object", "field": None})
    order_id = event.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        return respond(400, {"error": "order_id", "field": "order_id"})
    quantity = event.get("quantity")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= 100:
        return respond(400, {"error": "quantity", "field": "quantity"})
    return respond(200, {"order_id": order_id, "quantity": quantity, "request_id": str(uuid.uuid4())})  # not this invocation's ID
'''
DEPLOY_BY_REPLACING = '''
def deploy(name: str, fn, memory_mb: int = 128, timeout_s: int = 3, env: dict | None = None) -> str:
    try:
        lam.delete_function(FunctionName=name)        # "simpler than updating": loses versions, aliases, permissions
    except ClientError:
        pass
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler=f"lambda_function.{fn.__name__}",
                              Code={"ZipFile": package_function(fn)}, MemorySize=memory_mb, Timeout=timeout_s,
                              Environment={"Variables": dict(env or {})})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return arn
'''
OUTCOME_FROM_PAYLOAD = '''
def invoke_outcome(name: str, event, qualifier: str | None = None) -> dict:
    kwargs = {"Qualifier": qualifier} if qualifier else {}
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event), **kwargs)
    payload = json.loads(resp["Payload"].read() or b"null")
    failed = isinstance(payload, dict) and "errorType" in payload       # guessed from the payload's shape
    return {"status_code": resp["StatusCode"], "executed_version": resp.get("ExecutedVersion"),
            "function_error": "Unhandled" if failed else None, "error_type": payload["errorType"] if failed else None,
            "payload": payload}
'''
REPORT_BY_POSITION = '''
def parse_report(line: str) -> dict | None:
    if not line.startswith("REPORT "):
        return None
    parts = line.strip().split("\\t")
    value = lambda i: parts[i].split(": ", 1)[1].split()[0]
    return {"request_id": parts[0].split(": ", 1)[1], "duration_ms": float(value(1)), "billed_ms": int(value(2)),
            "memory_mb": int(value(3)), "max_memory_mb": int(value(4)),
            "init_ms": float(value(5)) if len(parts) > 5 else None}        # whatever comes sixth
'''
COST_FIRST_STREAM = '''
GB_SECOND_USD = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
REQUEST_USD = 0.20 / 1_000_000


def log_group_cost(log_group: str, architecture: str = "x86_64") -> dict:
    stream = logs.describe_log_streams(logGroupName=log_group)["logStreams"][0]["logStreamName"]   # one environment only
    events = logs.get_log_events(logGroupName=log_group, logStreamName=stream, startFromHead=True)["events"]
    reports = [r for r in (parse_report(e["message"]) for e in events) if r]
    gb_seconds = sum(r["billed_ms"] / 1000 * r["memory_mb"] / 1024 for r in reports)
    return {"invocations": len(reports), "gb_seconds": gb_seconds,
            "usd": len(reports) * REQUEST_USD + gb_seconds * GB_SECOND_USD[architecture]}
'''
RELEASE_TO_LATEST = '''
def release(name: str, alias: str = "live", description: str = "") -> str:
    version = lam.publish_version(FunctionName=name, Description=description)["Version"]
    try:
        lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="$LATEST")   # "always the newest code"
    except ClientError:
        pass
    return version
'''
READER_ROLE_S3_STAR = '''
def create_reader_role(role_name: str, bucket: str) -> str:
    iam = boto3.client("iam", region_name="us-east-1")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role_name, PolicyName="everything-s3", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["logs:*"], "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    return arn
'''

# --- lab 02 -------------------------------------------------------------------------------------
FAST_LAZY = """
FAST_SOURCE = '''
import hashlib, os, time

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]

def load_table():
    time.sleep(0.4)
    salt = os.environ.get("SALT", "lab02")
    return {w: hashlib.sha256((salt + w).encode()).hexdigest()[:8] for w in WORDS}

TABLE = None

def lambda_handler(event, context):
    global TABLE
    if TABLE is None:              # built by the first request, inside Invoke: its caller waits
        TABLE = load_table()
    return {"word": event["word"], "code": TABLE.get(event["word"])}
'''
"""
PREDICT_LRU = '''
def predict_cold_starts(waves, keep_alive_s):
    t, last_used, cold = 0.0, [], 0
    for gap_s, n in waves:
        t += gap_s
        last_used = sorted(u for u in last_used if t - u < keep_alive_s)
        reused = min(n, len(last_used))
        cold += n - reused
        last_used = last_used[reused:] + [t] * n          # the least recently used first
    return cold
'''
SMALLEST_MEETING_TARGET = '''
def choose_provisioned(arrivals, window_s, target_p99_ms, candidates, duration_ms, init_ms, memory_mb, seed=0):
    for pc in sorted(candidates):                         # "more provisioned concurrency always costs more"
        trace = sim.simulate(arrivals, duration_ms=duration_ms, init_ms=init_ms, memory_mb=memory_mb, provisioned=pc, seed=seed)
        if sim.summary(trace)["p99_ms"] <= target_p99_ms:
            return pc
    return None
'''

# --- lab 03 -------------------------------------------------------------------------------------
LINK_UNCHECKED = '''
MAX_PRESIGN_SECONDS = 7 * 24 * 3600


def share_link(bucket: str, key: str, expires_in: int) -> str:
    if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
        raise ValueError(expires_in)
    return s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in)
'''
UNDO_BY_DELETING = '''
def undo_last_change(bucket: str, key: str) -> bytes:
    listing = s3.list_object_versions(Bucket=bucket, Prefix=key)
    marker = next((m for m in listing.get("DeleteMarkers", []) if m["Key"] == key and m["IsLatest"]), None)
    if marker:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=marker["VersionId"])
    else:
        versions = [v for v in listing.get("Versions", []) if v["Key"] == key]
        if len(versions) < 2:
            raise LookupError(key)
        current = next(v for v in versions if v["IsLatest"])
        s3.delete_object(Bucket=bucket, Key=key, VersionId=current["VersionId"])   # destroys the overwritten data
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
'''
CSV_FILTER_IN_CODE = """
CSV_SRC = '''
import csv, io, os
from decimal import Decimal
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    for record in event["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        if not (key.startswith("incoming/") and key.endswith(".csv")):   # filtered here, after a billed invocation
            continue
        text = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read().decode()
        rows = list(csv.DictReader(io.StringIO(text)))
        table.put_item(Item={"file": key, "rows": len(rows), "total": sum((Decimal(r["amount"]) for r in rows), Decimal(0))})
'''


def build_csv_pipeline(bucket: str, table: str, function_name: str) -> str:
    arn = deploy_function(function_name, CSV_SRC, env={"TABLE_NAME": table})
    lam.add_permission(FunctionName=function_name, StatementId="allow-s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}", SourceAccount=aws.account_id)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    return arn
"""
TALLY_IN_MEMORY = """
TALLY_SRC = '''
import os

import boto3

ddb = boto3.client("dynamodb")
TABLE = os.environ["TABLE_NAME"]
SEEN = set()                                   # lives in one warm environment only


def handler(event, context):
    for record in event["Records"]:
        bucket, obj = record["s3"]["bucket"]["name"], record["s3"]["object"]
        event_key = f"{bucket}/{obj['key']}/{obj['sequencer']}"
        if event_key in SEEN:
            continue
        SEEN.add(event_key)
        ddb.update_item(TableName=TABLE, Key={"pk": {"S": f"bucket#{bucket}"}}, UpdateExpression="ADD files :one, #b :size",
                        ExpressionAttributeNames={"#b": "bytes"},
                        ExpressionAttributeValues={":one": {"N": "1"}, ":size": {"N": str(obj.get("size", 0))}})
'''
"""
ARCHIVE_VALIDATES_AFTER = '''
def archive_after(bucket: str, prefix: str, ia_days: int, expire_days: int) -> list:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
        "ID": f"archive-{prefix}", "Status": "Enabled", "Filter": {"Prefix": prefix},
        "Transitions": [{"Days": ia_days, "StorageClass": "STANDARD_IA"}], "Expiration": {"Days": expire_days}}]})
    if ia_days < 30 or expire_days <= ia_days:         # checked after the rule is already written
        raise ValueError((ia_days, expire_days))
    return s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
'''

# --- lab 04 -------------------------------------------------------------------------------------
ORDERS_ONE_PARTITION = '''
def create_orders_table(name: str) -> None:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}])


def put_order(name: str, order: dict) -> None:
    dynamodb.Table(name).put_item(Item={**order, "pk": "ORDERS", "sk": f"{order['created_at']}#{order['order_id']}"})


def orders_for_customer(name: str, customer_id: str, start: str | None = None, end: str | None = None) -> list:
    cond = Key("pk").eq("ORDERS")
    if start is not None or end is not None:
        cond = cond & Key("sk").between(start or "", (end or "\\uffff") + "#\\uffff")
    kwargs = {"KeyConditionExpression": cond, "FilterExpression": Attr("customer_id").eq(customer_id), "ScanIndexForward": False}
    items = []
    while True:
        page = dynamodb.Table(name).query(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def get_order(name: str, order_id: str) -> dict | None:
    fresh = boto3.resource("dynamodb", region_name=REGION).Table(name)          # a client the test "cannot see"
    found = fresh.scan(FilterExpression=Attr("order_id").eq(order_id))["Items"]
    return found[0] if found else None


def failing_pattern(design: str) -> int:
    # D is this cell's own design, judged as its author sees it: "one partition only slows writes down"
    return {"A": 1, "B": 3, "C": 2, "D": 3}[design]
'''
BOOK_READ_THEN_WRITE = '''
def book_seat(table_name: str, show_id: str, seat: str, customer: str) -> bool:
    key = {"show_id": {"S": show_id}, "seat": {"S": seat}}
    if "Item" in ddb.get_item(TableName=table_name, Key=key, ConsistentRead=True):
        return False
    ddb.put_item(TableName=table_name, Item={**key, "customer": {"S": customer}})   # someone may have booked meanwhile
    return True
'''
BALANCE_WITHOUT_CONDITION = '''
def add_to_balance(table_name: str, account_id: str, delta: int, max_attempts: int = 5) -> int:
    table = dynamodb.Table(table_name)
    item = table.get_item(Key={"account_id": account_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise KeyError(account_id)
    new_balance = int(item["balance"]) + delta
    if new_balance < 0:
        raise ValueError(new_balance)
    table.put_item(Item={"account_id": account_id, "balance": new_balance, "version": item["version"] + 1})   # last writer wins
    return new_balance
'''
AGGREGATE_IN_MEMORY = """
AGGREGATE_SRC = '''
import os
from decimal import Decimal

import boto3

stats = boto3.resource("dynamodb").Table(os.environ["STATS_TABLE"])
ORDERS, REVENUE = 0, Decimal(0)                # running totals in the warm environment's memory


def handler(event, context):
    global ORDERS, REVENUE
    for record in event["Records"]:
        change = record["dynamodb"]
        new = Decimal(change["NewImage"]["amount"]["N"]) if "NewImage" in change else Decimal(0)
        old = Decimal(change["OldImage"]["amount"]["N"]) if "OldImage" in change else Decimal(0)
        ORDERS += {"INSERT": 1, "REMOVE": -1}.get(record["eventName"], 0)
        REVENUE += new - old
    stats.put_item(Item={"pk": "TOTAL", "orders": ORDERS, "revenue": REVENUE})
'''


def wire_aggregate(orders_table: str, stats_table: str, function_name: str) -> str:
    arn = ddb.update_table(TableName=orders_table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    deploy_function(function_name, AGGREGATE_SRC, env={"STATS_TABLE": stats_table})
    return lam.create_event_source_mapping(EventSourceArn=arn["TableDescription"]["LatestStreamArn"], FunctionName=function_name,
                                           StartingPosition="LATEST", BatchSize=100)["UUID"]
"""
COST_FRACTIONAL_UNITS = '''
import math

WRU_USD = 0.625 / 1_000_000
RRU_USD = 0.125 / 1_000_000


def on_demand_monthly_cost(writes_per_day, reads_per_day, item_kb, strongly_consistent=False, days=30):
    if item_kb > 400:
        raise ValueError(item_kb)
    wru, rru = item_kb, item_kb / 4 * (1 if strongly_consistent else 0.5)     # units are not fractional: they round up
    return days * (writes_per_day * wru * WRU_USD + reads_per_day * rru * RRU_USD)
'''

# lab -> {solution cell: (wrong code, [test cells that must score 0])}
WRONG = {
    "lab00-welcome": {
        "lab00_save_note": (SAVE_NOTE_CHARACTERS, ["lab00_save_note_test"]),
        "lab00_count_objects": (COUNT_ONE_PAGE, ["lab00_count_objects_test"]),
        "lab00_request_charge": (BATCH_AS_WAIT_ALLOWS, ["lab00_request_charge_test"]),
    },
    "lab01-lambda-basics": {
        "lab01_validate_order": (VALIDATE_OWN_REQUEST_ID, ["lab01_validate_order_test"]),
        "lab01_deploy": (DEPLOY_BY_REPLACING, ["lab01_deploy_update"]),
        "lab01_invoke_outcome": (OUTCOME_FROM_PAYLOAD, ["lab01_invoke_outcome_test"]),
        "lab01_parse_report": (REPORT_BY_POSITION, ["lab01_parse_report_test"]),
        "lab01_log_group_cost": (COST_FIRST_STREAM, ["lab01_log_group_cost_test"]),
        "lab01_release": (RELEASE_TO_LATEST, ["lab01_release_test"]),
        "lab01_reader_role": (READER_ROLE_S3_STAR, ["lab01_reader_role_least"]),
    },
    "lab02-cold-starts-and-scaling": {
        "lab02_fast_source": (FAST_LAZY, ["lab02_fast_source_init"]),
        "lab02_predict_cold_starts": (PREDICT_LRU, ["lab02_predict_cold_starts_test"]),
        "lab02_choose_provisioned": (SMALLEST_MEETING_TARGET, ["lab02_choose_provisioned_cheapest"]),
    },
    "lab03-s3-and-events": {
        "lab03_share_link": (LINK_UNCHECKED, ["lab03_share_link_refuse"]),
        "lab03_undo_last_change": (UNDO_BY_DELETING, ["lab03_undo_last_change_test"]),
        "lab03_csv_pipeline": (CSV_FILTER_IN_CODE, ["lab03_csv_wiring"]),
        "lab03_idempotent_tally": (TALLY_IN_MEMORY, ["lab03_idempotent_tally_duplicates"]),
        "lab03_archive_after": (ARCHIVE_VALIDATES_AFTER, ["lab03_archive_after_validate"]),
    },
    "lab04-dynamodb": {
        "lab04_orders_design": (ORDERS_ONE_PARTITION, ["lab04_orders_keys", "lab04_orders_by_customer", "lab04_orders_by_id",
                                                "lab04_orders_rejected"]),
        "lab04_book_seat": (BOOK_READ_THEN_WRITE, ["lab04_book_seat_race"]),
        "lab04_optimistic_lock": (BALANCE_WITHOUT_CONDITION, ["lab04_optimistic_lock_conflict"]),
        "lab04_stream_aggregate": (AGGREGATE_IN_MEMORY, ["lab04_stream_aggregate_stateless"]),
        "lab04_on_demand_cost": (COST_FRACTIONAL_UNITS, ["lab04_on_demand_cost_test"]),
    },
}
# Cells of the same exercises that check another idea, which the wrong answer gets right: partial credit stays.
STILL_SCORE = {
    "lab01-lambda-basics": ["lab01_validate_order_rejects", "lab01_validate_order_types", "lab01_deploy_test",
                            "lab01_reader_role_usable", "lab01_log_group_cost_usd"],
    "lab02-cold-starts-and-scaling": ["lab02_fast_source_test", "lab02_choose_provisioned_test"],   # Ex 3: test_lab02_wrong_designs.py
    "lab03-s3-and-events": ["lab03_csv_handler", "lab03_idempotent_tally_test", "lab03_archive_after_test",
                            "lab03_share_link_test", "lab03_undo_delete"],
    "lab04-dynamodb": ["lab04_book_seat_test", "lab04_optimistic_lock_test", "lab04_stream_aggregate_test"],
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    subs, out = tmp_path_factory.mktemp("subs"), tmp_path_factory.mktemp("out")
    for lab, wrong in WRONG.items():
        nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
        for solution_id, (code, _tests) in wrong.items():
            answer(nb, solution_id, code.strip("\n"))
        write(subs, "wrong-designs", nb, lab=lab)
    report = grade(subs, out, workers=2, quiet=True)
    return {r.lab: {e.grade_id: e for e in r.exercises} for r in report.results}


@pytest.mark.parametrize("lab,test_id", [(lab, t) for lab, wrong in WRONG.items()
                                         for _code, tests in wrong.values() for t in tests])
def test_wrong_design_scores_zero(graded, lab, test_id):
    cell = graded[lab][test_id]
    assert cell.points == 0, (test_id, cell.status, cell.message)


@pytest.mark.parametrize("lab,test_id", [(lab, t) for lab, ids in STILL_SCORE.items() for t in ids])
def test_the_right_parts_still_score(graded, lab, test_id):
    cell = graded[lab][test_id]
    assert cell.points == cell.max_points, (test_id, cell.status, cell.message)
