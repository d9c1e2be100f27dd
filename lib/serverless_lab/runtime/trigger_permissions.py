"""Permissions checked where AWS checks them: when a trigger is configured, not when it fires.

Amazon S3 validates every destination of ``PutBucketNotificationConfiguration`` when the
configuration is written: a Lambda function whose resource-based policy does not let
``s3.amazonaws.com`` invoke it (for this bucket and account) makes the whole request fail with
``InvalidArgument: Unable to validate the following destination configurations`` and nothing is
saved (Amazon S3 User Guide, "Granting permissions to invoke an AWS Lambda function",
https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html,
and "Troubleshooting": "Unable to validate the following destination configurations").
moto stores any such configuration and later fires it, so a lab that forgets
``lambda.add_permission(Principal="s3.amazonaws.com", ...)`` would pass locally and fail on AWS.

The check is on unless the session opts out with ``mock_aws(enforce_lambda_permissions=False)``.
It is installed with the local Lambda runtime (which starts at a session's first Lambda call: a
notification written before any function exists is not checked, and can fire nothing). It runs
on the S3 API (the HTTP face); CloudFormation stacks that write a bucket's notification through
moto's backend directly are not checked here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .service import LambdaRuntime

S3_NOTIFICATION_BODY = seam(
    "moto.s3.responses:S3Response._notification_config_from_body", extension="lambda",
    why="S3 refuses a Lambda destination whose resource policy does not allow s3.amazonaws.com; moto accepts it")

S3_PRINCIPAL = "s3.amazonaws.com"


def unauthorised_destinations(config: dict[str, Any], bucket: str, account_id: str) -> list[tuple[str, str]]:
    """(function ARN, reason) for each Lambda destination S3 could not validate."""
    from moto.awslambda.models import lambda_backends

    from ..arn import function_ref
    from .permissions import allows

    out = []
    for cfg in config.get("CloudFunctionConfiguration") or []:
        arn = cfg.get("CloudFunction", "")
        ref = function_ref(arn)
        try:
            backend = lambda_backends[ref.account or account_id][ref.region or "us-east-1"]
            fn = backend.get_function(ref.name, ref.qualifier)
        except Exception:  # noqa: BLE001 - no such function (or region): S3 cannot validate it
            out.append((arn, f"The destination Lambda function {arn} does not exist"))
            continue
        if not allows(fn, S3_PRINCIPAL, f"arn:aws:s3:::{bucket}", account_id):
            out.append((arn, f"Not authorized to invoke function [{arn}]"))
    return out


def install(rt: LambdaRuntime, patcher: Patcher) -> None:
    """Put the S3 notification check in place for ``rt``'s session."""
    if rt.session.options.get("enforce_lambda_permissions") is False:
        return
    original = S3_NOTIFICATION_BODY.current()

    def _notification_config_from_body(self):
        from moto.s3.exceptions import InvalidArgumentError

        config = original(self)
        bad = unauthorised_destinations(config or {}, self.bucket_name, self.current_account)
        if bad:
            arn, reason = bad[0]
            raise InvalidArgumentError("Unable to validate the following destination configurations", arn, reason)
        return config

    patcher.replace(S3_NOTIFICATION_BODY, _notification_config_from_body)
