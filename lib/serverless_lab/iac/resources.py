"""CloudFormation resource types a SAM app needs that moto's CloudFormation lacks or half-builds.

moto 5.2's CloudFormation creates a Lambda function without its layers, dead-letter queue or
architecture, a bucket without its notification or CORS configuration, a REST API without its
OpenAPI ``Body``, and has no ``AWS::ApiGatewayV2::*``, ``AWS::ApiGateway::Stage`` or
``AWS::Lambda::EventInvokeConfig`` at all (it logs "No Moto CloudFormation support" and skips
them). Each class here builds one type through moto's own backends, so what the stack creates
is what the matching API calls would have created: the runtime runs the functions, S3 fires
the trigger, the API answers on its URL. Classes are plain (not moto ``CloudFormationModel``
subclasses) so they exist only while the course's seam is installed.
"""

from __future__ import annotations

import json
from typing import Any


def _moto_class(resource_type: str) -> Any:
    from moto.cloudformation.parsing import get_model_map

    return get_model_map()[resource_type]


class _Resource:
    """What moto's ResourceMap needs from a created resource."""

    cf_resource_type = ""
    logical_resource_id = ""
    ATTRS: dict[str, str] = {}

    def __init__(self, physical_id: str, account_id: str, region: str) -> None:
        self.physical_resource_id = physical_id
        self.account_id = account_id
        self.region = region

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRS

    def get_cfn_attribute(self, attr: str) -> Any:
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attr not in self.ATTRS:
            raise UnformattedGetAttTemplateException()
        return getattr(self, self.ATTRS[attr])

    def is_created(self) -> bool:
        return True

    def delete(self, account_id: str, region: str) -> None:  # pragma: no cover - overridden
        pass

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Replace: create the new resource, then delete the old one (CloudFormation's order)."""
        new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        original_resource.delete(account_id, region_name)
        return new


class _UpdatedInPlace(_Resource):
    """A resource whose name is fixed (a stage, an invoke config): an update deletes, then recreates it."""

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)


# -- Lambda ----------------------------------------------------------------------------------
_FUNCTION_KEYS = ("Code", "Handler", "Role", "Runtime", "Description", "MemorySize", "Timeout",
                  "Environment", "Layers", "DeadLetterConfig", "Architectures", "TracingConfig",
                  "EphemeralStorage", "PackageType", "ImageConfig", "VpcConfig", "LoggingConfig",
                  "KmsKeyArn")


class LambdaFunction:
    """``AWS::Lambda::Function`` with every property moto's create_function keeps."""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return _moto_class("AWS::Lambda::Function").has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.awslambda.models import lambda_backends

        props = cloudformation_json["Properties"]
        spec = {k: props[k] for k in _FUNCTION_KEYS if k in props}
        spec["FunctionName"] = props.get("FunctionName") or resource_name
        inline = spec.get("Code", {}).get("ZipFile")
        if inline is not None:
            spec["Code"] = {"ZipFile": cls._inline_zip(inline)}
        if props.get("Tags"):
            spec["Tags"] = {t["Key"]: t["Value"] for t in props["Tags"]}
        backend = lambda_backends[account_id][region_name]
        fn = backend.create_function(spec)
        if inline is not None:
            fn.lab_inline_code = inline  # what an update compares its new inline code with
        if props.get("ReservedConcurrentExecutions") is not None:
            backend.put_function_concurrency(fn.function_name, str(props["ReservedConcurrentExecutions"]))
        return fn

    @staticmethod
    def _inline_zip(text: str) -> bytes:
        """CloudFormation's inline code (SAM's InlineCode) as index.py, with AWS's cfnresponse module."""
        import base64

        zipped = _moto_class("AWS::Lambda::Function")._create_zipfile_from_plaintext_code(text)
        return base64.b64encode(zipped)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """New code and configuration on the same function (CloudFormation updates in place)."""
        from moto.awslambda.models import lambda_backends

        props = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        name = original_resource.function_name
        code = props.get("Code") or {}
        if "S3Bucket" in code and (code.get("S3Bucket"), code.get("S3Key")) != (
                original_resource.code.get("S3Bucket"), original_resource.code.get("S3Key")):
            backend.update_function_code(name, None, {"S3Bucket": code["S3Bucket"], "S3Key": code["S3Key"]})
        elif "ZipFile" in code and code["ZipFile"] != getattr(original_resource, "lab_inline_code", None):
            zipped = cls._inline_zip(code["ZipFile"])
            backend.update_function_code(name, None, {"ZipFile": zipped})
            backend.get_function(name).lab_inline_code = code["ZipFile"]
        config = {k: props[k] for k in _FUNCTION_KEYS if k in props and k not in ("Code", "PackageType")}
        config.setdefault("Environment", {"Variables": {}})
        config.setdefault("DeadLetterConfig", {})
        config.setdefault("Layers", [])
        backend.update_function_configuration(name, None, config)
        return backend.get_function(name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str) -> None:
        from moto.awslambda.models import lambda_backends

        lambda_backends[account_id][region_name].delete_function(resource_name)


class LayerVersion:
    """``AWS::Lambda::LayerVersion`` whose ``Ref`` is the version ARN (moto returns the object)."""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "LayerVersionArn"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.awslambda.models import lambda_backends

        props = cloudformation_json["Properties"]
        spec = {k: props[k] for k in ("Content", "Description", "CompatibleRuntimes",
                                      "CompatibleArchitectures", "LicenseInfo") if k in props}
        spec["LayerName"] = props.get("LayerName") or resource_name
        layer = lambda_backends[account_id][region_name].publish_layer_version(spec)
        layer.physical_resource_id = layer.arn
        layer.get_cfn_attribute = lambda attr: layer.arn
        layer.delete = lambda acct, region: lambda_backends[acct][region].delete_layer_version(
            layer.name, layer.version)
        return layer

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """A layer version never changes: CloudFormation publishes a new one."""
        props = dict(cloudformation_json["Properties"])
        props.setdefault("LayerName", original_resource.name)
        return cls.create_from_cloudformation_json(original_resource.name, {**cloudformation_json,
                                                   "Properties": props}, account_id, region_name)


class EventInvokeConfig(_UpdatedInPlace):
    """``AWS::Lambda::EventInvokeConfig``: retries, event age and destinations of async calls."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.awslambda.models import lambda_backends

        props = cloudformation_json["Properties"]
        name = props["FunctionName"]
        qualifier = props.get("Qualifier", "$LATEST")
        config = {k: props[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                                        "DestinationConfig") if k in props}
        backend = lambda_backends[account_id][region_name]
        backend.put_function_event_invoke_config(name, config)
        out = cls(f"{name}:{qualifier}", account_id, region_name)
        out.function_name = name
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.awslambda.models import lambda_backends

        try:
            lambda_backends[account_id][region].delete_function_event_invoke_config(self.function_name)
        except Exception:  # noqa: BLE001 - the function may be gone already
            pass


# -- S3 ----------------------------------------------------------------------------------------
def _notification_api_shape(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration → the PutBucketNotificationConfiguration shape."""
    def items(key: str, target: str, api_target: str) -> list[dict[str, Any]]:
        out = []
        for i, item in enumerate(cfn.get(key) or []):
            entry: dict[str, Any] = {"Id": item.get("Id") or f"{api_target}{i}", api_target: item[target],
                                     "Event": [item["Event"]]}
            rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                entry["Filter"] = {"S3Key": {"FilterRule": [{"Name": r["Name"], "Value": r["Value"]}
                                                            for r in rules]}}
            out.append(entry)
        return out

    shape: dict[str, Any] = {}
    for key, target, api_key, api_target in (
            ("LambdaConfigurations", "Function", "CloudFunctionConfiguration", "CloudFunction"),
            ("QueueConfigurations", "Queue", "QueueConfiguration", "Queue"),
            ("TopicConfigurations", "Topic", "TopicConfiguration", "Topic")):
        if cfn.get(key):
            shape[api_key] = items(key, target, api_target)
    if cfn.get("EventBridgeConfiguration"):
        shape["EventBridgeConfiguration"] = {}
    return shape


class Bucket:
    """``AWS::S3::Bucket`` with its notification (the S3 trigger) and CORS configuration."""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return _moto_class("AWS::S3::Bucket").has_cfn_attr(attr)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.s3.models import s3_backends

        bucket = _moto_class("AWS::S3::Bucket").create_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name, **kwargs)
        props = cloudformation_json.get("Properties") or {}
        backend = s3_backends[account_id]["aws"]
        if props.get("CorsConfiguration"):
            cls._put_cors(backend, bucket.name, props["CorsConfiguration"])
        if props.get("NotificationConfiguration"):
            backend.put_bucket_notification_configuration(
                bucket.name, _notification_api_shape(props["NotificationConfiguration"]))
        if props.get("VersioningConfiguration", {}).get("Status"):
            backend.put_bucket_versioning(bucket.name, props["VersioningConfiguration"]["Status"])
        return bucket

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same bucket (a new BucketName would replace it); notifications and CORS set again."""
        from moto.s3.models import s3_backends

        props = cloudformation_json.get("Properties") or {}
        backend = s3_backends[account_id]["aws"]
        name = original_resource.name
        backend.put_bucket_notification_configuration(
            name, _notification_api_shape(props.get("NotificationConfiguration") or {}))
        if props.get("CorsConfiguration"):
            cls._put_cors(backend, name, props["CorsConfiguration"])
        return original_resource

    @staticmethod
    def _put_cors(backend: Any, name: str, cors: dict[str, Any]) -> None:
        rules = [{"AllowedMethod": r.get("AllowedMethods", []), "AllowedOrigin": r.get("AllowedOrigins", []),
                  "AllowedHeader": r.get("AllowedHeaders", []), "ExposeHeader": r.get("ExposedHeaders", []),
                  **({"MaxAgeSeconds": r["MaxAge"]} if "MaxAge" in r else {})}
                 for r in cors.get("CorsRules", [])]
        backend.put_bucket_cors(name, rules)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str) -> None:
        from moto.s3.models import s3_backends

        backend = s3_backends[account_id]["aws"]
        if resource_name in backend.buckets and backend.buckets[resource_name].keys:
            # moto skips a non-empty bucket silently; CloudFormation fails the deletion
            raise BucketNotEmpty(f"The bucket you tried to delete is not empty ({resource_name}). "
                                 "Empty it first (delete every object and version), then delete the stack again.")
        _moto_class("AWS::S3::Bucket").delete_from_cloudformation_json(
            resource_name, cloudformation_json, account_id, region_name)


class BucketNotEmpty(Exception):
    """CloudFormation cannot delete a bucket that still holds objects."""


# -- API Gateway (HTTP APIs) ---------------------------------------------------------------------
class HttpApi(_Resource):
    """``AWS::ApiGatewayV2::Api`` from its OpenAPI ``Body`` (what SAM generates) or properties."""

    ATTRS = {"ApiEndpoint": "api_endpoint", "ApiId": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        props = cloudformation_json["Properties"]
        body = props.get("Body") or {}
        backend = apigatewayv2_backends[account_id][region_name]
        api = backend.create_api(
            api_key_selection_expression=props.get("ApiKeySelectionExpression"),
            cors_configuration=props.get("CorsConfiguration"),
            description=props.get("Description"),
            disable_schema_validation=props.get("DisableSchemaValidation"),
            disable_execute_api_endpoint=props.get("DisableExecuteApiEndpoint"),
            name=props.get("Name") or (body.get("info") or {}).get("title") or resource_name,
            protocol_type=props.get("ProtocolType", "HTTP"),
            route_selection_expression=props.get("RouteSelectionExpression"),
            tags=props.get("Tags") or {}, version=props.get("Version"))
        if body:
            _import_http_body(api, body)
        out = cls(api.api_id, account_id, region_name)
        out.api_endpoint = api.api_endpoint
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigatewayv2.models import apigatewayv2_backends

        apigatewayv2_backends[account_id][region].delete_api(self.physical_resource_id)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same API id (its URL stays); routes and integrations re-imported from the new Body."""
        from moto.apigatewayv2.models import apigatewayv2_backends

        api = apigatewayv2_backends[account_id][region_name].get_api(original_resource.physical_resource_id)
        body = (cloudformation_json.get("Properties") or {}).get("Body")
        if body:
            _import_http_body(api, body)
        return original_resource


def _import_http_body(api: Any, body: dict[str, Any]) -> None:
    """An HTTP API's routes and Lambda proxy integrations from its OpenAPI body (replacing any)."""
    api.import_api(json.dumps(body, default=str), fail_on_warnings=False)
    for integration in api.integrations.values():  # API Gateway reads "aws_proxy" as AWS_PROXY
        integration.integration_type = (integration.integration_type or "").upper()
    for route in api.routes.values():
        # x-amazon-apigateway-any-method is the ANY method; on the path "$default" it is the
        # $default route ("x-amazon-apigateway-any-method", API Gateway's OpenAPI extensions:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-any-method.html)
        method, _, path = (route.route_key or "").partition(" ")
        if method.upper() == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            route.route_key = "$default" if path == "$default" else f"ANY {path}"
    cors = body.get("x-amazon-apigateway-cors")
    if cors:
        api.cors_configuration = {k[0].upper() + k[1:]: v for k, v in cors.items()}


class HttpApiStage(_UpdatedInPlace):
    """``AWS::ApiGatewayV2::Stage`` (SAM's ``$default`` stage with auto-deploy)."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        props = cloudformation_json["Properties"]
        config = {"stageName": props["StageName"], "autoDeploy": props.get("AutoDeploy"),
                  "description": props.get("Description"),
                  "stageVariables": props.get("StageVariables") or {}, "tags": props.get("Tags") or {}}
        if props.get("AccessLogSettings"):
            config["accessLogSettings"] = {"destinationArn": props["AccessLogSettings"].get("DestinationArn"),
                                           "format": props["AccessLogSettings"].get("Format")}
        if props.get("DefaultRouteSettings"):
            config["defaultRouteSettings"] = {k[0].lower() + k[1:]: v
                                              for k, v in props["DefaultRouteSettings"].items()}
        apigatewayv2_backends[account_id][region_name].create_stage(props["ApiId"], config)
        out = cls(props["StageName"], account_id, region_name)
        out.api_id = props["ApiId"]
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigatewayv2.models import apigatewayv2_backends

        try:
            apigatewayv2_backends[account_id][region].delete_stage(self.api_id, self.physical_resource_id)
        except Exception:  # noqa: BLE001 - deleting the API removes its stages too
            pass


class HttpApiIntegration(_Resource):
    """``AWS::ApiGatewayV2::Integration``: a Lambda proxy, or an AWS service integration (``SQS-SendMessage``)."""

    api_id: str

    @staticmethod
    def _kwargs(props: dict[str, Any]) -> dict[str, Any]:
        return {"connection_type": props.get("ConnectionType"), "description": props.get("Description"),
                "integration_method": props.get("IntegrationMethod"),
                "integration_type": (props.get("IntegrationType") or "").upper(),
                "integration_uri": props.get("IntegrationUri"), "credentials_arn": props.get("CredentialsArn"),
                "payload_format_version": props.get("PayloadFormatVersion"),
                "integration_subtype": props.get("IntegrationSubtype"),
                "request_parameters": props.get("RequestParameters"),
                "timeout_in_millis": props.get("TimeoutInMillis")}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        props = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].get_api(props["ApiId"])
        integration = api.create_integration(**cls._kwargs(props))
        out = cls(integration.id, account_id, region_name)
        out.api_id = props["ApiId"]
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same integration id (routes keep their target); its settings replaced."""
        from moto.apigatewayv2.models import apigatewayv2_backends

        props = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].get_api(original_resource.api_id)
        integration = api.integrations[original_resource.physical_resource_id]
        for key, value in cls._kwargs(props).items():
            setattr(integration, key, int(value) if key == "timeout_in_millis" and value else value)
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigatewayv2.models import apigatewayv2_backends

        api = apigatewayv2_backends[account_id][region].apis.get(self.api_id)
        if api is not None:
            api.delete_integration(self.physical_resource_id)


class HttpApiRoute(_UpdatedInPlace):
    """``AWS::ApiGatewayV2::Route``: a route key and its target (``integrations/<id>``)."""

    api_id: str

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigatewayv2.models import apigatewayv2_backends

        props = cloudformation_json["Properties"]
        api = apigatewayv2_backends[account_id][region_name].get_api(props["ApiId"])
        route = api.create_route(api_key_required=bool(props.get("ApiKeyRequired", False)),
                                 authorization_scopes=props.get("AuthorizationScopes") or [],
                                 route_key=props["RouteKey"], target=props.get("Target"),
                                 authorization_type=props.get("AuthorizationType"),
                                 authorizer_id=props.get("AuthorizerId"))
        out = cls(route.route_id, account_id, region_name)
        out.api_id = props["ApiId"]
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigatewayv2.models import apigatewayv2_backends

        api = apigatewayv2_backends[account_id][region].apis.get(self.api_id)
        if api is not None:
            api.routes.pop(self.physical_resource_id, None)


# -- API Gateway (REST APIs) ---------------------------------------------------------------------
class RestApi(_Resource):
    """``AWS::ApiGateway::RestApi``; a Swagger/OpenAPI ``Body`` becomes resources and methods."""

    ATTRS = {"RootResourceId": "root_resource_id", "RestApiId": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigateway.models import apigateway_backends

        props = cloudformation_json["Properties"]
        body = props.get("Body") or {}
        backend = apigateway_backends[account_id][region_name]
        api = backend.create_rest_api(name=props.get("Name") or (body.get("info") or {}).get("title")
                                      or resource_name, description=props.get("Description", ""),
                                      endpoint_configuration=props.get("EndpointConfiguration"))
        if body:
            _import_paths(backend, api, body)
        out = cls(api.id, account_id, region_name)
        out.root_resource_id = next(r.id for r in api.resources.values() if r.path_part == "/")
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigateway.models import apigateway_backends

        apigateway_backends[account_id][region].delete_rest_api(self.physical_resource_id)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same API id; resources and methods re-imported from the new Body."""
        from moto.apigateway.models import apigateway_backends

        backend = apigateway_backends[account_id][region_name]
        api = backend.get_rest_api(original_resource.physical_resource_id)
        body = (cloudformation_json.get("Properties") or {}).get("Body")
        if body:
            api.models.clear()
            for rid in [r.id for r in api.resources.values() if r.path_part != "/"]:
                api.resources.pop(rid, None)
            root = next(r for r in api.resources.values() if r.path_part == "/")
            root.resource_methods.clear()
            _import_paths(backend, api, body)
        return original_resource


_HTTP_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"}
_PARAM_KIND = {"query": "querystring", "header": "header", "path": "path"}


def _ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _import_paths(backend: Any, api: Any, body: dict[str, Any]) -> None:
    """Swagger 2.0 / OpenAPI 3 paths with ``x-amazon-apigateway-integration`` → API Gateway.

    What API Gateway's import reads ("OpenAPI extensions to API Gateway",
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html):
    models from ``definitions`` / ``components.schemas``, ``x-amazon-apigateway-request-validators``
    and each method's ``x-amazon-apigateway-request-validator``, ``security`` naming an ``apiKey``
    scheme (the method requires an API key), required parameters and the body's model, and the
    integration: Lambda proxy, or a non-proxy (``aws``, ``mock``, ``http``) integration with its
    request templates and integration responses.
    """
    root = next(r for r in api.resources.values() if r.path_part == "/")
    api.models.clear()
    api.request_validators.clear()
    schemas = dict(body.get("definitions") or {})
    schemas.update(((body.get("components") or {}).get("schemas")) or {})
    for name, schema in schemas.items():
        backend.create_model(api.id, name, "application/json", "", json.dumps(schema, default=str))
    validators = {name: backend.create_request_validator(
        api.id, name, bool(v.get("validateRequestBody")), bool(v.get("validateRequestParameters"))).id
        for name, v in (body.get("x-amazon-apigateway-request-validators") or {}).items()}
    default_validator = body.get("x-amazon-apigateway-request-validator")
    schemes = dict(body.get("securityDefinitions") or {})
    schemes.update(((body.get("components") or {}).get("securitySchemes")) or {})
    key_schemes = {n for n, d in schemes.items() if isinstance(d, dict) and d.get("type") == "apiKey"
                   and "x-amazon-apigateway-authorizer" not in d and "x-amazon-apigateway-authtype" not in d}
    if body.get("x-amazon-apigateway-api-key-source"):
        api.api_key_source = body["x-amazon-apigateway-api-key-source"]
    by_path = {"/": root}
    for path, methods in (body.get("paths") or {}).items():
        parent = root
        so_far = ""
        for part in [p for p in path.split("/") if p]:
            so_far += "/" + part
            if so_far not in by_path:
                by_path[so_far] = backend.create_resource(api.id, parent.id, part)
            parent = by_path[so_far]
        shared = (methods or {}).get("parameters") or []
        for method, doc in (methods or {}).items():
            http = "ANY" if method.lower() == "x-amazon-apigateway-any-method" else method.upper()
            if http not in _HTTP_METHODS:
                continue
            doc = doc or {}
            security = doc.get("security", body.get("security")) or []
            key_required = any(name in key_schemes for entry in security for name in (entry or {}))
            params: dict[str, bool] = {}
            models: dict[str, str] = {}
            for param in [*shared, *(doc.get("parameters") or [])]:
                if param.get("in") == "body":
                    name = _ref_name(param.get("schema"))
                    if name:
                        models["application/json"] = name
                elif param.get("in") in _PARAM_KIND:
                    params[f"method.request.{_PARAM_KIND[param['in']]}.{param['name']}"] = bool(param.get("required"))
            for media, content in (((doc.get("requestBody") or {}).get("content")) or {}).items():
                name = _ref_name((content or {}).get("schema"))
                if name:
                    models[media] = name
            validator = doc.get("x-amazon-apigateway-request-validator", default_validator)
            backend.put_method(api.id, parent.id, http, "NONE", api_key_required=key_required,
                               request_parameters=params or None, request_models=models or None,
                               request_validator_id=validators.get(validator) if validator else None)
            integration = doc.get("x-amazon-apigateway-integration") or {}
            if integration:
                kind = integration.get("type", "aws_proxy").upper()
                backend.put_integration(
                    api.id, parent.id, http, kind, integration.get("uri"), integration.get("httpMethod", "POST"),
                    credentials=integration.get("credentials"),
                    request_templates=integration.get("requestTemplates"),
                    passthrough_behavior=integration.get("passthroughBehavior"),
                    request_parameters=integration.get("requestParameters"),
                    timeout_in_millis=integration.get("timeoutInMillis"))
                for pattern, response in (integration.get("responses") or {}).items():
                    status = str(response.get("statusCode", "200"))
                    backend.put_method_response(api.id, parent.id, http, status, None,
                                                None)
                    backend.put_integration_response(
                        api.id, parent.id, http, status, None if pattern == "default" else pattern,
                        response.get("responseTemplates") or {}, response.get("responseParameters") or {})


class RestApiStage(_UpdatedInPlace):
    """``AWS::ApiGateway::Stage``: the stage a ``Deployment`` is published to."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.apigateway.models import apigateway_backends

        props = cloudformation_json["Properties"]
        backend = apigateway_backends[account_id][region_name]
        api_id, name = props["RestApiId"], props["StageName"]
        api = backend.get_rest_api(api_id)
        if name in api.stages:  # a Deployment with StageName made it already
            stage = api.stages[name]
            stage.deployment_id = props.get("DeploymentId", stage.deployment_id)
        else:
            backend.create_stage(api_id, name, props.get("DeploymentId"),
                                 variables=props.get("Variables") or {},
                                 description=props.get("Description", ""),
                                 tracing_enabled=props.get("TracingEnabled"))
        setting = props.get("AccessLogSetting")
        api.stages[name].access_log_settings = {"destinationArn": setting.get("DestinationArn"),
                                                "format": setting.get("Format")} if setting else None
        out = cls(name, account_id, region_name)
        out.api_id = api_id
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.apigateway.models import apigateway_backends

        try:
            apigateway_backends[account_id][region].delete_stage(self.api_id, self.physical_resource_id)
        except Exception:  # noqa: BLE001 - deleting the API removes its stages too
            pass


__all__ = ["OWN_TYPES", "BucketNotEmpty", "LambdaFunction", "LayerVersion", "EventInvokeConfig", "Bucket",
           "HttpApi", "HttpApiStage", "HttpApiIntegration", "HttpApiRoute", "RestApi", "RestApiStage"]

# The types this module builds (the full list, with the other modules', is catalog.OWN_TYPES).
OWN_TYPES: dict[str, Any] = {
    "AWS::Lambda::Function": LambdaFunction,
    "AWS::Lambda::EventInvokeConfig": EventInvokeConfig,
    "AWS::Lambda::LayerVersion": LayerVersion,
    "AWS::S3::Bucket": Bucket,
    "AWS::ApiGatewayV2::Api": HttpApi,
    "AWS::ApiGatewayV2::Stage": HttpApiStage,
    "AWS::ApiGatewayV2::Integration": HttpApiIntegration,
    "AWS::ApiGatewayV2::Route": HttpApiRoute,
    "AWS::ApiGateway::RestApi": RestApi,
    "AWS::ApiGateway::Stage": RestApiStage,
}
