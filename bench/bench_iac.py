"""Speed of a SAM deploy through CloudFormation: a 20-resource template, first deploy and update.

The template (three functions with SNS, SQS and HTTP API events, an alias, two tables, a queue and
its dead-letter queue, a topic, a log group) expands to 20 CloudFormation resources; each stack's
template differs (its Description), so no stack reuses another's SAM translation.
A deploy is what ``sam deploy`` does through boto3:
CreateChangeSet (SAM transform, checks), DescribeChangeSet, ExecuteChangeSet (every resource built
through moto's backends). The update changes one function's environment (UPDATE change set).
Targets (issue 20): first deploy <= 1 s, update <= 0.3 s, on 2 cores. The first stack of the process
(imports, the translator's first run) is reported apart.
"""

from __future__ import annotations

import statistics
import time

from bench.common import Figure

TEMPLATE = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::Serverless-2016-10-31
Description: DESCRIPTION
Globals:
  Function:
    Runtime: python3.12
    Handler: index.handler
    Environment: {Variables: {STAGE: STAGE_VALUE}}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Audit:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDlq.Arn, maxReceiveCount: 3}
  JobsDlq:
    Type: AWS::SQS::Queue
  AuditLogs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 7}
  Alerts:
    Type: AWS::SNS::Topic
  Api:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return {'statusCode': 200, 'body': 'ok'}"
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Orders}}]
      Events:
        Get: {Type: HttpApi, Properties: {Path: /orders, Method: GET}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return {}"
      AutoPublishAlias: live
      Events:
        Job: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 10}}
  Notifier:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "def handler(e, c): return {}"
      Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Audit}}]
      Events:
        Alert: {Type: SNS, Properties: {Topic: !Ref Alerts}}
"""
CAPS = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]


def _deploy(cfn, name: str, body: str, kind: str) -> float:
    t0 = time.perf_counter()
    cs = cfn.create_change_set(StackName=name, ChangeSetName=f"c{time.perf_counter_ns()}", ChangeSetType=kind,
                               TemplateBody=body, Capabilities=CAPS)
    if cfn.describe_change_set(ChangeSetName=cs["Id"])["Status"] != "CREATE_COMPLETE":
        raise RuntimeError("the bench template's change set failed")
    cfn.execute_change_set(ChangeSetName=cs["Id"])
    elapsed = time.perf_counter() - t0
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    if status != f"{kind}_COMPLETE":
        raise RuntimeError(f"the bench stack ended {status}")
    return elapsed


def run() -> list[Figure]:
    import boto3

    from serverless_lab import mock_aws

    with mock_aws() as _aws:
        cfn = boto3.client("cloudformation")
        def body(i: int, stage: str) -> str:
            return TEMPLATE.replace("STAGE_VALUE", stage).replace("DESCRIPTION", f"bench stack {i}")

        cold = _deploy(cfn, "bench-iac-0", body(0, "one"), "CREATE")
        count = len(cfn.list_stack_resources(StackName="bench-iac-0")["StackResourceSummaries"])
        creates, updates = [], []
        for i in range(1, 6):
            creates.append(_deploy(cfn, f"bench-iac-{i}", body(i, "one"), "CREATE"))
            updates.append(_deploy(cfn, f"bench-iac-{i}", body(i, "two"), "UPDATE"))
        first, update = statistics.median(creates), statistics.median(updates)
    return [
        Figure(f"SAM deploy, {count} resources, first stack of the process", cold, "s"),
        Figure(f"SAM deploy, {count} resources, first deploy (median of 5)", first, "s", "<= 1 s", first <= 1.0),
        Figure(f"SAM deploy, {count} resources, update (median of 5)", update, "s", "<= 0.3 s", update <= 0.3),
    ]
