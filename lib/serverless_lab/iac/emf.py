"""CloudWatch embedded metric format (EMF): log lines that become metrics.

A function that prints a JSON object with an ``_aws.CloudWatchMetrics`` directive (what
Powertools Metrics writes) gets CloudWatch metrics without any PutMetricData call: CloudWatch
Logs extracts them from the log group (Amazon CloudWatch User Guide, "Specification: Embedded
metric format", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def metrics_from_line(message: str) -> list[tuple[str, dict[str, Any]]]:
    """``[(namespace, metric datum)]`` in one EMF log line; ``[]`` for any other line."""
    text = message.strip()
    if not (text.startswith("{") and '"_aws"' in text):
        return []
    try:
        doc = json.loads(text)
        meta = doc["_aws"]
        # naive UTC, as moto's CloudWatch stores the timestamps of PutMetricData
        when = dt.datetime.fromtimestamp(int(meta.get("Timestamp", 0)) / 1000, tz=dt.timezone.utc).replace(tzinfo=None)
        out = []
        for directive in meta["CloudWatchMetrics"]:
            namespace = directive["Namespace"]
            dimension_sets = directive.get("Dimensions") or [[]]
            for metric in directive["Metrics"]:
                raw = doc.get(metric["Name"])
                values = raw if isinstance(raw, list) else [raw]
                for dims in dimension_sets:
                    dimensions = [{"Name": d, "Value": str(doc[d])} for d in dims if d in doc]
                    for value in values:
                        if isinstance(value, (int, float)):
                            out.append((namespace, {"MetricName": metric["Name"], "Value": float(value),
                                                    "Unit": metric.get("Unit", "None"),
                                                    "Dimensions": dimensions, "Timestamp": when}))
        return out
    except (ValueError, KeyError, TypeError):
        return []  # not EMF after all: CloudWatch keeps it as a plain log line


def publish(account_id: str, region: str, log_events: list[dict[str, Any]]) -> int:
    """Put the EMF metrics found in ``log_events`` into moto's CloudWatch; return how many."""
    found = [m for e in log_events for m in metrics_from_line(str(e.get("message", "")))]
    if not found:
        return 0
    from moto.cloudwatch.models import cloudwatch_backends

    backend = cloudwatch_backends[account_id][region]
    for namespace, datum in found:
        backend.put_metric_data(namespace, [datum])
    return len(found)
