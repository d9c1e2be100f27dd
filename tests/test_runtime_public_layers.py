"""AWS's public Powertools layer and layers of other accounts (lib/serverless_lab/runtime/public_layers.py).

The layer ARN follows Powertools' installation page ("Lambda Layer",
https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/):
``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-x86_64:{version}``.
A layer is read from the account its ARN names ("Working with layers",
https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html). Logger's keys (cold_start, function_name,
correlation_id, service, level) follow "Logger" (https://docs.aws.amazon.com/powertools/python/latest/core/logger/);
Parameters' caching (``max_age``: the value is fetched again only when it is older)
"Parameters" (https://docs.aws.amazon.com/powertools/python/latest/utilities/parameters/).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.packaging import lambda_role, zip_code
from serverless_lab.runtime.public_layers import powertools_arn

REGION = "us-east-1"

LOGGER_HANDLER = """
from aws_lambda_powertools import Logger
logger = Logger(service="orders")

@logger.inject_lambda_context(correlation_id_path="headers.x_request_id")
def handler(event, context):
    logger.info("order accepted", extra={"order_id": event["order_id"]})
    return "ok"
"""

PARAMETERS_HANDLER = """
import boto3
from aws_lambda_powertools.utilities import parameters

calls = {"secretsmanager": 0, "ssm": 0}
sm = boto3.client("secretsmanager")
ssm = boto3.client("ssm")
sm.meta.events.register("before-call.secrets-manager.GetSecretValue",
                        lambda **kw: calls.__setitem__("secretsmanager", calls["secretsmanager"] + 1))
ssm.meta.events.register("before-call.ssm.GetParameter", lambda **kw: calls.__setitem__("ssm", calls["ssm"] + 1))
secrets = parameters.SecretsProvider(boto3_client=sm)
params = parameters.SSMProvider(boto3_client=ssm)

def handler(event, context):
    key = secrets.get(event["secret"], max_age=300)
    url = params.get(event["parameter"], max_age=300)
    return {"key": key, "url": url, "calls": dict(calls)}
"""


@pytest.fixture
def aws():
    with mock_aws(region=REGION) as session:
        yield session


def _function(lam, src, layers=()):
    name = f"pt-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="index.handler", Role=lambda_role(),
                        Code={"ZipFile": zip_code({"index.py": src})}, Layers=list(layers))
    return name


def test_the_powertools_layer_gives_logger_its_structured_json_lines(aws):
    lam, logs = aws.client("lambda"), aws.client("logs")
    arn = powertools_arn(REGION, 27)
    fn = _function(lam, LOGGER_HANDLER, [arn])
    assert lam.get_function_configuration(FunctionName=fn)["Layers"][0]["Arn"] == arn
    for i in range(2):
        out = lam.invoke(FunctionName=fn, Payload=json.dumps({"order_id": f"o-{i}", "headers": {"x_request_id": f"r-{i}"}}))
        assert "FunctionError" not in out, out["Payload"].read()
    lines = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]
             if e["message"].startswith("{")]
    assert [line["cold_start"] for line in lines] == [True, False]
    first = lines[0]
    assert first["level"] == "INFO" and first["message"] == "order accepted" and first["service"] == "orders"
    assert first["function_name"] == fn and first["order_id"] == "o-0" and first["correlation_id"] == "r-0"
    assert first["function_request_id"] and first["function_memory_size"] == "128"


def test_without_the_layer_the_import_fails_as_on_aws(aws):
    lam = aws.client("lambda")
    fn = _function(lam, LOGGER_HANDLER)
    out = lam.invoke(FunctionName=fn, Payload=b"{}")
    err = json.loads(out["Payload"].read())
    assert out["FunctionError"] == "Unhandled"
    assert err["errorType"] == "Runtime.ImportModuleError"
    assert err["errorMessage"] == "Unable to import module 'index': No module named 'aws_lambda_powertools'"


def test_the_layer_is_aws_accounts_not_the_callers(aws):
    lam = aws.client("lambda")
    arn = powertools_arn(REGION, 3)
    _function(lam, "def handler(e, c):\n    return 1\n", [arn])
    # the caller's account has no such layer: its ARN names account 017000801446
    assert lam.list_layers()["Layers"] == []
    # a layer of the caller's account with the same name is not the one an ARN of another account names
    own = lam.publish_layer_version(LayerName="mine", Content={"ZipFile": zip_code({"python/x.py": "X = 1\n"})})
    with pytest.raises(ClientError) as err:
        _function(lam, "def handler(e, c):\n    return 1\n",
                  [own["LayerVersionArn"].replace(aws.account_id, "111122223333")])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError):      # a version AWS has not published
        _function(lam, "def handler(e, c):\n    return 1\n", [powertools_arn(REGION, 100_000)])


def test_parameters_cache_secrets_and_parameters_for_max_age(aws):
    lam, sm, ssm = aws.client("lambda"), aws.client("secretsmanager"), aws.client("ssm")
    secret = f"partner-key-{uuid.uuid4().hex[:6]}"
    sm.create_secret(Name=secret, SecretString="pk_live_123")
    param = f"/orders/{uuid.uuid4().hex[:6]}/url"
    ssm.put_parameter(Name=param, Value="https://partner.example.com", Type="String")
    fn = _function(lam, PARAMETERS_HANDLER, [powertools_arn(REGION, 27)])
    event = json.dumps({"secret": secret, "parameter": param})

    def call():
        out = lam.invoke(FunctionName=fn, Payload=event)
        assert "FunctionError" not in out
        return json.loads(out["Payload"].read())

    first, second = call(), call()
    assert first["key"] == "pk_live_123" and first["url"] == "https://partner.example.com"
    assert first["calls"] == {"secretsmanager": 1, "ssm": 1}
    assert second["calls"] == {"secretsmanager": 1, "ssm": 1}        # within max_age: from the cache, no API call


def test_functions_that_share_a_layer_each_run_their_own_code(aws):
    """Layer versions are immutable, so versions naming the same layers share one extracted /opt
    (runtime/code.py); each still sees its own zip at /var/task and only its own layers."""
    lam = aws.client("lambda")
    src = "import aws_lambda_powertools\ndef handler(e, c):\n    return {'me': %r, 'pt': aws_lambda_powertools.__name__}\n"
    names = [_function(lam, src % tag, [powertools_arn(REGION, 27)]) for tag in ("a", "b")]
    other = lam.publish_layer_version(LayerName=f"other-{uuid.uuid4().hex[:6]}",
                                      Content={"ZipFile": zip_code({"python/other_mod.py": "X = 7\n"})})
    third = _function(lam, "import other_mod\ndef handler(e, c):\n    return other_mod.X\n", [other["LayerVersionArn"]])
    assert [json.loads(lam.invoke(FunctionName=n)["Payload"].read())["me"] for n in names] == ["a", "b"]
    assert json.loads(lam.invoke(FunctionName=third)["Payload"].read()) == 7
    out = lam.invoke(FunctionName=_function(lam, "import other_mod\ndef handler(e, c):\n    return 1\n",
                                            [powertools_arn(REGION, 27)]))
    assert json.loads(out["Payload"].read())["errorType"] == "Runtime.ImportModuleError"
