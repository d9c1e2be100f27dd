"""CloudWatch metrics in the AWS/Lambda namespace, as Lambda publishes them.

Per invocation (AWS Lambda Developer Guide, "Types of metrics for Lambda functions",
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html): ``Invocations``,
``Errors``, ``Throttles``, ``Duration`` (ms) and ``ConcurrentExecutions`` (read its Maximum),
with the dimension ``FunctionName``; ``ConcurrentExecutions`` and ``Throttles`` also without
dimensions (account level). Written straight into moto's CloudWatch backend, so
``cloudwatch.get_metric_statistics(Namespace="AWS/Lambda", ...)`` shows throttles and
concurrency as a lab watches them on AWS.

An invocation through a qualifier (a version or an alias) is also published with the dimensions
``FunctionName`` + ``Resource`` (``name:qualifier``) and, through an alias, ``FunctionName`` +
``Resource`` + ``ExecutedVersion`` (the version that ran): the metrics a canary's alarm watches
("Viewing metrics for Lambda functions": dimensions FunctionName, Resource, ExecutedVersion,
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html).
"""

from __future__ import annotations

import datetime

from ..trace import Invocation

NAMESPACE = "AWS/Lambda"


def emit(account_id: str, region: str, rec: Invocation, concurrent_fn: int, concurrent_all: int, *,
         qualifier: str | None = None, when: float | None = None) -> None:
    from moto.cloudwatch.models import cloudwatch_backends
    from moto.core.exceptions import ServiceException

    backend = cloudwatch_backends[account_id][region]
    dim = [{"Name": "FunctionName", "Value": rec.function_name}]
    data: list[dict] = []
    if rec.outcome == "throttled":
        data.append({"MetricName": "Throttles", "Dimensions": dim, "Value": 1.0, "Unit": "Count"})
        data.append({"MetricName": "Throttles", "Value": 1.0, "Unit": "Count"})
    else:
        failed = 1.0 if rec.outcome != "success" else 0.0
        data += [
            {"MetricName": "Invocations", "Dimensions": dim, "Value": 1.0, "Unit": "Count"},
            {"MetricName": "Errors", "Dimensions": dim, "Value": failed, "Unit": "Count"},
            {"MetricName": "Duration", "Dimensions": dim, "Value": float(rec.duration_ms), "Unit": "Milliseconds"},
            {"MetricName": "ConcurrentExecutions", "Dimensions": dim, "Value": float(concurrent_fn), "Unit": "Count"},
            {"MetricName": "ConcurrentExecutions", "Value": float(concurrent_all), "Unit": "Count"},
        ]
    extra: list[list[dict[str, str]]] = []
    if qualifier and qualifier != "$LATEST":
        resource = dim + [{"Name": "Resource", "Value": f"{rec.function_name}:{qualifier}"}]
        extra.append(resource)
        if not qualifier.isdigit():   # an alias: which version it ran
            extra.append(resource + [{"Name": "ExecutedVersion", "Value": str(rec.version)}])
    data += [{**d, "Dimensions": dims} for dims in extra for d in data
             if d.get("Dimensions") == dim]
    if when is not None:
        stamp = datetime.datetime.fromtimestamp(when, tz=datetime.timezone.utc).replace(tzinfo=None)
        data = [{**d, "Timestamp": stamp} for d in data]
    try:
        backend.put_metric_data(NAMESPACE, data)
    except ServiceException:  # CloudWatch refused a datum (moto's validation): the invocation still counts
        pass
