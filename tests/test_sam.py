"""SAM templates through CloudFormation in the mocked world (serverless_lab.iac).

What ``sam deploy`` relies on must work through plain boto3: create_stack / change sets with
``Transform: AWS::Serverless-2016-10-31``, resources that behave (functions run, the S3 trigger
fires, REST and HTTP APIs answer on their URLs, failures reach the dead-letter queue), outputs
that resolve, deletion that removes everything, and a clear refusal of what is not supported.
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from serverless_lab import mock_aws

INLINE_API = """
import json
def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"path": event.get("rawPath") or event.get("path"),
                                "version": event.get("version", "1.0")})}
"""

INLINE_S3 = """
import os, boto3
table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
def handler(event, context):
    for r in event["Records"]:
        key = r["s3"]["object"]["key"]
        if key.endswith(".bad"):
            raise ValueError("poison: " + key)
        table.put_item(Item={"pk": key, "size": r["s3"]["object"]["size"]})
"""


def _indent(code: str, n: int = 8) -> str:
    return "\n".join(" " * n + line for line in code.strip("\n").splitlines())


def template(extra_outputs: str = "") -> str:
    return f"""
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
  Dlq:
    Type: AWS::SQS::Queue
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${{AWS::StackName}}-in"
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      InlineCode: |
{_indent(INLINE_S3)}
      Environment: {{Variables: {{TABLE: !Ref Table}}}}
      DeadLetterQueue: {{Type: SQS, TargetArn: !GetAtt Dlq.Arn}}
      EventInvokeConfig: {{MaximumRetryAttempts: 0}}
      Policies:
        - DynamoDBCrudPolicy: {{TableName: !Ref Table}}
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Bucket
            Events: s3:ObjectCreated:*
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      InlineCode: |
{_indent(INLINE_API)}
      Events:
        Http:
          Type: HttpApi
          Properties: {{Path: "/hello/{{name}}", Method: GET}}
        Rest:
          Type: Api
          Properties: {{Path: "/hello/{{name}}", Method: GET}}
Outputs:
  HttpUrl:
    Value: !Sub "https://${{ServerlessHttpApi}}.execute-api.${{AWS::Region}}.amazonaws.com"
  RestUrl:
    Value: !Sub "https://${{ServerlessRestApi}}.execute-api.${{AWS::Region}}.amazonaws.com/Prod"
  TableName:
    Value: !Ref Table
  DlqUrl:
    Value: !Ref Dlq
  FunctionArn:
    Value: !GetAtt OnUpload.Arn
{extra_outputs}
"""


@pytest.fixture
def world():
    with mock_aws(s3_notifications="async") as session:
        yield session


def outputs(cfn, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def settle(world, seconds: float = 60.0) -> None:
    world.extension("lambda").wait_idle(seconds)


def wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_create_stack_with_sam_transform_through_boto3(world, unique):
    cfn = boto3.client("cloudformation")
    name = unique("app")
    cfn.create_stack(StackName=name, TemplateBody=template(), Capabilities=["CAPABILITY_IAM",
                                                                             "CAPABILITY_AUTO_EXPAND"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    types = {r["ResourceType"] for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]}
    # what the SAM translator produced, created by CloudFormation
    assert {"AWS::Lambda::Function", "AWS::IAM::Role", "AWS::Lambda::Permission", "AWS::ApiGatewayV2::Api",
            "AWS::ApiGatewayV2::Stage", "AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage",
            "AWS::Lambda::EventInvokeConfig"} <= types
    out = outputs(cfn, name)
    assert out["HttpUrl"].startswith("https://") and "${" not in out["HttpUrl"]
    assert out["FunctionArn"].startswith("arn:aws:lambda:us-east-1:123456789012:function:")


def test_http_and_rest_apis_answer_on_their_urls(world, unique):
    cfn = boto3.client("cloudformation")
    name = unique("app")
    cfn.create_stack(StackName=name, TemplateBody=template(), Capabilities=["CAPABILITY_IAM"])
    out = outputs(cfn, name)
    r = requests.get(out["HttpUrl"] + "/hello/ada", timeout=30)
    assert r.status_code == 200 and r.json() == {"path": "/hello/ada", "version": "2.0"}
    r = requests.get(out["RestUrl"] + "/hello/ada", timeout=30)
    assert r.status_code == 200 and r.json()["path"] == "/hello/ada" and r.json()["version"] == "1.0"
    # the local URL a browser uses answers too
    api_id = out["HttpUrl"].split("//")[1].split(".")[0]
    local = world.extension("integrations").url_for(api_id)
    assert requests.get(local + "/hello/bob", timeout=30).json()["path"] == "/hello/bob"


def test_s3_trigger_fires_and_poison_goes_to_the_dlq(world, unique):
    cfn, s3, sqs, ddb = (boto3.client(s) for s in ("cloudformation", "s3", "sqs", "dynamodb"))
    name = unique("app")
    cfn.create_stack(StackName=name, TemplateBody=template(), Capabilities=["CAPABILITY_IAM"])
    out = outputs(cfn, name)
    s3.put_object(Bucket=f"{name}-in", Key="ok.csv", Body=b"a,b\n")
    s3.put_object(Bucket=f"{name}-in", Key="file.bad", Body=b"?")
    settle(world)
    assert wait_for(lambda: ddb.get_item(TableName=out["TableName"], Key={"pk": {"S": "ok.csv"}}).get("Item"))
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=out["DlqUrl"], MessageAttributeNames=["All"])
                        .get("Messages"))
    assert messages, "the failing event must reach the function's dead-letter queue"
    body = json.loads(messages[0]["Body"])
    assert body["Records"][0]["s3"]["object"]["key"] == "file.bad"
    assert "poison" in messages[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]


def test_change_set_outputs_resolve_and_delete_removes_everything(world, unique):
    cfn = boto3.client("cloudformation")
    name = unique("app")
    cs = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                               TemplateBody=template(), Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cfn.execute_change_set(ChangeSetName=cs["Id"], StackName=name)
    out = outputs(cfn, name)
    assert set(out) >= {"HttpUrl", "RestUrl", "TableName", "DlqUrl", "FunctionArn"}
    cfn.delete_stack(StackName=name)
    lam, ddb, sqs, s3 = (boto3.client(s) for s in ("lambda", "dynamodb", "sqs", "s3"))
    assert not [f for f in lam.list_functions()["Functions"] if f["FunctionName"].startswith(name)]
    assert out["TableName"] not in ddb.list_tables()["TableNames"]
    assert not sqs.list_queues().get("QueueUrls")
    assert f"{name}-in" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert not boto3.client("apigatewayv2").get_apis()["Items"]
    assert not boto3.client("apigateway").get_rest_apis()["items"]
    assert not [r for r in boto3.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(name)]


def test_a_bucket_with_objects_fails_the_deletion_as_on_aws(world, unique):
    cfn, s3 = boto3.client("cloudformation"), boto3.client("s3")
    name = unique("app")
    cfn.create_stack(StackName=name, TemplateBody=template(), Capabilities=["CAPABILITY_IAM"])
    s3.put_object(Bucket=f"{name}-in", Key="keep/me.txt", Body=b"x")  # not under a trigger's failure
    settle(world)
    cfn.delete_stack(StackName=name)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_FAILED"
    reason = cfn.describe_stack_events(StackName=name)["StackEvents"][0]["ResourceStatusReason"]
    assert "not empty" in reason


@pytest.mark.parametrize("snippet, named", [
    ("  Vpc:\n    Type: AWS::EC2::VPC\n    Properties: {CidrBlock: 10.0.0.0/16}\n", "AWS::EC2::VPC"),
    ("  Nested:\n    Type: AWS::Serverless::Application\n    Properties: {Location: s3://b/k}\n",
     "AWS::Serverless::Application"),
])
def test_unsupported_resource_is_refused_by_name(world, unique, snippet, named):
    body = template().replace("Resources:\n", "Resources:\n" + snippet, 1)
    with pytest.raises(ClientError) as err:
        boto3.client("cloudformation").create_stack(StackName=unique("bad"), TemplateBody=body)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    message = err.value.response["Error"]["Message"]
    assert named in message and "Supported" in message and "AWS::Serverless::Function" in message


def test_unsupported_property_is_refused_by_name(world, unique):
    body = template().replace("      Handler: index.handler\n", "      Handler: index.handler\n"
                              "      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}\n", 1)
    with pytest.raises(ClientError) as err:
        boto3.client("cloudformation").create_stack(StackName=unique("bad"), TemplateBody=body)
    message = err.value.response["Error"]["Message"]
    assert "OnUpload" in message and "VpcConfig" in message and "Supported properties" in message


def test_unsupported_event_source_is_refused_by_name(world, unique):
    body = template().replace("          Type: S3\n", "          Type: Kinesis\n", 1)
    with pytest.raises(ClientError) as err:
        boto3.client("cloudformation").create_stack(StackName=unique("bad"), TemplateBody=body)
    message = err.value.response["Error"]["Message"]
    assert "Kinesis" in message and "Supported event types" in message


def test_emf_log_lines_become_cloudwatch_metrics(world, unique):
    from serverless_lab import emf

    line = json.dumps({"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{
        "Namespace": "Shop", "Dimensions": [["service"]], "Metrics": [{"Name": "Orders", "Unit": "Count"}]}]},
        "service": "cart", "Orders": [2.0, 3.0]})
    assert emf.metrics_from_line("plain text") == []
    logs = boto3.client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/emf")
    logs.create_log_stream(logGroupName="/aws/lambda/emf", logStreamName="s")
    logs.put_log_events(logGroupName="/aws/lambda/emf", logStreamName="s",
                        logEvents=[{"timestamp": 1700000000000, "message": line}])
    cw = boto3.client("cloudwatch")
    [metric] = cw.list_metrics(Namespace="Shop")["Metrics"]
    assert metric["MetricName"] == "Orders" and metric["Dimensions"] == [{"Name": "service", "Value": "cart"}]


def test_deploy_packages_local_code_and_a_layer(world, unique, tmp_path):
    from serverless_lab.iac import delete, deploy

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import typing_extensions\n"
        "from aws_lambda_powertools import Logger\n"
        "logger = Logger(service='t')\n"
        "def handler(event, context):\n    logger.info('hi')\n    return {'ok': True}\n")
    (tmp_path / "layer").mkdir()
    (tmp_path / "layer" / "requirements.txt").write_text("aws-lambda-powertools==3.37.0\n")
    (tmp_path / "template.yaml").write_text("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Libs:
    Type: AWS::Serverless::LayerVersion
    Properties: {ContentUri: layer/, CompatibleRuntimes: [python3.12]}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, Runtime: python3.12, CodeUri: src/, Layers: [!Ref Libs]}
Outputs:
  Name: {Value: !Ref Fn}
""")
    name = unique("pkg")
    app = deploy(tmp_path / "template.yaml", stack_name=name)
    assert app.status == "CREATE_COMPLETE"
    lam = boto3.client("lambda")
    result = lam.invoke(FunctionName=app.outputs["Name"])
    assert "FunctionError" not in result, result["Payload"].read()
    assert json.loads(result["Payload"].read()) == {"ok": True}
    assert delete(name) == "DELETE_COMPLETE"


def test_layer_leaves_out_what_the_runtime_provides(tmp_path):
    import io
    import zipfile

    from serverless_lab.iac import build_layer

    req = tmp_path / "requirements.txt"
    req.write_text("aws-lambda-powertools==3.37.0\n")
    names = zipfile.ZipFile(io.BytesIO(build_layer(req))).namelist()
    assert any(n.startswith("python/aws_lambda_powertools/") for n in names)
    assert not any(n.startswith(("python/boto3/", "python/botocore/")) for n in names)
    req.write_text("aws-lambda-powertools==0.0.1\n")
    with pytest.raises(Exception, match="0.0.1"):
        build_layer(req)


def test_nothing_stays_patched_after_stop(unique):
    import moto.cloudformation.models as cfm
    import moto.cloudformation.parsing as parsing
    import moto.s3.notifications as notes

    before = (cfm.Stack._parse_template, parsing.resource_class_from_type, notes._invoke_awslambda)
    with mock_aws(s3_notifications="async"):
        assert parsing.resource_class_from_type is not before[1]
        assert notes._invoke_awslambda is not before[2]
    assert (cfm.Stack._parse_template, parsing.resource_class_from_type, notes._invoke_awslambda) == before


def test_redeploy_updates_code_and_configuration_in_place(world, unique, tmp_path):
    from serverless_lab.iac import deploy

    (tmp_path / "src").mkdir()
    (tmp_path / "template.yaml").write_text("""
Transform: AWS::Serverless-2016-10-31
Parameters:
  Greeting: {Type: String, Default: hello}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Runtime: python3.12
      CodeUri: src/
      Environment: {Variables: {GREETING: !Ref Greeting}}
      Events:
        Http: {Type: HttpApi, Properties: {Path: /hi, Method: GET}}
Outputs:
  Url: {Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com"}
""")
    code = "import os\ndef handler(event, context):\n    return {'statusCode': 200, 'body': os.environ['GREETING'] + '%s'}\n"
    (tmp_path / "src" / "app.py").write_text(code % "!")
    name = unique("upd")
    first = deploy(tmp_path / "template.yaml", stack_name=name)
    assert requests.get(first.outputs["Url"] + "/hi", timeout=30).text == "hello!"
    (tmp_path / "src" / "app.py").write_text(code % "?")
    second = deploy(tmp_path / "template.yaml", stack_name=name, parameters={"Greeting": "bonjour"})
    assert second.status == "UPDATE_COMPLETE"
    assert second.outputs["Url"] == first.outputs["Url"], "the API keeps its id (and URL) across updates"
    assert requests.get(second.outputs["Url"] + "/hi", timeout=30).text == "bonjour?"


def test_local_code_folders_through_plain_create_stack_say_how_to_package(world, unique):
    from conftest import ROOT

    text = (ROOT / "solutions" / "lab10-capstone" / "template.yaml").read_text()
    with pytest.raises(ClientError) as err:
        boto3.client("cloudformation").create_stack(StackName=unique("raw"), TemplateBody=text,
                                                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    message = err.value.response["Error"]["Message"]
    assert "CodeUri" in message and "serverless_lab.iac.deploy" in message
