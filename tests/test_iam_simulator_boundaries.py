"""IAM's policy simulator: permissions boundaries and policy variables (lib/serverless_lab/iam_simulator.py).

Permissions boundaries follow "Permissions boundaries for IAM entities"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html): the boundary sets the
maximum permissions identity policies can grant and grants nothing itself; it does not limit what a
resource-based policy grants. The answer's ``PermissionsBoundaryDecisionDetail``
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_PermissionsBoundaryDecisionDetail.html) and the
one-boundary rule of ``PermissionsBoundaryPolicyInputList`` follow SimulateCustomPolicy / SimulatePrincipalPolicy
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html).
Policy variables follow "IAM policy elements: Variables and tags"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws

BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"


def _doc(*statements, version="2012-10-17"):
    return json.dumps({"Version": version, "Statement": list(statements)})


@pytest.fixture
def iam():
    with mock_aws() as aws:
        yield aws.client("iam")


def _results(iam, **kw):
    return {(r["EvalActionName"], r["EvalResourceName"]): r
            for r in iam.simulate_custom_policy(**kw)["EvaluationResults"]}


# The guide's example: ShirleyRodriguez may manage only S3, CloudWatch and EC2; a permissions policy that
# allows iam:CreateUser still does not let her create a user.
SHIRLEY_BOUNDARY = _doc({"Effect": "Allow", "Action": ["s3:*", "cloudwatch:*", "ec2:*"], "Resource": "*"})


def test_a_boundary_caps_what_identity_policies_grant(iam):
    identity = _doc({"Effect": "Allow", "Action": ["iam:CreateUser", "s3:GetObject"], "Resource": "*"})
    got = _results(iam, PolicyInputList=[identity], PermissionsBoundaryPolicyInputList=[SHIRLEY_BOUNDARY],
                   ActionNames=["iam:CreateUser", "s3:GetObject", "ec2:RunInstances"])
    create, get, run = got[("iam:CreateUser", "*")], got[("s3:GetObject", "*")], got[("ec2:RunInstances", "*")]
    assert create["EvalDecision"] == "implicitDeny"
    assert create["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    assert get["EvalDecision"] == "allowed"
    assert get["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    # the boundary allows ec2:* but grants nothing by itself
    assert run["EvalDecision"] == "implicitDeny"
    assert run["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    # without a boundary the answer has no boundary detail and the identity policy alone decides
    [plain] = iam.simulate_custom_policy(PolicyInputList=[identity], ActionNames=["iam:CreateUser"])["EvaluationResults"]
    assert plain["EvalDecision"] == "allowed" and "PermissionsBoundaryDecisionDetail" not in plain


def test_a_deny_in_the_boundary_is_an_explicit_deny(iam):
    boundary = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"})
    identity = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
    got = _results(iam, PolicyInputList=[identity], PermissionsBoundaryPolicyInputList=[boundary],
                   ActionNames=["iam:DeleteRole", "sqs:SendMessage"])
    assert got[("iam:DeleteRole", "*")]["EvalDecision"] == "explicitDeny"
    assert got[("iam:DeleteRole", "*")]["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is False
    assert got[("sqs:SendMessage", "*")]["EvalDecision"] == "allowed"


def test_a_boundary_does_not_cap_a_resource_policy(iam):
    """Boundaries "do not define the maximum permissions that a resource-based policy can grant"
    (PutRolePermissionsBoundary, https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePermissionsBoundary.html)."""
    resource_policy = _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/Shirley"},
                            "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:jobs"})
    [r] = iam.simulate_custom_policy(
        PolicyInputList=[_doc({"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"})],
        PermissionsBoundaryPolicyInputList=[SHIRLEY_BOUNDARY], ResourcePolicy=resource_policy,
        ActionNames=["sqs:SendMessage"], ResourceArns=["arn:aws:sqs:us-east-1:123456789012:jobs"],
        CallerArn="arn:aws:iam::123456789012:user/Shirley")["EvaluationResults"]
    assert r["EvalDecision"] == "allowed"
    assert r["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}


def test_only_one_boundary_may_be_simulated(iam):
    with pytest.raises(ClientError) as err:
        iam.simulate_custom_policy(PolicyInputList=[SHIRLEY_BOUNDARY], ActionNames=["s3:GetObject"],
                                   PermissionsBoundaryPolicyInputList=[SHIRLEY_BOUNDARY, SHIRLEY_BOUNDARY])
    assert err.value.response["Error"]["Code"] == "ValidationError"


def test_simulate_principal_policy_applies_the_roles_boundary_and_a_passed_one_replaces_it(iam):
    boundary_arn = iam.create_policy(PolicyName=f"boundary-{uuid.uuid4().hex[:6]}",
                                     PolicyDocument=SHIRLEY_BOUNDARY)["Policy"]["Arn"]
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName=f"bounded-{uuid.uuid4().hex[:6]}", AssumeRolePolicyDocument=trust,
                           PermissionsBoundary=boundary_arn)["Role"]
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName="admin",
                        PolicyDocument=_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}))

    def decide(**kw):
        out = iam.simulate_principal_policy(PolicySourceArn=role["Arn"],
                                            ActionNames=["iam:CreateUser", "s3:PutObject"], **kw)
        return {r["EvalActionName"]: r["EvalDecision"] for r in out["EvaluationResults"]}

    assert decide() == {"iam:CreateUser": "implicitDeny", "s3:PutObject": "allowed"}
    only_iam = _doc({"Effect": "Allow", "Action": "iam:*", "Resource": "*"})
    assert decide(PermissionsBoundaryPolicyInputList=[only_iam]) == {"iam:CreateUser": "allowed",
                                                                    "s3:PutObject": "implicitDeny"}
    iam.delete_role_permissions_boundary(RoleName=role["RoleName"])
    assert decide() == {"iam:CreateUser": "allowed", "s3:PutObject": "allowed"}


def test_a_users_group_policies_are_simulated_with_the_user(iam):
    user = iam.create_user(UserName=f"jackie-{uuid.uuid4().hex[:6]}")["User"]
    group = f"devs-{uuid.uuid4().hex[:6]}"
    iam.create_group(GroupName=group)
    iam.add_user_to_group(GroupName=group, UserName=user["UserName"])
    iam.put_group_policy(GroupName=group, PolicyName="read",
                         PolicyDocument=_doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}))
    [r] = iam.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["s3:GetObject"])["EvaluationResults"]
    assert r["EvalDecision"] == "allowed"


# The guide's example: each user reads and writes only the objects under a prefix named after them.
HOME_FOLDER = _doc({"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": [BUCKET + "/${aws:username}/*"]})


def _username(name):
    return [{"ContextKeyName": "aws:username", "ContextKeyValues": [name], "ContextKeyType": "string"}]


def test_aws_username_in_a_resource(iam):
    got = _results(iam, PolicyInputList=[HOME_FOLDER], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/shirley/notes.txt", BUCKET + "/akua/notes.txt"],
                   ContextEntries=_username("shirley"))
    assert got[("s3:GetObject", BUCKET + "/shirley/notes.txt")]["EvalDecision"] == "allowed"
    assert got[("s3:GetObject", BUCKET + "/akua/notes.txt")]["EvalDecision"] == "implicitDeny"
    # a variable with no value in the request matches nothing (not the text "${aws:username}", not everything)
    got = _results(iam, PolicyInputList=[HOME_FOLDER], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/shirley/notes.txt", BUCKET + "/${aws:username}/notes.txt"])
    assert {r["EvalDecision"] for r in got.values()} == {"implicitDeny"}


def test_a_variables_value_is_literal_and_a_default_stands_in_for_no_value(iam):
    # a user name with a * in it does not become a wildcard
    got = _results(iam, PolicyInputList=[HOME_FOLDER], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/s*/a.txt", BUCKET + "/sam/a.txt"], ContextEntries=_username("s*"))
    assert got[("s3:GetObject", BUCKET + "/s*/a.txt")]["EvalDecision"] == "allowed"
    assert got[("s3:GetObject", BUCKET + "/sam/a.txt")]["EvalDecision"] == "implicitDeny"
    shared = _doc({"Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": BUCKET + "/${aws:username, 'public'}/*"})
    got = _results(iam, PolicyInputList=[shared], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/public/a.txt", BUCKET + "/shirley/a.txt"])
    assert got[("s3:GetObject", BUCKET + "/public/a.txt")]["EvalDecision"] == "allowed"
    assert got[("s3:GetObject", BUCKET + "/shirley/a.txt")]["EvalDecision"] == "implicitDeny"
    literal = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET + "/${*}/a.txt"})
    got = _results(iam, PolicyInputList=[literal], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/*/a.txt", BUCKET + "/x/a.txt"])
    assert got[("s3:GetObject", BUCKET + "/*/a.txt")]["EvalDecision"] == "allowed"
    assert got[("s3:GetObject", BUCKET + "/x/a.txt")]["EvalDecision"] == "implicitDeny"


def test_variables_need_version_2012_10_17(iam):
    old = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": BUCKET + "/${aws:username}/*"},
               version="2008-10-17")
    got = _results(iam, PolicyInputList=[old], ActionNames=["s3:GetObject"],
                   ResourceArns=[BUCKET + "/shirley/a.txt", BUCKET + "/${aws:username}/a.txt"],
                   ContextEntries=_username("shirley"))
    assert got[("s3:GetObject", BUCKET + "/shirley/a.txt")]["EvalDecision"] == "implicitDeny"
    assert got[("s3:GetObject", BUCKET + "/${aws:username}/a.txt")]["EvalDecision"] == "allowed"


def test_principal_tag_against_resource_tag(iam):
    """Attribute-based access control: a principal may act on resources tagged with its own project
    ("Define permissions based on attributes with ABAC authorization",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html)."""
    abac = _doc({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:ResourceTag/access-project": "${aws:PrincipalTag/access-project}"}}})

    def decide(principal_project, resource_project):
        entries = [{"ContextKeyName": "aws:ResourceTag/access-project", "ContextKeyValues": [resource_project],
                    "ContextKeyType": "string"}]
        if principal_project is not None:
            entries.append({"ContextKeyName": "aws:PrincipalTag/access-project",
                            "ContextKeyValues": [principal_project], "ContextKeyType": "string"})
        [r] = iam.simulate_custom_policy(PolicyInputList=[abac], ActionNames=["secretsmanager:GetSecretValue"],
                                         ContextEntries=entries)["EvaluationResults"]
        return r["EvalDecision"]

    assert decide("peg", "peg") == "allowed"
    assert decide("peg", "pegasus") == "implicitDeny"
    assert decide(None, "peg") == "implicitDeny"     # an untagged principal matches nothing
