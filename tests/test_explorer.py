"""The explorer and the architecture diagram read a real mocked world through boto3.

The world has one of each link the diagram discovers: an S3 notification
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketNotificationConfiguration.html),
an SQS event source mapping (https://docs.aws.amazon.com/lambda/latest/api/API_ListEventSourceMappings.html),
an EventBridge rule target (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_ListTargetsByRule.html),
an SNS subscription (https://docs.aws.amazon.com/sns/latest/api/API_ListSubscriptionsByTopic.html),
HTTP and REST API integrations (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_GetIntegration.html: a Lambda proxy's uri is
arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations), a Step Functions Task's
Resource (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html), a queue's RedrivePolicy
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).
"""

from __future__ import annotations

import json
import re
import time
import uuid

import boto3
import pytest

from lambda_helpers import create, runtime_available
from serverless_lab import mock_aws
from serverless_lab.viz.world import node_of_arn, task_targets

REGION = "us-east-1"
WORKER = '''
import os, boto3
def handler(event, context):
    print("got", len(event.get("Records", [])) or 1, "records")
    return {"statusCode": 200, "body": "ok"}
'''


def build_world(aws, s: str) -> dict:
    lam, s3, ddb = (boto3.client(x, region_name=REGION) for x in ("lambda", "s3", "dynamodb"))
    sqs, sns, ev = (boto3.client(x, region_name=REGION) for x in ("sqs", "sns", "events"))
    table = f"results-{s}"
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    dlq = sqs.create_queue(QueueName=f"dlq-{s}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    jobs = sqs.create_queue(QueueName=f"jobs-{s}", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    jobs_arn = sqs.get_queue_attributes(QueueUrl=jobs, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    fn = create(lam, f"worker-{s}", WORKER, Environment={"Variables": {"TABLE_NAME": table}})
    api_fn = create(lam, f"api-{s}", WORKER)
    lam.add_permission(FunctionName=fn, StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
    bucket = f"uploads-{s}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn, "Events": ["s3:ObjectCreated:*"]}]})
    lam.create_event_source_mapping(EventSourceArn=jobs_arn, FunctionName=fn, BatchSize=5)
    rule = f"nightly-{s}"
    ev.put_rule(Name=rule, ScheduleExpression="rate(1 day)")
    ev.put_targets(Rule=rule, Targets=[{"Id": "1", "Arn": fn}])
    topic = sns.create_topic(Name=f"alerts-{s}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    gw = boto3.client("apigatewayv2", region_name=REGION)
    http = gw.create_api(Name=f"http-{s}", ProtocolType="HTTP")["ApiId"]
    integ = gw.create_integration(ApiId=http, IntegrationType="AWS_PROXY", IntegrationUri=api_fn,
                                  PayloadFormatVersion="2.0")["IntegrationId"]
    gw.create_route(ApiId=http, RouteKey="GET /results", Target=f"integrations/{integ}")
    rest = boto3.client("apigateway", region_name=REGION)
    rid = rest.create_rest_api(name=f"rest-{s}")["id"]
    root = rest.get_resources(restApiId=rid)["items"][0]["id"]
    res = rest.create_resource(restApiId=rid, parentId=root, pathPart="items")["id"]
    rest.put_method(restApiId=rid, resourceId=res, httpMethod="GET", authorizationType="NONE")
    rest.put_integration(restApiId=rid, resourceId=res, httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                         uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{api_fn}/invocations")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": fn, "Next": "Both"},
        "Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Save", "States": {"Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                                                    "Parameters": {"TableName": table, "Item": {"id": {"S.$": "$.id"}}},
                                                    "End": True}}},
            {"StartAt": "Tell", "States": {"Tell": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                    "Parameters": {"FunctionName": api_fn, "Payload.$": "$"},
                                                    "End": True}}}]}}}
    sm = sfn.create_state_machine(name=f"flow-{s}", definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    return dict(fn=f"worker-{s}", api_fn=f"api-{s}", bucket=bucket, table=table, jobs=f"jobs-{s}", dlq=f"dlq-{s}",
                rule=rule, topic=f"alerts-{s}", http=http, rest=rid, sm=f"flow-{s}", sm_arn=sm, s3=s3, sfn=sfn)


@pytest.fixture
def world():
    if not runtime_available():
        pytest.skip("the local Lambda runtime is not installed")
    with mock_aws() as aws:
        yield aws, build_world(aws, uuid.uuid4().hex[:6])


def test_the_explorer_reads_every_service_and_every_link(world):
    aws, w = world
    from serverless_lab.viz.world import survey

    seen = survey(aws)
    names = {k: sorted(r.name for r in v) for k, v in seen.resources.items()}
    assert names["lambda"] == sorted([w["fn"], w["api_fn"]])
    assert names["s3"] == [w["bucket"]] and names["dynamodb"] == [w["table"]]
    assert names["sqs"] == sorted([w["jobs"], w["dlq"]]) and names["sns"] == [w["topic"]]
    assert names["events"] == [w["rule"]] and names["stepfunctions"] == [w["sm"]]
    assert [r.node for r in seen.resources["apigatewayv2"]] == [f"apigatewayv2:{w['http']}"]
    assert [r.node for r in seen.resources["apigateway"]] == [f"apigateway:{w['rest']}"]
    assert names["ecs"] == [] and names["rds"] == [], "nothing there, and no error"
    assert not seen.notes, seen.notes
    fn, api_fn = f"lambda:{w['fn']}", f"lambda:{w['api_fn']}"
    edges = {(lk.source, lk.target) for lk in seen.links}
    assert edges == {
        (f"s3:{w['bucket']}", fn), (f"sqs:{w['jobs']}", fn), (f"events:{w['rule']}", fn), (f"sns:{w['topic']}", fn),
        (f"apigatewayv2:{w['http']}", api_fn), (f"apigateway:{w['rest']}", api_fn),
        (f"stepfunctions:{w['sm']}", fn), (f"stepfunctions:{w['sm']}", f"dynamodb:{w['table']}"),
        (f"stepfunctions:{w['sm']}", api_fn), (f"sqs:{w['jobs']}", f"sqs:{w['dlq']}"),
        (fn, f"dynamodb:{w['table']}"),
    }
    named = [lk for lk in seen.links if lk.named]
    assert [(lk.source, lk.how) for lk in named] == [(fn, "TABLE_NAME")], "only the environment link is dashed"
    how = {(lk.source, lk.target): lk.how for lk in seen.links}
    assert how[(f"s3:{w['bucket']}", fn)] == "s3:ObjectCreated:*"
    assert how[(f"apigatewayv2:{w['http']}", api_fn)] == "GET /results"
    assert how[(f"apigateway:{w['rest']}", api_fn)] == "GET /items"
    assert how[(f"stepfunctions:{w['sm']}", f"dynamodb:{w['table']}")] == "Save", "a Task inside a Parallel branch"
    fn_res = seen.find(fn)
    assert fn_res.config["Environment"]["Variables"]["TABLE_NAME"] == w["table"]


def test_invocations_and_logs_of_what_ran(world):
    aws, w = world
    from serverless_lab.viz.explorer import Explorer, detail_html
    from serverless_lab.viz.world import executions, invocations, recent_logs

    w["s3"].put_object(Bucket=w["bucket"], Key="a.txt", Body=b"x")
    ex = Explorer(aws)
    fn = ex.world.find(f"lambda:{w['fn']}")
    ran = invocations(ex.world, fn)
    assert [r["trigger"] for r in ran] == ["s3"] and ran[0]["outcome"] == "success"
    bucket = ex.world.find(f"s3:{w['bucket']}")
    assert [r["request_id"] for r in invocations(ex.world, bucket)] == [ran[0]["request_id"]], \
        "a bucket shows the invocations its notification caused"
    assert invocations(ex.world, ex.world.find(f"sqs:{w['jobs']}")) == []
    logs = recent_logs(aws, fn)
    assert any(line.split("  ", 1)[1].startswith("START RequestId: " + ran[0]["request_id"]) for line in logs), logs
    assert any("got 1 records" in line for line in logs)
    assert recent_logs(aws, ex.world.find(f"lambda:{w['api_fn']}")) == [], "never ran: no log group yet, no error"
    html = detail_html(aws, ex.world, bucket)
    assert f"this → λ function <b>{w['fn']}</b> (s3:ObjectCreated:*)" in html
    # Refresh sees what was created after the widget was drawn, without a new widget
    before = ex.titles
    boto3.client("dynamodb", region_name=REGION).create_table(
        TableName=f"late-{w['table']}", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ex.refresh_button.click()
    assert ex.world.find(f"dynamodb:late-{w['table']}") is not None
    assert before[2] == "DynamoDB tables (1)" and ex.titles[2] == "DynamoDB tables (2)"
    sm = ex.world.find(f"stepfunctions:{w['sm']}")
    arn = w["sfn"].start_execution(stateMachineArn=w["sm_arn"], input=json.dumps({"id": "x1"}))["executionArn"]
    deadline = time.monotonic() + 60
    while w["sfn"].describe_execution(executionArn=arn)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e["name"] for e in executions(aws, sm)] == [arn.rsplit(":", 1)[1]]
    assert "Executions (newest first)" in detail_html(aws, ex.world, sm)
    ex.close()


def test_mermaid_has_the_worlds_edges(world):
    aws, w = world
    arch = aws.architecture()
    text = arch.mermaid
    assert text.startswith("flowchart LR")
    ids = dict(re.findall(r'^  (n\d+)\[\(?"[^"<]*<br/>([^"]+)"', text, re.M))
    by_name = {name: i for i, name in ids.items()}
    arrows = set(re.findall(r"^  (n\d+) (-->|-.->)\|\"([^\"]*)\"\| (n\d+)$", text, re.M))
    assert (by_name[w["bucket"]], "-->", "s3:ObjectCreated:*", by_name[w["fn"]]) in arrows
    assert (by_name[w["jobs"]], "-->", "mapping (batch 5, Enabled)", by_name[w["fn"]]) in arrows
    assert (by_name[w["fn"]], "-.->", "TABLE_NAME", by_name[w["table"]]) in arrows
    assert len(arrows) == len(arch.links) == 11
    # left to right: a source sits in an earlier column than what it triggers
    for lk in arch.links:   # (a guessed link and a queue's dead-letter queue may stay in one column)
        if not lk.named and (lk.source, lk.target) != (f"sqs:{w['jobs']}", f"sqs:{w['dlq']}"):
            assert arch.positions[lk.source][0] < arch.positions[lk.target][0], lk
    svg = arch.svg()
    assert svg.count('class="sl-node"') == len(arch.nodes) and svg.count('class="sl-link"') == 11


def test_an_empty_world_and_a_service_that_answers_an_error():
    from botocore.exceptions import ClientError

    from serverless_lab.viz.world import _Reader, survey

    with mock_aws() as aws:
        empty = survey(aws)
        assert empty.count() == 0 and not empty.links and not empty.notes
        assert "Nothing in this world yet" in aws.architecture().svg()

        class Denied(_Reader):
            def _sqs(self):
                raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListQueues")

            def _sns(self):
                raise NotImplementedError("ListTopics")

        seen = Denied(aws).run()
        assert "lack its List/Describe permissions" in seen.notes["sqs"] and seen.resources["sqs"] == []
        assert "does not implement" in seen.notes["sns"]
        assert "s3" not in seen.notes


def test_task_targets_of_optimized_and_plain_integrations():
    d = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
              "Parameters": {"Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/batch", "TaskDefinition": "t"},
              "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "Q", "States": {"Q": {
            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/out", "MessageBody.$": "$"},
            "End": True}}}, "Next": "D"},
        "D": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName.$": "$.t"},
              "End": True}}}
    assert task_targets(d) == [("A", "ecs:batch"), ("Q", "sqs:out")], "a path (TableName.$) names no static target"
    assert node_of_arn("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2024") == "dynamodb:t"


@pytest.mark.notebook
def test_lab00_cells_show_the_widget_and_the_diagram_through_nbclient(tmp_path):
    """What lab 00's new cells display when the notebook runs headless (nbclient, as grading runs it)."""
    import nbformat

    from conftest import ROOT
    from serverless_lab.grading.notebook_run import execute

    lab = nbformat.read(ROOT / "solutions" / "lab00-welcome" / "lab00-welcome.ipynb", as_version=4)
    keep = [c for c in lab.cells if c.cell_type == "code"][:2]   # start_lab() and the demo bucket
    nb = nbformat.v4.new_notebook(metadata=lab.metadata)
    nb.cells = keep + [nbformat.v4.new_code_cell("ex = aws.explorer()\nex"),
                       nbformat.v4.new_code_cell("diagram = aws.architecture()\ndiagram"),
                       nbformat.v4.new_code_cell("print(ex.titles[1]); aws.stop()")]
    path = tmp_path / "explorer.ipynb"
    nbformat.write(nb, path)
    out = execute(path, allow_errors=False)
    widget, diagram, titles = (c.outputs for c in out.cells[-3:])
    assert "application/vnd.jupyter.widget-view+json" in widget[0]["data"]
    svg = diagram[0]["data"]["image/svg+xml"]
    assert svg.count('class="sl-node"') == 1 and "lab00-demo-" in svg
    assert titles[0]["text"].strip() == "S3 buckets (1)"


def test_auto_refresh_follows_the_world_and_stops_with_the_session():
    from serverless_lab.viz.explorer import Explorer

    aws = mock_aws().start()
    try:
        ex = Explorer(aws, auto_refresh=True, interval_s=0.05)
        assert ex.auto.value and ex._thread is not None and ex._thread.is_alive()
        name = f"auto-{uuid.uuid4().hex[:6]}"
        boto3.client("sqs", region_name=REGION).create_queue(QueueName=name)
        deadline = time.monotonic() + 60
        while ex.world.find(f"sqs:{name}") is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ex.world.find(f"sqs:{name}") is not None, "auto-refresh read the new queue without a click"
    finally:
        aws.stop()
    ex._thread.join(timeout=60)
    assert not ex._thread.is_alive() and not ex.auto.value, "the timer stops with the session"
    assert "stopped" in ex.status.value


def test_a_survey_reads_only_the_services_moto_has_loaded():
    """A service never called holds nothing, and moto loads its models only at its first call: the survey
    skips it instead of starting its extension (the Lambda runtime, the Step Functions interpreter) to list
    nothing (issue #26). A fresh interpreter, so no other test has loaded those models."""
    import os
    import subprocess
    import sys

    code = """
import json, boto3
from serverless_lab import mock_aws
from serverless_lab.viz.world import survey
with mock_aws() as aws:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="survey-only-s3")
    world = survey(aws)
    print(json.dumps({"buckets": [r.name for r in world.resources["s3"]], "extensions": sorted(aws.extensions),
                      "services": sorted(world.resources)}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["buckets"] == ["survey-only-s3"]
    assert "lambda" not in seen["extensions"] and "stepfunctions" not in seen["extensions"], seen
    assert "stepfunctions" in seen["services"] and "lambda" in seen["services"], "skipped services are listed, empty"
