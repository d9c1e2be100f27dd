"""CloudWatch metric alarms evaluated on the lab clock, with their history and their actions.

moto stores an alarm (``put_metric_alarm``) but never evaluates it: it stays ``OK`` whatever the
metric does, ``DescribeAlarmHistory`` is missing, and ``SetAlarmState`` runs no action. This
extension does what CloudWatch does ("Using Amazon CloudWatch alarms",
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):

* a new alarm starts in ``INSUFFICIENT_DATA`` ("Unchecked: Initial alarm creation");
* every ``Period`` seconds of the lab clock (``aws.clock``; ``aws.clock.advance(300)`` runs five
  minutes of evaluations at once) it reads the last ``EvaluationPeriods`` periods of its metric
  (namespace, name and exactly its dimensions) from CloudWatch's data — what the runtime
  publishes (``AWS/Lambda``), EMF log lines and ``put_metric_data`` — takes the ``Statistic``
  of each period and compares it with ``Threshold`` by ``ComparisonOperator``;
* ``DatapointsToAlarm`` (default ``EvaluationPeriods``) breaching periods out of those
  ``EvaluationPeriods`` put it in ``ALARM`` ("M out of N"); otherwise ``OK``;
* a period without data is treated by ``TreatMissingData``: ``missing`` (the default) ignores it
  and, when every period is empty, the alarm goes to ``INSUFFICIENT_DATA``; ``ignore`` keeps the
  current state when every period is empty; ``breaching`` / ``notBreaching`` count it as such;
* each state change is a ``StateUpdate`` in ``describe_alarm_history``, and runs the state's
  actions (``AlarmActions``, ``OKActions``, ``InsufficientDataActions``) while ``ActionsEnabled``:
  an SNS topic ARN gets CloudWatch's JSON notification (and delivers it to its subscribers,
  Lambda and SQS included), recorded as an ``Action`` history item. ``SetAlarmState`` goes
  through the same path, as on AWS.

* a Lambda function ARN (function, ``function:version`` or ``function:alias``) as an action is
  invoked asynchronously with the alarm event of "Invoke a Lambda function from an alarm"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html):
  ``source: aws.cloudwatch``, ``alarmArn``, ``accountId``, ``time``, ``region`` and ``alarmData``
  (``alarmName``, ``state``, ``previousState``, ``configuration.metrics``). The function's resource
  policy must let ``lambda.alarms.cloudwatch.amazonaws.com`` invoke it (``lambda.add_permission``);
  otherwise, or when the function does not exist, the action fails and the history says so (a
  session opts out of the check with ``mock_aws(enforce_lambda_permissions=False)``);
* ``ExtendedStatistic`` percentiles (``p99``, ``p99.9``) take the percentile of each period's raw
  values, with ``EvaluateLowSampleCountPercentile: ignore`` keeping the state while a period has
  fewer than 10/(1-p) samples (10/p below p50), as "Percentile-based alarms and low data samples"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html)
  says;
* metric-math alarms (``Metrics``: ``MetricStat`` queries and one ``Expression`` with
  ``ReturnData``) evaluate the expression period by period ("Create a CloudWatch alarm based on a
  metric math expression",
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html):
  ``+ - * /``, parentheses, numbers, the queries' ids and ``FILL(m, value)``.

What differs from AWS: CloudWatch does not document how it interpolates a percentile of raw
values; the course takes the nearest rank (the ceil(p/100*n)-th smallest value). In metric math,
a period where an operand has no value, or a division by zero, has no value (CloudWatch's
functions beyond ``FILL`` — ``IF``, ``METRICS()``, ``RATE``, search expressions — are refused
with a ValidationError naming them). A composite alarm (``AlarmRule``) is stored, not evaluated. A
datum without a ``Timestamp`` is stamped with the lab clock's time (CloudWatch stamps it with the
time it arrives, which is the lab clock's time in the course).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import metric_data, metric_math
from .cloud.patching import Patcher, private, seam

if TYPE_CHECKING:
    from .clock import LabClock, Timer
    from .cloud.session import MockSession

log = logging.getLogger(__name__)

_M = "moto.cloudwatch.models"
PUT_ALARM = seam(f"{_M}:CloudWatchBackend.put_metric_alarm", extension="alarms",
                 why="moto stores an alarm but never evaluates it; a new alarm starts INSUFFICIENT_DATA and is "
                     "evaluated every Period on the lab clock (percentiles and metric math included)")
UPDATE_STATE = seam(f"{_M}:Alarm.update_state", extension="alarms",
                    why="a state change is a StateUpdate history item in AWS's shape and runs the state's actions "
                        "(SNS, Lambda), for SetAlarmState too")
PUT_DATA = seam(f"{_M}:CloudWatchBackend.put_metric_data", extension="alarms",
                why="a datum without Timestamp is stamped with the lab clock's time (moto uses the wall clock), "
                    "so alarms evaluated on the lab clock see it")
ALARM_HISTORY = seam("moto.cloudwatch.responses:CloudWatchResponse.describe_alarm_history", extension="alarms",
                     create=True, why="moto has no DescribeAlarmHistory")
ALARMS = private(f"{_M}:CloudWatchBackend", "alarms", why="the alarms to evaluate (name → Alarm)")

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
_COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
_SYMBOL = {"GreaterThanOrEqualToThreshold": ">=", "GreaterThanThreshold": ">",
           "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}
# Region names in CloudWatch's notification subject ('ALARM: "x" in US East (N. Virginia)')
_REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                 "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                 "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)"}


def _utc(seconds: float) -> dt.datetime:
    """Naive UTC, as moto's CloudWatch keeps timestamps."""
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).replace(tzinfo=None)


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _epoch(value: dt.datetime) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def percentile_of(stat: str) -> float | None:
    """The percentile an extended statistic names (``p99`` → 99.0), or None if it is not one."""
    if stat and stat[0] in "pP":
        try:
            value = float(stat[1:])
        except ValueError:
            return None
        return value if 0 <= value <= 100 else None
    return None


def statistic(values: list[float], stat: str) -> float:
    """One period's statistic of raw values: CloudWatch's SampleCount, Sum, Average, Minimum,
    Maximum, or a percentile ``pNN`` (nearest rank: the ceil(NN/100*n)-th smallest value)."""
    pct = percentile_of(stat)
    if pct is not None:
        ordered = sorted(values)
        rank = max(1, math.ceil(pct / 100 * len(ordered)))
        return float(ordered[rank - 1])
    if stat == "SampleCount":
        return float(len(values))
    if stat == "Sum":
        return float(sum(values))
    if stat == "Average":
        return float(sum(values)) / len(values)
    if stat == "Minimum":
        return float(min(values))
    if stat == "Maximum":
        return float(max(values))
    raise ValueError(f"unknown statistic {stat!r}")


def decide(datapoints: list[float | None], *, threshold: float, comparison: str, datapoints_to_alarm: int,
           treat_missing: str, current: str) -> tuple[str, int]:
    """The state ``datapoints`` (oldest first, ``None`` = no data in that period) put an alarm in.

    Returns ``(state, breaching)``. Follows "Configuring how CloudWatch alarms treat missing data"
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-and-missing-data).
    """
    compare = _COMPARE[comparison]
    present = [v for v in datapoints if v is not None]
    missing = len(datapoints) - len(present)
    breaching = sum(1 for v in present if compare(v, threshold))
    if treat_missing == "breaching":
        breaching += missing
    elif treat_missing == "notBreaching":
        pass
    elif not present:  # missing (default) or ignore, and nothing at all to evaluate
        return ("INSUFFICIENT_DATA" if treat_missing in ("missing", "", None) else current), 0
    return ("ALARM" if breaching >= datapoints_to_alarm else "OK"), breaching


ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"


@dataclass
class _Watch:
    alarm: Any
    account_id: str
    region: str
    timer: Timer | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    previous: tuple[str, str, float] = ("", "", 0.0)   # the state left: reason, reason data, since when


def _period(alarm: Any) -> int:
    """An alarm's period: its own, or (metric math) the period of its queries' MetricStat."""
    if alarm.period:
        return int(alarm.period)
    for q in alarm.metric_data_queries or []:
        if q.metric_stat is not None and q.metric_stat.period:
            return int(q.metric_stat.period)
        if q.period:
            return int(q.period)
    return 60


def _returned(queries: list[Any]) -> Any:
    """The one query whose ReturnData is true (the alarm's value)."""
    returning = [q for q in queries if str(q.return_data).lower() != "false"]
    if len(queries) == 1:
        return queries[0]
    flagged = [q for q in queries if str(q.return_data).lower() == "true"]
    return (flagged or returning)[0]


def _resolve(queries: list[Any], series: dict[str, list[float | None]], count: int) -> None:
    """Add each expression's series to ``series`` (an expression may use another's Id, in any order)."""
    pending = [q for q in queries if q.metric_stat is None]
    for q in pending:
        if not q.expression:
            raise metric_math.MetricMathError(f"the query {q.id!r} has neither MetricStat nor Expression")
    while pending:
        ready = [q for q in pending
                 if all(n in series or n not in {o.id for o in pending} for n in metric_math.names(q.expression))]
        if not ready:
            raise metric_math.MetricMathError(
                "the alarm's expressions use each other in a circle: " + ", ".join(q.id for q in pending))
        for q in ready:
            series[q.id] = metric_math.evaluate(q.expression, series, count)
            pending.remove(q)


def _check_metric_math(queries: list[Any] | None) -> None:
    """Refuse, at PutMetricAlarm, a metric-math alarm the course cannot evaluate (and say why)."""
    from moto.cloudwatch.exceptions import ValidationError

    if not queries:
        return
    try:
        for q in queries:
            metric_math.check_id(q.id)
        flagged = [q for q in queries if str(q.return_data).lower() == "true"]
        if len(queries) > 1 and len(flagged) != 1:
            raise metric_math.MetricMathError(
                "exactly one of an alarm's Metrics must have ReturnData true (the value the alarm "
                "compares with its threshold); set ReturnData False on the others")
        _resolve(queries, {q.id: [None] for q in queries if q.metric_stat is not None}, 1)
    except metric_math.MetricMathError as err:
        raise ValidationError(str(err)) from None


def _trigger_metric(alarm: Any) -> dict[str, Any]:
    """The metric part of the SNS notification's Trigger."""
    if alarm.metric_data_queries:
        return {"Metrics": [{"Id": q.id, "ReturnData": str(q.return_data).lower() != "false",
                             **({"Expression": q.expression} if q.expression else {}),
                             **({"Label": q.label} if q.label else {}),
                             **({"MetricStat": {"Metric": {"Namespace": q.metric_stat.metric.namespace,
                                                           "MetricName": q.metric_stat.metric.metric_name,
                                                           "Dimensions": [{"value": d.value, "name": d.name}
                                                                          for d in q.metric_stat.metric.dimensions]},
                                                "Period": int(q.metric_stat.period),
                                                "Stat": q.metric_stat.stat}} if q.metric_stat else {})}
                            for q in alarm.metric_data_queries]}
    stat = ({"StatisticType": "ExtendedStatistic", "ExtendedStatistic": alarm.extended_statistic}
            if alarm.extended_statistic else {"StatisticType": "Statistic", "Statistic": str(alarm.statistic).upper()})
    return {"MetricName": alarm.metric_name, "Namespace": alarm.namespace, **stat, "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions]}


def _configuration_metrics(alarm: Any) -> list[dict[str, Any]]:
    """``alarmData.configuration.metrics`` of the Lambda action event."""
    def stat_of(namespace: str, name: str, dims: list[Any], period: int, stat: str, unit: str | None
                ) -> dict[str, Any]:
        out: dict[str, Any] = {"metric": {"namespace": namespace, "name": name,
                                          "dimensions": {d.name: d.value for d in dims}},
                               "period": period, "stat": stat}
        if unit:
            out["unit"] = unit
        return out

    if not alarm.metric_data_queries:
        return [{"id": alarm.name, "metricStat": stat_of(alarm.namespace, alarm.metric_name, alarm.dimensions,
                                                         _period(alarm), alarm.extended_statistic or alarm.statistic,
                                                         alarm.unit), "returnData": True}]
    out = []
    for q in alarm.metric_data_queries:
        item: dict[str, Any] = {"id": q.id, "returnData": str(q.return_data).lower() != "false"}
        if q.expression:
            item["expression"] = q.expression
        if q.label:
            item["label"] = q.label
        if q.metric_stat is not None:
            m = q.metric_stat.metric
            item["metricStat"] = stat_of(m.namespace, m.metric_name, m.dimensions, int(q.metric_stat.period),
                                         q.metric_stat.stat, q.metric_stat.unit)
        out.append(item)
    return out


class AlarmsHandle:
    """Evaluates every metric alarm of the session on the lab clock (``aws.extension("alarms")``)."""

    def __init__(self, clock: LabClock, *, enforce_permissions: bool = True) -> None:
        self.clock = clock
        self.enforce_permissions = enforce_permissions
        self.index = metric_data.MetricIndex()
        self._patcher = Patcher()
        self._lock = threading.RLock()
        self._watches: dict[int, _Watch] = {}     # id(alarm) -> watch
        self.evaluations = 0

    # -- installing ---------------------------------------------------------------------------
    def start(self) -> AlarmsHandle:
        handle = self
        original_put = PUT_ALARM.current()
        original_update = UPDATE_STATE.current()
        original_data = PUT_DATA.current()

        def put_metric_alarm(backend: Any, *args: Any, **kwargs: Any) -> Any:
            name = kwargs.get("name", args[0] if args else None)
            _check_metric_math(kwargs.get("metric_data_queries"))
            before = ALARMS.read(backend).get(name)
            alarm = original_put(backend, *args, **kwargs)
            handle._created(backend, alarm, before)
            return alarm

        def update_state(alarm: Any, reason: str, reason_data: str, state_value: str) -> None:
            old_value, old_reason = alarm.state_value, alarm.state_reason
            watch = handle._watch_of(alarm)
            if watch is not None:
                watch.previous = (old_reason or "", alarm.state_reason_data or "",
                                  _epoch(alarm.state_updated_timestamp))
            original_update(alarm, reason, reason_data, state_value)
            alarm.state_updated_timestamp = _utc(handle.clock.now())
            handle._state_changed(alarm, old_value, old_reason)

        def put_metric_data(backend: Any, namespace: str, metric_data: list[dict[str, Any]]) -> None:
            now = _utc(handle.clock.now())
            stamped = [d if d.get("Timestamp") else {**d, "Timestamp": now} for d in metric_data]
            original_data(backend, namespace, stamped)

        def describe_alarm_history(response: Any) -> Any:
            from moto.core.responses import ActionResult

            items = handle.history(
                response.current_account, response.region, response._get_param("AlarmName"),
                response._get_param("HistoryItemType"), response._get_param("StartDate"),
                response._get_param("EndDate"), response._get_param("ScanBy") or "TimestampDescending")
            limit = int(response._get_param("MaxRecords") or 100)
            return ActionResult({"AlarmHistoryItems": items[:limit]})

        self._patcher.replace(PUT_ALARM, put_metric_alarm)
        self._patcher.replace(UPDATE_STATE, update_state)
        self._patcher.replace(PUT_DATA, put_metric_data)
        self._patcher.replace(ALARM_HISTORY, describe_alarm_history)
        self._patcher.replace(metric_data.GET_DATA, lambda backend, *a, **k: metric_data.get_metric_data(
            backend, *a, index=handle.index, **k))
        return self

    def stop(self) -> None:
        with self._lock:
            for watch in self._watches.values():
                if watch.timer is not None:
                    watch.timer.cancel()
            self._watches.clear()
        self._patcher.undo()

    # -- alarms -------------------------------------------------------------------------------
    def _created(self, backend: Any, alarm: Any, before: Any) -> None:
        now = self.clock.now()
        with self._lock:
            old = self._watches.pop(id(before), None) if before is not None else None
            if old is not None and old.timer is not None:
                old.timer.cancel()
            watch = _Watch(alarm, backend.account_id, backend.region_name,
                           history=old.history if old is not None else [])
            self._watches[id(alarm)] = watch
        # "Unchecked: Initial alarm creation", in INSUFFICIENT_DATA until the first evaluation
        alarm.state_value, alarm.state_reason, alarm.state_reason_data = "INSUFFICIENT_DATA", \
            "Unchecked: Initial alarm creation", "{}"
        alarm.state_updated_timestamp = alarm.configuration_updated_timestamp = _utc(now)
        verb = "updated" if before is not None else "created"
        self._add_history(watch, now, "ConfigurationUpdate", f'Alarm "{alarm.name}" {verb}',
                          {"version": "1.0", "type": "Create" if before is None else "Update",
                           "createdAlarm" if before is None else "updatedAlarm": self._config(alarm)})
        if alarm.rule:
            return  # a composite alarm: stored, not evaluated (module docstring)
        self._schedule(watch, now)

    def _schedule(self, watch: _Watch, after: float) -> None:
        period = max(_period(watch.alarm), 10)
        due = (math.floor(after / period) + 1) * period       # the next period boundary
        watch.timer = self.clock.call_at(due, lambda: self._evaluate(watch, due))

    def _alive(self, watch: _Watch) -> bool:
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[watch.account_id][watch.region]
        return ALARMS.read(backend).get(watch.alarm.name) is watch.alarm

    def _evaluate(self, watch: _Watch, at: float) -> None:
        with self._lock:
            if self._watches.get(id(watch.alarm)) is not watch:
                return
        if not self._alive(watch):
            with self._lock:
                self._watches.pop(id(watch.alarm), None)
            return
        self.evaluate(watch.alarm, watch.account_id, watch.region, at)
        self._schedule(watch, at)

    def _buckets(self, backend: Any, namespace: str, name: str, dimensions: list[Any], unit: str | None,
                 period: int, count: int, at: float) -> list[list[float]]:
        """The raw values of one metric in each of the ``count`` periods before ``at``, oldest first."""
        start = at - period * count
        buckets: list[list[float]] = [[] for _ in range(count)]
        for datum in self.index.datums(backend, namespace, name, [(d.name, d.value) for d in dimensions]):
            if unit and datum.unit and datum.unit != unit:
                continue
            when = _epoch(datum.timestamp)
            if not start <= when < at:
                continue
            buckets[int((when - start) // period)].append(float(datum.value))
        return buckets

    def datapoints(self, alarm: Any, account_id: str, region: str, at: float) -> list[float | None]:
        """The value of each of the alarm's last EvaluationPeriods periods before ``at``, oldest first:
        its statistic (or percentile) of the metric, or its metric-math expression."""
        from moto.cloudwatch.models import cloudwatch_backends

        backend = cloudwatch_backends[account_id][region]
        period, count = _period(alarm), int(alarm.evaluation_periods)
        if alarm.metric_data_queries:
            series: dict[str, list[float | None]] = {}
            for q in alarm.metric_data_queries:
                if q.metric_stat is None:
                    continue
                m = q.metric_stat.metric
                raw = self._buckets(backend, m.namespace, m.metric_name, m.dimensions, q.metric_stat.unit,
                                    period, count, at)
                series[q.id] = [statistic(b, q.metric_stat.stat) if b else None for b in raw]
            _resolve(alarm.metric_data_queries, series, count)
            return series[_returned(alarm.metric_data_queries).id]
        raw = self._buckets(backend, alarm.namespace, alarm.metric_name, alarm.dimensions, alarm.unit,
                            period, count, at)
        stat = alarm.extended_statistic or alarm.statistic
        return [statistic(b, stat) if b else None for b in raw]

    def _too_few_samples(self, alarm: Any, account_id: str, region: str, at: float) -> bool:
        """A percentile alarm with EvaluateLowSampleCountPercentile ``ignore`` and a period with fewer
        than 10/(1-p) samples (10/p below p50): its state does not change."""
        from moto.cloudwatch.models import cloudwatch_backends

        pct = percentile_of(alarm.extended_statistic or "")
        if pct is None or (alarm.evaluate_low_sample_count_percentile or "evaluate") != "ignore":
            return False
        fraction = pct / 100
        needed = 10 / (1 - fraction) if fraction >= 0.5 else 10 / max(fraction, 1e-9)
        if fraction >= 1:
            return False
        raw = self._buckets(cloudwatch_backends[account_id][region], alarm.namespace, alarm.metric_name,
                            alarm.dimensions, alarm.unit, _period(alarm), int(alarm.evaluation_periods), at)
        return any(len(b) < needed for b in raw)

    def evaluate(self, alarm: Any, account_id: str, region: str, at: float) -> str:
        """Evaluate ``alarm`` at lab time ``at`` (a period boundary); change its state if it changes."""
        points = self.datapoints(alarm, account_id, region, at)
        if self._too_few_samples(alarm, account_id, region, at):
            self.evaluations += 1
            return str(alarm.state_value)
        to_alarm = int(alarm.datapoints_to_alarm or alarm.evaluation_periods)
        state, breaching = decide(points, threshold=float(alarm.threshold), comparison=alarm.comparison_operator,
                                  datapoints_to_alarm=to_alarm, treat_missing=alarm.treat_missing_data or "missing",
                                  current=alarm.state_value)
        self.evaluations += 1
        if state == alarm.state_value:
            return state
        present = [p for p in points if p is not None]
        period = _period(alarm)
        if state == "INSUFFICIENT_DATA":
            reason = (f"Insufficient Data: {len(points)} datapoint{'s' if len(points) != 1 else ''} "
                      "were unknown.")
        else:
            verb = "was" if state == "ALARM" else "was not"
            shown = ", ".join(f"{p:g}" for p in reversed(present[-5:])) or "no datapoints"
            reason = (f"Threshold Crossed: {breaching} out of the last {len(points)} datapoints [{shown}] "
                      f"{verb} {_SYMBOL[alarm.comparison_operator]} the threshold ({float(alarm.threshold):g}) "
                      f"(minimum {to_alarm} datapoint{'s' if to_alarm != 1 else ''} for "
                      f"{'OK -> ALARM' if state == 'ALARM' else 'ALARM -> OK'} transition).")
        data = {"version": "1.0", "queryDate": _iso(at), "startDate": _iso(at - period * len(points)),
                "statistic": alarm.extended_statistic or alarm.statistic or "MetricMath", "period": period,
                "recentDatapoints": [p for p in present], "threshold": float(alarm.threshold),
                "evaluatedDatapoints": [
                    {"timestamp": _iso(at - period * (len(points) - i)), "value": p}
                    for i, p in enumerate(points) if p is not None][::-1]}
        alarm.update_state(reason, json.dumps(data), state)
        return state

    # -- history and actions ------------------------------------------------------------------
    def _watch_of(self, alarm: Any) -> _Watch | None:
        with self._lock:
            return self._watches.get(id(alarm))

    def _add_history(self, watch: _Watch, when: float, kind: str, summary: str, data: dict[str, Any]) -> None:
        with self._lock:
            watch.history.append({"AlarmName": watch.alarm.name, "AlarmType": "MetricAlarm",
                                  "Timestamp": _utc(when), "HistoryItemType": kind,
                                  "HistorySummary": summary, "HistoryData": json.dumps(data)})

    def _state_changed(self, alarm: Any, old_value: str, old_reason: str) -> None:
        watch = self._watch_of(alarm)
        if watch is None:
            return
        now = self.clock.now()
        new_state: dict[str, Any] = {"stateValue": alarm.state_value, "stateReason": alarm.state_reason}
        if alarm.state_reason_data and alarm.state_reason_data != "{}":
            new_state["stateReasonData"] = json.loads(alarm.state_reason_data)
        self._add_history(watch, now, "StateUpdate",
                          f"Alarm updated from {old_value} to {alarm.state_value}",
                          {"version": "1.0", "oldState": {"stateValue": old_value, "stateReason": old_reason},
                           "newState": new_state})
        if not alarm.actions_enabled:
            return
        actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
                   "INSUFFICIENT_DATA": alarm.insufficient_data_actions}[alarm.state_value]
        for arn in actions or []:
            self._run_action(watch, arn, old_value, now)

    def notification(self, alarm: Any, account_id: str, region: str, old_value: str, when: float) -> dict[str, Any]:
        """The JSON CloudWatch publishes to an SNS topic when an alarm changes state."""
        return {
            "AlarmName": alarm.name, "AlarmDescription": alarm.description or None,
            "AWSAccountId": account_id, "AlarmConfigurationUpdatedTimestamp": _iso(_epoch(alarm.configuration_updated_timestamp)),
            "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason,
            "StateChangeTime": _iso(when), "Region": _REGION_NAMES.get(region, region),
            "AlarmArn": alarm.alarm_arn, "OldStateValue": old_value,
            "OKActions": list(alarm.ok_actions), "AlarmActions": list(alarm.alarm_actions),
            "InsufficientDataActions": list(alarm.insufficient_data_actions),
            "Trigger": {**_trigger_metric(alarm),
                        "Period": _period(alarm), "EvaluationPeriods": int(alarm.evaluation_periods),
                        "DatapointsToAlarm": int(alarm.datapoints_to_alarm or alarm.evaluation_periods),
                        "ComparisonOperator": alarm.comparison_operator, "Threshold": float(alarm.threshold),
                        "TreatMissingData": alarm.treat_missing_data or "missing",
                        "EvaluateLowSampleCountPercentile": ""},
        }

    def _run_action(self, watch: _Watch, arn: str, old_value: str, when: float) -> None:
        alarm = watch.alarm
        parts = arn.split(":")
        if len(parts) >= 6 and parts[2] == "sns":
            from moto.sns.exceptions import SNSNotFoundError
            from moto.sns.models import sns_backends

            body = self.notification(alarm, watch.account_id, watch.region, old_value, when)
            subject = f'{alarm.state_value}: "{alarm.name}" in {_REGION_NAMES.get(watch.region, watch.region)}'
            try:
                sns_backends[parts[4]][parts[3]].publish(json.dumps(body), arn=arn, subject=subject[:100])
            except SNSNotFoundError:
                self._add_history(watch, when, "Action", f"Failed to execute action {arn}. Received error: "
                                  f"\"Topic does not exist\"", {"actionState": "Failed", "notificationResource": arn})
                return
            self._add_history(watch, when, "Action", f"Successfully executed action {arn}",
                              {"actionState": "Succeeded", "notificationResource": arn,
                               "stateUpdateTimestamp": int(when * 1000)})
            return
        if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
            error = self._invoke_action(watch, arn, old_value, when)
            if error is None:
                self._add_history(watch, when, "Action", f"Successfully executed action {arn}",
                                  {"actionState": "Succeeded", "notificationResource": arn,
                                   "stateUpdateTimestamp": int(when * 1000)})
            else:
                self._add_history(watch, when, "Action", f"Failed to execute action {arn}. Received error: "
                                  f"\"{error}\"", {"actionState": "Failed", "notificationResource": arn})
            return
        self._add_history(watch, when, "Action", f"Failed to execute action {arn}. Received error: \"the course "
                          "runs SNS topic and Lambda function actions only\"",
                          {"actionState": "Failed", "notificationResource": arn})

    def lambda_event(self, alarm: Any, account_id: str, region: str, old_value: str, old_reason: str,
                     old_data: str, old_time: float, when: float) -> dict[str, Any]:
        """The event CloudWatch invokes a Lambda alarm action with ("Invoke a Lambda function from an
        alarm", https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html)."""
        state: dict[str, Any] = {"value": alarm.state_value, "reason": alarm.state_reason, "timestamp": _iso(when)}
        if alarm.state_reason_data and alarm.state_reason_data != "{}":
            state["reasonData"] = alarm.state_reason_data
        previous: dict[str, Any] = {"value": old_value, "reason": old_reason, "timestamp": _iso(old_time)}
        if old_data and old_data != "{}":
            previous["reasonData"] = old_data
        configuration: dict[str, Any] = {"metrics": _configuration_metrics(alarm)}
        if alarm.description:
            configuration["description"] = alarm.description
        return {"source": "aws.cloudwatch", "alarmArn": alarm.alarm_arn, "accountId": account_id,
                "time": _iso(when), "region": region,
                "alarmData": {"alarmName": alarm.name, "state": state, "previousState": previous,
                              "configuration": configuration}}

    def _invoke_action(self, watch: _Watch, arn: str, old_value: str, when: float) -> str | None:
        """Invoke a Lambda action asynchronously; the error CloudWatch records, or None if it ran."""
        from moto.awslambda.exceptions import LambdaClientError

        from .integrations.invoke import invoke_lambda
        from .runtime.permissions import PermissionDenied

        alarm = watch.alarm
        old_reason, old_data, old_time = watch.previous
        event = self.lambda_event(alarm, watch.account_id, watch.region, old_value, old_reason, old_data,
                                  old_time, when)
        try:
            invoke_lambda(arn, event, "cloudwatch-alarm", account_id=watch.account_id, region=watch.region,
                          asynchronous=True,
                          permission=(ALARM_PRINCIPAL, alarm.alarm_arn) if self.enforce_permissions else None)
        except PermissionDenied:
            return (f"CloudWatch Alarms is not authorized to perform: lambda:InvokeFunction on the resource "
                    f"{arn}: add a resource policy with lambda.add_permission(Principal='{ALARM_PRINCIPAL}', "
                    f"SourceArn='{alarm.alarm_arn}', Action='lambda:InvokeFunction', ...)")
        except LambdaClientError as err:
            return f"Function not found: {arn} ({err.message})" if "not found" in str(err.message).lower() \
                else str(err.message)
        return None

    def history(self, account_id: str, region: str, name: str | None = None, kind: str | None = None,
                start: Any = None, end: Any = None, scan_by: str = "TimestampDescending") -> list[dict[str, Any]]:
        """The alarm history items DescribeAlarmHistory answers with."""
        with self._lock:
            items = [i for w in self._watches.values() if (w.account_id, w.region) == (account_id, region)
                     for i in w.history]
        if name:
            items = [i for i in items if i["AlarmName"] == name]
        if kind:
            items = [i for i in items if i["HistoryItemType"] == kind]
        if start:
            items = [i for i in items if i["Timestamp"] >= _as_naive(start)]
        if end:
            items = [i for i in items if i["Timestamp"] <= _as_naive(end)]
        return sorted(items, key=lambda i: i["Timestamp"], reverse=scan_by != "TimestampAscending")

    @staticmethod
    def _config(alarm: Any) -> dict[str, Any]:
        return {"alarmName": alarm.name, "namespace": alarm.namespace, "metricName": alarm.metric_name,
                "period": _period(alarm), "evaluationPeriods": int(alarm.evaluation_periods),
                "threshold": float(alarm.threshold), "comparisonOperator": alarm.comparison_operator,
                "statistic": str(alarm.statistic).upper() if alarm.statistic else None,
                **({"extendedStatistic": alarm.extended_statistic} if alarm.extended_statistic else {}),
                **({"metrics": _configuration_metrics(alarm)} if alarm.metric_data_queries else {}),
                "treatMissingData": alarm.treat_missing_data or "missing"}

    def __repr__(self) -> str:
        return f"<alarms: {len(self._watches)} alarm(s) watched, {self.evaluations} evaluation(s)>"


def _as_naive(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, float)):
        return _utc(float(value))
    text = str(value).replace("Z", "+00:00")
    parsed = dt.datetime.fromisoformat(text)
    return parsed.astimezone(dt.timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def activate(session: MockSession) -> AlarmsHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    enforce = session.options.get("enforce_lambda_permissions") is not False
    return AlarmsHandle(session.clock, enforce_permissions=enforce).start()
