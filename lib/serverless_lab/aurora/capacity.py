"""Aurora Serverless v2 capacity, simulated: ACUs follow the Data API load, pause, resume.

AWS does not publish its scaling algorithm. The course models it so the documented behaviour
shows up (Aurora User Guide, "Aurora Serverless v2"): capacity moves in 0.5 ACU steps between
MinCapacity and MaxCapacity, scales up within seconds and down more gradually; with MinCapacity 0
the instance auto-pauses after ``SecondsUntilAutoPause`` (default 300 s) without connections and
resumes in about 15 s on the next request, which fails meanwhile with DatabaseResumingException.

The model (:class:`CapacityModel`, all lab-clock seconds):

* every ``tick_s`` (5 s) the load is measured over the last ``window_s`` (10 s) of Data API
  statements, and open transactions are counted;
* demand = statements per second / ``statements_per_acu`` (50 simple statements per second per ACU)
  + ``acu_per_transaction`` (0.25 ACU) per open transaction; target = demand rounded up to 0.5,
  kept within [max(MinCapacity, 0.5), MaxCapacity];
* scale-up to the target is immediate (next tick); scale-down is at most ``scale_down_step``
  (0.5 ACU) per tick;
* MinCapacity 0: after ``SecondsUntilAutoPause`` without statements or open transactions the
  capacity drops to 0 (paused, no ACU charge); the next statement starts a resume that takes
  ``resume_s`` (15 s) during which statements fail with DatabaseResumingException.

Metrics: once per lab minute the averages are put into CloudWatch (namespace ``AWS/RDS``,
dimension ``DBClusterIdentifier``): ``ServerlessDatabaseCapacity`` (ACU) and ``ACUUtilization``
(capacity / MaxCapacity, percent), so ``cloudwatch.get_metric_statistics`` works as on AWS.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass
class CapacityModel:
    statements_per_acu: float = 50.0
    acu_per_transaction: float = 0.25
    window_s: float = 10.0
    tick_s: float = 5.0
    scale_down_step: float = 0.5
    resume_s: float = 15.0


def _get(config: Any, key: str, snake: str, default: Any = None) -> Any:
    if config is None:
        return default
    for k in (key, snake):
        try:
            value = config[k]
        except (KeyError, TypeError):
            value = getattr(config, k, None)
        if value is not None:
            return value
    return default


@dataclass
class Sample:
    t: float
    acu: float
    statements_per_s: float
    transactions: int
    paused: bool


@dataclass
class ClusterCapacity:
    """Capacity state of one cluster (``cluster`` is moto's DBCluster, read for the live config)."""

    cluster: Any
    account_id: str
    region: str
    model: CapacityModel
    created: float
    acu: float = 0.5
    paused: bool = False
    resuming_until: float | None = None
    last_activity: float = 0.0
    open_transactions: int = 0
    statements: deque[float] = field(default_factory=deque)
    history: list[Sample] = field(default_factory=list)
    _minute: int | None = None
    _minute_samples: list[Sample] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def identifier(self) -> str:
        return str(self.cluster.db_cluster_identifier)

    @property
    def arn(self) -> str:
        return str(self.cluster.db_cluster_arn)

    @property
    def min_capacity(self) -> float:
        return float(_get(self.cluster.serverless_v2_scaling_configuration, "MinCapacity", "min_capacity", 0.5))

    @property
    def max_capacity(self) -> float:
        return float(_get(self.cluster.serverless_v2_scaling_configuration, "MaxCapacity", "max_capacity", 16))

    @property
    def seconds_until_auto_pause(self) -> float:
        return float(_get(self.cluster.serverless_v2_scaling_configuration, "SecondsUntilAutoPause",
                          "seconds_until_auto_pause", 300))

    @property
    def state(self) -> str:
        if self.resuming_until is not None:
            return "resuming"
        return "paused" if self.paused else "running"

    def floor(self) -> float:
        return max(self.min_capacity, 0.5)

    # -- the Data API side ------------------------------------------------------------------------
    def statement(self, now: float, count: int = 1) -> None:
        with self.lock:
            self.statements.extend([now] * count)
            self.last_activity = now

    def begin_resume(self, now: float) -> float:
        """Start resuming (if paused); return the lab time at which the cluster is available."""
        with self.lock:
            if self.resuming_until is None:
                self.resuming_until = now + self.model.resume_s
            self.last_activity = now
            return self.resuming_until

    def available(self, now: float) -> bool:
        with self.lock:
            if self.resuming_until is not None and now >= self.resuming_until:
                self._finish_resume()
            return not self.paused and self.resuming_until is None

    def _finish_resume(self) -> None:
        self.paused = False
        self.resuming_until = None
        self.acu = self.floor()

    # -- the clock side ---------------------------------------------------------------------------
    def tick(self, t: float) -> Sample:
        """Advance the model to lab time ``t`` (called every ``tick_s`` by the engine)."""
        m = self.model
        with self.lock:
            while self.statements and self.statements[0] <= t - m.window_s:
                self.statements.popleft()
            rate = sum(1 for s in self.statements if s <= t) / m.window_s
            if self.resuming_until is not None and t >= self.resuming_until:
                self._finish_resume()
            if not self.paused and self.resuming_until is None:
                demand = rate / m.statements_per_acu + self.open_transactions * m.acu_per_transaction
                target = min(max(math.ceil(demand * 2) / 2, self.floor()), self.max_capacity)
                if target > self.acu:
                    self.acu = target
                elif target < self.acu:
                    self.acu = max(target, self.acu - m.scale_down_step)
                self.acu = min(max(self.acu, self.floor()), self.max_capacity)
                idle = t - max(self.last_activity, self.created)
                if self.min_capacity == 0 and self.open_transactions == 0 and idle >= self.seconds_until_auto_pause:
                    self.paused = True
                    self.acu = 0.0
            acu = 0.0 if (self.paused or self.resuming_until is not None) else self.acu
            sample = Sample(t, acu, rate, self.open_transactions, self.paused or self.resuming_until is not None)
            self.history.append(sample)
            return sample

    def minute_metrics(self, sample: Sample) -> list[dict[str, Any]] | None:
        """Collect ``sample``; when a lab minute completes, return its CloudWatch datapoints."""
        minute = int(sample.t // 60)
        out = None
        with self.lock:
            if self._minute is not None and minute != self._minute and self._minute_samples:
                acus = [s.acu for s in self._minute_samples]
                avg = sum(acus) / len(acus)
                ts = datetime.fromtimestamp(self._minute * 60, tz=timezone.utc).replace(tzinfo=None)  # moto: naive UTC
                dims = [{"Name": "DBClusterIdentifier", "Value": self.identifier}]
                out = [
                    {"MetricName": "ServerlessDatabaseCapacity", "Dimensions": dims, "Timestamp": ts,
                     "Value": avg, "Unit": "Count"},
                    {"MetricName": "ACUUtilization", "Dimensions": dims, "Timestamp": ts,
                     "Value": 100.0 * avg / self.max_capacity if self.max_capacity else 0.0, "Unit": "Percent"},
                ]
                self._minute_samples = []
            self._minute = minute
            self._minute_samples.append(sample)
        return out

    def acu_hours(self, until: float | None = None) -> float:
        """ACU-hours used so far: each sample's capacity held until the next sample."""
        with self.lock:
            samples = list(self.history)
        if not samples:
            return 0.0
        total = 0.0
        for a, b in zip(samples, samples[1:]):
            total += a.acu * (b.t - a.t)
        if until is not None and until > samples[-1].t:
            total += samples[-1].acu * (until - samples[-1].t)
        return total / 3600


# -- planning a day (no cluster needed) -----------------------------------------------------------
@dataclass
class DayPlan:
    """What :func:`plan_day` predicts for one capacity range over a load profile."""

    min_capacity: float
    max_capacity: float
    step_s: float
    acu: list[float]                       # capacity held during each step (0 while paused or resuming)
    acu_hours: float
    cost_usd: float
    worst_latency_ms: float                # the slowest statement of the day (a resume counts in full)
    events: list[tuple[str, float]]        # ("pause" | "resume", seconds from the start)

    @property
    def pauses(self) -> int:
        return sum(1 for kind, _ in self.events if kind == "pause")

    @property
    def resumes(self) -> int:
        return sum(1 for kind, _ in self.events if kind == "resume")


def plan_day(statements_per_s: Any, min_capacity: float, max_capacity: float, seconds_until_auto_pause: float = 300,
             step_s: float = 60.0, model: CapacityModel | None = None, base_latency_ms: float = 5.0) -> DayPlan:
    """Predict capacity, cost and the worst latency of a load profile under a capacity range.

    ``statements_per_s[i]`` is the average load during step ``i`` (``step_s`` seconds, default one
    minute: 1,440 values make a day). The same model as the live cluster (see the module docstring):
    demand = load / 50 statements per ACU-second; capacity jumps up to the demand (rounded up to 0.5,
    within [max(min, 0.5), max]) and falls by at most 0.5 ACU per 5 s; with ``min_capacity`` 0 it
    pauses after ``seconds_until_auto_pause`` without statements and the first statement after a pause
    waits the resume (15 s). Latency: ``base_latency_ms`` per statement while capacity covers the demand;
    when it cannot (MaxCapacity too low) the statements it cannot serve queue up, and a statement waits
    for the queue ahead of it (queue / (capacity × 50) seconds), so a sustained overload soon breaks any
    target; plus the resume wait after a pause.
    Cost: ACU-hours at the price in :mod:`serverless_lab.pricing` ($0.12 per ACU-hour).
    """
    from .. import pricing

    m = model or CapacityModel()
    lo, hi = float(min_capacity), float(max_capacity)
    floor = max(lo, 0.5)
    down_per_step = m.scale_down_step * step_s / m.tick_s
    acu, paused, idle, acu_s, worst, queue = floor, False, 0.0, 0.0, 0.0, 0.0
    held: list[float] = []
    events: list[tuple[str, float]] = []
    for i, rate in enumerate(float(r) for r in statements_per_s):
        t = i * step_s
        wait_ms = 0.0
        if paused:
            if rate <= 0:
                held.append(0.0)
                continue
            paused, acu, idle = False, floor, 0.0
            events.append(("resume", t))
            wait_ms = m.resume_s * 1000
        demand = rate / m.statements_per_acu
        target = min(max(math.ceil(demand * 2) / 2, floor), hi)
        acu = target if target > acu else max(target, acu - down_per_step)
        served = acu * m.statements_per_acu
        queue = max(0.0, queue + (rate - served) * step_s)
        if rate > 0:
            worst = max(worst, wait_ms + base_latency_ms + 1000.0 * queue / served)
            idle = 0.0
        else:
            idle += step_s
        if lo == 0 and idle >= seconds_until_auto_pause:
            paused = True
            events.append(("pause", t + step_s - (idle - seconds_until_auto_pause)))
            # the capacity was held until the pause, within this step
            used = step_s - (idle - seconds_until_auto_pause)
            acu_s += acu * used
            held.append(0.0)
            continue
        acu_s += acu * step_s
        held.append(acu)
    acu_hours = acu_s / 3600
    cost = pricing.aurora_serverless_v2_cost(acu_hours).total
    return DayPlan(lo, hi, step_s, held, acu_hours, cost, worst, events)
