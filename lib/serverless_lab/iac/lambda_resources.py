"""``AWS::Lambda::Version`` and ``AWS::Lambda::Alias``: what SAM's ``AutoPublishAlias`` generates.

With ``AutoPublishAlias: live`` the SAM translator adds a version whose logical id carries a
hash of the code (a new version is published when the code changes) and an alias pointing at
it; event sources, permissions and API integrations then name the alias ARN ("AutoPublishAlias",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-autopublishalias).
moto's CloudFormation publishes a version without its description and has no alias at all;
these classes go through moto's Lambda backend, so ``get_alias``, ``list_versions_by_function``
and invoking ``function:live`` answer as the API calls would have.
"""

from __future__ import annotations

from typing import Any

from .resources import _Resource


def _backend(account_id: str, region: str) -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[account_id][region]


def _function_name(ref: str) -> str:
    """A function name, or the name inside a (possibly qualified) function ARN."""
    if ref.startswith("arn:"):
        parts = ref.split(":")
        return parts[6]
    return ref


class Version(_Resource):
    """``AWS::Lambda::Version``: ``Ref`` is the version ARN; ``GetAtt Version`` its number."""

    version: str
    function_name: str
    function_arn: str

    ATTRS = {"Version": "version", "FunctionArn": "function_arn"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        name = _function_name(props["FunctionName"])
        published = _backend(account_id, region_name).publish_version(name, props.get("Description") or "")
        out = cls(published.function_arn, account_id, region_name)
        out.version = str(published.version)
        out.function_name = name
        out.function_arn = published.function_arn.rsplit(":", 1)[0]
        return out

    def delete(self, account_id: str, region: str) -> None:
        """A deleted stack deletes its versions (SAM marks them Retain, kept until the function goes)."""
        backend = _backend(account_id, region)
        from moto.awslambda.exceptions import UnknownFunctionException

        try:
            backend.delete_function(self.function_name, self.version)
        except UnknownFunctionException:
            pass  # the function went first: its versions went with it


class Alias(_Resource):
    """``AWS::Lambda::Alias``: ``Ref`` is the alias ARN; an update moves it to the new version (gradually
    with a SAM ``DeploymentPreference``: ``iac.traffic``)."""

    function_name: str
    name: str
    stack_name: str | None = None
    logical_id: str | None = None

    ATTRS = {"AliasArn": "physical_resource_id"}

    @property
    def function_logical_id(self) -> str | None:
        """SAM names the alias ``<Function>Alias<name>``: the function's logical id."""
        suffix = f"Alias{self.name}"
        if self.logical_id and self.logical_id.endswith(suffix):
            return self.logical_id[: -len(suffix)]
        return None

    @staticmethod
    def _routing(props: dict[str, Any]) -> dict[str, Any] | None:
        weights = (props.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or []
        if not weights:
            return None
        return {"AdditionalVersionWeights": {str(w["FunctionVersion"]): float(w["FunctionWeight"])
                                             for w in weights}}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        preference = props.pop("DeploymentPreference", None)   # the first version is not a deployment
        name = _function_name(props["FunctionName"])
        alias = _backend(account_id, region_name).create_alias(
            name=props["Name"], function_name=name, function_version=str(props["FunctionVersion"]),
            description=props.get("Description") or "", routing_config=cls._routing(props))
        out = cls(alias.arn, account_id, region_name)
        out.function_name, out.name = name, props["Name"]
        from .codedeploy import ensure_group, stack_name_of

        out.stack_name, out.logical_id = stack_name_of(kwargs.get("StackId")), kwargs.get("LogicalId")
        if preference and out.stack_name and out.function_logical_id:
            # SAM creates the CodeDeploy application and the function's deployment group with the stack
            ensure_group(out.stack_name, out.function_logical_id, preference, account_id, region_name)
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        props = cloudformation_json["Properties"]
        if props["Name"] != original_resource.name or \
                _function_name(props["FunctionName"]) != original_resource.function_name:
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        preference = props.pop("DeploymentPreference", None)
        backend = _backend(account_id, region_name)
        old_version = str(backend.get_alias(props["Name"], original_resource.function_name).function_version)
        if preference and str(props["FunctionVersion"]) != old_version:
            # a gradual deployment: the alias stays on the old version and shifts on the lab clock
            from .traffic import start

            start(original_resource.function_name, props["Name"], old_version, str(props["FunctionVersion"]),
                  preference, account_id, region_name, stack_name=original_resource.stack_name,
                  function_logical_id=original_resource.function_logical_id)
            return original_resource
        if preference and original_resource.stack_name and original_resource.function_logical_id:
            from .codedeploy import ensure_group  # the group follows the preference (its alarms, its type)

            ensure_group(original_resource.stack_name, original_resource.function_logical_id, preference,
                         account_id, region_name)
        backend.update_alias(
            name=props["Name"], function_name=original_resource.function_name,
            function_version=str(props["FunctionVersion"]), description=props.get("Description") or "",
            routing_config=cls._routing(props))
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        from moto.awslambda.exceptions import UnknownFunctionException

        if self.stack_name and self.function_logical_id:
            from .codedeploy import delete_group

            delete_group(self.stack_name, self.function_logical_id, account_id, region)
        try:
            _backend(account_id, region).delete_alias(self.name, self.function_name)
        except UnknownFunctionException:
            pass  # the function went first: its aliases went with it


__all__ = ["Version", "Alias"]
