"""What the Lambda API answers, compared with AWS's documented (and recorded) answers.

CreateFunction's configuration, one request id per invocation, INIT error payloads,
GetAccountSettings, provisioned concurrency per region, and the AWS managed policies Lambda's
documentation attaches. Each test cites the page it follows.
"""

from __future__ import annotations

import base64
import json
import re

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab.packaging import lambda_role, zip_code

NO_RETRY = Config(retries={"total_max_attempts": 1})
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


# -- CreateFunction and GetFunction --------------------------------------------------------------------
def test_create_function_answers_pending_then_get_function_answers_active(aws, unique):
    """CreateFunction answers State Pending (StateReasonCode Creating); the function is Active once
    ready. https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
    LoggingConfig defaults: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html
    Fields: https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html"""
    lam = boto3.client("lambda", region_name="eu-west-1")
    name = unique("pending")
    created = lam.create_function(FunctionName=name, Role=lambda_role(), Runtime="python3.12",
                                  Handler="app.handler", Environment={"Variables": {}},
                                  Code={"ZipFile": zip_code("def handler(e, c):\n    return 'up'\n", "app.py")})
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["StateReason"] == "The function is being created."
    assert "LastUpdateStatus" not in created
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"}
    assert UUID.match(created["RevisionId"])
    assert created["RuntimeVersionConfig"]["RuntimeVersionArn"].startswith("arn:aws:lambda:eu-west-1::runtime:")
    assert created["Environment"] == {"Variables": {}}       # kept, although empty
    assert "Layers" not in created                           # none given: no Layers key
    # the mock finishes creating before the call returns: waiters pass at once, invoke works
    lam.get_waiter("function_exists").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    conf = lam.get_function(FunctionName=name)["Configuration"]
    assert conf["State"] == "Active" and conf["LastUpdateStatus"] == "Successful"
    assert conf["RevisionId"] == created["RevisionId"] and conf["Environment"] == {"Variables": {}}
    assert json.loads(lam.invoke(FunctionName=name)["Payload"].read()) == "up"
    # a change is a new revision; the runtime version ARN is the one INIT_START logs
    updated = lam.update_function_configuration(FunctionName=name, MemorySize=256)
    assert updated["RevisionId"] != created["RevisionId"] and "Layers" not in updated
    logs = base64.b64decode(lam.invoke(FunctionName=name, LogType="Tail")["LogResult"]).decode()
    assert f"Runtime Version ARN: {created['RuntimeVersionConfig']['RuntimeVersionArn']}" in logs


def test_create_function_without_environment_has_none_and_layers_are_listed(aws, unique):
    """No Environment given: no Environment key; Layers listed only when given.
    https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (response elements)"""
    lam = boto3.client("lambda")
    layer = lam.publish_layer_version(LayerName=unique("l"), Content={"ZipFile": zip_code(
        {"python/x.py": "X = 1\n"})})
    plain = unique("plain")
    conf = lam.get_function_configuration(FunctionName=create(lam, plain, "def handler(e, c):\n    return 1\n"))
    assert "Environment" not in conf and "Layers" not in conf
    layered = lam.create_function(FunctionName=unique("layered"), Role=lambda_role(), Runtime="python3.12",
                                  Handler="app.handler", Layers=[layer["LayerVersionArn"]],
                                  Code={"ZipFile": zip_code("def handler(e, c):\n    return 1\n", "app.py")})
    assert [entry["Arn"] for entry in layered["Layers"]] == [layer["LayerVersionArn"]]


# -- one request id per invocation ----------------------------------------------------------------------
def test_invoke_request_id_is_the_context_id_and_the_log_id(aws, unique):
    """The Invoke answer's x-amzn-RequestId is the invocation's request id: the handler's
    context.aws_request_id (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html) and the
    id of START/END/REPORT (https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html)."""
    lam = boto3.client("lambda")
    name = create(lam, unique("rid"), "def handler(e, c):\n    return c.aws_request_id\n")
    seen = set()
    for _ in range(2):   # cold, then warm
        resp = lam.invoke(FunctionName=name, LogType="Tail")
        rid = resp["ResponseMetadata"]["RequestId"]
        assert UUID.match(rid) and rid == resp["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
        assert json.loads(resp["Payload"].read()) == rid
        tail = base64.b64decode(resp["LogResult"]).decode()
        for line in ("START", "END", "REPORT"):
            assert f"{line} RequestId: {rid}" in tail
        seen.add(rid)
    assert len(seen) == 2
    queued = lam.invoke(FunctionName=name, InvocationType="Event")
    assert queued["StatusCode"] == 202 and UUID.match(queued["ResponseMetadata"]["RequestId"])
    aws.extension("lambda").wait_idle(60)
    assert queued["ResponseMetadata"]["RequestId"] in {r.request_id for r in aws.extension("lambda").trace.records()}


# -- INIT errors ------------------------------------------------------------------------------------------
def test_import_module_error_payload_as_aws_writes_it(aws, unique):
    """Runtime.ImportModuleError: requestId "" and an empty stackTrace (INIT has no request).
    https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    lam = boto3.client("lambda")
    name = create(lam, unique("imp"), "import no_such_module_here\ndef handler(e, c):\n    return 1\n")
    body = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    assert body == {"errorMessage": "Unable to import module 'app': No module named 'no_such_module_here'",
                    "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []}


def test_stack_frames_name_the_runtimes_standard_library_never_this_machine(aws, unique):
    """A frame in the standard library is shown where AWS's runtime keeps it (/var/lang/lib/python3.x),
    like the handler's own frames (/var/task). https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html"""
    import sys

    lam = boto3.client("lambda")
    name = create(lam, unique("std"), "import json\ndef handler(e, c):\n    return json.loads('not json')\n",
                  Runtime="python3.13")
    resp = lam.invoke(FunctionName=name)
    body = json.loads(resp["Payload"].read())
    assert body["errorType"] == "JSONDecodeError" and body["requestId"] == resp["ResponseMetadata"]["RequestId"]
    frames = [re.match(r'\s*File "([^"]+)"', f).group(1) for f in body["stackTrace"]]
    assert frames[0] == "/var/task/app.py"
    assert frames[1] == "/var/lang/lib/python3.13/json/__init__.py"
    assert all(f.startswith(("/var/task/", "/var/lang/lib/python3.13/")) for f in frames)
    assert sys.prefix not in json.dumps(body) and sys.base_prefix not in json.dumps(body)


# -- GetAccountSettings --------------------------------------------------------------------------------------
def test_get_account_settings_follows_the_account_limit_and_reservations(aws, unique):
    """https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html; the numbers of a real
    answer: https://docs.aws.amazon.com/lambda/latest/dg/example_lambda_GetAccountSettings_section.html
    (CodeSizeUnzipped 262144000, CodeSizeZipped 52428800, TotalCodeSize 80530636800)."""
    region = "ca-central-1"    # a region of its own: counts start from zero
    lam = boto3.client("lambda", region_name=region)
    empty = lam.get_account_settings()
    assert empty["AccountLimit"] == {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                     "CodeSizeZipped": 52428800, "ConcurrentExecutions": 1000,
                                     "UnreservedConcurrentExecutions": 1000}
    assert empty["AccountUsage"] == {"TotalCodeSize": 0, "FunctionCount": 0}
    a = create(lam, unique("a"), "def handler(e, c):\n    return 1\n")
    b = create(lam, unique("b"), "def handler(e, c):\n    return 2\n")
    layer = lam.publish_layer_version(LayerName=unique("l"), Content={"ZipFile": zip_code({"python/x.py": "X=1\n"})})
    lam.put_function_concurrency(FunctionName=a, ReservedConcurrentExecutions=150)
    aws.extension("lambda").set_account_concurrency(400)
    got = lam.get_account_settings()
    sizes = [lam.get_function_configuration(FunctionName=n)["CodeSize"] for n in (a, b)]
    assert got["AccountLimit"]["ConcurrentExecutions"] == 400
    assert got["AccountLimit"]["UnreservedConcurrentExecutions"] == 250
    assert got["AccountUsage"] == {"FunctionCount": 2, "TotalCodeSize": sum(sizes) + layer["Content"]["CodeSize"]}
    # another region's functions and reservations are not counted here
    assert boto3.client("lambda", region_name="sa-east-1").get_account_settings()["AccountUsage"]["FunctionCount"] == 0


# -- provisioned concurrency belongs to its region -------------------------------------------------------------
def test_provisioned_concurrency_belongs_to_the_function_in_its_region(aws, unique):
    """Provisioned concurrency is configured on a function version or alias, and a function is a
    resource of its account and region (https://docs.aws.amazon.com/lambda/latest/dg/provisioned-concurrency.html):
    the same name in another region has none."""
    name = unique("pc")
    west = boto3.client("lambda", region_name="eu-west-1", config=NO_RETRY)
    east = boto3.client("lambda", region_name="us-east-1", config=NO_RETRY)
    for lam in (west, east):
        create(lam, name, "import os\ndef handler(e, c):\n    return os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\n")
        lam.publish_version(FunctionName=name)
    west.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=1)
    listed = west.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"arn:aws:lambda:eu-west-1:123456789012:function:{name}:1"]
    assert west.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"] == "READY"
    with pytest.raises(ClientError) as err:
        east.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert err.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"
    assert east.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"] == []
    assert json.loads(east.invoke(FunctionName=name, Qualifier="1")["Payload"].read()) == "on-demand"
    assert json.loads(west.invoke(FunctionName=name, Qualifier="1")["Payload"].read()) == "provisioned-concurrency"
    # deleting the eastern function leaves the western configuration alone
    east.delete_function(FunctionName=name)
    assert west.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"] == "READY"
    with pytest.raises(ClientError) as err:
        east.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


# -- AWS managed policies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("arn", [
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
    "arn:aws:iam::aws:policy/AWSLambdaExecute",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
    "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
])
def test_lambda_managed_policies_exist_and_attach(aws, unique, arn):
    """AWS managed policies for Lambda, by their documented ARNs:
    https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html"""
    iam = boto3.client("iam")
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    name = arn.rsplit("/", 1)[1]
    assert policy["PolicyName"] == name and policy["Arn"] == arn
    assert policy["Path"] == arn.split(":policy")[1][: -len(name)]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert doc["Statement"]
    role = unique("role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [{"PolicyName": name, "PolicyArn": arn}]
    assert arn in {p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]}


def test_basic_execution_role_document_is_awss(aws):
    """AWSLambdaBasicExecutionRole grants logs:CreateLogGroup, CreateLogStream and PutLogEvents on *
    (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html)."""
    iam = boto3.client("iam")
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    assert doc["Statement"] == [{"Effect": "Allow", "Resource": "*", "Action": [
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]
