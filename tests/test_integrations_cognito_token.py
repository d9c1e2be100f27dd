"""Cognito's token endpoint (client credentials grant) and a JWT authorizer checking its scopes.

AWS's pages: https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html (the
request, the answer, the errors) and https://docs.aws.amazon.com/cognito/latest/developerguide/
cognito-user-pools-define-resource-servers.html (resource servers and custom scopes); the JWT
authorizer's scope check: https://docs.aws.amazon.com/apigateway/latest/developerguide/
http-api-jwt-authorizer.html.
"""

from __future__ import annotations

import base64
import json

import boto3
import requests

from test_integrations_apigateway import REGION, execute_api, handlers, http_api, ok  # noqa: F401


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _m2m(unique) -> dict:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool = idp.create_user_pool(PoolName=unique("m2m"))["UserPool"]["Id"]
    domain = unique("cafe-auth")
    idp.create_user_pool_domain(UserPoolId=pool, Domain=domain)
    idp.create_resource_server(UserPoolId=pool, Identifier="cafe", Name="cafe", Scopes=[
        {"ScopeName": "read", "ScopeDescription": "read orders"},
        {"ScopeName": "admin", "ScopeDescription": "manage the menu"}])
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="reporting-job", GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"], AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["cafe/read"])["UserPoolClient"]
    return {"pool": pool, "id": client["ClientId"], "secret": client["ClientSecret"],
            "url": f"https://{domain}.auth.{REGION}.amazoncognito.com/oauth2/token"}


def test_client_credentials_token_and_a_jwt_authorizer_checks_its_scope(world, handlers, unique):  # noqa: F811
    m2m = _m2m(unique)
    r = requests.post(m2m["url"], auth=(m2m["id"], m2m["secret"]),
                      data={"grant_type": "client_credentials", "scope": "cafe/read"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    claims = _claims(body["access_token"])
    assert claims["scope"] == "cafe/read" and claims["token_use"] == "access"
    assert claims["client_id"] == m2m["id"] == claims["sub"]
    assert claims["iss"] == f"https://cognito-idp.{REGION}.amazonaws.com/{m2m['pool']}"
    # the HTTP API's JWT authorizer verifies the signature against the pool's JWKS and the scopes
    fn = handlers.add(unique("menu"), lambda e: ok(e["requestContext"]["authorizer"]["jwt"]["scopes"]))
    api = http_api(fn, ["GET /orders", "GET /menu"])
    gw = boto3.client("apigatewayv2", region_name=REGION)
    auth = gw.create_authorizer(ApiId=api, Name="cognito", AuthorizerType="JWT",
                                IdentitySource=["$request.header.Authorization"],
                                JwtConfiguration={"Issuer": claims["iss"], "Audience": [m2m["id"]]}
                                )["AuthorizerId"]
    routes = {rt["RouteKey"]: rt["RouteId"] for rt in gw.get_routes(ApiId=api)["Items"]}
    gw.update_route(ApiId=api, RouteId=routes["GET /orders"], AuthorizationType="JWT",
                    AuthorizerId=auth, AuthorizationScopes=["cafe/read"])
    gw.update_route(ApiId=api, RouteId=routes["GET /menu"], AuthorizationType="JWT",
                    AuthorizerId=auth, AuthorizationScopes=["cafe/admin"])
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    allowed = requests.get(f"{execute_api(api, None)}/orders", headers=bearer)
    assert allowed.status_code == 200 and allowed.json() == ["cafe/read"]
    denied = requests.get(f"{execute_api(api, None)}/menu", headers=bearer)
    assert denied.status_code == 403 and denied.json() == {"message": "Forbidden"}


def test_token_endpoint_errors(world, unique):
    m2m = _m2m(unique)
    url = m2m["url"]
    grant = {"grant_type": "client_credentials"}
    wrong = requests.post(url, auth=(m2m["id"], "not-the-secret"), data=grant)
    assert wrong.status_code == 401 and wrong.json() == {"error": "invalid_client"}
    scope = requests.post(url, auth=(m2m["id"], m2m["secret"]), data={**grant, "scope": "cafe/admin"})
    assert scope.status_code == 400 and scope.json() == {"error": "invalid_scope"}
    flow = requests.post(url, auth=(m2m["id"], m2m["secret"]), data={"grant_type": "password"})
    assert flow.status_code == 400 and flow.json() == {"error": "unsupported_grant_type"}
    # no scope asked: every custom scope the client is allowed
    every = requests.post(url, data={**grant, "client_id": m2m["id"], "client_secret": m2m["secret"]})
    assert every.status_code == 200 and _claims(every.json()["access_token"])["scope"] == "cafe/read"
