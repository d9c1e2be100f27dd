"""When requests arrive: the traffic shapes a lab can ask the simulator for.

Every generator returns an :class:`Arrivals` (sorted arrival times in seconds from 0, numpy),
built with vectorised numpy so a day of traffic at hundreds of requests a second takes
milliseconds. Shapes combine with ``+`` (a steady load plus a burst).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import LabError

MAX_ARRIVALS = 20_000_000  # a guard against a typo (rate=1e9) eating all memory


class SimulationInputError(LabError):
    """A simulator parameter is outside what AWS allows or what makes sense."""


def _check_rate(name: str, value: float) -> None:
    if value is None or not math.isfinite(value) or value < 0:
        raise SimulationInputError(
            f"{name} must be a number of requests per second ≥ 0; got {value!r}.",
            f"Give {name} as a rate such as 10 (requests per second).",
        )


def _check_span(name: str, value: float) -> None:
    if value is None or not math.isfinite(value) or value < 0:
        raise SimulationInputError(f"{name} must be a duration in seconds ≥ 0; got {value!r}.",
                                   f"Give {name} in seconds, e.g. 60.")


def _check_count(expected: float) -> None:
    if expected > MAX_ARRIVALS:
        raise SimulationInputError(
            f"That traffic is about {expected:,.0f} requests; the simulator stops at {MAX_ARRIVALS:,}.",
            "Lower the rate or the duration (a million requests already shows every effect).",
        )


@dataclass
class Arrivals:
    """Sorted arrival times (s). ``duration_ms`` optionally fixes each request's handler time
    (a replayed trace does); ``label`` names the shape in charts."""

    times: np.ndarray
    duration_ms: np.ndarray | None = None
    label: str = "arrivals"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.times = np.asarray(self.times, dtype=float)
        if self.times.ndim != 1:
            raise SimulationInputError("Arrival times must be a flat list of seconds.", "Pass a 1-D list or array.")
        if len(self.times) and (not np.all(np.isfinite(self.times)) or self.times.min() < 0):
            raise SimulationInputError("Arrival times must be finite seconds ≥ 0.", "Shift the times so the first is ≥ 0.")
        order = None
        if len(self.times) > 1 and np.any(np.diff(self.times) < 0):
            order = np.argsort(self.times, kind="stable")
            self.times = self.times[order]
        if self.duration_ms is not None:
            self.duration_ms = np.asarray(self.duration_ms, dtype=float)
            if self.duration_ms.shape != self.times.shape:
                raise SimulationInputError("duration_ms must have one value per arrival.", "Give as many durations as times.")
            if order is not None:
                self.duration_ms = self.duration_ms[order]

    def __len__(self) -> int:
        return len(self.times)

    def __add__(self, other: Arrivals) -> Arrivals:
        times = np.concatenate([self.times, other.times])
        dur = None
        if self.duration_ms is not None or other.duration_ms is not None:
            a = self.duration_ms if self.duration_ms is not None else np.full(len(self), np.nan)
            b = other.duration_ms if other.duration_ms is not None else np.full(len(other), np.nan)
            dur = np.concatenate([a, b])
        return Arrivals(times, dur, f"{self.label} + {other.label}")

    @property
    def span_s(self) -> float:
        return float(self.times[-1] - self.times[0]) if len(self) else 0.0

    def rate_per_s(self, bin_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Requests per second in bins (for a traffic chart)."""
        if not len(self):
            return np.zeros(0), np.zeros(0)
        edges = np.arange(0, self.times[-1] + bin_s, bin_s)
        counts, _ = np.histogram(self.times, bins=edges if len(edges) > 1 else [0, bin_s])
        return edges[:-1], counts / bin_s


def constant(rate: float, duration_s: float, start_s: float = 0.0) -> Arrivals:
    """Evenly spaced requests: ``rate`` per second for ``duration_s`` seconds."""
    _check_rate("rate", rate)
    _check_span("duration_s", duration_s)
    n = int(round(rate * duration_s))
    _check_count(n)
    return Arrivals(start_s + np.arange(n) / rate if n else np.zeros(0), label=f"constant {rate:g}/s")


def poisson(rate: float, duration_s: float, seed: int = 0, start_s: float = 0.0) -> Arrivals:
    """Independent requests at an average ``rate`` per second (exponential gaps): most real
    traffic from many independent users looks like this."""
    _check_rate("rate", rate)
    _check_span("duration_s", duration_s)
    _check_count(rate * duration_s)
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate * duration_s)
    times = np.sort(rng.uniform(0.0, duration_s, n)) + start_s
    return Arrivals(times, label=f"Poisson {rate:g}/s")


def burst(base_rate: float, duration_s: float, burst_rate: float, burst_start_s: float,
          burst_duration_s: float, seed: int = 0) -> Arrivals:
    """Poisson traffic at ``base_rate`` plus a spike of ``burst_rate`` extra requests per second
    from ``burst_start_s`` for ``burst_duration_s`` (a launch, a retry storm, a TV advert)."""
    _check_rate("burst_rate", burst_rate)
    _check_span("burst_start_s", burst_start_s)
    _check_span("burst_duration_s", burst_duration_s)
    base = poisson(base_rate, duration_s, seed)
    spike = poisson(burst_rate, burst_duration_s, seed + 1, start_s=burst_start_s)
    out = base + spike
    out.label = f"{base_rate:g}/s + burst {burst_rate:g}/s"
    return out


def diurnal(mean_rate: float, duration_s: float = 86_400.0, peak_hour: float = 14.0, amplitude: float = 0.8,
            seed: int = 0) -> Arrivals:
    """A day's traffic: Poisson with a rate that follows a sine over 24 h, highest at
    ``peak_hour`` (``amplitude`` 0 = flat, 1 = zero at night). Generated by thinning."""
    _check_rate("mean_rate", mean_rate)
    _check_span("duration_s", duration_s)
    if not 0 <= amplitude <= 1:
        raise SimulationInputError(f"amplitude must be between 0 and 1; got {amplitude}.", "Use e.g. amplitude=0.8.")
    peak = mean_rate * (1 + amplitude)
    _check_count(peak * duration_s)
    rng = np.random.default_rng(seed)
    n = rng.poisson(peak * duration_s)
    times = np.sort(rng.uniform(0.0, duration_s, n))
    rate = mean_rate * (1 + amplitude * np.cos(2 * np.pi * (times / 3600.0 - peak_hour) / 24.0))
    keep = rng.uniform(0.0, peak, n) < rate
    return Arrivals(times[keep], label=f"diurnal mean {mean_rate:g}/s")


def replay(trace: Any, speed: float = 1.0, repeat: int = 1, keep_durations: bool = True) -> Arrivals:
    """The arrivals of a real trace (from the runtime), shifted to start at 0, optionally sped
    up (``speed`` 10 = ten times faster) and repeated back to back. With ``keep_durations`` each
    request keeps the handler duration it really had."""
    if speed <= 0 or repeat < 1:
        raise SimulationInputError("speed must be > 0 and repeat ≥ 1.", "Use e.g. replay(TRACE, speed=10, repeat=3).")
    cols = trace.columns() if hasattr(trace, "columns") else trace
    arr = np.asarray(cols.get("arrival", ()), dtype=float)
    if not len(arr):
        return Arrivals(np.zeros(0), label="replay (empty trace)")
    first = np.asarray(cols.get("attempt", np.ones(len(arr))), dtype=int) == 1
    ran = np.asarray(cols.get("outcome", np.full(len(arr), "success")), dtype=object) != "throttled"
    arr = arr[first]
    dur = np.asarray(cols["duration_ms"], dtype=float)[first] if keep_durations else None
    if dur is not None:
        dur = np.where(ran[first], dur, np.nan)   # a throttled request has no duration of its own
    t = (arr - arr.min()) / speed
    span = (t.max() if len(t) else 0.0) + (np.median(np.diff(np.sort(t))) if len(t) > 1 else 1.0)
    times = np.concatenate([t + k * span for k in range(repeat)])
    durs = np.concatenate([dur] * repeat) if dur is not None else None
    return Arrivals(times, durs, label=f"replay ×{speed:g}" + (f" ×{repeat} times" if repeat > 1 else ""))
