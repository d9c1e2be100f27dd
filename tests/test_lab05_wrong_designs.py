"""Lab 05's hidden tests catch wrong designs, not only wrong outputs.

Three submissions, graded in one run of the grader; each answer is a plausible misunderstanding that gives the
right output on at least some visible examples and must still score 0 on the cell that checks its design (the
rest of the exercise still scores where ``STILL_SCORES`` names it).

The first submission:

* a catch-all ``$default`` route next to ``GET /items/{id}`` ("so the function can answer 404s itself");
* CORS done by hand: an ``OPTIONS /{proxy+}`` route to a function that returns the headers, instead of the
  API's CORS configuration (every preflight becomes a Lambda invocation; real responses carry no header);
* an authorizer with the tokens written into its code instead of read from its configuration;
* throttling the whole stage instead of one usage plan (every key is limited);
* a cost function that meters REST requests in 512 KB increments too;
* the front door (exercise 6) always HTTP, throttled at the *average* rate: per-client quotas are lost and the
  peak gets 429s.

The second submission:

* an ``ANY /items/{id}`` route, and ids parsed with ``int()`` (``-1`` becomes a 404 instead of a 400);
* a CORS configuration that allows every origin (``*``);
* an authorizer policy on ``*`` (every API in the account), and ``protect`` without a new deployment (the
  stage keeps serving the open API, as on AWS);
* one usage plan for both tiers;
* the course's own pricing helper called as the cost answer (the hidden test compares with literal values
  worked from AWS's prices, and refuses the helper);
* the front door always REST, throttled at the account's limits: over budget where REST is not needed, and a
  flood reaches the function.

The third submission:

* a catalogue written into the handler instead of read from ``CATALOG``;
* a CORS configuration with ``AllowMethods``/``AllowHeaders`` ``*``, broader than the page needs;
* a TOKEN authorizer without result caching (TTL 0: one authorizer call per request);
* the front door by features only (HTTP otherwise), which misses that an HTTP API meters 2 MB requests four
  times; its throttle (the function's own limits) is a right answer and still scores.
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

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
    apigw.update_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET", patchOperations=[
        {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
        {"op": "replace", "path": "/authorizerId", "value": auth_id}])
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

ALWAYS_HTTP_AT_AVERAGE = """
def choose_front_door(profile: dict) -> dict:
    return {"api": "http", "rate": profile["avg_rps"], "burst": profile["spike"]}
"""

ANY_ROUTE_INT_IDS = """
ITEMS_SRC = r'''
import json, os

def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}

def handler(event, context):
    catalog = json.loads(os.environ.get("CATALOG", "{}"))
    raw = (event.get("pathParameters") or {}).get("id", "")
    try:
        item_id = str(int(raw))                       # "-1" and " 7" parse too
    except ValueError:
        return reply(400, {"message": "id must be a number"})
    if item_id not in catalog:
        return reply(404, {"message": f"item {item_id} not found"})
    return reply(200, {"id": item_id, "name": catalog[item_id]})
'''


def create_items_api(function_arn: str, name: str) -> str:
    api = apigw2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    apigw2.create_route(ApiId=api, RouteKey="ANY /items/{id}", Target=f"integrations/{integration}")
    apigw2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api
"""

EVERY_ORIGIN = """
def allow_page(api_id: str, origin: str) -> None:
    apigw2.update_api(ApiId=api_id, CorsConfiguration={
        "AllowOrigins": ["*"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["content-type"], "MaxAge": 600})
"""

WILDCARD_POLICY_NO_DEPLOYMENT = '''
AUTH_SRC = r"""
import json, os

def handler(event, context):
    user = json.loads(os.environ.get("TOKENS", "{}")).get(event.get("authorizationToken") or "")
    return {"principalId": user or "anonymous",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if user else "Deny", "Resource": "*"}]},
            "context": {"user": user or ""}}
"""


def protect(api_id: str, resource_id: str, authorizer_arn: str) -> None:
    auth_id = apigw.create_authorizer(restApiId=api_id, name="tokens", type="TOKEN",
                                      authorizerUri=lambda_uri(authorizer_arn),
                                      identitySource="method.request.header.Authorization",
                                      authorizerResultTtlInSeconds=300)["id"]
    apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET")
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                     authorizationType="CUSTOM", authorizerId=auth_id)
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(whoami_arn))
    # no create_deployment: "the method is saved, so it is live"
'''

ONE_PLAN = """
def create_plans(api_id: str, stage: str) -> dict:
    plan = apigw.create_usage_plan(name=f"all-{api_id}", apiStages=[{"apiId": api_id, "stage": stage}],
                                   throttle={"rateLimit": 1.0, "burstLimit": 2}, quota={"limit": 500, "period": "DAY"})["id"]
    keys = {}
    for tier in ("free", "pro"):
        key = apigw.create_api_key(name=f"{tier}-{api_id}", enabled=True)
        apigw.create_usage_plan_key(usagePlanId=plan, keyId=key["id"], keyType="API_KEY")
        keys[tier] = key["value"]
    return keys
"""

PRICING_HELPER = """
def monthly_api_cost(requests_per_month: float, api_type: str, payload_kb: float = 1.0) -> float:
    return pricing.apigateway_cost(requests_per_month, api_type, payload_kb=payload_kb).total
"""

ALWAYS_REST_ACCOUNT_LIMITS = """
def choose_front_door(profile: dict) -> dict:
    return {"api": "rest", "rate": 10_000, "burst": 5_000}     # "REST has everything; AWS's limits are safe"
"""

HARD_CODED_CATALOG = """
ITEMS_SRC = r'''
import json

CATALOG = {"1": "tea", "2": "coffee"}

def reply(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}

def handler(event, context):
    item_id = (event.get("pathParameters") or {}).get("id", "")
    if not item_id.isdigit():
        return reply(400, {"message": "id must be a number"})
    if item_id not in CATALOG:
        return reply(404, {"message": f"item {item_id} not found"})
    return reply(200, {"id": item_id, "name": CATALOG[item_id]})
'''


def create_items_api(function_arn: str, name: str) -> str:
    api = apigw2.create_api(Name=name, ProtocolType="HTTP")["ApiId"]
    integration = apigw2.create_integration(ApiId=api, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
                                            PayloadFormatVersion="2.0")["IntegrationId"]
    apigw2.create_route(ApiId=api, RouteKey="GET /items/{id}", Target=f"integrations/{integration}")
    apigw2.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    return api
"""

EVERY_METHOD_AND_HEADER = """
def allow_page(api_id: str, origin: str) -> None:
    apigw2.update_api(ApiId=api_id, CorsConfiguration={
        "AllowOrigins": [origin], "AllowMethods": ["*"], "AllowHeaders": ["*"], "MaxAge": 600})
"""

NO_CACHE = '''
AUTH_SRC = r"""
import json, os

def handler(event, context):
    user = json.loads(os.environ.get("TOKENS", "{}")).get(event.get("authorizationToken") or "")
    return {"principalId": user or "anonymous",
            "policyDocument": {"Version": "2012-10-17", "Statement": [{
                "Action": "execute-api:Invoke", "Effect": "Allow" if user else "Deny", "Resource": event["methodArn"]}]},
            "context": {"user": user or ""}}
"""


def protect(api_id: str, resource_id: str, authorizer_arn: str) -> None:
    auth_id = apigw.create_authorizer(restApiId=api_id, name="tokens", type="TOKEN",
                                      authorizerUri=lambda_uri(authorizer_arn),
                                      identitySource="method.request.header.Authorization",
                                      authorizerResultTtlInSeconds=0)["id"]     # "always fresh"
    apigw.delete_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET")
    apigw.put_method(restApiId=api_id, resourceId=resource_id, httpMethod="GET",
                     authorizationType="CUSTOM", authorizerId=auth_id)
    apigw.put_integration(restApiId=api_id, resourceId=resource_id, httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=lambda_uri(whoami_arn))
    apigw.create_deployment(restApiId=api_id, stageName="prod")
'''

FEATURES_ONLY_BACKEND_LIMITS = """
def choose_front_door(profile: dict) -> dict:
    api = "rest" if profile["per_client_quotas"] or profile["validate_requests"] else "http"
    return {"api": api, "rate": profile["backend_rps"], "burst": profile["backend_burst"]}
"""

# {student: {solution cell: (wrong answer, test cells it must score 0 on)}}
STUDENTS = {
    "first": {"lab05_items": (CATCH_ALL_ROUTE, ["lab05_items_routes"]),
              "lab05_cors": (CORS_BY_HAND, ["lab05_cors_preflight", "lab05_cors_request"]),
              "lab05_authorizer": (HARD_CODED_TOKENS, ["lab05_authorizer_function", "lab05_authorizer_wired"]),
              "lab05_usage_plans": (STAGE_THROTTLE, ["lab05_usage_plans_test"]),
              "lab05_cost": (REST_INCREMENTS, ["lab05_cost_test"]),
              "lab05_front_door": (ALWAYS_HTTP_AT_AVERAGE, ["lab05_front_door_api", "lab05_front_door_throttle"])},
    "second": {"lab05_items": (ANY_ROUTE_INT_IDS, ["lab05_items_routes", "lab05_items_answers"]),
               "lab05_cors": (EVERY_ORIGIN, ["lab05_cors_preflight"]),
               "lab05_authorizer": (WILDCARD_POLICY_NO_DEPLOYMENT, ["lab05_authorizer_function", "lab05_authorizer_wired"]),
               "lab05_usage_plans": (ONE_PLAN, ["lab05_usage_plans_test"]),
               "lab05_cost": (PRICING_HELPER, ["lab05_cost_test"]),
               "lab05_front_door": (ALWAYS_REST_ACCOUNT_LIMITS, ["lab05_front_door_api", "lab05_front_door_throttle"])},
    "third": {"lab05_items": (HARD_CODED_CATALOG, ["lab05_items_answers"]),
              "lab05_cors": (EVERY_METHOD_AND_HEADER, ["lab05_cors_preflight"]),
              "lab05_authorizer": (NO_CACHE, ["lab05_authorizer_wired"]),
              "lab05_front_door": (FEATURES_ONLY_BACKEND_LIMITS, ["lab05_front_door_api"])},
}
# cells a submission still scores in full: a wrong design costs only the cell that checks it
STILL_SCORES = {"first": ["lab05_items_answers"],
                "third": ["lab05_items_routes", "lab05_cors_request", "lab05_authorizer_function",
                          "lab05_front_door_throttle", "lab05_cost_test", "lab05_usage_plans_test"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    answers = {student: {cell: code for cell, (code, _tests) in cells.items()} for student, cells in STUDENTS.items()}
    return grade_answers(LAB, answers, tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize(("student", "test_id"),
                         [(s, t) for s, cells in STUDENTS.items() for _code, tests in cells.values() for t in tests])
def test_wrong_design_scores_zero(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == 0, (student, test_id, result.status, result.message)


@pytest.mark.parametrize(("student", "test_id"), [(s, t) for s, tests in STILL_SCORES.items() for t in tests])
def test_the_right_parts_still_score(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == result.max_points, (student, test_id, result.message)


# the feedback names what the wrong design breaks
EXPECTED_MESSAGE = {
    ("first", "lab05_front_door_api"): "requirement 1",
    ("first", "lab05_front_door_throttle"): "requirement 3",
    ("second", "lab05_front_door_api"): "requirement 2",
    ("second", "lab05_front_door_throttle"): "requirement 4",
    ("third", "lab05_front_door_api"): "requirement 2",
    ("second", "lab05_cost_test"): "pricing helper",
    ("second", "lab05_authorizer_function"): "not on every API",
    ("second", "lab05_authorizer_wired"): "401",
    ("third", "lab05_authorizer_wired"): "cache results for 300 s",
}


@pytest.mark.parametrize(("student", "test_id"), list(EXPECTED_MESSAGE))
def test_the_feedback_names_the_broken_requirement(graded, student, test_id):
    message = graded[student][test_id].message or ""
    assert EXPECTED_MESSAGE[student, test_id] in message, message
