"""REST API methods declared resource by resource, with non-proxy integrations, through CloudFormation.

Modelled on AWS's tutorial "REST API as an Amazon SQS proxy" and on Lambda custom (non-proxy)
integrations: ``AWS::ApiGateway::Resource`` / ``Method`` with an ``AWS`` integration, a request
template, and integration responses chosen by ``SelectionPattern``. Tested over HTTP and boto3.
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
  Orders:
    Type: AWS::SQS::Queue
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}]
  Pricer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        def handler(event, context):
            if event["qty"] <= 0:
                raise ValueError("bad quantity: " + str(event["qty"]))
            return {"total": event["qty"] * 3, "item": event["item"]}
  PricerPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Pricer
      Principal: apigateway.amazonaws.com
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: shop}
  OrdersResource:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  PriceResource:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: price}
  PostOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref OrdersResource
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS
        IntegrationHttpMethod: POST
        Credentials: !GetAtt ApiRole.Arn
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:sqs:path/${AWS::AccountId}/${Orders.QueueName}"
        RequestParameters:
          integration.request.header.Content-Type: "'application/x-www-form-urlencoded'"
        RequestTemplates:
          application/json: Action=SendMessage&MessageBody=$util.urlEncode($input.body)
        IntegrationResponses:
          - StatusCode: "200"
      MethodResponses:
        - StatusCode: "200"
  PostPrice:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref PriceResource
      HttpMethod: POST
      AuthorizationType: NONE
      Integration:
        Type: AWS
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Pricer.Arn}/invocations"
        RequestTemplates:
          application/json: '{"qty": $input.json(''$.quantity''), "item": "$input.path(''$.item'')"}'
        IntegrationResponses:
          - StatusCode: "200"
            ResponseTemplates:
              application/json: '{"price": $input.json(''$.total''), "for": "$input.path(''$.item'')"}'
          - StatusCode: "400"
            SelectionPattern: "bad quantity.*"
            ResponseTemplates:
              application/json: '{"error": "$input.path(''$.errorMessage'')"}'
      MethodResponses:
        - StatusCode: "200"
        - StatusCode: "400"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PostOrder, PostPrice]
    Properties: {RestApiId: !Ref Api}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: live}
Outputs:
  Url: {Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/live"}
  QueueUrl: {Value: !Ref Orders}
"""


@pytest.fixture
def world():
    with mock_aws() as session:
        yield session


def deploy(name: str) -> dict[str, str]:
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_rest_method_with_an_sqs_send_message_integration(world, unique):
    """An AWS service integration to SQS SendMessage (https://docs.aws.amazon.com/apigateway/latest/
    developerguide/integrating-api-with-aws-services-sqs.html): the request template builds the SQS
    query, the body arrives as the message, the client gets SQS's answer."""
    out = deploy(unique("sqs"))
    order = {"item": "tea & cake", "quantity": 2}
    r = requests.post(out["Url"] + "/orders", json=order, timeout=30)
    assert r.status_code == 200
    result = r.json()["SendMessageResponse"]["SendMessageResult"]
    [message] = boto3.client("sqs").receive_message(QueueUrl=out["QueueUrl"])["Messages"]
    assert json.loads(message["Body"]) == order and message["MessageId"] == result["MessageId"]


def test_rest_method_with_a_lambda_custom_integration(world, unique):
    """A Lambda custom (non-proxy) integration (https://docs.aws.amazon.com/apigateway/latest/
    developerguide/set-up-lambda-custom-integrations.html): the request template shapes the event, the
    response template shapes the answer, and an error message matching a SelectionPattern picks its
    integration response (400)."""
    out = deploy(unique("lambda"))
    r = requests.post(out["Url"] + "/price", json={"item": "tea", "quantity": 4}, timeout=30)
    assert r.status_code == 200 and r.json() == {"price": 12, "for": "tea"}
    r = requests.post(out["Url"] + "/price", json={"item": "tea", "quantity": 0}, timeout=30)
    assert r.status_code == 400 and r.json() == {"error": "bad quantity: 0"}
