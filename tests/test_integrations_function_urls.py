"""Lambda function URLs: the configuration calls through boto3, and the URL answering over HTTP
(the in-process mock at https://<url-id>.lambda-url.<region>.on.aws/ and the local URL).

AWS's pages: https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html (request and
response payloads) and https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html (AuthType,
the resource-based policy a NONE URL needs).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError
from moto.awslambda.models import LambdaFunction

from test_integrations_apigateway import REGION, create_function, handlers, ok  # noqa: F401


def _lam():
    return boto3.client("lambda", region_name=REGION)


def _local(url: str, method: str = "GET", data: bytes | None = None,
           headers: dict | None = None) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_config_calls_and_the_url_answers_with_payload_2_0(world, handlers, unique):  # noqa: F811
    """CreateFunctionUrlConfig / Get / Delete, and a request at the URL reaches the function
    as a payload-2.0 event with the function-URL request context (urls-invocation.html)."""
    name = unique("hello")
    handlers.add(name, lambda e: ok({"path": e["rawPath"], "q": e.get("queryStringParameters")}))
    lam = _lam()
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    url = created["FunctionUrl"]
    assert url.startswith("https://") and f".lambda-url.{REGION}.on.aws" in url
    assert lam.get_function_url_config(FunctionName=name)["AuthType"] == "NONE"
    r = requests.get(url.rstrip("/") + "/items/7?color=red", headers={"X-Thing": "a"})
    assert r.status_code == 200 and r.json() == {"path": "/items/7", "q": {"color": "red"}}
    assert r.headers["x-amzn-RequestId"]
    event = handlers.calls[-1].event
    url_id = url.split("//")[1].split(".")[0]
    ctx = event["requestContext"]
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert ctx["apiId"] == url_id and ctx["domainPrefix"] == url_id
    assert ctx["domainName"] == f"{url_id}.lambda-url.{REGION}.on.aws"
    assert ctx["http"]["method"] == "GET" and ctx["http"]["path"] == "/items/7"
    assert ctx["stage"] == "$default" and ctx["accountId"] == "anonymous"
    assert event["headers"]["x-thing"] == "a"   # header names arrive lower-case, as in 2.0
    # the local URL a browser can open answers the same way
    local = world.extension("integrations").function_url_local(name)
    status, _, body = _local(local + "/items/8", "POST", b'{"a": 1}',
                             {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body) == {"path": "/items/8", "q": None}
    assert handlers.calls[-1].event["body"] == '{"a": 1}'
    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as err:
        lam.get_function_url_config(FunctionName=name)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    calls = len(handlers.calls)
    assert requests.get(url).status_code == 403          # nothing behind the URL any more
    assert len(handlers.calls) == calls


def test_a_plain_value_answer_is_the_body_of_a_200(world, handlers, unique):  # noqa: F811
    """Response inference: a function that returns valid JSON without statusCode gives 200
    application/json with that JSON as the body (urls-invocation.html, "Response payload")."""
    name = unique("plain")
    handlers.add(name, lambda e: {"message": "hi"})
    url = _lam().create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    r = requests.get(url)
    assert r.status_code == 200 and r.json() == {"message": "hi"}
    assert r.headers["Content-Type"] == "application/json"


def test_aws_iam_url_refuses_an_unsigned_request(world, handlers, unique):  # noqa: F811
    """AuthType AWS_IAM: "each HTTP request must be signed using AWS Signature Version 4"
    (urls-invocation.html); an unsigned request is refused with 403 before the function runs."""
    name = unique("private")
    handlers.add(name, lambda e: ok(e["requestContext"]["authorizer"]["iam"]["accountId"]))
    url = _lam().create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]
    r = requests.get(url)
    assert r.status_code == 403 and r.json() == {"Message": "Forbidden"}
    status, _, _ = _local(world.extension("integrations").function_url_local(name))
    assert status == 403
    assert not handlers.calls
    creds = boto3.Session(region_name=REGION).get_credentials()
    signed = AWSRequest(method="GET", url=url)
    SigV4Auth(creds, "lambda", REGION).add_auth(signed)
    r = requests.get(url, headers=dict(signed.headers))
    assert r.status_code == 200 and r.json() == world.account_id


def test_cors_preflight_and_allow_origin(world, handlers, unique):  # noqa: F811
    """The URL's Cors configuration answers preflights and adds Access-Control-Allow-Origin
    (https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors)."""
    name = unique("cors")
    handlers.add(name, lambda e: ok("c"))
    url = _lam().create_function_url_config(
        FunctionName=name, AuthType="NONE",
        Cors={"AllowOrigins": ["http://localhost:8000"], "AllowMethods": ["GET"]})["FunctionUrl"]
    pre = requests.options(url, headers={"Origin": "http://localhost:8000",
                                         "Access-Control-Request-Method": "GET"})
    assert pre.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    r = requests.get(url, headers={"Origin": "http://localhost:8000"})
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"


def test_none_url_needs_the_public_policy_when_permissions_are_enforced(monkeypatch, unique):
    """AuthType NONE: "your function's resource-based policy is always in effect and must grant
    public access"; since October 2025 both lambda:InvokeFunctionUrl and lambda:InvokeFunction
    (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html)."""
    from serverless_lab import mock_aws

    with mock_aws(extensions=["integrations"], enforce_lambda_permissions=True):
        monkeypatch.setattr(LambdaFunction, "invoke",
                            lambda self, body, rh, resp: json.dumps(ok("open")).encode())
        name = unique("public")
        create_function(name)
        lam = _lam()
        url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
        assert requests.get(url).status_code == 403
        lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                           Principal="*", FunctionUrlAuthType="NONE")
        assert requests.get(url).status_code == 403          # InvokeFunction is needed too
        lam.add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction",
                           Principal="*")
        r = requests.get(url)
        assert r.status_code == 200 and r.json() == "open"
