"""Deployment packages and roles, the two chores before every `create_function`.

On AWS you zip your code (`zip function.zip lambda_function.py`) and give the function an IAM
execution role. Labs do the same in a cell: :func:`zip_code` builds the zip in memory and
:func:`lambda_role` creates (once) a role Lambda can assume.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Mapping
from typing import Any

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}


def zip_code(source: str | Mapping[str, str | bytes], filename: str = "lambda_function.py") -> bytes:
    """A zip deployment package: one source string (as ``filename``) or {path: content}.

    Source text is dedented, so a lab can write the handler as an indented triple-quoted string.
    """
    files = {filename: source} if isinstance(source, str) else dict(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, content in files.items():
            data = content if isinstance(content, bytes) else textwrap.dedent(content).lstrip("\n")
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def lambda_role(iam: Any = None, name: str = "serverless-lab-lambda-role") -> str:
    """ARN of an execution role Lambda can assume, created on first use (idempotent)."""
    if iam is None:
        import boto3

        iam = boto3.client("iam", region_name="us-east-1")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                               Description="Execution role for Serverless Labs functions")
        # What AWS's managed AWSLambdaBasicExecutionRole grants, inline (moto does not load
        # AWS-managed policies unless asked to).
        iam.put_role_policy(RoleName=name, PolicyName="basic-execution", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
                "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
        }))
        return role["Role"]["Arn"]
