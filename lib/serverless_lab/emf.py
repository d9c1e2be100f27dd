"""CloudWatch embedded metric format (EMF): log lines that become metrics.

A function that prints a JSON object with an ``_aws.CloudWatchMetrics`` directive (what
Powertools Metrics writes) gets CloudWatch metrics without any PutMetricData call: CloudWatch
Logs extracts them from the log group (Amazon CloudWatch User Guide, "Specification: Embedded
metric format", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from .cloud.patching import Patcher, seam

if TYPE_CHECKING:
    from .cloud.session import MockSession

log = logging.getLogger(__name__)

LOG_EVENTS = seam(
    "moto.logs.models:LogsBackend.put_log_events", extension="emf",
    why="CloudWatch extracts embedded-metric-format log lines into metrics; moto keeps them as text")


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


class EmfHandle:
    """Extracts EMF metrics from every log line written in the session (``aws.extension("emf")``)."""

    def __init__(self) -> None:
        self._patcher = Patcher()
        self.published = 0

    def start(self) -> EmfHandle:
        original_put = LOG_EVENTS.current()
        handle = self

        def put_log_events(backend: Any, log_group_name: str, log_stream_name: str,
                           log_events: list[dict[str, Any]]) -> Any:
            out = original_put(backend, log_group_name, log_stream_name, log_events)
            try:
                handle.published += publish(backend.account_id, backend.region_name, log_events)
            except Exception as exc:  # noqa: BLE001 - the log line is stored; say why its metric is not
                log.warning("EMF metrics in %s were not stored: %s: %s", log_group_name, type(exc).__name__, exc)
            return out

        self._patcher.replace(LOG_EVENTS, put_log_events)
        return self

    def stop(self) -> None:
        self._patcher.undo()

    def __repr__(self) -> str:
        return f"<emf: {self.published} metric value(s) extracted from log lines>"


def activate(session: MockSession) -> EmfHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    return EmfHandle().start()
