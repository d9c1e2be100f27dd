"""Speed of lab 10's capstone: deploying its SAM template, and one upload's round trip.

* Deploy: ``serverless_lab.iac.deploy`` of solutions/lab10-capstone/template.yaml (package the code
  and the Powertools layer, SAM transform, change set, ~15 resources). The first deploy of a
  process also builds the layer zip; later ones reuse it. Target: each <= 3 s.
* Round trip: ``POST /uploads`` → ``PUT`` to the presigned URL → S3's async invocation of the
  processor (S3 GET, DynamoDB PutItem) → ``GET /results/{id}`` answers 200, with warm environments.
  Floor: one warm ``lambda.invoke`` of the app's API function (a ``GET /results/{id}`` event: one
  DynamoDB GetItem). Target: the round trip <= 10x the floor.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bench.common import Figure, median_time

TEMPLATE = Path(__file__).resolve().parents[1] / "solutions" / "lab10-capstone" / "template.yaml"


def run() -> list[Figure]:
    import boto3
    import requests

    from serverless_lab import mock_aws
    from serverless_lab.iac import delete, deploy

    figures: list[Figure] = []
    with mock_aws(s3_notifications="async") as aws:
        t0 = time.perf_counter()
        app = deploy(TEMPLATE, stack_name="bench-capstone-0")
        first = time.perf_counter() - t0
        later = []
        for i in range(1, 4):
            t0 = time.perf_counter()
            deploy(TEMPLATE, stack_name=f"bench-capstone-{i}")
            later.append(time.perf_counter() - t0)
            delete(f"bench-capstone-{i}")
        again = statistics.median(later)
        figures += [
            Figure("deploy capstone template, first (builds the layer)", first, "s", "<= 3 s", first <= 3.0),
            Figure("deploy capstone template, median of 3 more stacks", again, "s", "<= 3 s", again <= 3.0),
        ]

        api_url = app.outputs["ApiUrl"]
        lam = boto3.client("lambda")
        event = {"version": "2.0", "routeKey": "GET /results/{file_id}", "rawPath": "/results/none",
                 "pathParameters": {"file_id": "none"}, "headers": {}, "isBase64Encoded": False,
                 "requestContext": {"requestId": "bench", "http": {"method": "GET", "path": "/results/none"}}}
        payload = json.dumps(event).encode()
        api_fn = app.outputs["ApiFunctionName"]
        floor = median_time(lambda: lam.invoke(FunctionName=api_fn, Payload=payload)["Payload"].read(), 30)

        session = requests.Session()

        def round_trip() -> None:
            ticket = session.post(f"{api_url}/uploads", json={"filename": "bench.csv"}, timeout=30).json()
            session.put(ticket["upload_url"], data=b"a,b\n1,2\n", timeout=30).raise_for_status()
            deadline = time.monotonic() + 30
            while session.get(f"{api_url}/results/{ticket['file_id']}", timeout=30).status_code != 200:
                if time.monotonic() > deadline:
                    raise TimeoutError("the upload was not processed within 30 s")
                time.sleep(0.002)

        trip = median_time(round_trip, 15, warmup=3)
        figures += [
            Figure("floor: warm invoke of the API function (GetItem)", floor * 1e3, "ms"),
            Figure("upload -> processed -> listed via the API (warm)", trip * 1e3, "ms",
                   "<= 10x floor", trip <= 10 * floor),
        ]
        delete("bench-capstone-0", empty_buckets=True)
        aws.extension("lambda").wait_idle(10)
    return figures


if __name__ == "__main__":
    for f in run():
        print(f.row())
