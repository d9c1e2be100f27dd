"""API Gateway answers as AWS's own: what a stage serves, authorizer validation expressions,
HTTP API payload format versions, the Lambda proxy's integration method and the event's headers.

Each test goes through boto3 and through HTTP, both at the execute-api URL (the in-process mock)
and at the local URL a browser can open.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import boto3
import pytest
import requests
from botocore.exceptions import ClientError

from test_integrations_apigateway import REGION, create_function, execute_api, handlers, http_api, lambda_uri, ok, rest_api  # noqa: F401


def _apig():
    return boto3.client("apigateway", region_name=REGION)


def _local_get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def _add_get(api: str, path_part: str, fn_arn: str) -> str:
    apig = _apig()
    root = next(r["id"] for r in apig.get_resources(restApiId=api)["items"] if r["path"] == "/")
    rid = apig.create_resource(restApiId=api, parentId=root, pathPart=path_part)["id"]
    apig.put_method(restApiId=api, resourceId=rid, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST", uri=lambda_uri(fn_arn))
    return rid


MISSING = {"message": "Missing Authentication Token"}


def test_a_stage_serves_its_deployment_until_the_next_one(world, handlers, unique):  # noqa: F811
    """"Every time you update an API, you must redeploy the API to an existing stage or to a new
    stage" (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html);
    until then the new method is not on the stage: 403 Missing Authentication Token
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
    lists that answer for a resource or method the stage does not have)."""
    fn = handlers.add(unique("orders"), lambda e: ok({"path": e["resource"]}))
    api = rest_api(fn, ["/orders"])
    _add_get(api, "reports", fn)
    local = world.extension("integrations").url_for(api, "prod")
    r = requests.get(f"{execute_api(api)}/reports")
    assert r.status_code == 403 and r.json() == MISSING
    assert _local_get(f"{local}/reports") == (403, MISSING)
    assert requests.get(f"{execute_api(api)}/orders").status_code == 200   # the deployed part serves
    calls = len(handlers.calls)
    # a second stage deployed now has the method; prod still does not
    _apig().create_deployment(restApiId=api, stageName="beta")
    assert requests.get(f"{execute_api(api, 'beta')}/reports").json() == {"path": "/reports"}
    assert requests.get(f"{execute_api(api)}/reports").status_code == 403
    # UpdateStage pointing prod at the new deployment publishes it there
    beta = _apig().get_stage(restApiId=api, stageName="beta")["deploymentId"]
    _apig().update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/deploymentId", "value": beta}])
    assert requests.get(f"{execute_api(api)}/reports").status_code == 200
    assert _local_get(f"{local}/reports") == (200, {"path": "/reports"})
    assert len(handlers.calls) == calls + 3


def test_a_changed_integration_reaches_the_stage_only_with_a_new_deployment(world, handlers, unique):  # noqa: F811
    """Integration changes are part of the API definition, captured by CreateDeployment
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-deploy-api.html)."""
    old = handlers.add(unique("v1"), lambda e: ok("v1"))
    new = handlers.add(unique("v2"), lambda e: ok("v2"))
    api = rest_api(old, ["/hello"])
    apig = _apig()
    rid = next(r["id"] for r in apig.get_resources(restApiId=api)["items"] if r["path"] == "/hello")
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="ANY", type="AWS_PROXY",
                         integrationHttpMethod="POST", uri=lambda_uri(new))
    assert requests.get(f"{execute_api(api)}/hello").json() == "v1"
    apig.create_deployment(restApiId=api, stageName="prod")
    assert requests.get(f"{execute_api(api)}/hello").json() == "v2"
    assert _local_get(world.extension("integrations").url_for(api, "prod") + "/hello") == (200, "v2")


def test_stage_variables_apply_at_once(world, handlers, unique):  # noqa: F811
    """Stage variables are the stage's own settings, not the API's definition: an UpdateStage
    changes them without a deployment
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/stage-variables.html)."""
    fn = handlers.add(unique("vars"), lambda e: ok(e["stageVariables"]))
    api = rest_api(fn, ["/v"], variables={"table": "a"})
    _apig().update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/variables/table", "value": "b"}])
    assert requests.get(f"{execute_api(api)}/v").json() == {"table": "b"}


def test_token_authorizer_keeps_its_validation_expression(world, handlers, unique):  # noqa: F811
    """identityValidationExpression: "For TOKEN authorizers, this value is a regular expression
    ... Otherwise, it will return a 401 Unauthorized response without calling the Lambda
    function" (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateAuthorizer.html)."""
    fn = handlers.add(unique("fn"), lambda e: ok("in"))
    auth_fn = handlers.add(unique("auth"), lambda e: {
        "principalId": "u", "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": e["methodArn"]}]}})
    api = rest_api(fn, ["/base"])
    apig = _apig()
    created = apig.create_authorizer(restApiId=api, name="tok", type="TOKEN",
                                     authorizerUri=lambda_uri(auth_fn),
                                     identitySource="method.request.header.Authorization",
                                     identityValidationExpression=r"^Bearer [a-z0-9]+$")
    assert created["identityValidationExpression"] == r"^Bearer [a-z0-9]+$"
    got = apig.get_authorizer(restApiId=api, authorizerId=created["id"])
    assert got["identityValidationExpression"] == r"^Bearer [a-z0-9]+$"
    root = next(r["id"] for r in apig.get_resources(restApiId=api)["items"] if r["path"] == "/")
    rid = apig.create_resource(restApiId=api, parentId=root, pathPart="secret")["id"]
    apig.put_method(restApiId=api, resourceId=rid, httpMethod="GET", authorizationType="CUSTOM",
                    authorizerId=created["id"])
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST", uri=lambda_uri(fn))
    apig.create_deployment(restApiId=api, stageName="prod")
    calls = len(handlers.calls)
    r = requests.get(f"{execute_api(api)}/secret", headers={"Authorization": "Basic abc"})
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    local = world.extension("integrations").url_for(api, "prod") + "/secret"
    assert _local_get(local, {"Authorization": "Bearer NOPE"}) == (401, {"message": "Unauthorized"})
    assert len(handlers.calls) == calls          # the authorizer function was never called
    ok_r = requests.get(f"{execute_api(api)}/secret", headers={"Authorization": "Bearer abc123"})
    assert ok_r.status_code == 200 and ok_r.json() == "in"


def test_http_api_lambda_proxy_needs_a_payload_format_version(world, unique):
    """"If you create a Lambda integration by using the AWS CLI, CloudFormation, or an SDK, you
    must specify a payloadFormatVersion" (https://docs.aws.amazon.com/apigateway/latest/
    developerguide/http-api-develop-integrations-lambda.html)."""
    gw = boto3.client("apigatewayv2", region_name=REGION)
    api = gw.create_api(Name=unique("http"), ProtocolType="HTTP")["ApiId"]
    fn = f"arn:aws:lambda:{REGION}:123456789012:function:{unique('fn')}"
    with pytest.raises(ClientError) as err:
        gw.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=fn)
    assert err.value.response["Error"]["Code"] == "BadRequestException"
    assert "PayloadFormatVersion" in err.value.response["Error"]["Message"]
    made = gw.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=fn,
                                 PayloadFormatVersion="1.0")
    assert made["PayloadFormatVersion"] == "1.0"


def test_rest_proxy_answer_with_an_extra_key_is_malformed(world, handlers, unique):  # noqa: F811
    """AWS accepts only statusCode, headers, multiValueHeaders, body, isBase64Encoded
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html,
    "Output format"); a response with one more key ("ok": true) was answered 502 "Internal server
    error" with "Malformed Lambda proxy response" in AWS's execution log
    (https://github.com/beginner-corp/lambda/issues/7)."""
    fn = handlers.add(unique("extra"), lambda e: {"statusCode": 200, "body": "results", "ok": True})
    api = rest_api(fn, ["/x"])
    r = requests.get(f"{execute_api(api)}/x")
    assert r.status_code == 502 and r.json() == {"message": "Internal server error"}
    local = world.extension("integrations").url_for(api, "prod") + "/x"
    assert _local_get(local) == (502, {"message": "Internal server error"})


def test_rest_proxy_answer_without_status_code_is_a_200(world, handlers, unique):  # noqa: F811
    """Every key of the proxy answer is optional: AWS answers ``{"headers": {...}}`` (no statusCode)
    with 200, as LocalStack's test recorded against AWS shows
    (https://github.com/localstack/localstack, tests/aws/services/apigateway/test_apigateway_lambda.py,
    test_aws_proxy_response_payload_format_validation, "invoke-api-only-headers"); so ``{}`` is a
    200 with an empty body, while an extra key stays a 502 (test above)."""
    empty = handlers.add(unique("empty"), lambda e: {})
    only_headers = handlers.add(unique("hdrs"), lambda e: {"headers": {"test-header": "value"}})
    for fn, header in ((empty, None), (only_headers, "value")):
        api = rest_api(fn, ["/x"])
        r = requests.get(f"{execute_api(api)}/x")
        assert (r.status_code, r.content) == (200, b"")
        assert r.headers.get("test-header") == header
        local = world.extension("integrations").url_for(api, "prod") + "/x"
        with urllib.request.urlopen(local, timeout=30) as resp:
            assert (resp.status, resp.read()) == (200, b"")


def test_lambda_proxy_with_get_integration_method_fails(world, handlers, unique, caplog):  # noqa: F811
    """"For Lambda integrations, you must use the HTTP method of POST for the integration
    request" (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html);
    the call fails and the client gets 500 Internal server error."""
    fn = handlers.add(unique("get"), lambda e: ok("never"))
    api = rest_api(fn, ["/base"])
    apig = _apig()
    root = next(r["id"] for r in apig.get_resources(restApiId=api)["items"] if r["path"] == "/")
    rid = apig.create_resource(restApiId=api, parentId=root, pathPart="g")["id"]
    apig.put_method(restApiId=api, resourceId=rid, httpMethod="GET", authorizationType="NONE")
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="GET", uri=lambda_uri(fn))
    apig.create_deployment(restApiId=api, stageName="prod")
    r = requests.get(f"{execute_api(api)}/g")
    assert r.status_code == 500 and r.json() == {"message": "Internal server error"}
    local = world.extension("integrations").url_for(api, "prod") + "/g"
    assert _local_get(local) == (500, {"message": "Internal server error"})
    assert not handlers.calls
    assert "integrationHttpMethod='POST'" in caplog.text


def test_edge_api_event_headers_keep_case_and_carry_cloudfront_headers(world, handlers, unique):  # noqa: F811
    """The sample proxy event of an edge-optimized API
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html,
    "Input format") carries the client's headers as sent plus CloudFront-*, Via, X-Amz-Cf-Id,
    X-Forwarded-For/Port/Proto, X-Amzn-Trace-Id and Host, each also in multiValueHeaders."""
    fn = handlers.add(unique("hdr"), lambda e: ok("h"))
    api = rest_api(fn, ["/h"])
    requests.get(f"{execute_api(api)}/h", headers={"X-Custom-Thing": "1",
                                                   "User-Agent": "Mozilla/5.0 (iPhone) Mobile"})
    event = handlers.calls[-1].event
    h = event["headers"]
    assert h["X-Custom-Thing"] == "1" and "x-custom-thing" not in h
    assert h["Host"] == f"{api}.execute-api.{REGION}.amazonaws.com"
    assert h["CloudFront-Is-Mobile-Viewer"] == "true" and h["CloudFront-Is-Desktop-Viewer"] == "false"
    assert h["CloudFront-Forwarded-Proto"] == "https" and h["X-Forwarded-Proto"] == "https"
    assert h["Via"].startswith("1.1 ") and h["Via"].endswith(".cloudfront.net (CloudFront)")
    for name in ("X-Amz-Cf-Id", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port",
                 "CloudFront-Viewer-Country", "CloudFront-Is-SmartTV-Viewer",
                 "CloudFront-Is-Tablet-Viewer"):
        assert h[name]
    assert event["multiValueHeaders"] == {k: [v] for k, v in h.items()}
    # through the local URL too (plain http)
    _local_get(world.extension("integrations").url_for(api, "prod") + "/h")
    assert handlers.calls[-1].event["headers"]["CloudFront-Forwarded-Proto"] == "http"


def test_regional_api_event_has_no_cloudfront_headers(world, handlers, unique):  # noqa: F811
    """A REGIONAL endpoint is not behind CloudFront (https://docs.aws.amazon.com/apigateway/latest/
    developerguide/api-gateway-api-endpoint-types.html); its event has no CloudFront-* or Via."""
    fn = handlers.add(unique("reg"), lambda e: ok("r"))
    apig = _apig()
    api = apig.create_rest_api(name=unique("regional"),
                               endpointConfiguration={"types": ["REGIONAL"]})["id"]
    _add_get(api, "r", fn)
    apig.create_deployment(restApiId=api, stageName="prod")
    assert requests.get(f"{execute_api(api)}/r").status_code == 200
    h = handlers.calls[-1].event["headers"]
    assert not [k for k in h if k.startswith("CloudFront-") or k in ("Via", "X-Amz-Cf-Id")]
    assert h["X-Forwarded-Proto"] == "https" and h["X-Amzn-Trace-Id"].startswith("Root=1-")


def test_http_api_stage_without_auto_deploy_serves_its_deployment(world, handlers, unique):  # noqa: F811
    """"A deployment is a snapshot of your API configuration ... You must deploy an API for changes
    to take effect. If you enable automatic deployments, changes to an API are automatically
    released for you" (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-stages.html).
    A stage without AutoDeploy answers 404 until CreateDeployment; a route added later reaches it
    only with the next deployment, while an auto-deploying stage serves it at once."""
    fn = handlers.add(unique("v2dep"), lambda e: {"statusCode": 200, "body": e["rawPath"]})
    gw = boto3.client("apigatewayv2", region_name=REGION)
    api = gw.create_api(Name=unique("http"), ProtocolType="HTTP")["ApiId"]
    integ = gw.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=fn,
                                  PayloadFormatVersion="2.0")["IntegrationId"]
    gw.create_route(ApiId=api, RouteKey="GET /a", Target=f"integrations/{integ}")
    gw.create_stage(ApiId=api, StageName="prod")
    gw.create_stage(ApiId=api, StageName="auto", AutoDeploy=True)
    base = f"https://{api}.execute-api.{REGION}.amazonaws.com"
    local = world.extension("integrations").url_for(api, "prod")
    assert requests.get(f"{base}/prod/a").status_code == 404          # never deployed
    assert _local_get(f"{local}/a") == (404, {"message": "Not Found"})
    made = gw.create_deployment(ApiId=api, StageName="prod", Description="first")
    assert made["DeploymentStatus"] == "DEPLOYED" and made["AutoDeployed"] is False
    assert gw.get_deployment(ApiId=api, DeploymentId=made["DeploymentId"])["Description"] == "first"
    assert [d["DeploymentId"] for d in gw.get_deployments(ApiId=api)["Items"]] == [made["DeploymentId"]]
    assert (requests.get(f"{base}/prod/a").status_code, handlers.calls[-1].event["routeKey"]) == (200, "GET /a")
    gw.create_route(ApiId=api, RouteKey="GET /b", Target=f"integrations/{integ}")
    assert requests.get(f"{base}/prod/b").status_code == 404          # not in prod's deployment
    assert requests.get(f"{base}/auto/b").status_code == 200          # auto-deploy releases it
    again = gw.create_deployment(ApiId=api, StageName="prod")
    assert requests.get(f"{base}/prod/b").status_code == 200
    gw.delete_deployment(ApiId=api, DeploymentId=made["DeploymentId"])
    with pytest.raises(ClientError) as err:
        gw.get_deployment(ApiId=api, DeploymentId=made["DeploymentId"])
    assert err.value.response["Error"]["Code"] == "NotFoundException"
    assert again["DeploymentId"] != made["DeploymentId"]


def test_put_method_on_an_existing_method_is_a_conflict(world, handlers, unique):  # noqa: F811
    """PutMethod creates a method; on one that exists AWS answers 409 ConflictException "Method already
    exists for this resource" (https://docs.aws.amazon.com/apigateway/latest/api/API_PutMethod.html,
    Errors) and the method keeps its integration."""
    fn = handlers.add(unique("conflict"), lambda e: ok("still here"))
    api = rest_api(fn, ["/things"])
    rid = _add_get(api, "reports", fn)
    with pytest.raises(ClientError) as err:
        _apig().put_method(restApiId=api, resourceId=rid, httpMethod="GET", authorizationType="AWS_IAM")
    assert err.value.response["Error"]["Code"] == "ConflictException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert err.value.response["Error"]["Message"] == "Method already exists for this resource"
    method = _apig().get_method(restApiId=api, resourceId=rid, httpMethod="GET")
    assert method["authorizationType"] == "NONE" and method["methodIntegration"]["type"] == "AWS_PROXY"
    _apig().create_deployment(restApiId=api, stageName="prod")
    assert requests.get(f"{execute_api(api)}/reports").json() == "still here"


def test_update_method_changes_a_method_in_place(world, handlers, unique):  # noqa: F811
    """UpdateMethod with patch operations (https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateMethod.html,
    https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html): requiring an API key keeps the
    integration, and reaches the stage with the next deployment (403 Forbidden without a key)."""
    fn = handlers.add(unique("patched"), lambda e: ok("open"))
    api = rest_api(fn, ["/things"])
    rid = _add_get(api, "reports", fn)
    apig = _apig()
    apig.create_deployment(restApiId=api, stageName="prod")
    assert requests.get(f"{execute_api(api)}/reports").json() == "open"
    out = apig.update_method(restApiId=api, resourceId=rid, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/apiKeyRequired", "value": "true"},
        {"op": "add", "path": "/requestParameters/method.request.header.X-Trace", "value": "false"},
        {"op": "replace", "path": "/operationName", "value": "ListReports"}])
    assert out["apiKeyRequired"] is True and out["operationName"] == "ListReports"
    assert out["requestParameters"] == {"method.request.header.X-Trace": False}
    assert apig.get_method(restApiId=api, resourceId=rid, httpMethod="GET")["methodIntegration"]["type"] == "AWS_PROXY"
    assert requests.get(f"{execute_api(api)}/reports").status_code == 200     # not deployed yet
    apig.create_deployment(restApiId=api, stageName="prod")
    r = requests.get(f"{execute_api(api)}/reports")
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    with pytest.raises(ClientError) as err:
        apig.update_method(restApiId=api, resourceId=rid, httpMethod="POST", patchOperations=[
            {"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    assert err.value.response["Error"]["Code"] == "NotFoundException"
    with pytest.raises(ClientError) as err:
        apig.update_method(restApiId=api, resourceId=rid, httpMethod="GET", patchOperations=[
            {"op": "replace", "path": "/httpMethod", "value": "POST"}])
    assert err.value.response["Error"]["Code"] == "BadRequestException"
