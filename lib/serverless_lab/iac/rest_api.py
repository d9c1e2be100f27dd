"""REST API resources a SAM ``Api`` with ``Auth`` and ``Models`` generates (or a template declares).

moto's CloudFormation skips ``AWS::ApiGateway::UsagePlan``, ``ApiKey``, ``UsagePlanKey``,
``Model`` and ``RequestValidator``. Each class here calls moto's API Gateway backend, so the
course's gateway (``serverless_lab.integrations``) enforces them as it does for API calls: a
method with ``apiKeyRequired`` answers 403 without a key of a plan on its stage, the plan's
throttle and quota answer 429, a validator answers 400 ("Usage plans and API keys",
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html;
"Request validation", https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html).
"""

from __future__ import annotations

import json
from typing import Any

from .resources import _Resource


def _backend(account_id: str, region: str) -> Any:
    from moto.apigateway.models import apigateway_backends

    return apigateway_backends[account_id][region]


def _camel(value: Any) -> Any:
    """CloudFormation's PascalCase keys → API Gateway's camelCase (Throttle.BurstLimit → throttle.burstLimit)."""
    if isinstance(value, dict):
        return {(k[0].lower() + k[1:] if k and k[0].isupper() else k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _tags(props: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in props.get("Tags") or []}


class UsagePlan(_Resource):
    """``AWS::ApiGateway::UsagePlan``: ``Ref`` is the plan id."""

    ATTRS = {"Id": "physical_resource_id"}

    @staticmethod
    def _payload(props: dict[str, Any], name: str) -> dict[str, Any]:
        stages = []
        for stage in props.get("ApiStages") or []:
            entry: dict[str, Any] = {"apiId": stage["ApiId"], "stage": stage["Stage"]}
            if stage.get("Throttle"):
                entry["throttle"] = {path: _camel(t) for path, t in stage["Throttle"].items()}
            stages.append(entry)
        return {"name": props.get("UsagePlanName") or name, "description": props.get("Description"),
                "apiStages": stages, "throttle": _camel(props.get("Throttle") or {}),
                "quota": _camel(props.get("Quota") or {}), "tags": _tags(props)}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        plan = _backend(account_id, region_name).create_usage_plan(cls._payload(props, resource_name))
        return cls(plan.id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same plan id (its keys stay attached); limits and stages replaced."""
        props = cloudformation_json.get("Properties") or {}
        plan = _backend(account_id, region_name).usage_plans[original_resource.physical_resource_id]
        payload = cls._payload(props, plan.name)
        plan.name, plan.description = payload["name"], payload["description"]
        plan.api_stages, plan.throttle, plan.quota = payload["apiStages"], payload["throttle"], payload["quota"]
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        backend.usage_plans.pop(self.physical_resource_id, None)
        backend.usage_plan_keys.pop(self.physical_resource_id, None)


class ApiKey(_Resource):
    """``AWS::ApiGateway::ApiKey``: ``Ref`` is the key id; ``GetAtt APIKeyId`` too."""

    ATTRS = {"APIKeyId": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json.get("Properties") or {}
        payload = {"name": props.get("Name") or resource_name, "description": props.get("Description"),
                   "enabled": bool(props.get("Enabled", False)), "value": props.get("Value"),
                   "stageKeys": [{"restApiId": s.get("RestApiId"), "stageName": s.get("StageName")}
                                 for s in props.get("StageKeys") or []],
                   "generateDistinctId": bool(props.get("GenerateDistinctId", False)),
                   "customerId": props.get("CustomerId"), "tags": _tags(props)}
        key = _backend(account_id, region_name).create_api_key(payload)
        return cls(key.id, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        props = cloudformation_json.get("Properties") or {}
        key = _backend(account_id, region_name).keys[original_resource.physical_resource_id]
        if props.get("Value") and props["Value"] != key.value:  # a new value replaces the key
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        key.enabled = bool(props.get("Enabled", False))
        key.description = props.get("Description")
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        backend.keys.pop(self.physical_resource_id, None)
        for keys in backend.usage_plan_keys.values():
            keys.pop(self.physical_resource_id, None)


class UsagePlanKey(_Resource):
    """``AWS::ApiGateway::UsagePlanKey``: attaches a key to a plan."""

    plan_id: str
    key_id: str

    ATTRS = {"Id": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        _backend(account_id, region_name).create_usage_plan_key(
            props["UsagePlanId"], {"keyId": props["KeyId"], "keyType": props.get("KeyType", "API_KEY")})
        out = cls(f"{props['KeyId']}:{props['UsagePlanId']}", account_id, region_name)
        out.plan_id, out.key_id = props["UsagePlanId"], props["KeyId"]
        return out

    def delete(self, account_id: str, region: str) -> None:
        keys = _backend(account_id, region).usage_plan_keys.get(self.plan_id) or {}
        keys.pop(self.key_id, None)


class Model(_Resource):
    """``AWS::ApiGateway::Model``: a JSON Schema (draft 4) a validator checks bodies against."""

    api_id: str

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        schema = props.get("Schema") or {}
        name = props.get("Name") or resource_name.replace("-", "")
        _backend(account_id, region_name).create_model(
            props["RestApiId"], name, props.get("ContentType") or "application/json",
            props.get("Description") or "", schema if isinstance(schema, str) else json.dumps(schema))
        out = cls(name, account_id, region_name)
        out.api_id = props["RestApiId"]
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(original_resource.physical_resource_id, cloudformation_json,
                                                   account_id, region_name)

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        if self.api_id in backend.apis:
            backend.apis[self.api_id].models.pop(self.physical_resource_id, None)


class RequestValidator(_Resource):
    """``AWS::ApiGateway::RequestValidator``: ``Ref`` is the validator id (``RequestValidatorId``)."""

    api_id: str

    ATTRS = {"RequestValidatorId": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        validator = _backend(account_id, region_name).create_request_validator(
            props["RestApiId"], props.get("Name") or resource_name,
            bool(props.get("ValidateRequestBody", False)), bool(props.get("ValidateRequestParameters", False)))
        out = cls(validator.id, account_id, region_name)
        out.api_id = props["RestApiId"]
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        validator = backend.apis[original_resource.api_id].request_validators[original_resource.physical_resource_id]
        validator.validate_request_body = bool(props.get("ValidateRequestBody", False))
        validator.validate_request_parameters = bool(props.get("ValidateRequestParameters", False))
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        if self.api_id in backend.apis:
            backend.apis[self.api_id].request_validators.pop(self.physical_resource_id, None)




class Resource(_Resource):
    """``AWS::ApiGateway::Resource``: ``Ref`` is the resource id."""

    ATTRS = {"ResourceId": "physical_resource_id"}
    api_id: str

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        created = _backend(account_id, region_name).create_resource(props["RestApiId"], props["ParentId"],
                                                                    props["PathPart"])
        out = cls(created.id, account_id, region_name)
        out.api_id = props["RestApiId"]
        return out

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        if self.api_id in backend.apis:
            backend.apis[self.api_id].resources.pop(self.physical_resource_id, None)


class Method(_Resource):
    """``AWS::ApiGateway::Method`` with its integration, integration responses and method responses.

    moto's own keeps only the integration's type, URI and method (no request templates, credentials,
    integration responses, validators or models), so a non-proxy integration could not answer.
    """

    api_id: str
    resource_id: str
    http_method: str

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        api_id, resource_id, method = props["RestApiId"], props["ResourceId"], props["HttpMethod"].upper()
        backend.put_method(api_id, resource_id, method, props.get("AuthorizationType", "NONE"),
                           api_key_required=bool(props.get("ApiKeyRequired", False)),
                           request_parameters=props.get("RequestParameters"),
                           request_models=props.get("RequestModels"), operation_name=props.get("OperationName"),
                           authorizer_id=props.get("AuthorizerId"),
                           request_validator_id=props.get("RequestValidatorId"))
        for response in props.get("MethodResponses") or []:
            backend.put_method_response(api_id, resource_id, method, str(response["StatusCode"]),
                                        response.get("ResponseModels"), response.get("ResponseParameters"))
        integration = props.get("Integration") or {}
        if integration:
            backend.put_integration(
                api_id, resource_id, method, integration["Type"].upper(), integration.get("Uri"),
                integration.get("IntegrationHttpMethod"), credentials=integration.get("Credentials"),
                request_templates=integration.get("RequestTemplates"),
                passthrough_behavior=integration.get("PassthroughBehavior"),
                request_parameters=integration.get("RequestParameters"),
                timeout_in_millis=integration.get("TimeoutInMillis"))
            for response in integration.get("IntegrationResponses") or []:
                backend.put_integration_response(
                    api_id, resource_id, method, str(response["StatusCode"]), response.get("SelectionPattern"),
                    response.get("ResponseTemplates") or {}, response.get("ResponseParameters") or {})
        out = cls(f"{api_id}-{resource_id}-{method}", account_id, region_name)
        out.api_id, out.resource_id, out.http_method = api_id, resource_id, method
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region: str) -> None:
        backend = _backend(account_id, region)
        api = backend.apis.get(self.api_id)
        resource = api.resources.get(self.resource_id) if api is not None else None
        if resource is not None:
            resource.resource_methods.pop(self.http_method, None)


__all__ = ["UsagePlan", "ApiKey", "UsagePlanKey", "Model", "RequestValidator", "Resource", "Method"]
