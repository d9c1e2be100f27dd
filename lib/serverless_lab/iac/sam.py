"""SAM templates → plain CloudFormation, offline, with AWS's own translator.

``sam deploy`` hands a template with ``Transform: AWS::Serverless-2016-10-31`` to
CloudFormation, which expands it with the AWS SAM translator (the open-source
``aws-sam-translator`` package, https://github.com/aws/serverless-application-model) before it
creates anything. The course runs that same translator in process. Two things differ from AWS:

* the translator needs the ARNs of AWS managed policies a template names (``Policies:
  [AWSLambdaBasicExecutionRole]``); on AWS it lists them from IAM. Here they come from
  :data:`MANAGED_POLICIES`, a small local map: nothing is fetched.
* the course supports the resource types, properties and event sources a serverless app of
  the labs needs (:data:`SUPPORTED`); anything else is refused up front with a message that
  names it, instead of a stack that half works.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from ..errors import LabError

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

# AWS managed policies a SAM app commonly names, ARN by name (IAM User Guide, "AWS managed
# policies for AWS Lambda"; https://docs.aws.amazon.com/lambda/latest/dg/permissions-managed-policies.html).
MANAGED_POLICIES: dict[str, str] = {
    name: f"arn:aws:iam::aws:policy/{path}{name}" for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/",
        "AWSLambdaSQSQueueExecutionRole": "service-role/",
        "AWSLambdaDynamoDBExecutionRole": "service-role/",
        "AWSLambdaVPCAccessExecutionRole": "service-role/",
        "AWSLambdaRole": "service-role/",
        "AWSXRayDaemonWriteAccess": "",
        "AWSXrayWriteOnlyAccess": "",
        "CloudWatchLambdaInsightsExecutionRolePolicy": "",
        "AmazonS3ReadOnlyAccess": "",
        "AmazonS3FullAccess": "",
        "AmazonDynamoDBReadOnlyAccess": "",
        "AmazonDynamoDBFullAccess": "",
        "AmazonSQSFullAccess": "",
        "CloudWatchLogsFullAccess": "",
    }.items()
}

# What the course's mocked CloudFormation builds and makes work, per SAM resource type:
# the properties it accepts (others are refused). Plain CloudFormation types are listed in
# serverless_lab.iac.resources.SUPPORTED_TYPES.
_FUNCTION_PROPS = {
    "Handler", "Runtime", "CodeUri", "InlineCode", "Description", "MemorySize", "Timeout",
    "Environment", "Events", "Policies", "Role", "Layers", "DeadLetterQueue", "Architectures",
    "EventInvokeConfig", "FunctionName", "Tags", "Tracing", "ReservedConcurrentExecutions",
    "EphemeralStorage", "AutoPublishAlias", "LoggingConfig", "PackageType",
}
SUPPORTED: dict[str, set[str]] = {
    "AWS::Serverless::Function": _FUNCTION_PROPS,
    "AWS::Serverless::Api": {"StageName", "Name", "Description", "Cors", "EndpointConfiguration",
                             "Variables", "Tags", "TracingEnabled", "OpenApiVersion"},
    "AWS::Serverless::HttpApi": {"StageName", "Name", "Description", "CorsConfiguration",
                                 "StageVariables", "Tags"},
    "AWS::Serverless::SimpleTable": {"PrimaryKey", "TableName", "Tags", "ProvisionedThroughput"},
    "AWS::Serverless::LayerVersion": {"ContentUri", "LayerName", "Description",
                                      "CompatibleRuntimes", "CompatibleArchitectures",
                                      "LicenseInfo", "RetentionPolicy"},
}
SUPPORTED_EVENTS = {"S3", "Api", "HttpApi", "SQS", "Schedule"}


class TemplateError(LabError):
    """The template asks for something the course's mocked CloudFormation does not do."""


def has_sam_transform(template: dict[str, Any]) -> bool:
    transform = template.get("Transform") if isinstance(template, dict) else None
    if isinstance(transform, str):
        return transform == SAM_TRANSFORM
    return isinstance(transform, list) and SAM_TRANSFORM in transform


def load(text: str) -> dict[str, Any]:
    """Parse a template (YAML with CloudFormation's short tags such as ``!Ref``, or JSON)."""
    from samtranslator.yaml_helper import yaml_parse

    text = text.strip()
    return json.loads(text) if text.startswith("{") else yaml_parse(text)


def _supported_list(items: set[str]) -> str:
    return ", ".join(sorted(items))


def check(template: dict[str, Any]) -> None:
    """Refuse what the course does not support, naming the resource and the property."""
    from .resources import SUPPORTED_TYPES

    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("The template has no Resources section.",
                            "A SAM template declares its functions, tables and APIs under Resources:.")
    for logical_id, resource in resources.items():
        kind = (resource or {}).get("Type", "")
        props = (resource or {}).get("Properties") or {}
        if kind in SUPPORTED:
            unknown = sorted(set(props) - SUPPORTED[kind])
            if unknown:
                raise TemplateError(
                    f"Resource {logical_id} ({kind}) uses the property {unknown[0]!r}, which the course's "
                    f"mocked CloudFormation does not support.",
                    f"Supported properties of {kind}: {_supported_list(SUPPORTED[kind])}.")
            if kind == "AWS::Serverless::Function":
                for name, event in (props.get("Events") or {}).items():
                    etype = (event or {}).get("Type")
                    if etype not in SUPPORTED_EVENTS:
                        raise TemplateError(
                            f"Function {logical_id} has the event {name} of type {etype!r}, which the "
                            "course's mocked CloudFormation does not support.",
                            f"Supported event types: {_supported_list(SUPPORTED_EVENTS)}.")
        elif kind.startswith("AWS::Serverless::"):
            raise TemplateError(
                f"Resource {logical_id} has the type {kind}, which the course's mocked CloudFormation "
                "does not support.",
                f"Supported SAM types: {_supported_list(set(SUPPORTED))}; plain CloudFormation types: "
                f"{_supported_list(set(SUPPORTED_TYPES))}.")
        elif kind not in SUPPORTED_TYPES and not kind.startswith("Custom::") \
                and kind != "AWS::CloudFormation::CustomResource":
            raise TemplateError(
                f"Resource {logical_id} has the type {kind or '(none)'}, which the course's mocked "
                "CloudFormation does not support.",
                f"Supported types: {_supported_list(set(SUPPORTED) | set(SUPPORTED_TYPES))}.")


def translate(template: dict[str, Any], parameters: dict[str, Any] | None = None, *,
              region: str = "us-east-1") -> dict[str, Any]:
    """Expand ``Transform: AWS::Serverless-2016-10-31`` as CloudFormation does (a new dict)."""
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    check(template)
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics

    # the translator counts its own usage metrics; publish them nowhere (else it warns at exit)
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(MANAGED_POLICIES, Parser(), boto_session=boto3.Session(region_name=region),
                            metrics=metrics)
    try:
        out = translator.translate(copy.deepcopy(template), dict(parameters or {}))
    except InvalidDocumentException as exc:
        causes = "; ".join(str(c.message) for c in getattr(exc, "causes", [])) or str(exc)
        hint = ("Fix the resource it names (SAM reference: https://docs.aws.amazon.com/"
                "serverless-application-model/latest/developerguide/sam-specification.html).")
        if "not a valid S3 Uri" in causes:
            hint = ("CloudFormation reads code from S3 only: package the local folders first, as `sam deploy` "
                    "does. In the course: serverless_lab.iac.deploy('template.yaml', stack_name=...).")
        raise TemplateError(f"The SAM translator rejected the template: {causes}", hint) from exc
    finally:
        metrics.publish()
    check(out)
    return out
