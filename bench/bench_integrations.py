"""Speed of the integrations: what an API Gateway request or an EventBridge event adds.

Floor: a warm synchronous ``lambda.invoke`` of the same trivial handler through boto3 (the
runtime's own cost). An API Gateway request does that plus routing, the event, the response
mapping and an HTTP round trip, so the targets are ratios to that floor.
"""

from __future__ import annotations

import json
import time
import urllib.request

from bench.common import Figure, median_time

HANDLER = """
def handler(event, context):
    return {"statusCode": 200, "body": "ok"}
"""


def run() -> list[Figure]:
    import boto3
    import requests

    from serverless_lab import mock_aws
    from serverless_lab.packaging import lambda_role, zip_code

    figures: list[Figure] = []
    with mock_aws() as aws:
        lam = boto3.client("lambda")
        fn = lam.create_function(FunctionName="bench-apigw", Runtime="python3.12",
                                 Role=lambda_role(), Handler="lambda_function.handler",
                                 Code={"ZipFile": zip_code(HANDLER)})["FunctionArn"]
        apig = boto3.client("apigateway")
        api = apig.create_rest_api(name="bench")["id"]
        root = apig.get_resources(restApiId=api)["items"][0]["id"]
        res = apig.create_resource(restApiId=api, parentId=root, pathPart="{id}")["id"]
        apig.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        apig.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                             integrationHttpMethod="POST",
                             uri=f"arn:aws:apigateway:{aws.region}:lambda:path/2015-03-31/"
                                 f"functions/{fn}/invocations")
        apig.create_deployment(restApiId=api, stageName="prod")
        gw = aws.extension("integrations")
        url = f"{gw.execute_api_url(api, 'prod')}/42"
        local = f"{gw.url_for(api, 'prod')}/42"

        floor = median_time(lambda: lam.invoke(FunctionName="bench-apigw", Payload=b"{}"), 40)
        via_requests = median_time(lambda: requests.get(url), 40)

        def via_local() -> None:
            with urllib.request.urlopen(local) as resp:
                resp.read()
        via_http = median_time(via_local, 40)
        figures += [
            Figure("floor: warm lambda.invoke via boto3 (trivial handler)", floor * 1e3, "ms"),
            Figure("REST API GET via requests to execute-api URL", via_requests * 1e3, "ms",
                   "<= 1.5x floor", via_requests <= 1.5 * floor),
            Figure("REST API GET via local URL (urllib, real socket)", via_http * 1e3, "ms",
                   "<= 1.5x floor", via_http <= 1.5 * floor),
        ]

        # EventBridge: put_events with one matching Lambda target (async delivery queued)
        events = boto3.client("events")
        events.put_rule(Name="bench-rule", EventPattern=json.dumps({"source": ["bench"]}))
        events.put_targets(Rule="bench-rule", Targets=[{"Id": "fn", "Arn": fn}])
        entry = [{"Source": "bench", "DetailType": "t", "Detail": "{}"}]
        plain = median_time(lambda: events.put_events(
            Entries=[{"Source": "other", "DetailType": "t", "Detail": "{}"}]), 40)
        matched = median_time(lambda: events.put_events(Entries=entry), 40)
        figures += [
            Figure("put_events, no matching rule", plain * 1e3, "ms"),
            Figure("put_events, one Lambda target (async)", matched * 1e3, "ms",
                   "<= 2x unmatched put_events", matched <= 2 * plain),
        ]

        # Schedules: the machinery alone (a target-less rule), then delivery to Lambda
        events.put_rule(Name="bench-idle", ScheduleExpression="rate(1 minute)")
        t0 = time.perf_counter()
        aws.clock.advance(86400)
        idle = time.perf_counter() - t0
        events.delete_rule(Name="bench-idle")
        figures.append(Figure("clock.advance(1 day), rate(1 minute) rule, no target (1,440)",
                              idle, "s", "<= 1 s", idle <= 1))
        events.put_rule(Name="bench-tick", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="bench-tick", Targets=[{"Id": "fn", "Arn": fn}])
        t0 = time.perf_counter()
        aws.clock.advance(6 * 3600)
        ticks = time.perf_counter() - t0
        per = ticks / 360
        figures.append(Figure("schedule firing queued to a Lambda target (360 in 6 h)",
                              per * 1e3, "ms/firing", "<= 1x warm invoke floor", per <= floor))
    return figures
