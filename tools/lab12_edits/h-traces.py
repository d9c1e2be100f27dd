"""Lab 12, section 5b (traces): insert h-traces' cells into the solution notebook, idempotently.

Run from the repository root: ``.venv/bin/python tools/lab12_edits/h-traces.py`` (then ``make release FORCE=1``).
It finds its anchor by heading text ("### 5. Observe"): the section goes right after guided step 5's
cells, before the next heading cell. Cells carry stable ids prefixed ``traces-``; an existing cell with
one of those ids is replaced in place, so re-running the script changes nothing else. The graded exercise
("which call made this request slow?") goes at the end of the Exercises, numbered after the last exercise of the
other sections.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

NB = Path("solutions/lab12-production-readiness/lab12-production-readiness.ipynb")

MD_INTRO = r"""### 5b. Traces: one request across API → function → DynamoDB/SQS
Metrics say *that* orders are slow or failing; a **trace** says *where*. One request gets one trace id, and every service it
crosses records a **segment** (its part of the work) with **subsegments** (the calls it made), all in one document tree
([X-Ray concepts](https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html)):

- a REST API stage with **tracing enabled** records an `AWS::ApiGateway::Stage` segment and calls Lambda with the header
  `Root=1-…;Parent=<its segment>;Sampled=1`
  ([API Gateway and X-Ray](https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-xray.html));
- Lambda records two segments: `AWS::Lambda` (the time the request spent in the Lambda service) and `AWS::Lambda::Function`
  with the subsegments `Initialization` (cold starts only), `Invocation` and `Overhead`. With `TracingConfig: {Mode: Active}`
  (SAM: `Tracing: Active`) it does so even when no caller sampled the request
  ([Lambda and X-Ray](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html));
- inside the handler, **Powertools Tracer** (built on the X-Ray SDK) reads `_X_AMZN_TRACE_ID`, adds a subsegment per decorated
  function, **annotations** you can search on, and one `aws` subsegment per boto3 call (with the table or queue it named),
  and sends them over UDP to the X-Ray daemon at `AWS_XRAY_DAEMON_ADDRESS`.

Below: the order service again, this time behind a REST API, writing the order to DynamoDB and handing it to a fulfilment
queue. Powertools comes from a layer, as in production."""

CODE_DEPLOY = r'''import time

import requests
from serverless_lab import viz
from serverless_lab.packaging import lambda_role, layer_zip, zip_code

xray = boto3.client("xray", region_name=REGION)
apig = boto3.client("apigateway", region_name=REGION)
ddb = boto3.client("dynamodb", region_name=REGION)

ORDERS_TABLE = f"lab12-orders-{RUN}"
ddb.create_table(TableName=ORDERS_TABLE, BillingMode="PAY_PER_REQUEST",
                 KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}])
FULFILMENT = sqs.create_queue(QueueName=f"lab12-fulfilment-{RUN}")["QueueUrl"]

TRACED_SRC = """
import json, os, boto3
from aws_lambda_powertools import Tracer

tracer = Tracer(service="orders")           # patches boto3: every AWS call becomes a subsegment
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
sqs = boto3.client("sqs")

@tracer.capture_method
def place(order):
    table.put_item(Item=order)
    sqs.send_message(QueueUrl=os.environ["QUEUE"], MessageBody=json.dumps(order))

@tracer.capture_lambda_handler
def handler(event, context):
    order = json.loads(event["body"])
    tracer.put_annotation(key="customer", value=order["customer"])   # searchable: annotation.customer
    place(order)
    return {"statusCode": 201, "body": json.dumps({"order_id": order["order_id"]})}
"""
tracer_layer = lam.publish_layer_version(
    LayerName=f"lab12-powertools-tracer-{RUN}", CompatibleRuntimes=["python3.12"],
    Content={"ZipFile": layer_zip("aws-lambda-powertools[tracer]")})["LayerVersionArn"]
TRACED_FN = f"lab12-traced-orders-{RUN}"
traced_arn = lam.create_function(
    FunctionName=TRACED_FN, Runtime="python3.12", Handler="lambda_function.handler", Role=lambda_role(),
    Code={"ZipFile": zip_code(TRACED_SRC)}, Layers=[tracer_layer], Timeout=10,
    TracingConfig={"Mode": "Active"},
    Environment={"Variables": {"TABLE": ORDERS_TABLE, "QUEUE": FULFILMENT}})["FunctionArn"]

# POST /orders → the function (Lambda proxy), on a stage with X-Ray tracing enabled
shop = apig.create_rest_api(name=f"lab12-shop-{RUN}")["id"]
root = apig.get_resources(restApiId=shop)["items"][0]["id"]
orders_res = apig.create_resource(restApiId=shop, parentId=root, pathPart="orders")["id"]
apig.put_method(restApiId=shop, resourceId=orders_res, httpMethod="POST", authorizationType="NONE")
apig.put_integration(restApiId=shop, resourceId=orders_res, httpMethod="POST", type="AWS_PROXY",
                     integrationHttpMethod="POST",
                     uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{traced_arn}/invocations")
lam.add_permission(FunctionName=TRACED_FN, StatementId="shop-api", Action="lambda:InvokeFunction",
                   Principal="apigateway.amazonaws.com",
                   SourceArn=f"arn:aws:execute-api:{REGION}:{aws.account_id}:{shop}/*/POST/orders")
apig.create_deployment(restApiId=shop, stageName="prod")
apig.update_stage(restApiId=shop, stageName="prod",
                  patchOperations=[{"op": "replace", "path": "/tracingEnabled", "value": "true"}])

SHOP_URL = f"https://{shop}.execute-api.{REGION}.amazonaws.com/prod/orders"
trace_ids = []
for n, customer in enumerate(["c-17", "c-17", "c-42"], 1):
    reply = requests.post(SHOP_URL, json={"order_id": f"o-{RUN}-{n}", "customer": customer}, timeout=30)
    trace_ids.append(reply.headers["X-Amzn-Trace-Id"].removeprefix("Root="))   # API Gateway names the trace
    print(reply.status_code, reply.json(), trace_ids[-1])'''

MD_MAP = r"""The **service map** is drawn from every segment of those traces: a node per service (the client, the API stage,
the Lambda service, the function, the table, the queue), an arrow per caller → callee with its request count, errors and average
latency. The **timeline** is one request: a bar per segment and subsegment, nested as the document nests them. The first
request paid the cold start (`Initialization`: importing Powertools and the X-Ray SDK); look at where the rest of the time
went."""

CODE_MAP = r'''traces = xray.batch_get_traces(TraceIds=trace_ids)["Traces"]
display(viz.service_map(traces))
display(viz.trace_timeline(traces[0]))'''

MD_BOTO3 = r"""The same data through boto3, as the console reads it: `GetTraceSummaries` finds traces in a time window
(on AWS also by a filter expression such as `annotation.customer = "c-42"`),
`BatchGetTraces` returns each trace's segments as JSON documents.
A document is a tree; `walk` visits every node of it."""

CODE_BOTO3 = r'''summaries = xray.get_trace_summaries(StartTime=time.time() - 3600, EndTime=time.time() + 60)["TraceSummaries"]
print(len(summaries), "traces in the last hour; ours among them:", set(trace_ids) <= {s["Id"] for s in summaries})


def walk(node: dict, depth: int = 0):
    """(depth, node) for a segment or subsegment and everything under it."""
    yield depth, node
    for sub in node.get("subsegments", []):
        yield from walk(sub, depth + 1)


trace = xray.batch_get_traces(TraceIds=trace_ids[-1:])["Traces"][0]
for seg in trace["Segments"]:
    for depth, node in walk(json.loads(seg["Document"])):
        ms = (node["end_time"] - node["start_time"]) * 1000
        what = node.get("origin") or (node["aws"].get("operation", "") if "aws" in node and depth else "")
        print(f"{'  ' * depth}{node['name']:<32} {ms:8.1f} ms  {what} {node.get('annotations', '')}")'''

MD_REAL = r"""**What the mock shows, and what real X-Ray does.** Here every request to a traced stage or an `Active` function is
recorded, and the documents are in X-Ray when the call returns. On AWS:

- **Sampling.** Lambda records the first request each second and **5% of the others**, and you cannot change that rate
  for Lambda ([Lambda and X-Ray](https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html)); API Gateway applies
  X-Ray's sampling rules (the same default). At 100 requests a second you see about 6 traces a second, not 100: a trace
  is a *sample* that explains latency, not an audit log of every order (that is what the structured logs are for).
- **Delay.** Segments reach X-Ray through the daemon in batches; a trace appears after a few seconds, and the service map
  aggregates over the time window you pick.
- **Price** ([X-Ray pricing](https://aws.amazon.com/xray/pricing/)): \\$5.00 per million traces recorded and \\$0.50 per
  million traces retrieved or scanned, after a permanent free tier of 100,000 recorded and 1,000,000 retrieved or scanned
  a month. The cell below prices a month of the shop at a steady 20 orders a second.
- **The API.** The service map and the trace graph come from `GetServiceGraph` / `GetTraceGraph`, and `GetTraceSummaries`
  takes filter expressions; the mock answers those with empty graphs and without filters, so the course draws the map
  from the segments themselves (`viz.service_map`). AWS now recommends OpenTelemetry (ADOT) for new instrumentation;
  Powertools Tracer and the X-Ray SDK produce the same segments."""

CODE_REAL = r'''recorded = pricing.xray_lambda_sampled(requests_per_second=20)       # 1/s + 5% of the other 19/s, for 730 hours
bill = pricing.xray_cost(recorded=recorded, retrieved=50 * 30, scanned=20 * 30 * 3600)   # 50 traces read a day, 20 hourly scans
print(f"{recorded:,.0f} traces recorded a month (of {20 * pricing.SECONDS_PER_MONTH:,.0f} requests)")
for line in bill.lines:
    print(f"  {line.item:<28} {line.quantity:>14,.0f} × ${line.rate:.7f} = ${line.usd:,.2f}")
print(f"  total ${bill.total:,.2f} a month")'''

MD_EXERCISE = r"""### Exercise {n} — which call made this request slow? (2 points)
A customer says an order took a second. Its trace is what `xray.batch_get_traces(TraceIds=[...])["Traces"][0]` returns:
`{{"Id": ..., "Duration": ..., "Segments": [{{"Id": ..., "Document": "<a segment as JSON>"}}, ...]}}`, one document per
segment (API Gateway's, Lambda's, the function's, and those of any other function the request reached), each a tree of
subsegments.

Write `slowest_call(trace)` that returns `(service, operation, resource)` for the slowest **call to an AWS service** in the
whole trace: a subsegment with `"namespace": "aws"`, at **any depth** (Powertools nests the calls under `## handler` and
each `capture_method`), timed `end_time - start_time`. `service` is its `name` (`"dynamodb"`, `"sqs"`, ...), `operation`
its `aws["operation"]`, `resource` its `aws["table_name"]` or else its `aws["queue_url"]`. Lambda's own `Initialization`
is often the longest bar on a cold start, and `## handler` contains every call: neither is a downstream call. Return
`None` when the trace made no AWS call."""

CODE_EXERCISE = r'''def slowest_call(trace: dict):
    ### BEGIN SOLUTION
    def nodes(node):
        yield node
        for sub in node.get("subsegments", []):
            yield from nodes(sub)

    best, best_s = None, -1.0
    for seg in trace["Segments"]:
        for node in nodes(json.loads(seg["Document"])):
            if node.get("namespace") == "aws" and node["end_time"] - node["start_time"] > best_s:
                info = node.get("aws", {})
                best = (node["name"], info.get("operation"), info.get("table_name") or info.get("queue_url"))
                best_s = node["end_time"] - node["start_time"]
    return best
    ### END SOLUTION'''

TEST_EXERCISE = r'''# The slowest downstream call, found anywhere in the trace
def _doc(name, start, end, **extra):
    return {"name": name, "id": uuid.uuid4().hex[:16], "start_time": start, "end_time": end, **extra}


def _call(service, operation, start, end, resource):
    key = "table_name" if service == "dynamodb" else "queue_url"
    return _doc(service, start, end, namespace="aws", aws={"operation": operation, key: resource})


def _trace(*segments):
    return {"Id": "1-6b160000-000000000000000000000001", "Duration": 1.2,
            "Segments": [{"Id": s["id"], "Document": json.dumps(s)} for s in segments]}


QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/fulfilment"
lab_trace = xray.batch_get_traces(TraceIds=trace_ids[-1:])["Traces"][0]
assert slowest_call(lab_trace) in {("dynamodb", "PutItem", ORDERS_TABLE), ("sqs", "SendMessage", FULFILMENT)}, \
    "the lab's own request made two calls: PutItem on the table and SendMessage on the queue"
nested = _doc("orders", 0.0, 1.2, origin="AWS::Lambda::Function", subsegments=[
    _doc("Initialization", 0.0, 0.6),
    _doc("## handler", 0.6, 1.2, subsegments=[
        _doc("## place", 0.6, 1.2, subsegments=[_call("dynamodb", "PutItem", 0.6, 0.65, "orders"),
                                                _call("sqs", "SendMessage", 0.65, 1.15, QUEUE)])]),
    _call("dynamodb", "GetItem", 1.15, 1.2, "prices")])
assert slowest_call(_trace(nested)) == ("sqs", "SendMessage", QUEUE), \
    "SendMessage (500 ms) is nested under ## handler and ## place: look at every depth, and only at aws calls"
assert slowest_call(_trace(_doc("orders", 0, 1, origin="AWS::Lambda::Function",
                                subsegments=[_doc("Invocation", 0, 1)]))) is None
### BEGIN HIDDEN TESTS
# the slow call is in a second function's segment, after the API's and the first function's
api = _doc("shop/prod", 0.0, 2.0, origin="AWS::ApiGateway::Stage")
first = _doc("orders", 0.1, 1.9, origin="AWS::Lambda::Function", subsegments=[
    _doc("Initialization", 0.1, 1.5), _call("dynamodb", "Query", 1.5, 1.6, "orders")])
second = _doc("billing", 1.6, 1.9, origin="AWS::Lambda::Function", subsegments=[
    _doc("## handler", 1.6, 1.9, subsegments=[_call("dynamodb", "UpdateItem", 1.6, 1.85, "balances")])])
assert slowest_call(_trace(api, first, second)) == ("dynamodb", "UpdateItem", "balances")
# a call directly in the function segment, slower than the nested ones
flat = _doc("orders", 0.0, 1.0, origin="AWS::Lambda::Function", subsegments=[
    _doc("## handler", 0.0, 0.5, subsegments=[_call("sqs", "SendMessage", 0.0, 0.2, QUEUE)]),
    _call("dynamodb", "BatchWriteItem", 0.5, 0.95, "audit")])
assert slowest_call(_trace(flat)) == ("dynamodb", "BatchWriteItem", "audit")
for _ in range(3):   # random trees: one planted call is slower than every other call
    calls = [_call(random.choice(["dynamodb", "sqs"]), "Op", 0.0, random.uniform(0.01, 0.3), "r") for _ in range(6)]
    slow = random.randrange(6)
    calls[slow] = _call("dynamodb", "Scan", 0.0, 0.31 + random.random(), f"table-{slow}")
    tree = calls[:3]
    for level in range(random.randint(1, 4)):
        tree = [_doc(f"## level{level}", 0.0, 5.0, subsegments=tree)]
    fn = _doc("orders", 0.0, 5.0, origin="AWS::Lambda::Function", subsegments=[_doc("Initialization", 0, 4.9), *tree])
    other = _doc("orders", 0.0, 5.0, origin="AWS::Lambda::Function", subsegments=calls[3:])
    assert slowest_call(_trace(fn, other)) == ("dynamodb", "Scan", f"table-{slow}")
### END HIDDEN TESTS'''

CELLS = [
    ("traces-intro", "markdown", MD_INTRO),
    ("traces-deploy", "code", CODE_DEPLOY),
    ("traces-map-md", "markdown", MD_MAP),
    ("traces-map", "code", CODE_MAP),
    ("traces-boto3-md", "markdown", MD_BOTO3),
    ("traces-boto3", "code", CODE_BOTO3),
    ("traces-real-md", "markdown", MD_REAL),
    ("traces-real", "code", CODE_REAL),
]

EXERCISE = [
    ("traces-ex-md", "markdown", MD_EXERCISE,
     {"grade": False, "grade_id": "lab12_ex_traces_md", "locked": True, "solution": False}),
    ("traces-ex", "code", CODE_EXERCISE,
     {"grade": False, "grade_id": "lab12_slowest_call", "locked": False, "solution": True}),
    ("traces-ex-test", "code", TEST_EXERCISE,
     {"grade": True, "grade_id": "lab12_slowest_call_test", "locked": True, "points": 2, "solution": False}),
]


def _make(cell_id: str, kind: str, source: str, nbgrader: dict | None = None):
    cell = nbformat.v4.new_markdown_cell(source) if kind == "markdown" else nbformat.v4.new_code_cell(source)
    cell["id"] = cell_id
    if nbgrader is not None:
        cell["metadata"]["nbgrader"] = {**nbgrader, "schema_version": 3, "task": False}
    elif kind == "markdown":
        cell["metadata"]["nbgrader"] = {"grade": False, "grade_id": f"lab12_{cell_id.replace('-', '_')}",
                                        "locked": True, "schema_version": 3, "solution": False, "task": False}
    return cell


def _section_end(nb) -> int:
    """Index just after guided step 5's cells (the heading, then its cells up to the next heading)."""
    start = next((i for i, c in enumerate(nb.cells)
                  if c.cell_type == "markdown" and c.source.lstrip().startswith("### 5. Observe")), None)
    if start is None:
        sys.exit("lab12: heading '### 5. Observe' not found; the anchor of section 5b moved")
    i = start + 1
    while i < len(nb.cells) and not (nb.cells[i].cell_type == "markdown" and nb.cells[i].source.lstrip().startswith("#")):
        i += 1
    return i


def _exercise_number(nb) -> int:
    """One after the last exercise of the other sections (this one renumbers itself)."""
    numbers = [int(m.group(1)) for c in nb.cells
               if c.cell_type == "markdown" and not str(c.get("id", "")).startswith("traces-")
               for m in [re.match(r"### Exercise (\d+)", c.source.lstrip())] if m]
    return max(numbers, default=0) + 1


def _exercises_end(nb) -> int:
    """Where a new exercise goes: after the last exercise's cells, before the lab's closing note
    ("> **On real AWS**") and the interview questions."""
    for marker in ("> **On real AWS**", "## Interview corner"):
        at = next((i for i, c in enumerate(nb.cells)
                   if c.cell_type == "markdown" and c.source.lstrip().startswith(marker)), None)
        if at is not None:
            return at
    sys.exit("lab12: neither '> **On real AWS**' nor '## Interview corner' found; the end of the exercises moved")


def main() -> None:
    nb = nbformat.read(NB, as_version=4)
    n = _exercise_number(nb)
    exercise = [(cid, kind, src.format(n=n) if kind == "markdown" else src, meta) for cid, kind, src, meta in EXERCISE]
    wanted = [(cid, kind, src, None) for cid, kind, src in CELLS] + exercise
    ids = {c.get("id"): i for i, c in enumerate(nb.cells)}
    if all(cid in ids for cid, *_rest in wanted):
        for cid, kind, src, meta in wanted:    # replace in place: nothing else moves
            new = _make(cid, kind, src, meta)
            old = nb.cells[ids[cid]]
            if old.source != new.source or old.metadata != new.metadata:
                nb.cells[ids[cid]] = new
    else:
        nb.cells = [c for c in nb.cells if not str(c.get("id", "")).startswith("traces-")]
        at = _section_end(nb)
        nb.cells[at:at] = [_make(cid, kind, src) for cid, kind, src in CELLS]
        at = _exercises_end(nb)
        nb.cells[at:at] = [_make(cid, kind, src, meta) for cid, kind, src, meta in exercise]
    nbformat.write(nb, NB)


if __name__ == "__main__":
    main()
