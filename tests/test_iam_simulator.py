"""IAM's policy simulator through boto3 (lib/serverless_lab/iam_simulator.py).

Cases follow "Policy evaluation logic"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): an explicit
Deny wins, an Allow allows, anything else is implicitly denied; conditions as "IAM JSON policy elements:
Condition operators" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html);
SimulateCustomPolicy (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:jobs"


def _doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def iam():
    with mock_aws() as aws:
        yield aws.client("iam")


def _decisions(iam, policies, actions, resources, **kw):
    out = iam.simulate_custom_policy(PolicyInputList=policies, ActionNames=actions, ResourceArns=resources, **kw)
    return {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in out["EvaluationResults"]}


def test_allow_implicit_deny_and_wildcards(iam):
    policy = _doc({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Put*"], "Resource": TABLE})
    got = _decisions(iam, [policy], ["dynamodb:GetItem", "DynamoDB:PutItem", "dynamodb:DeleteItem"],
                     [TABLE, TABLE + "-other"])
    assert got[("dynamodb:GetItem", TABLE)] == "allowed"
    assert got[("DynamoDB:PutItem", TABLE)] == "allowed"             # actions match without regard to case
    assert got[("dynamodb:DeleteItem", TABLE)] == "implicitDeny"
    assert got[("dynamodb:GetItem", TABLE + "-other")] == "implicitDeny"


def test_an_explicit_deny_wins_over_any_allow(iam):
    allow_all = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    deny = _doc({"Effect": "Deny", "Action": "dynamodb:DeleteTable", "Resource": "*"})
    got = _decisions(iam, [allow_all, deny], ["dynamodb:DeleteTable", "sqs:SendMessage"], [TABLE])
    assert got == {("dynamodb:DeleteTable", TABLE): "explicitDeny", ("sqs:SendMessage", TABLE): "allowed"}
    out = iam.simulate_custom_policy(PolicyInputList=[allow_all, deny], ActionNames=["dynamodb:DeleteTable"])
    [result] = out["EvaluationResults"]
    assert result["EvalResourceName"] == "*"
    assert [m["SourcePolicyId"] for m in result["MatchedStatements"]] == ["PolicyInputList.2"]


def test_not_action_and_not_resource(iam):
    policy = _doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": TABLE})
    got = _decisions(iam, [policy], ["sqs:SendMessage", "iam:CreateUser"], [QUEUE, TABLE])
    assert got[("sqs:SendMessage", QUEUE)] == "allowed"
    assert got[("sqs:SendMessage", TABLE)] == "implicitDeny"
    assert got[("iam:CreateUser", QUEUE)] == "implicitDeny"


def test_a_source_arn_condition_in_a_resource_policy_lets_exactly_one_caller_in(iam):
    """The SNS → SQS queue policy AWS documents: Allow sqs:SendMessage if aws:SourceArn is the topic."""
    topic = "arn:aws:sns:us-east-1:123456789012:orders"
    queue_policy = _doc({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                         "Resource": QUEUE, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}})

    def decide(source):
        ctx = [{"ContextKeyName": "aws:SourceArn", "ContextKeyValues": [source], "ContextKeyType": "string"}]
        out = iam.simulate_custom_policy(PolicyInputList=[_doc()], ResourcePolicy=queue_policy,
                                         ActionNames=["sqs:SendMessage"], ResourceArns=[QUEUE], ContextEntries=ctx)
        return out["EvaluationResults"][0]["EvalDecision"]

    assert decide(topic) == "allowed"
    assert decide(topic + "-evil") == "implicitDeny"
    out = iam.simulate_custom_policy(PolicyInputList=[_doc()], ResourcePolicy=queue_policy,
                                     ActionNames=["sqs:SendMessage"], ResourceArns=[QUEUE])
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert out["EvaluationResults"][0]["MissingContextValues"] == ["aws:SourceArn"]


def test_condition_operators_if_exists_and_negation(iam):
    policy = _doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
                  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
                   "Condition": {"StringNotEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"},
                                 "NumericLessThan": {"s3:max-keys": "10"}}})

    def decide(**keys):
        ctx = [{"ContextKeyName": k.replace("_", ":", 1), "ContextKeyValues": [v], "ContextKeyType": "string"}
               for k, v in keys.items()]
        return iam.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"],
                                          ContextEntries=ctx)["EvaluationResults"][0]["EvalDecision"]

    assert decide(**{"aws_SecureTransport": "false", "s3_max-keys": "5"}) == "explicitDeny"
    assert decide(**{"aws_SecureTransport": "true", "s3_max-keys": "5"}) == "allowed"
    assert decide(**{"aws_SecureTransport": "true", "s3_max-keys": "50"}) == "implicitDeny"
    assert decide(**{"aws_SecureTransport": "true", "s3_max-keys": "5", "aws_RequestedRegion": "eu-west-1"}) == \
        "implicitDeny"


def test_simulate_principal_policy_reads_a_roles_inline_and_managed_policies(iam):
    name = f"fn-role-{uuid.uuid4().hex[:6]}"
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="orders",
                        PolicyDocument=_doc({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}))
    iam.attach_role_policy(RoleName=name,
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    out = iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["dynamodb:PutItem", "logs:PutLogEvents",
                                                                          "dynamodb:Scan"], ResourceArns=[TABLE])
    got = {r["EvalActionName"]: r["EvalDecision"] for r in out["EvaluationResults"]}
    assert got == {"dynamodb:PutItem": "allowed", "logs:PutLogEvents": "allowed", "dynamodb:Scan": "implicitDeny"}
    with pytest.raises(ClientError) as err:
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::123456789012:role/none", ActionNames=["s3:*"])
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"


def test_a_sam_functions_role_has_its_managed_policies_attached(iam):
    """SAM gives a function a role with ManagedPolicyArns (AWSLambdaBasicExecutionRole); CloudFormation attaches
    them (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html)."""
    import boto3

    cfn = boto3.client("cloudformation", region_name="us-east-1")
    cfn.create_stack(StackName=f"roles-{uuid.uuid4().hex[:6]}", Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
                     TemplateBody="""
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(e, c): return 1"
      Policies: [AmazonS3ReadOnlyAccess]
""")
    role_arn = boto3.client("lambda", region_name="us-east-1").list_functions()["Functions"][0]["Role"]
    attached = iam.list_attached_role_policies(RoleName=role_arn.rsplit("/", 1)[1])["AttachedPolicies"]
    assert {p["PolicyName"] for p in attached} == {"AWSLambdaBasicExecutionRole", "AmazonS3ReadOnlyAccess"}
    out = iam.simulate_principal_policy(PolicySourceArn=role_arn, ActionNames=["logs:PutLogEvents", "s3:GetObject",
                                                                               "s3:PutObject"])
    assert [r["EvalDecision"] for r in out["EvaluationResults"]] == ["allowed", "allowed", "implicitDeny"]
