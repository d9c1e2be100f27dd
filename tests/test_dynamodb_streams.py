"""DynamoDB Streams → Lambda: each change reaches the handler once, in order per item.

AWS ("DynamoDB Streams and AWS Lambda triggers", DynamoDB Developer Guide): every item change
appears in the stream exactly once and in the order it was made to that item, and the event
source mapping hands a shard's records to the function in order; a record reaches the
function again only when a batch is retried after a failure. These tests write from several
threads at once (the case where a mock is tempted to hand the same pending records to two
invocations) and check what the handler saw.
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import boto3
import pytest

from lambda_helpers import create

THREADS, WRITES, KEYS_PER_THREAD = 8, 20, 4

# The handler logs each batch it gets (one item per invocation, stamped with the time it ran):
# one write per invocation keeps the test fast; the stamps give the order of delivery.
SINK = """
    import json, os, time, boto3
    sink = boto3.client("dynamodb")
    def handler(event, context):
        seen = []
        for r in event["Records"]:
            d = r["dynamodb"]
            seen.append([r["eventID"], r["eventName"], d["SequenceNumber"], d["Keys"]["pk"]["S"],
                         int(d["NewImage"]["v"]["N"]) if "NewImage" in d else None])
        sink.put_item(TableName=os.environ["SINK"], Item={"pk": {"S": context.aws_request_id},
                      "at": {"N": str(time.time_ns())}, "seen": {"S": json.dumps(seen)}})
        return {"records": len(seen)}
"""


def _table(ddb, name: str, **kw) -> None:
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", **kw)


def _scan(ddb, name: str) -> list[dict]:
    return [item for page in ddb.get_paginator("scan").paginate(TableName=name, ConsistentRead=True)
            for item in page["Items"]]


def _delivery_log(ddb, sink: str) -> list[list]:
    """Every record the handler got, in the order the invocations ran: [eventID, name, seq, key, v]."""
    batches = sorted(_scan(ddb, sink), key=lambda item: int(item["at"]["N"]))
    return [record for item in batches for record in json.loads(item["seen"]["S"])]


def _seen(ddb, sink: str) -> dict[str, list[list]]:
    return {item["pk"]["S"]: [json.loads(v["S"]) for v in item["seen"]["L"]] for item in _scan(ddb, sink)}


def _write_concurrently(source: str, tag: str) -> dict[str, int]:
    """THREADS threads × WRITES put_item; each thread owns KEYS_PER_THREAD keys, written in turn
    with an increasing version ``v``. Returns the number of versions written per key."""
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(t: int) -> None:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        start.wait()
        try:
            for i in range(WRITES):
                ddb.put_item(TableName=source, Item={"pk": {"S": f"{tag}-t{t}-k{i % KEYS_PER_THREAD}"},
                                                     "v": {"N": str(i // KEYS_PER_THREAD)}})
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    return {f"{tag}-t{t}-k{k}": WRITES // KEYS_PER_THREAD for t in range(THREADS) for k in range(KEYS_PER_THREAD)}


def _drain(aws) -> None:
    handle = aws.extension("integrations")
    streams = getattr(handle, "streams", None)
    if streams is not None:
        streams.drain()
    aws.extension("lambda").wait_idle(30)


def test_concurrent_writes_reach_the_handler_once_each_in_order_per_item(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    source, sink = unique("orders"), unique("seen")
    _table(ddb, source, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    _table(ddb, sink)
    stream_arn = ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"]
    name = unique("on-order")
    create(lam, name, SINK, Timeout=30, Environment={"Variables": {"SINK": sink}})
    lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=name,
                                    StartingPosition="LATEST", BatchSize=100)
    problems: list[str] = []
    for round_ in range(20):
        expected = _write_concurrently(source, f"r{round_}")
        _drain(aws)
        log = [e for e in _delivery_log(ddb, sink) if e[3].startswith(f"r{round_}-")]
        ids = Counter(e[0] for e in log)
        dups = {i: n for i, n in ids.items() if n > 1}
        if dups:
            problems.append(f"round {round_}: {len(dups)} record(s) delivered more than once")
        if len(ids) != THREADS * WRITES:
            problems.append(f"round {round_}: {len(ids)} distinct records of {THREADS * WRITES}")
        for key, n in expected.items():
            mine = [e for e in log if e[3] == key]
            names, versions, seqs = [e[1] for e in mine], [e[4] for e in mine], [int(e[2]) for e in mine]
            if versions != list(range(n)) or names != ["INSERT"] + ["MODIFY"] * (n - 1) or seqs != sorted(set(seqs)):
                problems.append(f"round {round_}: {key} saw {list(zip(names, versions, seqs))}")
                break
    assert not problems, "\n".join(problems[:10])
    # Sequence numbers are unique and follow the order of delivery (the shard's order).
    every = [int(e[2]) for e in _delivery_log(ddb, sink)]
    assert every == sorted(set(every)) and len(every) == 20 * THREADS * WRITES


# -- one item written from many threads ---------------------------------------------------------

COUNTER = """
    import json, os, boto3
    sink = boto3.client("dynamodb")
    def handler(event, context):
        seen = [{"S": json.dumps([r["eventName"], r["dynamodb"].get("OldImage", {}).get("n", {}).get("N"),
                                  r["dynamodb"]["NewImage"]["n"]["N"]])} for r in event["Records"]]
        sink.update_item(TableName=os.environ["SINK"], Key={"pk": {"S": "log"}},
                         UpdateExpression="SET seen = list_append(if_not_exists(seen, :none), :new)",
                         ExpressionAttributeValues={":none": {"L": []}, ":new": {"L": seen}})
"""


def test_concurrent_updates_of_one_item_appear_in_the_order_the_table_applied_them(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    source, sink = unique("counter"), unique("seen")
    _table(ddb, source, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    _table(ddb, sink)
    name = unique("on-count")
    create(lam, name, COUNTER, Timeout=30, Environment={"Variables": {"SINK": sink}})
    lam.create_event_source_mapping(EventSourceArn=ddb.describe_table(TableName=source)["Table"]["LatestStreamArn"],
                                    FunctionName=name, StartingPosition="LATEST")
    start = threading.Barrier(THREADS)

    def bump() -> None:
        client = boto3.client("dynamodb", region_name="us-east-1")
        start.wait()
        for _ in range(10):
            client.update_item(TableName=source, Key={"pk": {"S": "hits"}}, UpdateExpression="ADD n :one",
                               ExpressionAttributeValues={":one": {"N": "1"}})

    threads = [threading.Thread(target=bump) for _ in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _drain(aws)
    assert ddb.get_item(TableName=source, Key={"pk": {"S": "hits"}})["Item"]["n"] == {"N": str(THREADS * 10)}
    seen = _seen(ddb, sink)["log"]
    # each change once, each one's old image the previous one's new image: the table's own order
    assert [(e[1], e[2]) for e in seen] == [(None if i == 0 else str(i), str(i + 1)) for i in range(THREADS * 10)]
    assert [e[0] for e in seen] == ["INSERT"] + ["MODIFY"] * (THREADS * 10 - 1)


# -- the stream is a log; mappings have positions -------------------------------------------------

ECHO = """
    def handler(event, context):
        for r in event["Records"]:
            if r["dynamodb"].get("NewImage", {}).get("poison"):
                raise ValueError("poison record " + r["dynamodb"]["SequenceNumber"])
        return {"n": len(event["Records"])}
"""


def _stream_table(ddb, name: str) -> str:
    _table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def _delivered(aws, name: str) -> list[str]:
    """Sequence numbers the function received in successful batches, in order."""
    return [s for b in aws.extension("integrations").streams.batches_for(name) if b.outcome == "ok"
            for s in b.sequence_numbers]


def test_stream_keeps_every_record_and_each_mapping_reads_from_its_own_position(aws, unique):
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table = unique("log")
    arn = _stream_table(ddb, table)
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"early-{i}"}})
    early, late = unique("from-start"), unique("from-now")
    for fn in (early, late):
        create(lam, fn, ECHO)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=early, StartingPosition="TRIM_HORIZON")
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=late, StartingPosition="LATEST")
    for i in range(4):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"late-{i}"}})
    aws.extension("integrations").drain()
    # what GetRecords reads (moto's model: boto3's dynamodbstreams client is not routed by moto 5.2.5)
    streams = dynamodbstreams_backends["123456789012"]["us-east-1"]
    shard = streams.describe_stream(arn)["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(arn, shard, "TRIM_HORIZON")
    log = [r["dynamodb"]["SequenceNumber"] for r in streams.get_records(it.arn, 100)["Records"]]
    assert len(log) == 7 and [int(s) for s in log] == sorted({int(s) for s in log})   # read by two mappings, still there
    assert _delivered(aws, early) == log            # TRIM_HORIZON: the oldest kept record onwards
    assert _delivered(aws, late) == log[3:]         # LATEST: what came after the mapping


def test_deleted_mapping_delivers_nothing_more(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("gone"), unique("gone-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")["UUID"]
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    lam.delete_event_source_mapping(UUID=uuid)
    ddb.put_item(TableName=table, Item={"pk": {"S": "b"}})
    aws.extension("integrations").drain()
    assert len(_delivered(aws, fn)) == 1


# -- failures -------------------------------------------------------------------------------------

def test_failed_batch_blocks_the_shard_and_is_retried_until_it_succeeds(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, flags, fn = unique("retry"), unique("flags"), unique("flaky")
    arn = _stream_table(ddb, table)
    _table(ddb, flags)
    create(lam, fn, """
        import os, boto3
        flags = boto3.client("dynamodb")
        def handler(event, context):
            if "Item" not in flags.get_item(TableName=os.environ["FLAGS"], Key={"pk": {"S": "fixed"}}):
                raise RuntimeError("downstream is down")
    """, Environment={"Variables": {"FLAGS": flags}})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "first"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "second"}})   # waits behind the failed batch
    assert _delivered(aws, fn) == []
    ddb.put_item(TableName=flags, Item={"pk": {"S": "fixed"}})
    aws.clock.advance(120)                                       # retries fall due on the lab clock
    aws.extension("integrations").drain()
    batches = aws.extension("integrations").streams.batches_for(fn)
    assert batches[0].outcome == "error" and "downstream is down" in batches[0].error
    ok = [b for b in batches if b.outcome == "ok"]
    # the failed record came again (a retry), then the rest, each exactly once and in order
    assert [s for b in ok for s in b.sequence_numbers] == batches[0].sequence_numbers + \
        [s for s in _delivered(aws, fn) if s not in batches[0].sequence_numbers]
    assert len(_delivered(aws, fn)) == len(set(_delivered(aws, fn))) == 2


def test_bisect_isolates_a_poison_record_and_sends_it_to_the_on_failure_queue(aws, unique):
    ddb, lam, sqs = boto3.client("dynamodb"), boto3.client("lambda"), boto3.client("sqs")
    table, fn = unique("bisect"), unique("bisect-fn")
    arn = _stream_table(ddb, table)
    dlq = sqs.create_queue(QueueName=unique("stream-dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    create(lam, fn, ECHO)
    uuid = lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST", Enabled=False, BatchSize=8,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})["UUID"]
    for i in range(8):
        item = {"pk": {"S": f"k{i}"}} | ({"poison": {"BOOL": True}} if i == 5 else {})
        ddb.put_item(TableName=table, Item=item)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    aws.extension("integrations").drain()       # the first batch of 8 fails, then its halves …
    aws.clock.advance(120)                      # … and the poison record's retry falls due
    aws.extension("integrations").drain()
    batches = aws.extension("integrations").streams.batches_for(fn)
    assert batches[0].size == 8 and batches[0].outcome == "error"
    [discarded] = [b for b in batches if b.outcome == "discarded"]
    assert discarded.size == 1 and discarded.condition == "RetryAttemptsExhausted"
    assert len(_delivered(aws, fn)) == 7 and discarded.sequence_numbers[0] not in _delivered(aws, fn)
    [msg] = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    info = json.loads(msg["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["DDBStreamBatchInfo"]["startSequenceNumber"] == discarded.sequence_numbers[0]
    assert info["DDBStreamBatchInfo"]["streamArn"] == arn and info["DDBStreamBatchInfo"]["batchSize"] == 1


def test_partial_batch_response_checkpoints_before_the_lowest_failed_record(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("partial"), unique("partial-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, """
        def handler(event, context):
            bad = [r["dynamodb"]["SequenceNumber"] for r in event["Records"]
                   if r["dynamodb"].get("NewImage", {}).get("poison")]
            return {"batchItemFailures": [{"itemIdentifier": s} for s in bad]}
    """)
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                           Enabled=False, FunctionResponseTypes=["ReportBatchItemFailures"],
                                           MaximumRetryAttempts=0)["UUID"]
    for i in range(5):
        item = {"pk": {"S": f"k{i}"}} | ({"poison": {"BOOL": True}} if i == 2 else {})
        ddb.put_item(TableName=table, Item=item)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    aws.extension("integrations").drain()
    first, second = aws.extension("integrations").streams.batches_for(fn)[:2]
    assert first.outcome == "partial" and first.size == 5
    assert first.failed == first.sequence_numbers[2:]      # retried from the poison record on
    assert second.outcome == "discarded" and second.sequence_numbers == first.sequence_numbers[2:]


# -- settings ---------------------------------------------------------------------------------------

def test_filter_criteria_skip_records_without_invoking(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("filtered"), unique("inserts-only")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                    FilterCriteria={"Filters": [{"Pattern": json.dumps({"eventName": ["INSERT"]})}]})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "x": {"N": "1"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    outcomes = [b.outcome for b in aws.extension("integrations").streams.batches_for(fn)]
    assert outcomes == ["ok", "filtered", "filtered"]
    assert len(aws.extension("lambda").trace.filter(function_name=fn).records()) == 1


@pytest.mark.parametrize("setting, message", [
    ({"ParallelizationFactor": 11}, "ParallelizationFactor"),
    ({"StartingPosition": "AT_TIMESTAMP"}, "StartingPosition"),
    ({"MaximumRecordAgeInSeconds": 30}, "MaximumRecordAgeInSeconds"),
    ({"TumblingWindowInSeconds": 60}, "TumblingWindowInSeconds"),
    ({"FunctionResponseTypes": ["Everything"]}, "ReportBatchItemFailures"),
])
def test_stream_settings_aws_refuses_are_refused(aws, unique, setting, message):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    arn = _stream_table(ddb, unique("settings"))
    fn = unique("settings-fn")
    create(lam, fn, ECHO)
    kwargs = {"StartingPosition": "LATEST"} | setting
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match=message):
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, **kwargs)


# -- write paths ----------------------------------------------------------------------------------

def test_handler_writing_to_its_own_table_is_delivered_after_its_batch(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("self"), unique("self-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, """
        import os, boto3
        ddb = boto3.client("dynamodb")
        def handler(event, context):
            for r in event["Records"]:
                key = r["dynamodb"]["Keys"]["pk"]["S"]
                if r["eventName"] == "INSERT" and key.startswith("order-"):
                    ddb.put_item(TableName=os.environ["TABLE"], Item={"pk": {"S": "audit-" + key}})
    """, Environment={"Variables": {"TABLE": table}})
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "order-1"}})   # its handler writes audit-order-1
    batches = aws.extension("integrations").streams.batches_for(fn)
    assert [b.outcome for b in batches] == ["ok", "ok"] and len(_delivered(aws, fn)) == 2   # the second record: after the first batch


def test_transactions_and_batch_writes_deliver_their_records_once(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("tx"), unique("tx-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {"pk": {"S": f"b{i}"}}}} for i in range(10)]})
    streams = aws.extension("integrations").streams
    assert [b.size for b in streams.batches_for(fn)] == [10]            # one batch, not ten invocations
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "t1"}}}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "b0"}}, "ConditionExpression": "attribute_not_exists(pk)"}}])
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "t1"}}).get("Item") is None
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": table, "Item": {"pk": {"S": f"t{i}"}}}}
                                            for i in range(3)])
    sizes = [b.size for b in streams.batches_for(fn)]
    assert sizes == [10, 3] and len(set(_delivered(aws, fn))) == 13      # the cancelled one left no record


def test_a_mapping_enabled_later_delivers_what_waited(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("later"), unique("later-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                           Enabled=False)["UUID"]
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"k{i}"}})
    assert _delivered(aws, fn) == []
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    aws.clock.advance(2)                     # Lambda's poller looks again
    aws.extension("integrations").drain()
    assert [b.size for b in aws.extension("integrations").streams.batches_for(fn)] == [3]


def test_batching_window_waits_to_fill_a_batch_on_the_lab_clock(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("window"), unique("window-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                    BatchSize=5, MaximumBatchingWindowInSeconds=60)
    streams = aws.extension("integrations").streams
    for i in range(3):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"a{i}"}})
    assert streams.batches_for(fn) == []          # waiting for the batch to fill (or the window to end)
    for i in range(2):
        ddb.put_item(TableName=table, Item={"pk": {"S": f"b{i}"}})
    assert [b.size for b in streams.batches_for(fn)] == [5]   # a full batch goes at once
    ddb.put_item(TableName=table, Item={"pk": {"S": "c"}})
    aws.clock.advance(30)
    streams.drain()
    assert [b.size for b in streams.batches_for(fn)] == [5]   # its window opened with "c"
    aws.clock.advance(31)
    streams.drain()
    assert [b.size for b in streams.batches_for(fn)] == [5, 1]


def test_writes_after_the_stream_is_turned_off_add_no_records(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("off"), unique("off-fn")
    arn = _stream_table(ddb, table)
    create(lam, fn, ECHO)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
    ddb.update_item(TableName=table, Key={"pk": {"S": "after"}}, UpdateExpression="SET n = :one",
                    ExpressionAttributeValues={":one": {"N": "1"}})
    assert len(_delivered(aws, fn)) == 1


def test_a_stream_turned_on_again_is_a_new_stream(aws, unique):
    ddb, lam = boto3.client("dynamodb"), boto3.client("lambda")
    table, fn = unique("again"), unique("again-fn")
    create(lam, fn, ECHO)                                    # the integrations extension serves streams
    first = _stream_table(ddb, table)
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    second = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType":
                              "NEW_AND_OLD_IMAGES"})["TableDescription"]["LatestStreamArn"]
    assert second != first                                   # a new label, a new ARN (moto refused)
    with pytest.raises(ddb.exceptions.ResourceInUseException):
        ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    lam.create_event_source_mapping(EventSourceArn=second, FunctionName=fn, StartingPosition="LATEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "on-again"}})
    assert len(_delivered(aws, fn)) == 1
