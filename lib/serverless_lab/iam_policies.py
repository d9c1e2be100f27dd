"""AWS managed policies in the mocked IAM: the ones Lambda's documentation and the labs attach.

On AWS, ``arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`` and its siblings
exist in every account: ``iam.get_policy`` finds them and ``attach_role_policy`` attaches them
("AWS managed policies for Lambda",
https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html). moto ships
every AWS managed policy's path and document but loads them only with the configuration flag
``iam: load_aws_managed_policies``, and loading all of them (about 1,600) costs seconds for
every account's IAM backend. This extension loads the ones a serverless course names, with
moto's own data (document, path, default version, dates), so each has AWS's ARN and
document. ``mock_aws(config={"iam": {"load_aws_managed_policies": True}})`` still loads every one.

The seam is installed when moto imports ``moto.iam.models`` (before any IAM backend exists).
"""

from __future__ import annotations

import json
from typing import Any

from .cloud.patching import Patcher, seam

INIT_AWS_POLICIES = seam(
    "moto.iam.models:IAMBackend._init_aws_policies", extension="iam", lazy=True,
    why="moto loads no AWS managed policy unless configured to load all of them (seconds per account); "
        "the course loads the managed policies Lambda's documentation and the labs attach")

# By name; moto's data gives each its path (service-role/ or /) and document.
# Lambda's own (permissions-managed-policies.html) ...
LAMBDA_POLICIES = (
    "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess", "AWSLambdaBasicExecutionRole", "AWSLambdaExecute",
    "AWSLambdaRole", "AWSLambdaInvocation-DynamoDB", "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole", "AWSLambdaMSKExecutionRole", "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess", "AWSXRayDaemonWriteAccess",
    "AWSXrayWriteOnlyAccess", "CloudWatchLambdaInsightsExecutionRolePolicy",
)
# ... and what the labs' other services attach (SAM policies, Step Functions, ECS, logs).
COURSE_POLICIES = (
    "AmazonS3ReadOnlyAccess", "AmazonS3FullAccess", "AmazonDynamoDBReadOnlyAccess", "AmazonDynamoDBFullAccess",
    "AmazonSQSFullAccess", "AmazonSNSFullAccess", "AmazonEventBridgeFullAccess", "CloudWatchLogsFullAccess",
    "AmazonECSTaskExecutionRolePolicy", "AWSStepFunctionsFullAccess", "AmazonAPIGatewayPushToCloudWatchLogs",
)
MANAGED_POLICIES = LAMBDA_POLICIES + COURSE_POLICIES

_documents: dict[str, dict] = {}


def policy_data(names: tuple[str, ...] = MANAGED_POLICIES) -> dict[str, dict]:
    """moto's data for ``names`` (read once), without parsing the data of all 1,600 policies."""
    missing = [n for n in names if n not in _documents]
    if missing:
        from moto.iam.aws_managed_policies import aws_managed_policies_data as text

        decoder = json.JSONDecoder()
        for name in missing:
            key = f'"{name}":'
            at = text.find("\n " + key)
            if at < 0:
                continue   # not in this moto's data: left out rather than invented
            _documents[name], _end = decoder.raw_decode(text, at + 2 + len(key))
    return {n: _documents[n] for n in names if n in _documents}


class IAMPoliciesHandle:
    def __init__(self, patcher: Patcher) -> None:
        self._patcher = patcher

    def stop(self) -> None:
        self._patcher.undo()


def activate(session: Any) -> IAMPoliciesHandle:
    """Load the course's AWS managed policies into every IAM backend created while the session runs."""
    patcher = Patcher()

    def install(_module: Any) -> None:
        original = INIT_AWS_POLICIES.current()

        def _init_aws_policies(self):
            from moto.iam.models import AWSManagedPolicy
            from moto.settings import load_iam_aws_managed_policies

            if load_iam_aws_managed_policies():
                return original(self)     # moto loads every one: nothing to add
            return [AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
                    for name, data in policy_data().items()]

        patcher.replace(INIT_AWS_POLICIES, _init_aws_policies)

    patcher.on_import(INIT_AWS_POLICIES.module, install)
    return IAMPoliciesHandle(patcher)
