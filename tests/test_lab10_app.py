"""Lab 10's application, deployed from its SAM template: what the lab and the page rely on.

The template in solutions/lab10-capstone deploys into the mocked world and behaves: the API issues
presigned upload URLs, serves the page and the results; S3 invokes the processor asynchronously;
results land in DynamoDB; an unreadable file reaches the dead-letter queue after three attempts;
Powertools metrics land in CloudWatch; deleting the stack removes everything.
"""

from __future__ import annotations

import json
import time
from urllib.parse import unquote_plus

import boto3
import pytest
import requests

from conftest import ROOT
from serverless_lab import mock_aws
from serverless_lab.iac import delete, deploy

LAB = ROOT / "solutions" / "lab10-capstone"


@pytest.fixture(scope="module")
def app():
    with mock_aws(s3_notifications="async") as aws:
        deployed = deploy(LAB / "template.yaml", stack_name="capstone-test")
        yield aws, deployed


def settle(aws, rounds: int = 3) -> None:
    runtime = aws.extension("lambda")
    for _ in range(rounds):
        runtime.wait_idle(30)
        aws.clock.advance(180)
    runtime.wait_idle(30)


def wait_result(url: str, file_id: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = requests.get(f"{url}/results/{file_id}", timeout=30)
        if r.status_code == 200:
            return r.json()
        time.sleep(0.05)
    raise TimeoutError(file_id)


def test_stack_outputs_and_resources(app):
    _aws, deployed = app
    assert deployed.status == "CREATE_COMPLETE"
    assert set(deployed.outputs) == {"ApiUrl", "UploadsBucketName", "ResultsTableName", "PoisonQueueUrl",
                                     "ProcessFunctionName", "ApiFunctionName"}
    types = set(deployed.resource_types.values())
    assert {"AWS::Lambda::LayerVersion", "AWS::ApiGatewayV2::Api", "AWS::S3::Bucket", "AWS::SQS::Queue",
            "AWS::DynamoDB::Table"} <= types
    config = boto3.client("lambda").get_function_configuration(FunctionName=deployed.outputs["ProcessFunctionName"])
    assert config["DeadLetterConfig"]["TargetArn"].endswith(deployed.outputs["PoisonQueueUrl"].rsplit("/", 1)[1])
    assert config["Layers"] and config["Architectures"] == ["arm64"]


def test_page_and_api_routes(app):
    _aws, deployed = app
    url = deployed.outputs["ApiUrl"]
    page = requests.get(f"{url}/", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert 'id="upload-form"' in page.text
    assert requests.post(f"{url}/uploads", json={"filename": "../x"}, timeout=30).status_code == 400
    assert requests.post(f"{url}/uploads", data="not json", timeout=30).status_code == 400
    assert requests.get(f"{url}/results/nothing-here", timeout=30).status_code == 404


def test_upload_is_processed_by_the_trigger_and_listed(app):
    aws, deployed = app
    url = deployed.outputs["ApiUrl"]
    ticket = requests.post(f"{url}/uploads", json={"filename": "data.csv"}, timeout=30).json()
    assert ticket["key"] == f"uploads/{ticket['file_id']}/data.csv" and ticket["expires_in"] == 300
    # the API only signs: nothing is stored until the bytes reach S3
    table = boto3.resource("dynamodb").Table(deployed.outputs["ResultsTableName"])
    assert "Item" not in table.get_item(Key={"file_id": ticket["file_id"]})
    assert requests.put(ticket["upload_url"], data=b"a,b\n1,2\n3,4\n", timeout=30).status_code == 200
    result = wait_result(url, ticket["file_id"])
    assert result["lines"] == 3 and result["kind"] == "csv" and result["size"] == 12
    listed = requests.get(f"{url}/results", timeout=30).json()
    assert ticket["file_id"] in {r["file_id"] for r in listed["results"]}
    calls = [r for r in aws.extension("lambda").trace.records()
             if r.function_name == deployed.outputs["ProcessFunctionName"]]
    assert calls and calls[-1].trigger == "s3" and calls[-1].invocation_type == "Event"


def test_poison_reaches_the_dlq_and_can_be_redriven_after_the_fix(app):
    aws, deployed = app
    out = deployed.outputs
    s3, sqs, lam = boto3.client("s3"), boto3.client("sqs"), boto3.client("lambda")
    s3.put_object(Bucket=out["UploadsBucketName"], Key="uploads/bad1/latin.txt", Body="café\n".encode("latin-1"))
    settle(aws)
    failed = [r for r in aws.extension("lambda").trace.records()
              if r.function_name == out["ProcessFunctionName"] and r.outcome != "success"]
    assert sorted(r.attempt for r in failed)[-3:] == [1, 2, 3]
    [message] = sqs.receive_message(QueueUrl=out["PoisonQueueUrl"], MessageAttributeNames=["All"])["Messages"]
    assert "not UTF-8" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]
    assert unquote_plus(json.loads(message["Body"])["Records"][0]["s3"]["object"]["key"]) == "uploads/bad1/latin.txt"
    env = lam.get_function_configuration(FunctionName=out["ProcessFunctionName"])["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=out["ProcessFunctionName"],
                                      Environment={"Variables": {**env, "FALLBACK_ENCODING": "latin-1"}})
    response = lam.invoke(FunctionName=out["ProcessFunctionName"], Payload=message["Body"].encode())
    assert "FunctionError" not in response
    assert wait_result(out["ApiUrl"], "bad1")["words"] == 1


def test_powertools_metrics_land_in_cloudwatch(app):
    _aws, _deployed = app
    names = {m["MetricName"] for m in boto3.client("cloudwatch").list_metrics(Namespace="Capstone")["Metrics"]}
    assert {"UploadUrlsIssued", "FilesProcessed", "FilesFailed"} <= names


def test_delete_removes_everything(app):
    _aws, _deployed = app
    deployed = deploy(LAB / "template.yaml", stack_name="capstone-gone")
    mine = lambda names: [n for n in names if "capstone-gone" in n]  # noqa: E731 - the module's stack stays
    boto3.client("s3").put_object(Bucket=deployed.outputs["UploadsBucketName"], Key="other/x.txt", Body=b"x")
    assert delete("capstone-gone") == "DELETE_FAILED"          # a bucket with objects, as on AWS
    assert delete("capstone-gone", empty_buckets=True) == "DELETE_COMPLETE"
    assert not mine(f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"])
    assert not mine(boto3.client("dynamodb").list_tables()["TableNames"])
    assert not mine(boto3.client("sqs").list_queues().get("QueueUrls", []))
    assert not mine(r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"])
    assert not mine(b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"])
    assert len(boto3.client("apigatewayv2").get_apis()["Items"]) == 1      # the module's own API only


def test_template_passes_cfn_lint_for_a_real_deployment():
    """AWS's own linter (with the SAM transform) finds nothing: the template deploys unchanged with sam deploy."""
    from cfnlint.api import ManualArgs, lint

    problems = lint((LAB / "template.yaml").read_text(), config=ManualArgs(regions=["us-east-1"]))
    assert problems == [], [str(p) for p in problems]
