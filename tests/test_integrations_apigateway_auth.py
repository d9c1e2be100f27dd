"""API Gateway access control: Lambda authorizers, JWT (Cognito), API keys, usage plans,
stage throttling, request validators and CORS diagnostics.

Handlers are stand-in callables (the ``handlers`` fixture of test_integrations_apigateway),
so these tests check the gateway's decisions and AWS's answers, not the runtime.
"""

from __future__ import annotations

import json
import logging

import boto3
import pytest
import requests

from test_integrations_apigateway import REGION, execute_api, handlers, http_api, lambda_uri, ok, rest_api  # noqa: F401


def _apig():
    return boto3.client("apigateway", region_name=REGION)


def _resource_id(api: str, path: str) -> str:
    return next(r["id"] for r in _apig().get_resources(restApiId=api)["items"] if r["path"] == path)


def _protect(api: str, path: str, **method_kwargs) -> None:
    """Re-create GET on ``path`` with the given method settings and redeploy prod."""
    apig = _apig()
    rid = _resource_id(api, path)
    integ = apig.get_integration(restApiId=api, resourceId=rid, httpMethod="ANY")
    apig.put_method(restApiId=api, resourceId=rid, httpMethod="GET", **method_kwargs)
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="GET", type="AWS_PROXY",
                         integrationHttpMethod="POST", uri=integ["uri"])
    apig.create_deployment(restApiId=api, stageName="prod")


def policy(effect: str, resource: str, context: dict | None = None, principal: str = "user-1"):
    return {"principalId": principal, "context": context or {},
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}}


def token_authorizer(event):
    token = event["authorizationToken"]
    if token == "boom":
        raise Exception("Unauthorized")
    if token == "bad-shape":
        return {"principalId": "x", "policy": {}}
    effect = "Allow" if token.startswith("allow") else "Deny"
    return policy(effect, event["methodArn"], {"user": token, "n": 7, "vip": True})


@pytest.fixture
def token_api(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("orders"), lambda e: ok({"auth": e["requestContext"].get("authorizer")}))
    auth_fn = handlers.add(unique("auth"), token_authorizer)
    api = rest_api(fn, ["/orders"])
    auth = _apig().create_authorizer(restApiId=api, name="tok", type="TOKEN",
                                     authorizerUri=lambda_uri(auth_fn),
                                     identitySource="method.request.header.Authorization",
                                     authorizerResultTtlInSeconds=300)["id"]
    _protect(api, "/orders", authorizationType="CUSTOM", authorizerId=auth)
    return api


def test_rest_token_authorizer_allows_denies_and_passes_context(token_api, handlers):  # noqa: F811
    url = f"{execute_api(token_api)}/orders"
    missing = requests.get(url)
    assert missing.status_code == 401 and missing.json() == {"message": "Unauthorized"}
    r = requests.get(url, headers={"Authorization": "allow-ada"})
    assert r.status_code == 200, r.text
    auth = r.json()["auth"]
    assert auth["principalId"] == "user-1" and auth["user"] == "allow-ada" and auth["n"] == 7
    denied = requests.get(url, headers={"Authorization": "deny-bob"})
    assert denied.status_code == 403
    assert denied.json() == {"Message": "User is not authorized to access this resource with an "
                                        "explicit deny"}
    raised = requests.get(url, headers={"Authorization": "boom"})
    assert raised.status_code == 401 and raised.json() == {"message": "Unauthorized"}


def test_rest_authorizer_result_is_cached_on_the_lab_clock(world, token_api, handlers):  # noqa: F811
    url = f"{execute_api(token_api)}/orders"
    for _ in range(3):
        assert requests.get(url, headers={"Authorization": "allow-1"}).status_code == 200
    auth_calls = [c for c in handlers.calls if c.event.get("type") == "TOKEN"]
    assert len(auth_calls) == 1
    world.clock.advance(301)
    assert requests.get(url, headers={"Authorization": "allow-1"}).status_code == 200
    assert len([c for c in handlers.calls if c.event.get("type") == "TOKEN"]) == 2


def test_rest_malformed_policy_is_500_authorizer_configuration_exception(token_api, caplog):
    with caplog.at_level(logging.WARNING):
        r = requests.get(f"{execute_api(token_api)}/orders", headers={"Authorization": "bad-shape"})
    assert r.status_code == 500 and r.json() == {"message": None}
    assert r.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert "policyDocument" in caplog.text and "Traceback" not in caplog.text


def test_rest_request_authorizer_sees_headers_and_query(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok(e["requestContext"]["authorizer"]))

    def req_auth(event):
        assert event["type"] == "REQUEST" and event["httpMethod"] == "GET"
        ok_ = event["headers"].get("X-Team") == "blue" and \
            event["queryStringParameters"].get("t") == "1"
        return policy("Allow" if ok_ else "Deny", event["methodArn"], {"team": "blue"})

    auth_fn = handlers.add(unique("req"), req_auth)
    api = rest_api(fn, ["/r"])
    auth = _apig().create_authorizer(
        restApiId=api, name="req", type="REQUEST", authorizerUri=lambda_uri(auth_fn),
        identitySource="method.request.header.X-Team, method.request.querystring.t",
        authorizerResultTtlInSeconds=0)["id"]
    _protect(api, "/r", authorizationType="CUSTOM", authorizerId=auth)
    url = f"{execute_api(api)}/r"
    assert requests.get(url, headers={"X-Team": "blue"}).status_code == 401   # no ?t
    assert requests.get(url + "?t=1", headers={"X-Team": "red"}).status_code == 403
    r = requests.get(url + "?t=1", headers={"X-Team": "blue"})
    assert r.status_code == 200 and r.json()["team"] == "blue"


def test_http_api_lambda_authorizer_simple_responses(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: {"ctx": e["requestContext"]["authorizer"]})

    def simple(event):
        assert event["version"] == "2.0" and event["type"] == "REQUEST"
        if event["headers"].get("authorization") == "weird":
            return {"isAuthorized": "yes"}
        return {"isAuthorized": event["headers"].get("authorization") == "secret",
                "context": {"who": "ada"}}

    auth_fn = handlers.add(unique("simple"), simple)
    api = http_api(fn, ["GET /me"])
    gw = boto3.client("apigatewayv2", region_name=REGION)
    auth = gw.create_authorizer(ApiId=api, AuthorizerType="REQUEST", Name="simple",
                                AuthorizerUri=lambda_uri(auth_fn),
                                IdentitySource=["$request.header.Authorization"],
                                AuthorizerPayloadFormatVersion="2.0",
                                EnableSimpleResponses=True)["AuthorizerId"]
    route = next(r for r in gw.get_routes(ApiId=api)["Items"] if r["RouteKey"] == "GET /me")
    gw.update_route(ApiId=api, RouteId=route["RouteId"], AuthorizationType="CUSTOM",
                    AuthorizerId=auth)
    url = f"{execute_api(api, None)}/me"
    assert requests.get(url).json() == {"message": "Unauthorized"}
    no = requests.get(url, headers={"Authorization": "nope"})
    assert no.status_code == 403 and no.json() == {"message": "Forbidden"}
    yes = requests.get(url, headers={"Authorization": "secret"})
    assert yes.status_code == 200 and yes.json() == {"ctx": {"lambda": {"who": "ada"}}}
    weird = requests.get(url, headers={"Authorization": "weird"})
    assert weird.status_code == 500 and weird.json() == {"message": "Internal Server Error"}


# -- JWT authorizer with a Cognito user pool ------------------------------------------------------
def _cognito(unique):
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName=unique("pool"))["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH",
                                                            "ALLOW_REFRESH_TOKEN_AUTH"])
    client_id = client["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="ada", TemporaryPassword="Tmp-pass-1!")
    idp.admin_set_user_password(UserPoolId=pool, Username="ada", Password="Pass-word-1!",
                                Permanent=True)
    tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                               AuthParameters={"USERNAME": "ada", "PASSWORD": "Pass-word-1!"})
    return pool, client_id, tokens["AuthenticationResult"]


def test_http_api_jwt_authorizer_with_cognito(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: {"jwt": e["requestContext"]["authorizer"]["jwt"]})
    pool, client_id, tokens = _cognito(unique)
    api = http_api(fn, ["GET /profile", "GET /admin"])
    gw = boto3.client("apigatewayv2", region_name=REGION)
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool}"
    auth = gw.create_authorizer(ApiId=api, AuthorizerType="JWT", Name="cognito",
                                IdentitySource=["$request.header.Authorization"],
                                JwtConfiguration={"Audience": [client_id], "Issuer": issuer}
                                )["AuthorizerId"]
    routes = {r["RouteKey"]: r["RouteId"] for r in gw.get_routes(ApiId=api)["Items"]}
    gw.update_route(ApiId=api, RouteId=routes["GET /profile"], AuthorizationType="JWT",
                    AuthorizerId=auth)
    gw.update_route(ApiId=api, RouteId=routes["GET /admin"], AuthorizationType="JWT",
                    AuthorizerId=auth, AuthorizationScopes=["orders/admin"])
    base = execute_api(api, None)
    assert requests.get(f"{base}/profile").status_code == 401
    r = requests.get(f"{base}/profile", headers={"Authorization": f"Bearer {tokens['IdToken']}"})
    assert r.status_code == 200, r.text
    claims = r.json()["jwt"]["claims"]
    assert claims["cognito:username"] == "ada" and claims["aud"] == client_id
    access = requests.get(f"{base}/profile", headers={"Authorization": tokens["AccessToken"]})
    assert access.status_code == 200   # an access token's client_id counts as the audience
    assert access.json()["jwt"]["scopes"] == ["aws.cognito.signin.user.admin"]
    forged = tokens["IdToken"][:-4] + ("AAAA" if not tokens["IdToken"].endswith("AAAA") else "BBBB")
    bad = requests.get(f"{base}/profile", headers={"Authorization": forged})
    assert bad.status_code == 401 and bad.json() == {"message": "Unauthorized"}
    assert "invalid_token" in bad.headers["www-authenticate"]
    scoped = requests.get(f"{base}/admin", headers={"Authorization": tokens["AccessToken"]})
    assert scoped.status_code == 403 and scoped.json() == {"message": "Forbidden"}
    # a token for another app client (audience) is refused
    other = boto3.client("cognito-idp", region_name=REGION).create_user_pool_client(
        UserPoolId=pool, ClientName="other", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    other_tokens = boto3.client("cognito-idp", region_name=REGION).initiate_auth(
        ClientId=other, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": "Pass-word-1!"})["AuthenticationResult"]
    wrong_aud = requests.get(f"{base}/profile",
                             headers={"Authorization": other_tokens["IdToken"]})
    assert wrong_aud.status_code == 401


def test_rest_cognito_user_pool_authorizer(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok(e["requestContext"]["authorizer"]["claims"]))
    pool, client_id, tokens = _cognito(unique)
    api = rest_api(fn, ["/me"])
    pool_arn = boto3.client("cognito-idp", region_name=REGION).describe_user_pool(
        UserPoolId=pool)["UserPool"]["Arn"]
    auth = _apig().create_authorizer(restApiId=api, name="pool", type="COGNITO_USER_POOLS",
                                     providerARNs=[pool_arn],
                                     identitySource="method.request.header.Authorization")["id"]
    _protect(api, "/me", authorizationType="COGNITO_USER_POOLS", authorizerId=auth)
    url = f"{execute_api(api)}/me"
    assert requests.get(url).status_code == 401
    r = requests.get(url, headers={"Authorization": tokens["IdToken"]})
    assert r.status_code == 200 and r.json()["cognito:username"] == "ada"


# -- API keys, usage plans, throttling -----------------------------------------------------------
def _plan(api: str, name: str, rate: float, burst: int, quota: dict | None = None):
    apig = _apig()
    extra = {"quota": quota} if quota else {}
    plan = apig.create_usage_plan(name=name, apiStages=[{"apiId": api, "stage": "prod"}],
                                  throttle={"rateLimit": rate, "burstLimit": burst}, **extra)["id"]
    key = apig.create_api_key(name=name + "-key", enabled=True)
    apig.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
    return key["value"]


def test_api_keys_and_usage_plan_throttle_one_key(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok(e["requestContext"]["identity"].get("apiKeyId")))
    api = rest_api(fn, ["/items"])
    _protect(api, "/items", authorizationType="NONE", apiKeyRequired=True)
    slow = _plan(api, unique("free"), rate=0.001, burst=2)
    fast = _plan(api, unique("gold"), rate=1000, burst=1000)
    url = f"{execute_api(api)}/items"
    no_key = requests.get(url)
    assert no_key.status_code == 403 and no_key.json() == {"message": "Forbidden"}
    assert requests.get(url, headers={"x-api-key": "not-a-key"}).status_code == 403
    codes = [requests.get(url, headers={"x-api-key": slow}).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    r = requests.get(url, headers={"x-api-key": slow})
    assert r.json() == {"message": "Too Many Requests"}
    assert all(requests.get(url, headers={"x-api-key": fast}).status_code == 200
               for _ in range(10))


def test_usage_plan_quota_answers_limit_exceeded(world, handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok("hi"))
    api = rest_api(fn, ["/q"])
    _protect(api, "/q", authorizationType="NONE", apiKeyRequired=True)
    key = _plan(api, unique("quota"), rate=100, burst=100, quota={"limit": 2, "period": "DAY"})
    url = f"{execute_api(api)}/q"
    assert [requests.get(url, headers={"x-api-key": key}).status_code for _ in range(2)] == [200, 200]
    r = requests.get(url, headers={"x-api-key": key})
    assert r.status_code == 429 and r.json() == {"message": "Limit Exceeded"}
    world.clock.advance(86_400)
    assert requests.get(url, headers={"x-api-key": key}).status_code == 200


def test_stage_throttle_rest_and_http(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok("hi"))
    api = rest_api(fn, ["/t"])
    _apig().update_stage(restApiId=api, stageName="prod", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.001"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"}])
    url = f"{execute_api(api)}/t"
    assert [requests.get(url).status_code for _ in range(3)] == [200, 429, 429]
    h = http_api(fn, ["GET /t", "GET /u"], stage="live")
    gw = boto3.client("apigatewayv2", region_name=REGION)
    gw.create_stage(ApiId=h, StageName="slow", AutoDeploy=True,
                    DefaultRouteSettings={"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.001},
                    RouteSettings={"GET /u": {"ThrottlingBurstLimit": 1,
                                              "ThrottlingRateLimit": 0.001}})
    codes = [requests.get(f"{execute_api(h, 'slow')}/t").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert [requests.get(f"{execute_api(h, 'slow')}/u").status_code for _ in range(2)] == [200, 429]
    assert [requests.get(f"{execute_api(h, 'live')}/t").status_code for _ in range(3)] == [200] * 3


def test_http_stage_throttle_set_later_with_update_stage(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok("hi"))
    h = http_api(fn, ["GET /t", "GET /u"], stage="live")
    gw = boto3.client("apigatewayv2", region_name=REGION)
    assert [requests.get(f"{execute_api(h, 'live')}/t").status_code for _ in range(2)] == [200, 200]
    out = gw.update_stage(ApiId=h, StageName="live", StageVariables={"table": "orders"},
                          DefaultRouteSettings={"ThrottlingBurstLimit": 1, "ThrottlingRateLimit": 0.001})
    assert out["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 1 and out["StageVariables"] == {"table": "orders"}
    assert [requests.get(f"{execute_api(h, 'live')}/t").status_code for _ in range(2)] == [200, 429]
    # routeSettings merge route by route; other fields stay as they were
    gw.update_stage(ApiId=h, StageName="live", RouteSettings={"GET /u": {"ThrottlingBurstLimit": 2,
                                                                          "ThrottlingRateLimit": 0.001}})
    gw.update_stage(ApiId=h, StageName="live", RouteSettings={"GET /t": {"DetailedMetricsEnabled": True}})
    stage = gw.get_stage(ApiId=h, StageName="live")
    assert set(stage["RouteSettings"]) == {"GET /u", "GET /t"} and stage["StageVariables"] == {"table": "orders"}
    assert [requests.get(f"{execute_api(h, 'live')}/u").status_code for _ in range(3)] == [200, 200, 429]
    with pytest.raises(gw.exceptions.NotFoundException):
        gw.update_stage(ApiId=h, StageName="nope", Description="x")


# -- request validation ---------------------------------------------------------------------------
def test_request_validator_parameters_and_body_model(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok("created", 201))
    api = rest_api(fn, ["/orders"])
    apig = _apig()
    apig.create_model(restApiId=api, name="Order", contentType="application/json",
                      schema=json.dumps({"type": "object", "required": ["sku", "qty"],
                                         "properties": {"sku": {"type": "string"},
                                                        "qty": {"type": "integer",
                                                                "minimum": 1}}}))
    validator = apig.create_request_validator(restApiId=api, name="all", validateRequestBody=True,
                                              validateRequestParameters=True)["id"]
    rid = _resource_id(api, "/orders")
    apig.put_method(restApiId=api, resourceId=rid, httpMethod="POST", authorizationType="NONE",
                    requestValidatorId=validator,
                    requestParameters={"method.request.header.x-tenant": True},
                    requestModels={"application/json": "Order"})
    apig.put_integration(restApiId=api, resourceId=rid, httpMethod="POST", type="AWS_PROXY",
                         integrationHttpMethod="POST", uri=lambda_uri(fn))
    apig.create_deployment(restApiId=api, stageName="prod")
    url = f"{execute_api(api)}/orders"
    before = len(handlers.calls)
    r = requests.post(url, json={"sku": "a", "qty": 1})
    assert r.status_code == 400
    assert r.json() == {"message": "Missing required request parameters: [x-tenant]"}
    bad = requests.post(url, json={"sku": "a", "qty": 0}, headers={"x-tenant": "t1"})
    assert bad.status_code == 400 and bad.json() == {"message": "Invalid request body"}
    assert len(handlers.calls) == before   # rejected requests never reach the function
    good = requests.post(url, json={"sku": "a", "qty": 2}, headers={"x-tenant": "t1"})
    assert good.status_code == 201


# -- CORS -----------------------------------------------------------------------------------------
def test_cors_configuration_overrides_handler_headers_and_explains_typos(handlers, unique, caplog):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: {"statusCode": 200, "body": "{}", "headers": {
        "Access-Control-Allow-Origin": "*"}})
    api = http_api(fn, ["GET /x"], cors={"AllowOrigins": ["http://localhost:8000/"],
                                         "AllowMethods": ["GET"]})
    base = execute_api(api, None)
    origin = "http://localhost:8000"
    with caplog.at_level(logging.WARNING):
        pre = requests.options(f"{base}/x", headers={"Origin": origin,
                                                     "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 204 and "Access-Control-Allow-Origin" not in pre.headers
    assert "trailing slash" in caplog.text
    r = requests.get(f"{base}/x", headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in r.headers   # the handler's header is ignored


def test_cached_policy_is_evaluated_for_each_method_arn(world, handlers, unique):  # noqa: F811
    """The classic surprise: a policy naming only the first method's ARN, cached, denies the next."""
    fn = handlers.add(unique("fn"), lambda e: ok("hi"))
    auth_fn = handlers.add(unique("narrow"), lambda e: policy("Allow", e["methodArn"]))
    api = rest_api(fn, ["/a", "/b"])
    auth = _apig().create_authorizer(restApiId=api, name="narrow", type="TOKEN",
                                     authorizerUri=lambda_uri(auth_fn),
                                     identitySource="method.request.header.Authorization",
                                     authorizerResultTtlInSeconds=300)["id"]
    # moto 5.2.5 drops identityValidationExpression on create (a misspelt keyword in
    # RestAPI.create_authorizer); update_authorizer stores it
    _apig().update_authorizer(restApiId=api, authorizerId=auth, patchOperations=[
        {"op": "replace", "path": "/identityValidationExpression", "value": "^tok-.*$"}])
    _protect(api, "/a", authorizationType="CUSTOM", authorizerId=auth)
    _protect(api, "/b", authorizationType="CUSTOM", authorizerId=auth)
    h = {"Authorization": "tok-1"}
    assert requests.get(f"{execute_api(api)}/a", headers=h).status_code == 200
    assert requests.get(f"{execute_api(api)}/b", headers=h).status_code == 403   # cached policy: /a only
    calls = len(handlers.calls)
    # a token that fails the validation expression is refused without calling the authorizer
    assert requests.get(f"{execute_api(api)}/a", headers={"Authorization": "nope"}).status_code == 401
    assert len(handlers.calls) == calls
    world.clock.advance(301)
    assert requests.get(f"{execute_api(api)}/b", headers=h).status_code == 200


def test_authorizer_context_must_be_flat(token_api, handlers, unique, caplog):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: ok("hi"))
    nested = handlers.add(unique("nested"), lambda e: policy("Allow", e["methodArn"], {"roles": ["a"]}))
    api = rest_api(fn, ["/n"])
    auth = _apig().create_authorizer(restApiId=api, name="nested", type="TOKEN",
                                     authorizerUri=lambda_uri(nested),
                                     identitySource="method.request.header.Authorization")["id"]
    _protect(api, "/n", authorizationType="CUSTOM", authorizerId=auth)
    with caplog.at_level(logging.WARNING):
        r = requests.get(f"{execute_api(api)}/n", headers={"Authorization": "x"})
    assert r.status_code == 500 and r.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert "only strings, numbers and booleans" in caplog.text


def test_http_api_lambda_authorizer_iam_policy_format(handlers, unique):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: {"ctx": e["requestContext"]["authorizer"]})
    auth_fn = handlers.add(unique("iam"), lambda e: policy(
        "Allow" if e["identitySource"] == ["ok"] else "Deny", e["routeArn"], {"k": "v"}))
    api = http_api(fn, ["GET /p"])
    gw = boto3.client("apigatewayv2", region_name=REGION)
    auth = gw.create_authorizer(ApiId=api, AuthorizerType="REQUEST", Name="iam",
                                AuthorizerUri=lambda_uri(auth_fn),
                                IdentitySource=["$request.header.X-Key"],
                                AuthorizerPayloadFormatVersion="2.0")["AuthorizerId"]
    route = gw.get_routes(ApiId=api)["Items"][0]["RouteId"]
    gw.update_route(ApiId=api, RouteId=route, AuthorizationType="CUSTOM", AuthorizerId=auth)
    url = f"{execute_api(api, None)}/p"
    assert requests.get(url, headers={"X-Key": "ok"}).json() == {"ctx": {"lambda": {"k": "v"}}}
    assert requests.get(url, headers={"X-Key": "no"}).status_code == 403


def test_jwt_issuer_typo_is_401_and_says_what_to_fix(handlers, unique, caplog):  # noqa: F811
    fn = handlers.add(unique("fn"), lambda e: {"ok": True})
    pool, client_id, tokens = _cognito(unique)
    api = http_api(fn, ["GET /me"])
    gw = boto3.client("apigatewayv2", region_name=REGION)
    auth = gw.create_authorizer(ApiId=api, AuthorizerType="JWT", Name="typo",
                                IdentitySource=["$request.header.Authorization"],
                                JwtConfiguration={"Audience": [client_id],
                                                  "Issuer": f"https://cognito-idp.{REGION}.amazonaws.com/"
                                                            f"{pool}x"})["AuthorizerId"]
    route = gw.get_routes(ApiId=api)["Items"][0]["RouteId"]
    gw.update_route(ApiId=api, RouteId=route, AuthorizationType="JWT", AuthorizerId=auth)
    with caplog.at_level(logging.WARNING):
        r = requests.get(f"{execute_api(api, None)}/me", headers={"Authorization": tokens["IdToken"]})
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    assert "Check the pool id" in caplog.text and "Traceback" not in caplog.text


def test_serve_page_gives_the_page_its_own_origin(world, tmp_path):
    import urllib.error
    import urllib.request

    (tmp_path / "index.html").write_text("<h1>hi</h1>")
    (tmp_path / "secret.txt").write_text("no")
    handle = world.extension("integrations")
    origin = handle.serve_page(str(tmp_path))
    assert origin != handle.local_url
    with urllib.request.urlopen(f"{origin}/") as resp:
        assert resp.read() == b"<h1>hi</h1>" and resp.headers["Content-Type"].startswith("text/html")
    for bad in ("/secret.txt", "/../etc/passwd", "/nope.html"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"{origin}{bad}")
        assert err.value.code == 404
