"""Lab 05's hidden tests catch wrong designs, not only wrong outputs.

One submission answers every exercise with a plausible misunderstanding; each gives the right output on
at least some visible examples and must still score 0 on its exercise through the grader:

* a catch-all ``$default`` route next to ``GET /items/{id}`` ("so the function can answer 404s itself");
* CORS done by hand: an ``OPTIONS /{proxy+}`` route to a function that returns the headers, instead of the
  API's CORS configuration (every preflight becomes a Lambda invocation; real responses carry no header);
* an authorizer with the tokens written into its code instead of read from its configuration;
* throttling the whole stage instead of one usage plan (every key is limited);
* a cost function that meters REST requests in 512 KB increments too.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_wrong_designs

pytestmark = pytest.mark.notebook
LAB = "lab05-api-gateway"

CATCH_ALL_ROUTE = '''
ITEMS_SRC = r"""
import json, os

def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}

def handler(event, context):
    catalog = json.loads(os.environ.get("CATALOG", "{}"))
    item_id = (event.get("pathParameters") or {}).get("id", "")
    if not item_id.isdigit():
        return reply(400, {"message": "id must be a number"})
    if item_id not in catalog:
        return reply(404, {"message": f"item {item_id} not found"})
    return reply(200, {"id": item_id, "name": catalog[item_id]})
"""


def create_items_api(function_arn: str, name: str) -> str:
    api = apigw2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    for key in ("GET /items/{id}", "$default"):        # "the function decides what is a 404"
        apigw2.create_route(ApiId=api, RouteKey=key, Target=f"integrations/{integration}")
    apigw2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api
'''

CORS_BY_HAND = '''
def allow_page(api_id: str, origin: str) -> None:
    arn = deploy(f"lab05-cors-{api_id}", r"""
def handler(event, context):
    return {"statusCode": 204, "headers": {
        "Access-Control-Allow-Origin": event["headers"].get("origin", ""),
        "Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "content-type",
        "Access-Control-Max-Age": "600"}}
""")
    integration = apigw2.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    apigw2.create_route(ApiId=api_id, RouteKey="OPTIONS /{proxy+}", Target=f"integrations/{integration}")
'''

HARD_CODED_TOKENS = '''
AUTH_SRC = r"""
TOKENS = {"tok-ada": "ada", "tok-bo": "bo"}      # the tokens of the examples, written into the code

def handler(event, context):
    user = TOKENS.get(event.get("authorizationToken") or "")
    return {
        "principalId": user or "anonymous",
        "policyDocument": {"Version": "2012-10-17", "Statement": [{
            "Action": "execute-api:Invoke", "Effect": "Allow" if user else "Deny", "Resource": event["methodArn"]}]},
        "context": {"user": user or ""},
    }
"""


def protect(api_id: str, resource_id: str, authorizer_arn: str) -> None:
    auth_id = apigw.create_authorizer(restApiId=api_id, name="tokens", type="TOKEN",
                                      authorizerUri=lambda_uri(authorizer_arn),
                                      identitySource="method.request.header.Authorization",
                                      authorizerResultTtlInSeconds=300)["id"]
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                     authorizationType="CUSTOM", authorizerId=auth_id)
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(whoami_arn))
    apigw.create_deployment(restApiId=api_id, stageName="prod")
'''

STAGE_THROTTLE = '''
def create_plans(api_id: str, stage: str) -> dict:
    apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "1"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "2"}])
    plan = apigw.create_usage_plan(name=f"all-{api_id}", apiStages=[{"apiId": api_id, "stage": stage}])["id"]
    keys = {}
    for tier in ("free", "pro"):
        key = apigw.create_api_key(name=f"{tier}-{api_id}", enabled=True)
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
        keys[tier] = key["value"]
    return keys
'''

REST_INCREMENTS = '''
import math

def monthly_api_cost(requests_per_month: float, api_type: str, payload_kb: float = 1.0) -> float:
    metered = requests_per_month * max(1, math.ceil(payload_kb / 512))   # applied to REST too
    tiers = [(333e6, 3.50), (667e6, 2.80), (19e9, 2.38), (math.inf, 1.51)] if api_type == "rest" \\
        else [(300e6, 1.00), (math.inf, 0.90)]
    total, left = 0.0, metered
    for size, price in tiers:
        used = min(left, size)
        total += used * price / 1e6
        left -= used
    return total
'''

WRONG = {"lab05_items": (CATCH_ALL_ROUTE, ["lab05_items_routes"]),
         "lab05_cors": (CORS_BY_HAND, ["lab05_cors_preflight", "lab05_cors_request"]),
         "lab05_authorizer": (HARD_CODED_TOKENS, ["lab05_authorizer_function", "lab05_authorizer_wired"]),
         "lab05_usage_plans": (STAGE_THROTTLE, ["lab05_usage_plans_test"]),
         "lab05_cost": (REST_INCREMENTS, ["lab05_cost_test"])}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_wrong_designs(LAB, WRONG, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("test_id", [t for _c, tests in WRONG.values() for t in tests])
def test_wrong_design_scores_zero(graded, test_id):
    assert graded[test_id].points == 0, (test_id, graded[test_id].status, graded[test_id].message)


def test_the_right_parts_still_score(graded):
    # the catch-all route's handler is right: only the routing points are lost
    answers = graded["lab05_items_answers"]
    assert answers.points == answers.max_points, answers.message
