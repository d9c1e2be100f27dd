"""GetMetricData as CloudWatch answers it, for the course's metrics: the data dashboards draw.

moto 5.2.5's ``get_metric_data`` answers ``None`` for a percentile (``p99``), and a query with
dimensions matches a datum whose dimensions merely sort alike. Here each ``MetricStat`` query
reads the metric with exactly its dimensions, per ``Period`` from ``StartTime``, with any
statistic :func:`serverless_lab.alarms.statistic` computes (percentiles included); periods without
data are left out, as CloudWatch does; an ``Expression`` query is evaluated with
:mod:`serverless_lab.metric_math` over the other queries' periods ("GetMetricData", CloudWatch
API Reference, https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html).
The seam is installed by the alarms extension, which owns CloudWatch's metrics in the course.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from . import metric_math
from .cloud.patching import private, seam

GET_DATA = seam("moto.cloudwatch.models:CloudWatchBackend.get_metric_data", extension="alarms",
                why="percentile statistics, exact dimensions and the course's metric math in GetMetricData "
                    "(what a dashboard draws)")
ALL_METRICS = private("moto.cloudwatch.models:CloudWatchBackend", "metric_data",
                      why="the datapoints alarms evaluate and GetMetricData reads")


class MetricIndex:
    """A backend's datapoints by metric identity (namespace, name, exact dimensions), so an alarm's
    evaluation reads its own metric only. moto's list only grows (``append``): the index catches up
    with the new tail at each read, and starts again if the list is another one (a reset backend)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lists: dict[int, Any] = {}           # id(backend) -> the list indexed (kept: its id stays unique)
        self._seen: dict[int, int] = {}
        self._by: dict[int, dict[tuple[Any, ...], list[Any]]] = {}

    @staticmethod
    def key(namespace: str, name: str, dimensions: list[tuple[str, str]]) -> tuple[Any, ...]:
        return (namespace, name, tuple(sorted(dimensions)))

    def datums(self, backend: Any, namespace: str, name: str, dimensions: list[tuple[str, str]]) -> list[Any]:
        """The datapoints of exactly this metric (any unit, any time), oldest first."""
        from moto.cloudwatch.models import MetricDatum

        data: list[Any] = ALL_METRICS.read(backend)
        k = id(backend)
        with self._lock:
            if self._lists.get(k) is not data or len(data) < self._seen.get(k, 0):
                self._lists[k], self._seen[k], self._by[k] = data, 0, {}
            index = self._by[k]
            for d in data[self._seen[k]:]:
                if isinstance(d, MetricDatum):
                    index.setdefault(self.key(d.namespace, d.name, [(x.name, x.value) for x in d.dimensions]),
                                     []).append(d)
            self._seen[k] = len(data)
            return list(index.get(self.key(namespace, name, dimensions), ()))


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def get_metric_data(backend: Any, queries: list[dict[str, Any]], start_time: dt.datetime, end_time: dt.datetime,
                    scan_by: str = "TimestampAscending", *, index: MetricIndex | None = None) -> list[dict[str, Any]]:
    """The ``MetricDataResults`` of ``queries`` between ``start_time`` and ``end_time``."""
    from moto.cloudwatch.exceptions import ValidationError

    from .alarms import statistic

    index = index or MetricIndex()

    start, end = _naive(start_time).replace(microsecond=0), _naive(end_time).replace(microsecond=0)
    if start >= end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    stat_queries = [q for q in queries if "MetricStat" in q]
    periods = {int(q["MetricStat"]["Period"]) for q in stat_queries}
    if len(periods) > 1 and any("Expression" in q for q in queries):
        raise ValidationError("The course evaluates metric math over queries of one Period; these have "
                              f"{sorted(periods)}")
    explicit = [int(q["Period"]) for q in queries if q.get("Period")]
    period = periods.pop() if len(periods) == 1 else (explicit[0] if explicit else 60)
    count = max(1, int(-(-(end - start).total_seconds() // period)))
    grid = [start + dt.timedelta(seconds=period * i) for i in range(count)]
    series: dict[str, list[float | None]] = {}
    labels: dict[str, str] = {}
    for q in stat_queries:
        ms, metric = q["MetricStat"], q["MetricStat"]["Metric"]
        wanted = [(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])]
        buckets: list[list[float]] = [[] for _ in grid]
        for d in index.datums(backend, metric["Namespace"], metric["MetricName"], wanted):
            if not start <= d.timestamp < end:
                continue
            if ms.get("Unit") and d.unit and d.unit != ms["Unit"]:
                continue
            buckets[int((d.timestamp - start).total_seconds() // period)].append(float(d.value))
        series[q["Id"]] = [statistic(b, ms["Stat"]) if b else None for b in buckets]
        labels[q["Id"]] = q.get("Label") or f"{metric['MetricName']} {ms['Stat']}"
    pending = [q for q in queries if "Expression" in q]
    try:
        while pending:
            ready = [q for q in pending if all(n in series for n in metric_math.names(q["Expression"])
                                               if n in {p["Id"] for p in pending})]
            if not ready:
                raise metric_math.MetricMathError("the expressions use each other in a circle")
            for q in ready:
                series[q["Id"]] = metric_math.evaluate(q["Expression"], series, len(grid))
                labels[q["Id"]] = q.get("Label") or q["Id"]
                pending.remove(q)
    except metric_math.MetricMathError as err:
        raise ValidationError(str(err)) from None
    out = []
    for q in queries:
        if not q.get("ReturnData", True):
            continue
        points = [(t, v) for t, v in zip(grid, series[q["Id"]]) if v is not None]
        if scan_by != "TimestampAscending":
            points.reverse()
        out.append({"id": q["Id"], "label": labels[q["Id"]], "values": [v for _, v in points],
                    "timestamps": [t for t, _ in points], "status_code": "Complete"})
    return out
