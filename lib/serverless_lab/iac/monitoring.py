"""CloudWatch alarms in a stack.

moto's CloudFormation has no model for ``AWS::CloudWatch::Alarm`` (it would skip it silently),
yet an alarm on a dead-letter queue's depth belongs in a serverless app's template (lab 10).
``Alarm`` creates it through moto's CloudWatch backend, as ``PutMetricAlarm`` would, so
``describe_alarms`` shows what the template asked for. Properties and return values follow
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
(``Ref`` is the alarm's name, ``GetAtt Arn`` its ARN; without ``AlarmName`` CloudFormation
generates one). Metric-math alarms (``Metrics``) are refused by name.
"""

from __future__ import annotations

from typing import Any

from .resources import _Resource


class Alarm(_Resource):
    """``AWS::CloudWatch::Alarm`` on one metric: ``Ref`` is the alarm's name, ``GetAtt Arn`` its ARN."""

    arn: str

    ATTRS = {"Arn": "arn"}

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        from ..errors import LabError

        props = cloudformation_json.get("Properties") or {}
        if props.get("Metrics"):
            raise LabError("AWS::CloudWatch::Alarm: metric math (Metrics) is not supported by the course's "
                           "CloudFormation.", "Alarm on one metric: Namespace, MetricName, Dimensions, Statistic.")
        name = props.get("AlarmName") or resource_name   # moto names it <stack>-<logical id>-<random>
        alarm = cloudwatch_backends[account_id][region_name].put_metric_alarm(
            name=name, namespace=props.get("Namespace", ""), metric_name=props.get("MetricName", ""),
            comparison_operator=props["ComparisonOperator"], evaluation_periods=int(props["EvaluationPeriods"]),
            period=int(props.get("Period", 60)), threshold=float(props.get("Threshold", 0)),
            statistic=props.get("Statistic"), description=props.get("AlarmDescription", ""),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in props.get("Dimensions") or []],
            alarm_actions=list(props.get("AlarmActions") or []),
            datapoints_to_alarm=int(props["DatapointsToAlarm"]) if props.get("DatapointsToAlarm") else None,
            extended_statistic=props.get("ExtendedStatistic"), ok_actions=list(props.get("OKActions") or []),
            insufficient_data_actions=list(props.get("InsufficientDataActions") or []), unit=props.get("Unit"),
            actions_enabled=str(props.get("ActionsEnabled", True)).lower() != "false",
            treat_missing_data=props.get("TreatMissingData"))
        out = cls(name, account_id, region_name)
        out.arn = alarm.alarm_arn
        return out

    def delete(self, account_id: str, region: str) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        cloudwatch_backends[account_id][region].delete_alarms([self.physical_resource_id])


__all__ = ["Alarm"]
