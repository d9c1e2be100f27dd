"""APIs defined by an OpenAPI DefinitionBody with x-amazon-apigateway-integration, REST and HTTP.

Modelled on aws-samples serverless-patterns that define the API in OpenAPI rather than through
function events: the HTTP API's ``$default`` route (``x-amazon-apigateway-any-method`` on the path
``$default``) catches what no other route matches; the REST API's paths become resources and methods.
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
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: |
        import json
        def handler(event, context):
            path = event.get("rawPath") or event.get("path")
            return {"statusCode": 200, "body": json.dumps({"path": path, "route": event.get("routeKey"),
                    "resource": event.get("resource")})}
  EchoPermission:
    Type: AWS::Lambda::Permission
    Properties:
      Action: lambda:InvokeFunction
      FunctionName: !Ref Echo
      Principal: apigateway.amazonaws.com
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        openapi: "3.0.1"
        info: {title: echo-http, version: "1.0"}
        paths:
          /hello/{name}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !GetAtt Echo.Arn
                payloadFormatVersion: "2.0"
          $default:
            x-amazon-apigateway-any-method:
              isDefaultRoute: true
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !GetAtt Echo.Arn
                payloadFormatVersion: "2.0"
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionBody:
        swagger: "2.0"
        info: {title: echo-rest, version: "1.0"}
        paths:
          /items/{id}:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Echo.Arn}/invocations"
Outputs:
  HttpUrl:
    Value: !GetAtt HttpApi.ApiEndpoint
  RestUrl:
    Value: !Sub "https://${RestApi}.execute-api.${AWS::Region}.amazonaws.com/v1"
"""


@pytest.fixture
def world():
    with mock_aws() as session:
        yield session


def test_http_api_definition_body_and_default_route(world, unique):
    """HTTP API ``DefinitionBody`` (https://docs.aws.amazon.com/serverless-application-model/latest/
    developerguide/sam-resource-httpapi.html) with a ``$default`` route
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html#http-api-develop-routes.default)."""
    cfn = boto3.client("cloudformation")
    name = unique("body")
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    out = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}
    api_id = out["HttpUrl"].split("//")[1].split(".")[0]
    keys = sorted(r["RouteKey"] for r in boto3.client("apigatewayv2").get_routes(ApiId=api_id)["Items"])
    assert keys == ["$default", "GET /hello/{name}"]
    r = requests.get(out["HttpUrl"] + "/hello/ada", timeout=30)
    assert r.status_code == 200 and r.json()["route"] == "GET /hello/{name}"
    r = requests.get(out["HttpUrl"] + "/", timeout=30)
    assert r.status_code == 200 and r.json() == {"path": "/", "route": "$default", "resource": None}
    r = requests.post(out["HttpUrl"] + "/anything/else", timeout=30)
    assert r.status_code == 200 and r.json()["route"] == "$default"


def test_rest_api_definition_body(world, unique):
    """REST API ``DefinitionBody`` (https://docs.aws.amazon.com/serverless-application-model/latest/
    developerguide/sam-resource-api.html#sam-api-definitionbody): the Swagger paths and their
    x-amazon-apigateway-integration become resources, methods and a Lambda proxy integration."""
    cfn = boto3.client("cloudformation")
    name = unique("body")
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM"])
    out = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}
    r = requests.delete(out["RestUrl"] + "/items/42", timeout=30)
    assert r.status_code == 200 and r.json()["resource"] == "/items/{id}" and r.json()["path"] == "/items/42"
    assert requests.get(out["RestUrl"] + "/nothing", timeout=30).status_code == 403


ACCESS_LOGS = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Resources:
  AccessLogs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c): return {'statusCode': 200, 'body': 'hi'}"
      Events:
        Rest: {Type: Api, Properties: {RestApiId: !Ref RestApi, Path: /hello, Method: GET}}
        Http: {Type: HttpApi, Properties: {ApiId: !Ref HttpApi, Path: /hello, Method: GET}}
  RestApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      AccessLogSetting:
        DestinationArn: !GetAtt AccessLogs.Arn
        Format: '$context.requestId $context.httpMethod $context.resourcePath $context.status $context.stage'
  HttpApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings:
        DestinationArn: !GetAtt AccessLogs.Arn
        Format: '{"id":"$context.requestId","route":"$context.routeKey","status":"$context.status","err":"$context.error.message"}'
Outputs:
  RestUrl: {Value: !Sub "https://${RestApi}.execute-api.${AWS::Region}.amazonaws.com/prod"}
  HttpUrl: {Value: !GetAtt HttpApi.ApiEndpoint}
  Group: {Value: !Ref AccessLogs}
"""


def test_stage_access_logs_are_written_in_the_configured_format(world, unique):
    """Stage AccessLogSetting (REST, https://docs.aws.amazon.com/apigateway/latest/developerguide/
    set-up-access-logging.html) and AccessLogSettings (HTTP API, https://docs.aws.amazon.com/apigateway/
    latest/developerguide/http-api-logging.html): one line per request, each $context variable replaced."""
    cfn = boto3.client("cloudformation")
    name = unique("logs")
    cfn.create_stack(StackName=name, TemplateBody=ACCESS_LOGS, Capabilities=["CAPABILITY_IAM"])
    out = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}
    rest = requests.get(out["RestUrl"] + "/hello", timeout=30)
    assert rest.status_code == 200
    http = requests.get(out["HttpUrl"] + "/hello", timeout=30)
    assert requests.get(out["HttpUrl"] + "/missing", timeout=30).status_code == 404
    events = boto3.client("logs").filter_log_events(logGroupName=out["Group"])["events"]
    lines = [e["message"] for e in events]
    assert f"{rest.headers['x-amzn-RequestId']} GET /hello 200 prod" in lines
    records = [json.loads(m) for m in lines if m.startswith("{")]
    assert {"id": http.headers["apigw-requestid"], "route": "GET /hello", "status": "200", "err": "-"} in records
    assert any(r["status"] == "404" and r["route"] == "-" for r in records)


HTTP_SQS = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Description: HTTP API to SQS, as the serverless pattern apigw-http-api-sqs builds it
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  ApiRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: send
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Inbox.Arn}]
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: inbox, ProtocolType: HTTP}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  SendIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationSubtype: SQS-SendMessage
      PayloadFormatVersion: "1.0"
      CredentialsArn: !GetAtt ApiRole.Arn
      RequestParameters:
        QueueUrl: !Ref Inbox
        MessageBody: $request.body
  SendRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: POST /submit
      Target: !Sub integrations/${SendIntegration}
Outputs:
  Url: {Value: !GetAtt Api.ApiEndpoint}
  QueueUrl: {Value: !Ref Inbox}
"""


def test_http_api_sqs_send_message_integration(world, unique):
    """An HTTP API integration of subtype SQS-SendMessage (https://docs.aws.amazon.com/apigateway/latest/
    developerguide/http-api-develop-integrations-aws-services-reference.html#SQS-SendMessage): the request
    body becomes the message; the client gets SQS's SendMessage answer."""
    cfn = boto3.client("cloudformation")
    name = unique("inbox")
    cfn.create_stack(StackName=name, TemplateBody=HTTP_SQS, Capabilities=["CAPABILITY_IAM"])
    out = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"]}
    r = requests.post(out["Url"] + "/submit", data='{"order": 7}', headers={"Content-Type": "application/json"},
                      timeout=30)
    assert r.status_code == 200
    result = r.json()["SendMessageResponse"]["SendMessageResult"]
    [message] = boto3.client("sqs").receive_message(QueueUrl=out["QueueUrl"])["Messages"]
    assert message["Body"] == '{"order": 7}' and message["MessageId"] == result["MessageId"]
    assert result["MD5OfMessageBody"] == message["MD5OfBody"] and result["SequenceNumber"] is None
    assert requests.get(out["Url"] + "/submit", timeout=30).status_code == 404
    cfn.delete_stack(StackName=name)
    assert not boto3.client("apigatewayv2").get_apis()["Items"]
