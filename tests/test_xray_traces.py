"""X-Ray traces of Lambda functions: the runtime's segments, the real SDKs' subsegments, boto3's X-Ray API.

Each test follows "Visualize Lambda function invocations using AWS X-Ray"
(https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html): an ``Active`` function gets
``_X_AMZN_TRACE_ID`` / ``AWS_XRAY_DAEMON_ADDRESS`` ("Defined runtime environment variables",
https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
Lambda records an ``AWS::Lambda`` and an ``AWS::Lambda::Function`` segment (Initialization,
Invocation, Overhead), and what the X-Ray SDK sends to the daemon over UDP
(https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon) is
read back with BatchGetTraces (https://docs.aws.amazon.com/xray/latest/api/API_BatchGetTraces.html)
as whole segments. The handlers use the real aws_xray_sdk and Powertools Tracer from a layer.

UDP is asynchronous: every read polls until the documents it needs are there (generous deadline).
"""

from __future__ import annotations

import json
import socket
import time
import uuid

import boto3
import pytest
import requests

from lambda_helpers import create
from serverless_lab import mock_aws, viz
from serverless_lab import xray_segments as X
from serverless_lab.packaging import layer_zip

REGION = "us-east-1"
DEADLINE_S = 60.0

POWERTOOLS_SRC = '''
import os, boto3
from aws_lambda_powertools import Tracer
tracer = Tracer(service="orders")
ddb = boto3.client("dynamodb")
sqs = boto3.client("sqs")

@tracer.capture_method
def save(order_id):
    ddb.put_item(TableName=os.environ["TABLE"], Item={"pk": {"S": order_id}})
    sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=order_id)

@tracer.capture_lambda_handler
def handler(event, context):
    tracer.put_annotation(key="order_id", value=event["order_id"])
    if event.get("fail"):
        raise ValueError("card declined")
    save(event["order_id"])
    return {"trace": os.environ.get("_X_AMZN_TRACE_ID"), "daemon": os.environ.get("AWS_XRAY_DAEMON_ADDRESS"),
            "context_missing": os.environ.get("AWS_XRAY_CONTEXT_MISSING")}
'''

XRAY_SDK_SRC = '''
import os, boto3
from aws_xray_sdk.core import xray_recorder, patch_all
patch_all()
ddb = boto3.client("dynamodb")

def handler(event, context):
    with xray_recorder.in_subsegment("lookup") as sub:
        sub.put_annotation("customer", "c-42")
        ddb.get_item(TableName=os.environ["TABLE"], Key={"pk": {"S": "o-1"}})
    return os.environ.get("_X_AMZN_TRACE_ID")
'''

PLAIN_SRC = '''
import os
def handler(event, context):
    return {"trace": os.environ.get("_X_AMZN_TRACE_ID"), "daemon": os.environ.get("AWS_XRAY_DAEMON_ADDRESS")}
'''


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def world():
    with mock_aws(region=REGION) as aws:
        lam = boto3.client("lambda", region_name=REGION)
        ddb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        table = _name("orders")
        ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        queue = sqs.create_queue(QueueName=_name("orders"))["QueueUrl"]
        layer = lam.publish_layer_version(LayerName=_name("powertools"), Content={
            "ZipFile": layer_zip("aws-lambda-powertools[tracer]")})["LayerVersionArn"]
        env = {"Variables": {"TABLE": table, "QUEUE": queue}}
        fn = _name("traced")
        create(lam, fn, POWERTOOLS_SRC, Layers=[layer], TracingConfig={"Mode": "Active"}, Environment=env,
               Timeout=30)
        yield {"aws": aws, "lam": lam, "xray": boto3.client("xray", region_name=REGION), "fn": fn,
               "table": table, "queue": queue, "layer": layer, "env": env}


def _invoke(lam, fn: str, event: dict) -> dict:
    out = lam.invoke(FunctionName=fn, Payload=json.dumps(event))
    return {"body": json.loads(out["Payload"].read()), "error": out.get("FunctionError")}


def _root(header: str) -> str:
    return X.parse_trace_header(header)["Root"]


def _segments(xray, trace_id: str, until) -> list[dict]:
    """BatchGetTraces' segments of ``trace_id`` once ``until(segments)`` holds (polls: UDP is asynchronous)."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        traces = xray.batch_get_traces(TraceIds=[trace_id])["Traces"]
        segments = [json.loads(s["Document"]) for t in traces for s in t["Segments"]]
        if until(segments) or time.monotonic() > deadline:
            return segments
        time.sleep(0.05)


def _nodes(segments: list[dict]) -> list[dict]:
    return [node for seg in segments for _d, node in X.walk(seg)]


def _has(*names: str):
    return lambda segments: set(names) <= {n.get("name") for n in _nodes(segments)}


def test_active_function_gets_the_tracing_header_and_the_daemon_address(world):
    """configuration-envvars.html: _X_AMZN_TRACE_ID, AWS_XRAY_DAEMON_ADDRESS, AWS_XRAY_CONTEXT_MISSING."""
    out = _invoke(world["lam"], world["fn"], {"order_id": "o-env"})
    assert out["error"] is None, out
    header = X.parse_trace_header(out["body"]["trace"])
    assert header["Sampled"] == "1"
    assert len(header["Parent"]) == 16
    version, epoch, rand = header["Root"].split("-")
    assert version == "1" and len(epoch) == 8 and len(rand) == 24
    assert abs(int(epoch, 16) - time.time()) < 3600
    host, port = out["body"]["daemon"].split(":")
    assert host == "127.0.0.1" and int(port) > 0
    assert out["body"]["context_missing"] == "LOG_ERROR"


def test_lambda_segments_and_powertools_subsegments_reach_batch_get_traces(world):
    """services-xray.html: AWS::Lambda and AWS::Lambda::Function segments; the SDK's aws subsegments
    name the table and the queue; BatchGetTraces nests them in the function segment."""
    out = _invoke(world["lam"], world["fn"], {"order_id": "o-1"})
    assert out["error"] is None, out
    header = X.parse_trace_header(out["body"]["trace"])
    segments = _segments(world["xray"], header["Root"], _has("dynamodb", "sqs", "Overhead"))
    by_origin = {s.get("origin"): s for s in segments}
    assert set(by_origin) == {"AWS::Lambda", "AWS::Lambda::Function"}, [s.get("origin") for s in segments]
    service, function = by_origin["AWS::Lambda"], by_origin["AWS::Lambda::Function"]
    assert service["name"] == function["name"] == world["fn"]
    assert function["id"] == header["Parent"]               # the handler's subsegments hang off the function
    assert function["parent_id"] == service["id"]
    assert service["start_time"] <= function["start_time"] <= function["end_time"] <= service["end_time"]
    assert function["aws"]["function_arn"].endswith(f":function:{world['fn']}")
    top = [s["name"] for s in function["subsegments"]]
    assert "Invocation" in top and "Overhead" in top and "## handler" in top
    nodes = {n["name"]: n for n in _nodes([function])}
    assert nodes["## handler"]["annotations"]["order_id"] == "o-1"
    assert nodes["## handler"]["annotations"]["Service"] == "orders"
    ddb, sqs = nodes["dynamodb"], nodes["sqs"]
    assert ddb["namespace"] == sqs["namespace"] == "aws"
    assert (ddb["aws"]["operation"], ddb["aws"]["table_name"]) == ("PutItem", world["table"])
    assert (sqs["aws"]["operation"], sqs["aws"]["queue_url"]) == ("SendMessage", world["queue"])
    save = nodes["## app.save"]
    assert {s["name"] for s in save["subsegments"]} == {"dynamodb", "sqs"}
    # every document is inside a segment: none is left as an independent subsegment
    assert all(s.get("type") != "subsegment" for s in segments)


def test_cold_start_has_an_initialization_subsegment_and_a_warm_call_does_not(world):
    """services-xray.html: the Initialization subsegment is the INIT phase of a cold start."""
    lam, fn = world["lam"], _name("cold")
    create(lam, fn, PLAIN_SRC, TracingConfig={"Mode": "Active"})
    roots = [_root(_invoke(lam, fn, {})["body"]["trace"]) for _ in range(2)]
    cold = _segments(world["xray"], roots[0], _has("Overhead"))
    warm = _segments(world["xray"], roots[1], _has("Overhead"))
    names = lambda segs: [n["name"] for n in _nodes(segs)]  # noqa: E731
    assert "Initialization" in names(cold) and "Invocation" in names(cold)
    assert "Initialization" not in names(warm) and "Invocation" in names(warm)


def test_a_handler_error_is_a_fault_on_the_function_segment(world):
    """An unhandled error: the function segment and its Invocation subsegment are faults with the cause."""
    out = _invoke(world["lam"], world["fn"], {"order_id": "o-bad", "fail": True})
    assert out["error"] == "Unhandled"
    traces = world["xray"].get_trace_summaries(StartTime=time.time() - 600, EndTime=time.time() + 600)
    assert traces["TraceSummaries"], traces
    # the failing request's trace: find it through the annotation Powertools recorded
    deadline = time.monotonic() + DEADLINE_S
    failed = None
    while failed is None and time.monotonic() < deadline:
        ids = [s["Id"] for s in world["xray"].get_trace_summaries(
            StartTime=time.time() - 600, EndTime=time.time() + 600)["TraceSummaries"]]
        for tid in ids:
            segs = _segments(world["xray"], tid, lambda s: True)
            if any((n.get("annotations") or {}).get("order_id") == "o-bad" for n in _nodes(segs)):
                failed = segs
        time.sleep(0.05)
    assert failed is not None
    function = next(s for s in failed if s.get("origin") == "AWS::Lambda::Function")
    assert function.get("fault") is True
    invocation = next(s for s in function["subsegments"] if s["name"] == "Invocation")
    assert invocation["fault"] is True and invocation["cause"]["exceptions"][0]["type"] == "ValueError"
    handler = next(n for n in _nodes([function]) if n["name"] == "## handler")
    assert handler["cause"]["exceptions"][0]["type"] == "ValueError"   # what Powertools recorded


def test_xray_sdk_patch_all_records_the_dynamodb_call(world):
    """aws_xray_sdk's patch_all() in a handler: a custom subsegment with an annotation around GetItem."""
    lam, fn = world["lam"], _name("sdk")
    layer = lam.publish_layer_version(LayerName=_name("xray-sdk"),
                                      Content={"ZipFile": layer_zip("aws-xray-sdk")})["LayerVersionArn"]
    create(lam, fn, XRAY_SDK_SRC, Layers=[layer], TracingConfig={"Mode": "Active"}, Environment=world["env"],
           Timeout=30)
    out = _invoke(lam, fn, {})
    assert out["error"] is None, out
    segments = _segments(world["xray"], _root(out["body"]), _has("lookup", "dynamodb", "Overhead"))
    nodes = {n["name"]: n for n in _nodes(segments)}
    assert nodes["lookup"]["annotations"] == {"customer": "c-42"}
    assert nodes["dynamodb"]["aws"]["operation"] == "GetItem"
    assert nodes["dynamodb"]["aws"]["table_name"] == world["table"]
    assert [s["name"] for s in nodes["lookup"]["subsegments"]] == ["dynamodb"]


def test_passthrough_function_is_not_traced(world):
    """services-xray.html: PassThrough only propagates the header; nothing is recorded, Sampled=0."""
    lam, fn = world["lam"], _name("plain")
    create(lam, fn, PLAIN_SRC)
    assert lam.get_function_configuration(FunctionName=fn)["TracingConfig"] == {"Mode": "PassThrough"}
    out = _invoke(lam, fn, {})
    header = X.parse_trace_header(out["body"]["trace"])
    assert header["Sampled"] == "0"
    assert out["body"]["daemon"] is None
    answer = world["xray"].batch_get_traces(TraceIds=[header["Root"]])
    assert answer["Traces"] == [] and answer["UnprocessedTraceIds"] == [header["Root"]]


def test_the_daemon_stores_what_arrives_over_udp_and_rejects_garbage(world):
    """xray-api-sendingdata.html: header line, newline, document; a bad datagram is not stored."""
    rt = world["aws"].extension("lambda")
    daemon = rt.xray
    host, port = daemon.address.split(":")
    trace_id = X.new_trace_id()
    seg = {"name": "client-app", "id": X.new_segment_id(), "trace_id": trace_id, "start_time": time.time() - 1,
           "end_time": time.time()}
    sub = {"name": "work", "id": X.new_segment_id(), "trace_id": trace_id, "parent_id": seg["id"],
           "type": "subsegment", "start_time": seg["start_time"], "end_time": seg["end_time"]}
    rejected = len(daemon.rejected)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"not json\n{}", (host, int(port)))
        s.sendto(b'{"format": "json", "version": 1}\n{"name": "no-id"}', (host, int(port)))
        for doc in (sub, seg):   # the subsegment first: X-Ray assembles whatever the order
            s.sendto(b'{"format": "json", "version": 1}\n' + json.dumps(doc).encode(), (host, int(port)))
    assert daemon.wait_for(trace_id, 2, timeout=DEADLINE_S)
    deadline = time.monotonic() + DEADLINE_S
    while len(daemon.rejected) < rejected + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(daemon.rejected) == rejected + 2
    answer = world["xray"].batch_get_traces(TraceIds=[trace_id])["Traces"][0]
    assert [json.loads(s["Document"])["subsegments"][0]["name"] for s in answer["Segments"]] == ["work"]
    assert isinstance(answer["Duration"], float) and 0.9 < answer["Duration"] < 1.1


def test_viz_service_map_and_timeline(world):
    """The service map has client → Lambda → function → table and queue; the timeline nests the calls."""
    out = _invoke(world["lam"], world["fn"], {"order_id": "o-viz"})
    trace_id = _root(out["body"]["trace"])
    # no polling: the daemon stores what the handler sent before Invoke answers (the SDK's UDP
    # datagrams are in the daemon's socket buffer once the handler has returned)
    traces = world["xray"].batch_get_traces(TraceIds=[trace_id])["Traces"]
    assert _has("dynamodb", "sqs", "Overhead")(segments_of := viz.traces.segments_of(traces[0])), segments_of
    data = viz.service_map_data(traces)
    edges = {(e.source, e.target): e for e in data["edges"]}
    fn = world["fn"]
    table, queue = world["table"], world["queue"].rsplit("/", 1)[-1]
    expected = {(("client", "client"), (fn, "AWS::Lambda")),
                ((fn, "AWS::Lambda"), (fn, "AWS::Lambda::Function")),
                ((fn, "AWS::Lambda::Function"), (f"DynamoDB {table}", "AWS::DynamoDB::Table")),
                ((fn, "AWS::Lambda::Function"), (f"SQS {queue}", "AWS::SQS::Queue"))}
    assert set(edges) == expected
    assert all(e.requests == 1 and e.errors == 0 and e.average_ms > 0 for e in edges.values())
    fig = viz.service_map(traces)
    texts = " ".join(fig.data[0].text)
    assert f"DynamoDB {table}" in texts and f"SQS {queue}" in texts and "client" in texts
    assert len([a for a in fig.layout.annotations if a.showarrow]) == 4
    timeline = viz.trace_timeline(traces[0])
    labels = [label.strip("\u2003") for label in timeline.data[0].y]
    assert labels[0] == f"{fn} (AWS::Lambda)"
    assert {"Invocation", "## handler", "## app.save", "dynamodb", "sqs", "Overhead"} <= set(labels)
    rows = {r.name: r for r in X.timeline_rows(viz.traces.segments_of(traces[0]))}
    assert rows["dynamodb"].depth == rows["sqs"].depth == rows["## app.save"].depth + 1
    assert rows["dynamodb"].detail == f"PutItem {table}"


def _traced_rest_api(fn_arn: str, name: str) -> str:
    """A REST API (GET /orders → the function, Lambda proxy) on stage prod with X-Ray tracing enabled."""
    apig = boto3.client("apigateway", region_name=REGION)
    api = apig.create_rest_api(name=name)["id"]
    root = apig.get_resources(restApiId=api)["items"][0]["id"]
    res = apig.create_resource(restApiId=api, parentId=root, pathPart="orders")["id"]
    apig.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=api, resourceId=res, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST",
                         uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations")
    apig.create_deployment(restApiId=api, stageName="prod")
    apig.update_stage(restApiId=api, stageName="prod",
                      patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "true"}])
    return api


API_SRC = '''
import json, os
def handler(event, context):
    return {"statusCode": 200, "body": json.dumps({"trace": os.environ.get("_X_AMZN_TRACE_ID"),
                                                   "event_header": event["headers"].get("X-Amzn-Trace-Id")})}
'''


def test_rest_stage_with_tracing_puts_api_gateway_in_front_of_the_function(world):
    """apigateway-xray.html: a traced stage records an AWS::ApiGateway::Stage segment named api/stage
    and passes its trace to Lambda, which traces the call even for a PassThrough function."""
    lam, fn = world["lam"], _name("api")
    arn = create(lam, fn, API_SRC)          # PassThrough: API Gateway's sampling decision applies
    api = _traced_rest_api(arn, _name("shop"))
    reply = requests.get(f"https://{api}.execute-api.{REGION}.amazonaws.com/prod/orders", timeout=30)
    assert reply.status_code == 200, reply.text
    header = X.parse_trace_header(reply.json()["trace"])
    assert header["Sampled"] == "1"
    assert reply.json()["event_header"] == f"Root={header['Root']}"
    assert reply.headers["X-Amzn-Trace-Id"] == f"Root={header['Root']}"   # the client learns its trace id
    segments = _segments(world["xray"], header["Root"], lambda s: len(s) >= 3)
    by_origin = {s.get("origin"): s for s in segments}
    stage = by_origin["AWS::ApiGateway::Stage"]
    assert stage["name"].endswith("/prod") and stage["http"]["response"]["status"] == 200
    assert stage["http"]["request"]["method"] == "GET"
    assert by_origin["AWS::Lambda"]["parent_id"] == stage["id"]
    assert by_origin["AWS::Lambda::Function"]["parent_id"] == by_origin["AWS::Lambda"]["id"]
    traces = world["xray"].batch_get_traces(TraceIds=[header["Root"]])["Traces"]
    edges = {(e.source[1], e.target[1]) for e in viz.service_map_data(traces)["edges"]}
    assert edges == {("client", "AWS::ApiGateway::Stage"), ("AWS::ApiGateway::Stage", "AWS::Lambda"),
                     ("AWS::Lambda", "AWS::Lambda::Function")}


def test_rest_stage_without_tracing_records_nothing(world):
    """Tracing is off by default on a stage: no segment, and the PassThrough function is not sampled."""
    lam, fn = world["lam"], _name("api-off")
    arn = create(lam, fn, API_SRC)
    apig = boto3.client("apigateway", region_name=REGION)
    api = _traced_rest_api(arn, _name("shop"))
    apig.update_stage(restApiId=api, stageName="prod",
                      patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "false"}])
    reply = requests.get(f"https://{api}.execute-api.{REGION}.amazonaws.com/prod/orders", timeout=30)
    header = X.parse_trace_header(reply.json()["trace"])
    assert header["Sampled"] == "0"
    assert world["xray"].batch_get_traces(TraceIds=[header["Root"]])["Traces"] == []


def test_assemble_nests_independent_subsegments_by_parent_id():
    """xray-api-segmentdocuments.html: an independent subsegment names its segment by parent_id."""
    seg = {"name": "api", "id": "a" * 16, "trace_id": "1-x-y", "start_time": 1.0, "end_time": 5.0}
    child = {"name": "c", "id": "b" * 16, "trace_id": "1-x-y", "parent_id": "a" * 16, "type": "subsegment",
             "start_time": 2.0, "end_time": 3.0}
    grandchild = {"name": "g", "id": "c" * 16, "trace_id": "1-x-y", "parent_id": "b" * 16, "type": "subsegment",
                  "start_time": 2.5, "end_time": 2.6}
    orphan = {"name": "o", "id": "d" * 16, "trace_id": "1-x-y", "parent_id": "e" * 16, "type": "subsegment",
              "start_time": 4.0, "end_time": 4.5}
    out = X.assemble([grandchild, orphan, child, seg])
    assert [d["name"] for d in out] == ["api", "o"]             # the orphan stays a document of its own
    assert out[0]["subsegments"][0]["name"] == "c"
    assert out[0]["subsegments"][0]["subsegments"][0]["name"] == "g"
    assert "parent_id" not in out[0]["subsegments"][0] and "type" not in out[0]["subsegments"][0]
    assert "subsegments" not in seg                             # the inputs are not modified


def test_xray_prices_and_lambda_sampling():
    """https://aws.amazon.com/xray/pricing/: $5.00 per 1 M traces recorded, $0.50 per 1 M retrieved or
    scanned, 100,000 / 1,000,000 free a month; services-xray.html: 1 request a second and 5% of the rest."""
    from serverless_lab import pricing

    # AWS's own example: 2,000 requests an hour at 10% for 31 days = 148,800 traces; 48,800 billable = $0.244
    assert pricing.xray_cost(2000 * 24 * 31 * 0.10).total == pytest.approx(0.244)
    assert pricing.xray_cost(0, retrieved=155_000, scanned=620_000).total == 0.0
    assert pricing.xray_cost(1_000_000, retrieved=3_000_000, free_tier=False).total == pytest.approx(6.50)
    assert pricing.xray_lambda_sampled(0.5, 100) == pytest.approx(50)
    assert pricing.xray_lambda_sampled(21, 10) == pytest.approx(10 * (1 + 0.05 * 20))
