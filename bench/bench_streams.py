"""Speed of the DynamoDB Streams → Lambda path (integrations/dynamodbstreams/mappings.py).

- A PutItem on a table whose stream has a mapping but nothing to deliver costs what a PutItem on a
  table without a stream costs, plus a lock and a log append: target <= 1.3x.
- Writes from 8 threads at once: the mapping hands the records over in order, one batch at a
  time, so records that arrive while a batch runs go together in the next one. Reported: records
  delivered per invocation (target > 1: concurrent writers share invocations) and records per
  second end to end (each record once; no target, the machine decides).
"""

from __future__ import annotations

import threading
import time

from bench.common import Figure, median_time

THREADS, WRITES = 8, 50


def run() -> list[Figure]:
    import boto3

    from serverless_lab import mock_aws
    from serverless_lab.packaging import lambda_role, zip_code

    figures: list[Figure] = []
    with mock_aws(extensions=["lambda", "integrations"]) as aws:
        ddb, lam = boto3.client("dynamodb", region_name=aws.region), boto3.client("lambda", region_name=aws.region)

        def table(name: str, **kw: object) -> None:
            ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST", **kw)

        table("bench-plain")
        table("bench-streamed", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        arn = ddb.describe_table(TableName="bench-streamed")["Table"]["LatestStreamArn"]
        lam.create_function(FunctionName="bench-stream-fn", Runtime="python3.12", Role=lambda_role(),
                            Handler="lambda_function.handler",
                            Code={"ZipFile": zip_code("def handler(event, context):\n    return len(event['Records'])\n")})
        uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-stream-fn",
                                               StartingPosition="LATEST", Enabled=False)["UUID"]
        n = iter(range(10**9))
        plain = median_time(lambda: ddb.put_item(TableName="bench-plain", Item={"pk": {"S": f"k{next(n)}"}}), 300)
        streamed = median_time(lambda: ddb.put_item(TableName="bench-streamed",
                                                    Item={"pk": {"S": f"k{next(n)}"}}), 300)
        ratio = streamed / plain
        figures.append(Figure("streams: PutItem with a stream (mapping idle) / without", ratio, "x",
                              "<= 1.3x", ratio <= 1.3))

        lam.delete_event_source_mapping(UUID=uuid)
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="bench-stream-fn", StartingPosition="LATEST")
        lam.invoke(FunctionName="bench-stream-fn", Payload=b'{"Records": []}')   # warm one environment
        streams = aws.extension("integrations").streams
        before = len(streams.batches_for("bench-stream-fn"))
        start = threading.Barrier(THREADS)

        def writer(t: int) -> None:
            client = boto3.client("dynamodb", region_name=aws.region)
            start.wait()
            for i in range(WRITES):
                client.put_item(TableName="bench-streamed", Item={"pk": {"S": f"t{t}-{i}"}})

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        streams.drain()
        elapsed = time.perf_counter() - t0
        batches = streams.batches_for("bench-stream-fn")[before:]
        records = sum(b.size for b in batches if b.outcome == "ok")
        assert records == THREADS * WRITES, f"{records} records delivered of {THREADS * WRITES}"
        per_call = records / max(1, len(batches))
        figures.append(Figure(f"streams: records per invocation, {THREADS} writer threads", per_call, "records",
                              "> 1", per_call > 1))
        figures.append(Figure(f"streams: {THREADS}x{WRITES} concurrent writes delivered", records / elapsed,
                              "rec/s"))
    return figures
