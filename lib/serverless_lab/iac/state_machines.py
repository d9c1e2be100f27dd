"""``AWS::StepFunctions::StateMachine`` as CloudFormation builds it (what SAM's StateMachine generates).

moto's CloudFormation reads only ``DefinitionString`` (no ``Definition`` object, no
``DefinitionS3Location``, no ``DefinitionSubstitutions``, no ``StateMachineType``) and creates the
machine in the backend that does not run executions when the course runs them in moto's
interpreter. This class builds the machine where ``StartExecution`` finds it, with the definition
CloudFormation would pass: ``${key}`` placeholders replaced by ``DefinitionSubstitutions``
("AWS::StepFunctions::StateMachine",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html).
"""

from __future__ import annotations

import json
from typing import Any

from .resources import _Resource


def _backend(account_id: str, region: str) -> Any:
    from moto.stepfunctions.responses import get_backend

    return get_backend(account_id, region)


def _read_s3(location: dict[str, Any], account_id: str) -> str:
    from moto.s3.models import s3_backends

    key = s3_backends[account_id]["aws"].get_object(location["Bucket"], location["Key"])
    return key.value.decode("utf-8")


def definition(props: dict[str, Any], account_id: str) -> str:
    """The definition text, with ``DefinitionSubstitutions`` applied."""
    if props.get("Definition") is not None:
        text = json.dumps(props["Definition"])
    elif props.get("DefinitionS3Location"):
        text = _read_s3(props["DefinitionS3Location"], account_id)
    else:
        text = props.get("DefinitionString") or ""
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        replacement = value if isinstance(value, str) else json.dumps(value)
        text = text.replace("${" + key + "}", replacement)
    if text.lstrip().startswith("{"):
        return text
    # a YAML DefinitionS3Location (SAM's DefinitionUri may name a .yaml file)
    from .sam import load

    return json.dumps(load(text))


def _lower(value: Any) -> Any:
    if isinstance(value, dict):
        return {k[0].lower() + k[1:]: _lower(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower(v) for v in value]
    return value


class StateMachine(_Resource):
    """``AWS::StepFunctions::StateMachine``: ``Ref`` is the ARN; ``GetAtt Name`` / ``Arn``."""

    ATTRS = {"Arn": "physical_resource_id", "Name": "name", "StateMachineRevisionId": "revision"}
    name: str
    revision: str

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        name = props.get("StateMachineName") or resource_name
        tags = [{"key": t["Key"], "value": t["Value"]} for t in props.get("Tags") or []]
        machine = _backend(account_id, region_name).create_state_machine(
            name=name, definition=definition(props, account_id), roleArn=props["RoleArn"], tags=tags,
            loggingConfiguration=_lower(props.get("LoggingConfiguration")) or None,
            tracingConfiguration=_lower(props.get("TracingConfiguration")) or None,
            sm_type=props.get("StateMachineType") or "STANDARD")
        out = cls(machine.arn, account_id, region_name)
        out.name, out.revision = name, getattr(machine, "revision_id", "") or ""
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same name and type: UpdateStateMachine (no interruption); else a replacement."""
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        machine = backend.describe_state_machine(original_resource.physical_resource_id)
        name = props.get("StateMachineName") or original_resource.name
        kind = props.get("StateMachineType") or "STANDARD"
        if name != original_resource.name or kind != getattr(machine, "type", kind):
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        backend.update_state_machine(original_resource.physical_resource_id,
                                     definition=definition(props, account_id), role_arn=props["RoleArn"])
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        _backend(account_id, region).delete_state_machine(self.physical_resource_id)


__all__ = ["StateMachine", "definition"]
