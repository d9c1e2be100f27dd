"""SNS subscriptions, SQS queue policies and EventBridge Scheduler schedules in a stack.

moto's CloudFormation has none of ``AWS::SNS::Subscription``, ``AWS::SQS::QueuePolicy``,
``AWS::Scheduler::Schedule`` or ``AWS::Scheduler::ScheduleGroup`` (it skips them), yet SAM
generates the first three for ``SNS``, ``Schedule`` (its dead-letter queue) and ``ScheduleV2``
events. Each class here calls moto's own backend, so the course's integrations see what the
API calls would have made: an SNS publish reaches the subscribed function, the schedule runs on
the lab clock (``serverless_lab.integrations``' scheduler), the queue's policy is the one
``get_queue_attributes`` returns.
"""

from __future__ import annotations

import json
from typing import Any

from .resources import _Resource, _UpdatedInPlace

# AWS::SNS::Subscription properties that are subscription attributes (SetSubscriptionAttributes)
_SUBSCRIPTION_ATTRIBUTES = ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
                            "DeliveryPolicy", "SubscriptionRoleArn")


class SnsSubscription(_Resource):
    """``AWS::SNS::Subscription``: ``Ref`` is the subscription ARN."""

    sns_region: str

    ATTRS = {"Arn": "physical_resource_id"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.sns.models import sns_backends

        props = cloudformation_json["Properties"]
        topic_arn = props["TopicArn"]
        region = topic_arn.split(":")[3] if topic_arn.startswith("arn:") else region_name
        backend = sns_backends[account_id][props.get("Region") or region]
        sub = backend.subscribe(topic_arn, props["Endpoint"], props["Protocol"])
        for name in _SUBSCRIPTION_ATTRIBUTES:
            if props.get(name) is not None:
                value = props[name]
                if isinstance(value, (dict, list)):
                    value = json.dumps(value)
                elif isinstance(value, bool):
                    value = "true" if value else "false"
                backend.set_subscription_attributes(sub.arn, name, str(value))
        out = cls(sub.arn, account_id, region_name)
        out.sns_region = props.get("Region") or region
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.sns.models import sns_backends

        sns_backends[account_id][self.sns_region].unsubscribe(self.physical_resource_id)


def _queue_name(url_or_arn: str) -> str:
    return url_or_arn.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


class SqsQueuePolicy(_UpdatedInPlace):
    """``AWS::SQS::QueuePolicy``: the ``Policy`` attribute of each queue it names."""

    queues: list[str]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.sqs.models import sqs_backends

        props = cloudformation_json["Properties"]
        queues = [_queue_name(q) for q in props["Queues"]]
        document = props["PolicyDocument"]
        policy = document if isinstance(document, str) else json.dumps(document)
        backend = sqs_backends[account_id][region_name]
        for name in queues:
            backend.set_queue_attributes(name, {"Policy": policy})
        out = cls(resource_name, account_id, region_name)
        out.queues = queues
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.sqs.models import sqs_backends

        backend = sqs_backends[account_id][region]
        for name in self.queues:
            if name in backend.queues:
                backend.set_queue_attributes(name, {"Policy": ""})


class ScheduleGroup(_Resource):
    """``AWS::Scheduler::ScheduleGroup``: ``Ref`` is the group's name."""

    arn: str

    ATTRS = {"Arn": "arn"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.scheduler.models import scheduler_backends

        props = cloudformation_json.get("Properties") or {}
        name = props.get("Name") or resource_name
        group = scheduler_backends[account_id][region_name].create_schedule_group(
            name, [{"Key": t["Key"], "Value": t["Value"]} for t in props.get("Tags") or []])
        out = cls(name, account_id, region_name)
        out.arn = group.arn
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        props = cloudformation_json.get("Properties") or {}
        if (props.get("Name") or original_resource.physical_resource_id) == original_resource.physical_resource_id:
            return original_resource  # tags only
        return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                       cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region: str) -> None:
        from moto.scheduler.models import scheduler_backends

        backend = scheduler_backends[account_id][region]
        group = backend.schedule_groups.get(self.physical_resource_id)
        if group is not None:
            for name in list(group.schedules):
                backend.delete_schedule(self.physical_resource_id, name)
            backend.delete_schedule_group(self.physical_resource_id)


class Schedule(_Resource):
    """``AWS::Scheduler::Schedule``: created through moto's scheduler, so it fires on the lab clock.

    ``Ref`` is the schedule's name (CloudFormation's return value for this type).
    """

    arn: str
    group: str | None

    ATTRS = {"Arn": "arn"}

    @staticmethod
    def _args(props: dict[str, Any], name: str) -> dict[str, Any]:
        return {"description": props.get("Description"), "end_date": props.get("EndDate"),
                "flexible_time_window": props.get("FlexibleTimeWindow") or {"Mode": "OFF"},
                "group_name": props.get("GroupName"), "kms_key_arn": props.get("KmsKeyArn"), "name": name,
                "schedule_expression": props["ScheduleExpression"],
                "schedule_expression_timezone": props.get("ScheduleExpressionTimezone"),
                "start_date": props.get("StartDate"), "state": props.get("State") or "ENABLED",
                "target": props["Target"]}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.scheduler.models import scheduler_backends

        props = cloudformation_json["Properties"]
        name = props.get("Name") or resource_name
        schedule = scheduler_backends[account_id][region_name].create_schedule(
            **cls._args(props, name), action_after_completion=props.get("ActionAfterCompletion"))
        out = cls(name, account_id, region_name)
        out.arn, out.group = schedule.arn, props.get("GroupName")
        return out

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> Any:
        """Same name and group: UpdateSchedule (the lab clock re-arms it); else a replacement."""
        from moto.scheduler.models import scheduler_backends

        props = cloudformation_json["Properties"]
        name = props.get("Name") or original_resource.physical_resource_id
        if name != original_resource.physical_resource_id or props.get("GroupName") != original_resource.group:
            return super().update_from_cloudformation_json(original_resource, new_resource_name,
                                                           cloudformation_json, account_id, region_name)
        scheduler_backends[account_id][region_name].update_schedule(**cls._args(props, name))
        return original_resource

    def delete(self, account_id: str, region: str) -> None:
        from moto.scheduler.models import scheduler_backends

        backend = scheduler_backends[account_id][region]
        group = backend.schedule_groups.get(self.group or "default")
        if group is not None and self.physical_resource_id in group.schedules:
            backend.delete_schedule(self.group, self.physical_resource_id)


__all__ = ["SnsSubscription", "SqsQueuePolicy", "Schedule", "ScheduleGroup"]
