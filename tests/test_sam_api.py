"""A SAM REST API with API keys, a usage plan and request validation, tested over HTTP.

Modelled on AWS's own examples of ``AWS::Serverless::Api`` ``Auth`` (``ApiKeyRequired``,
``UsagePlan``) and of an ``Api`` event's ``RequestModel`` / ``RequestParameters``: the stack is
created through CloudFormation, the key comes from ``apigateway.get_api_key``, and the API answers
as API Gateway does (403 without a key, 429 past the quota, 400 for an invalid body).
"""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from serverless_lab import mock_aws

TEMPLATE = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Description: three calls a day
          Quota: {Limit: QUOTA, Period: DAY}
          Throttle: {BurstLimit: 100, RateLimit: 50}
      Models:
        Order:
          type: object
          required: [item, quantity]
          properties:
            item: {type: string}
            quantity: {type: integer, minimum: 1}
  PlaceOrder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            order = json.loads(event["body"])
            return {"statusCode": 201, "body": json.dumps({"placed": order["item"],
                    "page": (event.get("queryStringParameters") or {}).get("page")})}
      Events:
        Post:
          Type: Api
          Properties:
            RestApiId: !Ref OrdersApi
            Path: /orders
            Method: POST
            RequestModel:
              Model: Order
              Required: true
              ValidateBody: true
              ValidateParameters: true
            RequestParameters:
              - method.request.querystring.page:
                  Required: true
Outputs:
  Url:
    Value: !Sub "https://${OrdersApi}.execute-api.${AWS::Region}.amazonaws.com/Prod"
  KeyId:
    Value: !Ref OrdersApiApiKey
"""


@pytest.fixture
def world():
    with mock_aws() as session:
        yield session


def deploy(name: str, quota: int = 3) -> dict[str, str]:
    cfn = boto3.client("cloudformation")
    cs = cfn.create_change_set(StackName=name, ChangeSetName="one", ChangeSetType="CREATE",
                               TemplateBody=TEMPLATE.replace("QUOTA", str(quota)),
                               Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_api_key_and_usage_plan_are_enforced(world, unique):
    """API keys and usage plans (https://docs.aws.amazon.com/serverless-application-model/latest/
    developerguide/sam-property-api-apiauth.html; https://docs.aws.amazon.com/apigateway/latest/
    developerguide/api-gateway-api-usage-plans.html): no key → 403 Forbidden; past the quota → 429."""
    out = deploy(unique("keys"))
    key = boto3.client("apigateway").get_api_key(apiKey=out["KeyId"], includeValue=True)["value"]
    url = out["Url"] + "/orders?page=1"
    order = {"item": "tea", "quantity": 2}
    r = requests.post(url, json=order, timeout=30)
    assert r.status_code == 403 and r.json() == {"message": "Forbidden"}
    r = requests.post(url, json=order, headers={"x-api-key": "not-a-key-at-all-0123456789"}, timeout=30)
    assert r.status_code == 403
    for _ in range(3):
        r = requests.post(url, json=order, headers={"x-api-key": key}, timeout=30)
        assert r.status_code == 201 and r.json() == {"placed": "tea", "page": "1"}
    r = requests.post(url, json=order, headers={"x-api-key": key}, timeout=30)
    assert r.status_code == 429 and r.json() == {"message": "Limit Exceeded"}
    plans = boto3.client("apigateway").get_usage_plans(keyId=out["KeyId"])["items"]
    assert [(p["quota"]["limit"], p["quota"]["period"]) for p in plans] == [(3, "DAY")]


def test_request_model_and_parameters_are_validated(world, unique):
    """RequestModel and RequestParameters of an Api event (https://docs.aws.amazon.com/serverless-
    application-model/latest/developerguide/sam-property-function-requestmodel.html) become a request
    validator: an invalid body or a missing required parameter is refused with 400 before the function
    runs (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html)."""
    out = deploy(unique("valid"), quota=100)
    key = boto3.client("apigateway").get_api_key(apiKey=out["KeyId"], includeValue=True)["value"]
    headers = {"x-api-key": key}
    r = requests.post(out["Url"] + "/orders?page=2", json={"item": "tea"}, headers=headers, timeout=30)
    assert r.status_code == 400 and r.json() == {"message": "Invalid request body"}
    r = requests.post(out["Url"] + "/orders?page=2", json={"item": "tea", "quantity": 0}, headers=headers,
                      timeout=30)
    assert r.status_code == 400
    r = requests.post(out["Url"] + "/orders", json={"item": "tea", "quantity": 1}, headers=headers, timeout=30)
    assert r.status_code == 400 and r.json() == {"message": "Missing required request parameters: [page]"}
    r = requests.post(out["Url"] + "/orders?page=2", json={"item": "tea", "quantity": 1}, headers=headers,
                      timeout=30)
    assert r.status_code == 201 and json.loads(r.text) == {"placed": "tea", "page": "2"}


def test_deleting_the_stack_removes_keys_and_plans(world, unique):
    """DeleteStack removes the key, the plan and the API the stack created."""
    name = unique("gone")
    deploy(name)
    cfn = boto3.client("cloudformation")
    cfn.delete_stack(StackName=name)
    apigw = boto3.client("apigateway")
    assert not apigw.get_api_keys()["items"]
    assert not apigw.get_usage_plans()["items"]
    assert not apigw.get_rest_apis()["items"]
