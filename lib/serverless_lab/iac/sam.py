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
import datetime
import json
import threading
from collections.abc import Callable
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
# serverless_lab.iac.catalog.SUPPORTED_TYPES.
_FUNCTION_PROPS = {
    "Handler", "Runtime", "CodeUri", "InlineCode", "Description", "MemorySize", "Timeout",
    "Environment", "Events", "Policies", "Role", "Layers", "DeadLetterQueue", "Architectures",
    "EventInvokeConfig", "FunctionName", "Tags", "Tracing", "ReservedConcurrentExecutions",
    "EphemeralStorage", "AutoPublishAlias", "VersionDescription", "DeploymentPreference",
    "LoggingConfig", "PackageType",
}
SUPPORTED: dict[str, set[str]] = {
    "AWS::Serverless::Function": _FUNCTION_PROPS,
    "AWS::Serverless::Api": {"StageName", "Name", "Description", "Cors", "EndpointConfiguration",
                             "Variables", "Tags", "TracingEnabled", "OpenApiVersion", "Auth", "Models",
                             "DefinitionBody", "AccessLogSetting"},
    "AWS::Serverless::HttpApi": {"StageName", "Name", "Description", "CorsConfiguration",
                                 "StageVariables", "Tags", "DefinitionBody", "AccessLogSettings"},
    "AWS::Serverless::StateMachine": {"Definition", "DefinitionUri", "DefinitionSubstitutions", "Policies",
                                      "Role", "Name", "Type", "Events", "Tracing", "Tags",
                                      "RolePath", "PermissionsBoundary"},
    "AWS::Serverless::SimpleTable": {"PrimaryKey", "TableName", "Tags", "ProvisionedThroughput"},
    "AWS::Serverless::LayerVersion": {"ContentUri", "LayerName", "Description",
                                      "CompatibleRuntimes", "CompatibleArchitectures",
                                      "LicenseInfo", "RetentionPolicy"},
}
# Sub-properties: (SAM type, property) → the keys the course honours inside it.
SUPPORTED_NESTED: dict[tuple[str, str], set[str]] = {
    ("AWS::Serverless::Api", "Auth"): {"ApiKeyRequired", "UsagePlan"},
    ("AWS::Serverless::Function", "DeploymentPreference"): {"Type", "Enabled", "Alarms", "Hooks"},
}
# Event source types of AWS::Serverless::Function, with the properties the course honours
# ("EventSource", https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventsource.html).
SUPPORTED_EVENT_PROPS: dict[str, set[str]] = {
    "S3": {"Bucket", "Events", "Filter"},
    "Api": {"Path", "Method", "RestApiId", "Auth", "RequestModel", "RequestParameters"},
    "HttpApi": {"Path", "Method", "ApiId", "PayloadFormatVersion", "TimeoutInMillis"},
    "SQS": {"Queue", "BatchSize", "Enabled", "FilterCriteria", "MaximumBatchingWindowInSeconds",
            "FunctionResponseTypes", "ScalingConfig"},
    "SNS": {"Topic", "FilterPolicy", "FilterPolicyScope", "Region"},
    "DynamoDB": {"Stream", "StartingPosition", "BatchSize", "Enabled", "MaximumBatchingWindowInSeconds",
                 "MaximumRetryAttempts", "BisectBatchOnFunctionError", "MaximumRecordAgeInSeconds",
                 "DestinationConfig", "FunctionResponseTypes", "FilterCriteria", "ParallelizationFactor"},
    "Schedule": {"Schedule", "Input", "Enabled", "State", "Name", "Description", "DeadLetterConfig",
                 "RetryPolicy"},
    "ScheduleV2": {"ScheduleExpression", "ScheduleExpressionTimezone", "Input", "State", "Name",
                   "Description", "DeadLetterConfig", "RetryPolicy", "FlexibleTimeWindow", "GroupName",
                   "StartDate", "EndDate", "RoleArn", "OmitName"},
}
# Event sources of AWS::Serverless::StateMachine (each starts an execution)
SUPPORTED_STATE_MACHINE_EVENT_PROPS: dict[str, set[str]] = {
    "Schedule": {"Schedule", "Input", "Enabled", "State", "Name", "Description", "DeadLetterConfig",
                 "RetryPolicy"},
    "ScheduleV2": SUPPORTED_EVENT_PROPS["ScheduleV2"],
    "EventBridgeRule": {"Pattern", "EventBusName", "Input", "InputPath", "RuleName", "State",
                        "DeadLetterConfig", "RetryPolicy"},
}
SUPPORTED_EVENT_NESTED: dict[tuple[str, str], set[str]] = {
    ("Api", "Auth"): {"ApiKeyRequired"},
    ("Api", "RequestModel"): {"Model", "Required", "ValidateBody", "ValidateParameters"},
}
SUPPORTED_EVENTS = set(SUPPORTED_EVENT_PROPS)
# DeploymentPreference types the course honours: AllAtOnce moves the alias to the new version at
# once; the predefined canary and linear types (the SAM translator's list,
# samtranslator/model/preferences/deployment_preference_collection.py) shift it on the lab clock,
# roll back on an alarm and run the hooks (iac/traffic.py). A custom CodeDeploy configuration is refused.
DEPLOYMENT_TYPES = {"AllAtOnce", "Canary10Percent5Minutes", "Canary10Percent10Minutes", "Canary10Percent15Minutes",
                    "Canary10Percent30Minutes", "Linear10PercentEvery1Minute", "Linear10PercentEvery2Minutes",
                    "Linear10PercentEvery3Minutes", "Linear10PercentEvery10Minutes"}
DEPLOYMENT_HOOKS = {"PreTraffic", "PostTraffic"}


class TemplateError(LabError):
    """The template asks for something the course's mocked CloudFormation does not do."""


def has_sam_transform(template: dict[str, Any]) -> bool:
    transform = template.get("Transform") if isinstance(template, dict) else None
    if isinstance(transform, str):
        return transform == SAM_TRANSFORM
    return isinstance(transform, list) and SAM_TRANSFORM in transform


def load(text: str) -> dict[str, Any]:
    """Parse a template (YAML with CloudFormation's short tags such as ``!Ref``, or JSON).

    YAML reads an unquoted ``AWSTemplateFormatVersion: 2010-09-09`` (or any unquoted date) as
    a date; CloudFormation reads it as the text it is, and so does the course (:func:`normalise`).
    Short forms (``!GetAtt A.Arn``, ``!GetAtt [A, Arn]``, ``!Sub [..., {...}]``, ``!If``,
    ``!Condition``, ``!Transform``...) become their full ``Fn::`` forms, as in "Intrinsic function
    reference" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html).
    """
    from samtranslator.yaml_helper import yaml_parse

    text = text.strip()
    if not text:
        raise TemplateError("The template is empty.", "Pass the text of a CloudFormation or SAM template.")
    try:
        parsed = json.loads(text) if text.startswith("{") else yaml_parse(text)
    except ValueError as exc:
        raise TemplateError(f"Template format error: {exc}", "Fix the JSON of the template.") from None
    except Exception as exc:  # noqa: BLE001 - yaml's ScannerError / ParserError / ConstructorError
        if type(exc).__module__.startswith("yaml"):
            raise TemplateError(f"Template format error: YAML not well-formed. {exc}",
                                "Fix the YAML of the template (indentation, quotes, colons).") from None
        raise
    if not isinstance(parsed, dict):
        raise TemplateError("Template format error: the template is not a mapping.",
                            "A template is a YAML or JSON object with a Resources section.")
    return normalise(parsed)


def normalise(value: Any) -> Any:
    """Dates and times that YAML read from unquoted text back to that text (as CloudFormation)."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


INCLUDE = "AWS::Include"


def _include_location(spec: Any) -> str | None:
    if isinstance(spec, dict) and spec.get("Name") == INCLUDE:
        location = (spec.get("Parameters") or {}).get("Location")
        if not isinstance(location, str) or not location.startswith("s3://"):
            raise TemplateError(
                f"AWS::Include needs Parameters: {{Location: s3://bucket/key}}; found {location!r}.",
                "Upload the snippet to S3 (serverless_lab.iac.deploy does it for a local file) and "
                "name it with an s3:// URI.")
        return location
    return None


def expand_includes(template: dict[str, Any], read: Callable[[str], str]) -> dict[str, Any]:
    """Insert every ``AWS::Include`` snippet, as CloudFormation does before the SAM transform.

    ``Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://...}}`` anywhere but in
    Parameters is replaced by the snippet (a key ``Fn::Transform`` inside a mapping merges the
    snippet's keys into that mapping), and ``Transform: {Name: AWS::Include, ...}`` at the top
    merges the snippet into the template ("AWS::Include transform",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/transform-aws-include.html).
    ``read`` returns the text of an ``s3://`` location.
    """
    def snippet(location: str) -> Any:
        return normalise(load(read(location)))

    def walk(value: Any, depth: int = 0) -> Any:
        if depth > 20:
            raise TemplateError("AWS::Include snippets include each other too deeply.",
                                "An included snippet must not include itself.")
        if isinstance(value, dict):
            spec = value.get("Fn::Transform")
            location = _include_location(spec)
            if location is not None:
                included = walk(snippet(location), depth + 1)
                rest = {k: walk(v, depth) for k, v in value.items() if k != "Fn::Transform"}
                if not rest:
                    return included
                if not isinstance(included, dict):
                    raise TemplateError(f"The AWS::Include snippet {location} is not a mapping, so it "
                                        "cannot be merged beside other keys.",
                                        "Make the snippet a YAML mapping, or give it a key of its own.")
                return {**rest, **included}
            return {k: (v if k == "Parameters" and depth == 0 else walk(v, depth)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, depth) for v in value]
        return value

    out = walk(template)
    transform = out.get("Transform")
    specs = transform if isinstance(transform, list) else [transform]
    kept = []
    for spec in specs:
        location = _include_location(spec)
        if location is None:
            kept.append(spec)
            continue
        included = walk(snippet(location), 1)
        if not isinstance(included, dict):
            raise TemplateError(f"The AWS::Include snippet {location} is not a mapping.",
                                "A top-level include holds template sections (Resources:, Outputs:...).")
        for section, body in included.items():
            if isinstance(body, dict) and isinstance(out.get(section), dict):
                out[section] = {**out[section], **body}
            else:
                out[section] = body
    if transform is not None:
        kept = [k for k in kept if k is not None]
        if not kept:
            out.pop("Transform", None)
        else:
            out["Transform"] = kept if isinstance(transform, list) else kept[0]
    return out


def has_include(template: Any) -> bool:
    """Whether the template uses ``AWS::Include`` anywhere."""
    def named(spec: Any) -> bool:
        return isinstance(spec, dict) and spec.get("Name") == INCLUDE

    if isinstance(template, dict):
        return any(named(v) or (isinstance(v, list) and any(named(i) for i in v))
                   for k, v in template.items() if k in ("Fn::Transform", "Transform")) \
            or any(has_include(v) for v in template.values())
    if isinstance(template, list):
        return any(has_include(v) for v in template)
    return False


def _supported_list(items: set[str]) -> str:
    return ", ".join(sorted(items))


def _unsupported(where: str, prop: str, supported: set[str]) -> TemplateError:
    return TemplateError(
        f"{where} uses the property {prop!r}, which the course's mocked CloudFormation does not support.",
        f"Supported: {_supported_list(supported)}.")


def _check_nested(where: str, value: Any, supported: set[str], prop: str) -> None:
    if isinstance(value, dict):
        unknown = sorted(set(value) - supported)
        if unknown:
            raise _unsupported(where, f"{prop}.{unknown[0]}", supported)


def _check_function(logical_id: str, props: dict[str, Any]) -> None:
    kind = "AWS::Serverless::Function"
    where = f"Resource {logical_id} ({kind})"
    for (rtype, prop), allowed in SUPPORTED_NESTED.items():
        if rtype == kind and prop in props:
            _check_nested(where, props[prop], allowed, prop)
    preference = props.get("DeploymentPreference")
    if isinstance(preference, dict) and preference.get("Enabled", True) not in (False, "false"):
        if preference.get("Type") not in DEPLOYMENT_TYPES:
            raise TemplateError(
                f"{where} asks for DeploymentPreference Type {preference.get('Type')!r}: the course models "
                "CodeDeploy's predefined Lambda deployment configurations only, not a custom one.",
                f"Supported DeploymentPreference types: {_supported_list(DEPLOYMENT_TYPES)}.")
        _check_nested(where, preference.get("Hooks"), DEPLOYMENT_HOOKS, "DeploymentPreference.Hooks")
        if not props.get("AutoPublishAlias"):
            raise TemplateError(f"{where} has a DeploymentPreference but no AutoPublishAlias.",
                                "A gradual deployment shifts an alias: add AutoPublishAlias: live.")
    _check_events(logical_id, props, SUPPORTED_EVENT_PROPS)


def _check_events(logical_id: str, props: dict[str, Any], supported: dict[str, set[str]]) -> None:
    what = "Function" if supported is SUPPORTED_EVENT_PROPS else "State machine"
    for name, event in (props.get("Events") or {}).items():
        etype = (event or {}).get("Type")
        if etype not in supported:
            raise TemplateError(
                f"{what} {logical_id} has the event {name} of type {etype!r}, which the "
                "course's mocked CloudFormation does not support.",
                f"Supported event types: {_supported_list(set(supported))}.")
        eprops = (event or {}).get("Properties") or {}
        allowed = supported[etype]
        unknown = sorted(set(eprops) - allowed)
        if unknown:
            raise _unsupported(f"{what} {logical_id}, event {name} ({etype})", unknown[0], allowed)
        for (source, prop), nested in SUPPORTED_EVENT_NESTED.items():
            if source == etype and prop in eprops:
                _check_nested(f"Function {logical_id}, event {name} ({etype})", eprops[prop], nested, prop)


def check(template: dict[str, Any]) -> None:
    """Refuse what the course does not support, naming the resource and the property."""
    from .catalog import SUPPORTED_TYPES

    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("The template has no Resources section.",
                            "A SAM template declares its functions, tables and APIs under Resources:.")
    globals_ = template.get("Globals") or {}
    for logical_id, resource in resources.items():
        kind = (resource or {}).get("Type", "")
        props = (resource or {}).get("Properties") or {}
        section = kind.rsplit("::", 1)[-1] if kind.startswith("AWS::Serverless::") else ""
        if isinstance(globals_.get(section), dict):  # what the translator merges in from Globals
            props = {**globals_[section], **props}
        if kind in SUPPORTED:
            unknown = sorted(set(props) - SUPPORTED[kind])
            if unknown:
                raise TemplateError(
                    f"Resource {logical_id} ({kind}) uses the property {unknown[0]!r}, which the course's "
                    f"mocked CloudFormation does not support.",
                    f"Supported properties of {kind}: {_supported_list(SUPPORTED[kind])}.")
            if kind == "AWS::Serverless::Function":
                _check_function(logical_id, props)
            if kind == "AWS::Serverless::StateMachine":
                _check_events(logical_id, props, SUPPORTED_STATE_MACHINE_EVENT_PROPS)
            for (rtype, prop), allowed in SUPPORTED_NESTED.items():
                if rtype == kind and kind != "AWS::Serverless::Function" and prop in props:
                    _check_nested(f"Resource {logical_id} ({kind})", props[prop], allowed, prop)
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


def check_plain(template: dict[str, Any]) -> None:
    """A template without the SAM transform: refuse a type moto would skip without a word."""
    from .catalog import SUPPORTED_TYPES, moto_models

    for logical_id, resource in (template.get("Resources") or {}).items():
        kind = (resource or {}).get("Type", "") if isinstance(resource, dict) else ""
        if kind in SUPPORTED_TYPES or kind.startswith("Custom::") or moto_models(kind):
            continue
        raise TemplateError(
            f"Resource {logical_id} has the type {kind or '(none)'}, which the course's mocked "
            "CloudFormation does not support.",
            f"Supported types: {_supported_list(set(SUPPORTED) | set(SUPPORTED_TYPES))}.")


def _take_deployment_preferences(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Remove every DeploymentPreference (the translator would emit CodeDeploy resources moto cannot
    run); return the gradual ones by function logical id, for :func:`_put_deployment_preferences`."""
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    shared = globals_fn.pop("DeploymentPreference", None)
    out: dict[str, dict[str, Any]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        props = (resource or {}).get("Properties") or {}
        if (resource or {}).get("Type") != "AWS::Serverless::Function":
            continue
        preference = props.pop("DeploymentPreference", None) or shared
        if isinstance(preference, dict) and preference.get("Enabled", True) not in (False, "false") \
                and preference.get("Type") != "AllAtOnce" and props.get("AutoPublishAlias"):
            out[logical_id] = {k: v for k, v in preference.items() if k in ("Type", "Alarms", "Hooks")}
    return out


def _put_deployment_preferences(out: dict[str, Any], preferences: dict[str, dict[str, Any]]) -> None:
    """Hand each function's gradual DeploymentPreference to its alias (``AWS::Lambda::Alias``), where
    the course's Alias resource starts the traffic shift on an update (iac/traffic.py). Hooks name
    functions by logical id (or ``!Ref``): they become ``Ref``s, resolved to function names."""
    resources = out.get("Resources") or {}
    for resource in resources.values():
        if resource.get("Type") != "AWS::Lambda::Alias":
            continue
        target = (resource.get("Properties") or {}).get("FunctionName")
        fn = target.get("Ref") if isinstance(target, dict) else None
        if fn in preferences:
            preference = copy.deepcopy(preferences[fn])
            hooks = preference.get("Hooks") or {}
            for hook, value in hooks.items():
                if isinstance(value, str) and value in resources:
                    hooks[hook] = {"Ref": value}
            resource["Properties"]["DeploymentPreference"] = preference


_TRANSLATED: dict[str, dict[str, Any]] = {}  # the last few translations, by their input
_TRANSLATED_MAX = 16
_TRANSLATED_LOCK = threading.Lock()


def translate(template: dict[str, Any], parameters: dict[str, Any] | None = None, *,
              region: str = "us-east-1") -> dict[str, Any]:
    """Expand ``Transform: AWS::Serverless-2016-10-31`` as CloudFormation does (a new dict).

    The same template, parameters and region give the same expansion: moto parses a stack's
    template again to compare it with an update's, so the last few results are kept (copies are
    returned, never the kept dict).
    """
    key = json.dumps([template, parameters or {}, region], sort_keys=True, default=str)
    with _TRANSLATED_LOCK:
        kept = _TRANSLATED.get(key)
    if kept is not None:
        return copy.deepcopy(kept)
    out = _translate(template, parameters, region)
    with _TRANSLATED_LOCK:
        while len(_TRANSLATED) >= _TRANSLATED_MAX:
            _TRANSLATED.pop(next(iter(_TRANSLATED)))
        _TRANSLATED[key] = copy.deepcopy(out)
    return out


def _translate(template: dict[str, Any], parameters: dict[str, Any] | None, region: str) -> dict[str, Any]:
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
        source = copy.deepcopy(template)
        preferences = _take_deployment_preferences(source)
        out = translator.translate(source, dict(parameters or {}))
        _put_deployment_preferences(out, preferences)
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
