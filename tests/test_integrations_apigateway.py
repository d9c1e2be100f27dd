"""API Gateway → Lambda proxy: REST (payload 1.0) and HTTP APIs (2.0 and 1.0).

Most tests stand a Python callable in for the handler (patching moto's
``LambdaFunction.invoke``, the seam the local runtime also uses) so they check the gateway
alone: routing, the event, the response mapping and AWS's error answers. The end-to-end tests
at the bottom run real handler code from a zip through the local runtime.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from types import SimpleNamespace

import boto3
import pytest
import requests
from moto.awslambda.models import LambdaFunction

from lambda_helpers import runtime_available
from serverless_lab.packaging import lambda_role, zip_code

REGION = "us-east-1"




HAS_RUNTIME = runtime_available()


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def handlers(world, monkeypatch):
    """{function name: callable(event) -> result}; calls are recorded in ``handlers.calls``."""
    registry: dict = {}
    calls: list = []

    def fake_invoke(self, body, request_headers, response_headers):
        event = json.loads(body)
        calls.append(SimpleNamespace(function=self.function_name, event=event,
                                     headers=dict(request_headers)))
        try:
            result = registry[self.function_name](event)
        except Exception as exc:  # what the runtime reports for an unhandled exception
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__,
                               "stackTrace": []}).encode()
        return result if isinstance(result, bytes) else json.dumps(result).encode()

    monkeypatch.setattr(LambdaFunction, "invoke", fake_invoke)
    registry_ns = SimpleNamespace(calls=calls, registry=registry)

    def add(name, fn):
        registry[name] = fn
        return create_function(name)

    registry_ns.add = add
    return registry_ns


def create_function(name: str, code: str = "def handler(event, context):\n    return event\n"
                    ) -> str:
    lam = boto3.client("lambda", region_name=REGION)
    return lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role(),
                               Handler="lambda_function.handler",
                               Code={"ZipFile": zip_code(code)})["FunctionArn"]


def lambda_uri(fn_arn: str) -> str:
    return f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{fn_arn}/invocations"


def rest_api(fn_arn: str, paths: list[str], *, method: str = "ANY", stage: str = "prod",
             variables: dict | None = None, binary: list[str] | None = None,
             timeout_ms: int | None = None) -> str:
    """A REST API whose resources (e.g. "/items/{id}") all proxy to ``fn_arn``."""
    apig = boto3.client("apigateway", region_name=REGION)
    api = apig.create_rest_api(name="lab-api", binaryMediaTypes=binary or [])["id"]
    ids = {"/": apig.get_resources(restApiId=api)["items"][0]["id"]}
    for path in paths:
        parent = "/"
        for part in path.strip("/").split("/"):
            here = parent.rstrip("/") + "/" + part
            if here not in ids:
                ids[here] = apig.create_resource(restApiId=api, parentId=ids[parent],
                                                 pathPart=part)["id"]
            parent = here
        extra = {"timeoutInMillis": timeout_ms} if timeout_ms else {}
        apig.put_method(restApiId=api, resourceId=ids[path], httpMethod=method,
                        authorizationType="NONE")
        apig.put_integration(restApiId=api, resourceId=ids[path], httpMethod=method,
                             type="AWS_PROXY", integrationHttpMethod="POST",
                             uri=lambda_uri(fn_arn), **extra)
    apig.create_deployment(restApiId=api, stageName=stage, variables=variables or {})
    return api


def http_api(fn_arn: str, routes: list[str], *, stage: str = "$default",
             payload_version: str = "2.0", variables: dict | None = None,
             cors: dict | None = None) -> str:
    gw = boto3.client("apigatewayv2", region_name=REGION)
    extra = {"CorsConfiguration": cors} if cors else {}
    api = gw.create_api(Name="lab-http", ProtocolType="HTTP", **extra)["ApiId"]
    integration = gw.create_integration(ApiId=api, IntegrationType="AWS_PROXY",
                                        IntegrationUri=fn_arn,
                                        PayloadFormatVersion=payload_version)["IntegrationId"]
    for key in routes:
        gw.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}")
    gw.create_stage(ApiId=api, StageName=stage, AutoDeploy=True,
                    StageVariables=variables or {})
    return api


def execute_api(api: str, stage: str | None = "prod") -> str:
    base = f"https://{api}.execute-api.{REGION}.amazonaws.com"
    return base if stage in (None, "$default") else f"{base}/{stage}"


def ok(body: object, status: int = 200, **extra) -> dict:
    return {"statusCode": status, "body": json.dumps(body), **extra}


# -- REST API (payload 1.0) --------------------------------------------------------------------
def test_rest_event_has_aws_fields_path_params_and_query(handlers, unique):
    fn = handlers.add(unique("items"), lambda e: ok({"id": e["pathParameters"]["id"]}))
    api = rest_api(fn, ["/items/{id}"], variables={"table": "items-prod"})
    r = requests.get(f"{execute_api(api)}/items/42?color=red&size=s&size=m",
                     headers={"X-Trace": "abc"})
    assert r.status_code == 200 and r.json() == {"id": "42"}
    event = handlers.calls[-1].event
    assert handlers.calls[-1].headers["x-serverless-lab-trigger"] == "apigateway"
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"color": "red", "size": "m"}  # last value wins
    assert event["multiValueQueryStringParameters"] == {"color": ["red"], "size": ["s", "m"]}
    assert event["headers"]["X-Trace"] == "abc"
    assert event["multiValueHeaders"]["X-Trace"] == ["abc"]
    assert event["stageVariables"] == {"table": "items-prod"}
    assert event["body"] is None and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["accountId"] == "123456789012" and ctx["apiId"] == api
    assert ctx["stage"] == "prod" and ctx["resourcePath"] == "/items/{id}"
    assert ctx["httpMethod"] == "GET" and ctx["path"] == "/prod/items/42"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"].startswith("python-requests")
    assert ctx["domainName"] == f"{api}.execute-api.{REGION}.amazonaws.com"
    assert r.headers["x-amzn-RequestId"] == ctx["requestId"]


def test_rest_routing_prefers_literal_then_param_then_greedy(handlers, unique):
    fn = handlers.add(unique("router"), lambda e: ok({"resource": e["resource"],
                                                       "params": e["pathParameters"]}))
    api = rest_api(fn, ["/items", "/items/special", "/items/{id}", "/{proxy+}"])
    base = execute_api(api)
    assert requests.get(f"{base}/items").json() == {"resource": "/items", "params": None}
    assert requests.get(f"{base}/items/special").json()["resource"] == "/items/special"
    assert requests.get(f"{base}/items/7").json() == {"resource": "/items/{id}",
                                                      "params": {"id": "7"}}
    deep = requests.get(f"{base}/files/a/b%20c.txt").json()
    assert deep == {"resource": "/{proxy+}", "params": {"proxy": "files/a/b c.txt"}}


def test_rest_missing_route_and_method_answer_missing_authentication_token(handlers, unique):
    fn = handlers.add(unique("only-get"), lambda e: ok("x"))
    api = rest_api(fn, ["/items"], method="GET")
    for r in (requests.get(f"{execute_api(api)}/nothing-here"),
              requests.delete(f"{execute_api(api)}/items")):
        assert r.status_code == 403
        assert r.json() == {"message": "Missing Authentication Token"}
    r = requests.get(f"{execute_api(api, 'no-such-stage')}/items")
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    assert not handlers.calls


def test_rest_response_mapping_headers_and_multi_value_headers(handlers, unique):
    fn = handlers.add(unique("headers"), lambda e: {
        "statusCode": 201, "headers": {"X-One": "1", "Set-Cookie": "ignored=1"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-Many": ["x", "y"]},
        "body": "created", "isBase64Encoded": False})
    api = rest_api(fn, ["/things"])
    r = requests.post(f"{execute_api(api)}/things", data="hello")
    assert r.status_code == 201 and r.text == "created"
    assert r.headers["X-One"] == "1"
    raw = r.raw.headers
    assert raw.getlist("Set-Cookie") == ["a=1", "b=2"]  # multiValueHeaders win over headers
    assert raw.getlist("X-Many") == ["x", "y"]
    assert r.headers["Content-Type"] == "application/json"  # AWS's default
    assert handlers.calls[-1].event["body"] == "hello"


@pytest.mark.parametrize("bad", [
    "just a string",
    {"statusCode": 200, "body": {"not": "a string"}},
    {"statusCode": 200, "body": "x", "extra": "key"},
    {"statusCode": "teapot", "body": "x"},
])
def test_rest_malformed_response_is_502_internal_server_error(handlers, unique, bad):
    fn = handlers.add(unique("malformed"), lambda e: bad)
    api = rest_api(fn, ["/x"])
    r = requests.get(f"{execute_api(api)}/x")
    assert r.status_code == 502
    assert r.json() == {"message": "Internal server error"}
    assert r.headers["x-amzn-ErrorType"] == "InternalServerErrorException"


def test_rest_function_error_is_502(handlers, unique):
    def boom(event):
        raise ValueError("nope")
    api = rest_api(handlers.add(unique("boom"), boom), ["/x"])
    r = requests.get(f"{execute_api(api)}/x")
    assert r.status_code == 502 and r.json() == {"message": "Internal server error"}


def test_rest_binary_request_and_response_follow_binary_media_types(handlers, unique):
    png = bytes(range(256))
    fn = handlers.add(unique("binary"), lambda e: {
        "statusCode": 200, "headers": {"Content-Type": "image/png"},
        "body": base64.b64encode(png).decode(), "isBase64Encoded": True})
    api = rest_api(fn, ["/img"], binary=["image/png"])
    r = requests.post(f"{execute_api(api)}/img", data=png,
                      headers={"Content-Type": "image/png", "Accept": "image/png"})
    assert r.status_code == 200 and r.content == png
    event = handlers.calls[-1].event
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == png
    # Without a matching Accept header a REST API passes the base64 text through, as AWS does.
    r = requests.post(f"{execute_api(api)}/img", data="text", headers={"Content-Type": "text/plain"})
    assert r.text == base64.b64encode(png).decode()
    assert handlers.calls[-1].event == {**handlers.calls[-1].event, "body": "text",
                                        "isBase64Encoded": False}


def test_decoded_binary_body_gets_the_gateways_own_content_length(handlers, unique):
    """A function's Content-Length describes its base64 text; the gateway frames what it sends."""
    png = bytes(range(256)) * 3
    text = base64.b64encode(png).decode()
    fn = handlers.add(unique("length"), lambda e: {
        "statusCode": 200, "headers": {"Content-Type": "image/png", "Content-Length": str(len(text))},
        "body": text, "isBase64Encoded": True})
    api = rest_api(fn, ["/img"], binary=["*/*"])
    r = requests.get(f"{execute_api(api)}/img", headers={"Accept": "*/*"})   # no IncompleteRead
    assert r.status_code == 200 and r.content == png
    assert r.headers["Content-Length"] == str(len(png))
    assert r.headers["x-amzn-Remapped-Content-Length"] == str(len(text))


def test_rest_integration_timeout_is_504(handlers, unique):
    def slow(event):
        time.sleep(1.0)
        return ok("late")
    api = rest_api(handlers.add(unique("slow"), slow), ["/slow"], timeout_ms=50)
    r = requests.get(f"{execute_api(api)}/slow")
    assert r.status_code == 504 and r.json() == {"message": "Endpoint request timed out"}


# -- HTTP API (payload 2.0 and 1.0) ------------------------------------------------------------
def test_http_api_v2_event_shape(handlers, unique):
    fn = handlers.add(unique("v2"), lambda e: {"got": e["pathParameters"]["id"]})
    api = http_api(fn, ["GET /items/{id}"], variables={"mode": "test"})
    r = requests.get(f"{execute_api(api, None)}/items/9?tag=a&tag=b&q=1",
                     headers={"X-Multi": "one", "Cookie": "session=abc; theme=dark"})
    assert r.status_code == 200 and r.json() == {"got": "9"}
    assert r.headers["Content-Type"] == "application/json"
    event = handlers.calls[-1].event
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /items/{id}"
    assert event["rawPath"] == "/items/9"
    assert event["rawQueryString"] == "tag=a&tag=b&q=1"
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "1"}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"] and event["headers"]["x-multi"] == "one"
    assert all(k == k.lower() for k in event["headers"])
    assert event["pathParameters"] == {"id": "9"}
    assert event["stageVariables"] == {"mode": "test"}
    assert event["isBase64Encoded"] is False and "body" not in event
    http = event["requestContext"]["http"]
    assert http == {"method": "GET", "path": "/items/9", "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1", "userAgent": http["userAgent"]}
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["routeKey"] == "GET /items/{id}"


def test_http_api_response_forms(handlers, unique):
    answers = {
        "/dict": {"hello": "world"},
        "/text": "plain words",
        "/full": {"statusCode": 418, "headers": {"x-kind": "teapot"}, "cookies": ["a=1", "b=2"],
                  "body": "short and stout"},
        "/b64": {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(),
                 "isBase64Encoded": True, "headers": {"content-type": "application/octet-stream"}},
    }
    fn = handlers.add(unique("forms"), lambda e: answers[e["rawPath"]])
    api = http_api(fn, ["GET /{proxy+}"])
    base = execute_api(api, None)
    r = requests.get(f"{base}/dict")
    assert r.status_code == 200 and r.json() == {"hello": "world"}
    r = requests.get(f"{base}/text")
    assert r.status_code == 200 and r.text == "plain words"
    r = requests.get(f"{base}/full")
    assert r.status_code == 418 and r.text == "short and stout"
    assert r.headers["x-kind"] == "teapot" and r.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert requests.get(f"{base}/b64").content == b"\x00\x01"


def test_http_api_errors_not_found_and_500(handlers, unique):
    def fail(event):
        raise RuntimeError("broken")
    fn = handlers.add(unique("fail"), fail)
    api = http_api(fn, ["POST /orders"])
    r = requests.get(f"{execute_api(api, None)}/orders")
    assert r.status_code == 404 and r.json() == {"message": "Not Found"}
    r = requests.post(f"{execute_api(api, None)}/orders", json={"n": 1})
    assert r.status_code == 500 and r.json() == {"message": "Internal Server Error"}
    assert handlers.calls[-1].event["body"] == '{"n": 1}'


def test_http_api_named_stage_default_route_and_binary_body(handlers, unique):
    fn = handlers.add(unique("stage"), lambda e: {"raw": e["rawPath"], "route": e["routeKey"],
                                                   "b64": e["isBase64Encoded"]})
    api = http_api(fn, ["$default"], stage="dev")
    r = requests.put(f"{execute_api(api, 'dev')}/any/where", data=b"\xff\xfe",
                     headers={"Content-Type": "application/octet-stream"})
    assert r.json() == {"raw": "/dev/any/where", "route": "$default", "b64": True}
    assert base64.b64decode(handlers.calls[-1].event["body"]) == b"\xff\xfe"


def test_http_api_payload_1_0(handlers, unique):
    fn = handlers.add(unique("v1"), lambda e: ok({"resource": e["resource"],
                                                   "qs": e["queryStringParameters"]}))
    api = http_api(fn, ["GET /users/{name}"], payload_version="1.0")
    r = requests.get(f"{execute_api(api, None)}/users/ada?x=1")
    assert r.json() == {"resource": "/users/{name}", "qs": {"x": "1"}}
    assert handlers.calls[-1].event["pathParameters"] == {"name": "ada"}
    assert handlers.calls[-1].event["requestContext"]["stage"] == "$default"


def test_http_api_cors_preflight_and_allow_origin(handlers, unique):
    fn = handlers.add(unique("cors"), lambda e: {"ok": True})
    api = http_api(fn, ["GET /data"], cors={"AllowOrigins": ["http://localhost:8888"],
                                            "AllowMethods": ["GET"]})
    pre = requests.options(f"{execute_api(api, None)}/data",
                           headers={"Origin": "http://localhost:8888",
                                    "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
    r = requests.get(f"{execute_api(api, None)}/data", headers={"Origin": "http://localhost:8888"})
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:8888"
    assert len(handlers.calls) == 1  # the preflight never reached the function


# -- the local HTTP URL ------------------------------------------------------------------------
def test_local_url_serves_rest_and_http_apis(world, handlers, unique):
    fn = handlers.add(unique("local"), lambda e: ok({"m": e.get("httpMethod") or
                                                     e["requestContext"]["http"]["method"],
                                                     "body": e.get("body")}))
    rest = rest_api(fn, ["/echo"])
    http = http_api(fn, ["ANY /echo"])
    gw = world.extension("integrations")
    url = gw.url_for(rest, "prod")
    assert url.startswith("http://127.0.0.1:") and url.endswith(f"/{rest}/prod")
    req = urllib.request.Request(url + "/echo", data=b'{"a": 1}', method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
        assert json.loads(resp.read()) == {"m": "POST", "body": '{"a": 1}'}
    event = handlers.calls[-1].event
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["headers"]["X-Forwarded-Proto"] == "http"
    with urllib.request.urlopen(gw.url_for(http) + "/echo", timeout=10) as resp:
        assert json.loads(resp.read())["m"] == "GET"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url + "/missing", timeout=10)
    assert err.value.code == 403
    assert json.loads(err.value.read()) == {"message": "Missing Authentication Token"}
    with urllib.request.urlopen(gw.local_url, timeout=10) as resp:
        ids = {a["id"] for a in json.loads(resp.read())["apis"]}
    assert {rest, http} <= ids
    assert gw.execute_api_url(rest) == execute_api(rest)
    direct = gw.request(rest, "DELETE", "/prod/echo")   # no HTTP at all: for quick checks
    assert direct.status == 200 and direct.json() == {"m": "DELETE", "body": None}


def test_url_for_explains_unknown_api_and_stage(world, handlers, unique):
    from serverless_lab.errors import LabError

    gw = world.extension("integrations")
    with pytest.raises(LabError, match="no REST or HTTP API"):
        gw.url_for("nosuchapi")
    api = rest_api(handlers.add(unique("s"), lambda e: ok(1)), ["/a"])
    with pytest.raises(LabError, match="no stage 'beta'"):
        gw.url_for(api, "beta")


def test_stop_closes_the_server_and_undoes_patches():
    from moto.apigateway.models import RestAPI
    from moto.events.models import Rule

    from serverless_lab import mock_aws

    original, original_send = RestAPI.update_integration_mocks, Rule.send_to_targets
    session = mock_aws().start()
    try:
        gw = session.extension("integrations")
        assert Rule.send_to_targets is not original_send
        assert RestAPI.update_integration_mocks is not original
        base = gw.local_url
    finally:
        session.stop()
    assert RestAPI.update_integration_mocks is original
    assert Rule.send_to_targets is original_send
    with pytest.raises(OSError):
        urllib.request.urlopen(base, timeout=2)


# -- end to end: real handler code through the local runtime -----------------------------------
needs_runtime = pytest.mark.skipif(not HAS_RUNTIME, reason="serverless_lab.runtime (the local "
                                   "Lambda runtime) is not installed yet; these tests need it to "
                                   "run real handler code")

E2E_HANDLER = """
import base64, json, os

def handler(event, context):
    if event.get("version") == "2.0":
        name = event["pathParameters"]["name"]
        return {"hello": name, "fn": context.function_name}
    if event["path"].endswith("/broken"):
        return "not a proxy response"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Seen": [event["httpMethod"], event["resource"]]},
        "body": json.dumps({"id": event["pathParameters"]["id"],
                            "q": event["queryStringParameters"],
                            "region": os.environ.get("AWS_REGION")}),
    }
"""


@needs_runtime
def test_e2e_rest_api_runs_real_handler(aws, unique):
    fn = create_function(unique("e2e-rest"), E2E_HANDLER)
    api = rest_api(fn, ["/items/{id}", "/broken"])
    r = requests.get(f"{execute_api(api)}/items/5?x=1", timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == "5" and r.json()["q"] == {"x": "1"}
    assert r.raw.headers.getlist("X-Seen") == ["GET", "/items/{id}"]
    bad = requests.get(f"{execute_api(api)}/broken", timeout=60)
    assert bad.status_code == 502 and bad.json() == {"message": "Internal server error"}
    local = aws.extension("integrations").url_for(api, "prod")
    with urllib.request.urlopen(f"{local}/items/6", timeout=60) as resp:
        assert json.loads(resp.read())["id"] == "6"


@needs_runtime
def test_e2e_http_api_runs_real_handler(aws, unique):
    name = unique("e2e-http")
    fn = create_function(name, E2E_HANDLER)
    api = http_api(fn, ["GET /hello/{name}"])
    r = requests.get(f"{execute_api(api, None)}/hello/ada", timeout=60)
    assert r.status_code == 200, r.text
    assert r.json() == {"hello": "ada", "fn": name}
    from serverless_lab.trace import TRACE

    runs = TRACE.filter(function_name=name).records()
    assert runs and all(rec.trigger == "apigateway" for rec in runs)


def test_http_api_quick_create(handlers, unique):
    fn = handlers.add(unique("quick"), lambda e: {"route": e["routeKey"]})
    gw = boto3.client("apigatewayv2", region_name=REGION)
    api = gw.create_api(Name="quick", ProtocolType="HTTP", Target=fn)["ApiId"]
    assert [s["StageName"] for s in gw.get_stages(ApiId=api)["Items"]] == ["$default"]
    assert requests.get(f"{execute_api(api, None)}/anything").json() == {"route": "$default"}
    keyed = gw.create_api(Name="quick2", ProtocolType="HTTP", Target=fn,
                          RouteKey="GET /hello")["ApiId"]
    assert requests.get(f"{execute_api(keyed, None)}/hello").json() == {"route": "GET /hello"}
    assert requests.get(f"{execute_api(keyed, None)}/other").status_code == 404


def test_enforced_permissions_need_add_permission(monkeypatch, unique):
    """Opt-in: without lambda.add_permission API Gateway answers 500, as on AWS."""
    from serverless_lab import mock_aws

    with mock_aws(extensions=["integrations"], enforce_lambda_permissions=True):
        monkeypatch.setattr(LambdaFunction, "invoke",
                            lambda self, body, rh, resp: json.dumps(ok("hi")).encode())
        name = unique("guarded")
        fn = create_function(name)
        api = rest_api(fn, ["/items/{id}"])
        r = requests.get(f"{execute_api(api)}/items/1")
        assert r.status_code == 500 and r.json() == {"message": "Internal server error"}
        boto3.client("lambda", region_name=REGION).add_permission(
            FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:123456789012:{api}/*/GET/items/*")
        assert requests.get(f"{execute_api(api)}/items/1").status_code == 200
        assert requests.post(f"{execute_api(api)}/items/1").status_code == 500  # not granted


def test_stage_variables_pick_the_function_alias(handlers, unique):
    name = unique("aliased")
    fn = handlers.add(name, lambda e: ok(e["stageVariables"]))
    lam = boto3.client("lambda", region_name=REGION)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    api = rest_api(fn + ":${stageVariables.alias}", ["/v"], variables={"alias": "live"})
    r = requests.get(f"{execute_api(api)}/v")
    assert r.status_code == 200 and r.json() == {"alias": "live"}
    assert handlers.calls[-1].function == name
