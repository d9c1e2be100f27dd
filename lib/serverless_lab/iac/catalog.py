"""What the course's CloudFormation supports: every resource type, and who builds it.

``OWN_TYPES`` are built by the course's classes (through moto's backends, so they behave);
``MOTO_TYPES`` by moto's own CloudFormation models, checked to behave in the labs. A SAM
template may use only these (``sam.check``); a plain template may also use any other type moto
models, and is refused for a type moto would skip silently. docs/architecture.md lists them
(``python -m serverless_lab.iac.inventory --write docs/architecture.md``).
"""

from __future__ import annotations

from typing import Any

from . import lambda_resources, messaging, monitoring, resources, rest_api, state_machines

OWN_TYPES: dict[str, Any] = {
    **resources.OWN_TYPES,
    "AWS::Lambda::Version": lambda_resources.Version,
    "AWS::Lambda::Alias": lambda_resources.Alias,
    "AWS::SNS::Subscription": messaging.SnsSubscription,
    "AWS::SQS::QueuePolicy": messaging.SqsQueuePolicy,
    "AWS::Scheduler::Schedule": messaging.Schedule,
    "AWS::Scheduler::ScheduleGroup": messaging.ScheduleGroup,
    "AWS::ApiGateway::UsagePlan": rest_api.UsagePlan,
    "AWS::ApiGateway::ApiKey": rest_api.ApiKey,
    "AWS::ApiGateway::UsagePlanKey": rest_api.UsagePlanKey,
    "AWS::ApiGateway::Model": rest_api.Model,
    "AWS::ApiGateway::RequestValidator": rest_api.RequestValidator,
    "AWS::ApiGateway::Resource": rest_api.Resource,
    "AWS::ApiGateway::Method": rest_api.Method,
    "AWS::StepFunctions::StateMachine": state_machines.StateMachine,
    "AWS::CloudWatch::Alarm": monitoring.Alarm,
}
MOTO_TYPES = (
    "AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping",
    "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Topic",
    "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::Logs::LogGroup",
    "AWS::ApiGateway::Deployment", "AWS::Events::Rule",
    "AWS::SSM::Parameter",
)
SUPPORTED_TYPES = frozenset(OWN_TYPES) | frozenset(MOTO_TYPES)


def resource_class(resource_type: str, original: Any) -> Any:
    """What the seam on moto's ``resource_class_from_type`` returns."""
    own = OWN_TYPES.get(resource_type)
    return own if own is not None else original(resource_type)


def moto_models(resource_type: str) -> bool:
    """Whether moto's CloudFormation has a model for the type (else it skips it silently)."""
    from moto.cloudformation.parsing import get_model_map

    return resource_type in get_model_map()


__all__ = ["OWN_TYPES", "MOTO_TYPES", "SUPPORTED_TYPES", "resource_class", "moto_models"]
