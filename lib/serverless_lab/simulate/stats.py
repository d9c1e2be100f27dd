"""Numbers a lab reads off a trace, real or simulated: concurrency over time, cold-start share,
latency percentiles. Vectorised over :meth:`Trace.columns`, so they work on a million rows."""

from __future__ import annotations

from typing import Any

import numpy as np


def _cols(trace: Any) -> dict[str, np.ndarray]:
    return trace.columns() if hasattr(trace, "columns") else trace


def busy_intervals(trace: Any) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) of each invocation that held an environment (INIT included)."""
    c = _cols(trace)
    if not len(c.get("arrival", ())):
        return np.zeros(0), np.zeros(0)
    start = np.where(np.isnan(c["init_start"]), c["invoke_start"], c["init_start"])
    end = c["invoke_end"]
    ok = ~np.isnan(start) & ~np.isnan(end)
    return start[ok], end[ok]


def concurrency(trace: Any, max_points: int | None = 4000) -> tuple[np.ndarray, np.ndarray]:
    """Concurrency as a step series (times, environments busy from that time on).

    With ``max_points`` the series is reduced to the maximum per time bin, which keeps peaks
    (what limits are about) while a chart stays light."""
    start, end = busy_intervals(trace)
    if not len(start):
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    t = np.concatenate([start, end])
    d = np.concatenate([np.ones(len(start), dtype=np.int64), -np.ones(len(end), dtype=np.int64)])
    order = np.lexsort((d, t))          # at equal times, ends (-1) before starts: reuse, not overlap
    t, level = t[order], np.cumsum(d[order])
    if max_points and len(t) > max_points:
        edges = np.linspace(t[0], t[-1], max_points + 1)
        idx = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, max_points - 1)
        before = np.searchsorted(t, edges[:-1], side="right") - 1   # last event at or before each bin's start
        peak = np.where(before >= 0, level[np.clip(before, 0, None)], 0)
        np.maximum.at(peak, idx, level)
        return edges[:-1], peak
    return t, level


def peak_concurrency(trace: Any) -> int:
    _, level = concurrency(trace, max_points=None)
    return int(level.max()) if len(level) else 0


def latency_ms(trace: Any) -> np.ndarray:
    """What each caller waited: INIT (on a cold start) + handler duration, per invocation that ran."""
    c = _cols(trace)
    if not len(c.get("arrival", ())):
        return np.zeros(0)
    ran = c["outcome"] != "throttled"
    init = np.nan_to_num(np.asarray(c["init_duration_ms"], dtype=float))
    return (np.asarray(c["duration_ms"], dtype=float) + np.where(c["cold"], init, 0.0))[ran]


def summary(trace: Any) -> dict[str, Any]:
    """The headline numbers of a run: invocations, cold-start share, throttles, p50/p90/p99
    latency, peak concurrency, environments used, billed GB-seconds."""
    c = _cols(trace)
    n = len(c.get("arrival", ()))
    if n == 0:
        return {"invocations": 0, "ran": 0, "cold_starts": 0, "cold_start_share": 0.0, "throttled": 0,
                "errors": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "peak_concurrency": 0,
                "environments": 0, "billed_gb_s": 0.0, "provisioned_share": 0.0}
    ran = c["outcome"] != "throttled"
    lat = latency_ms(c)
    p50, p90, p99 = (float(v) for v in np.percentile(lat, [50, 90, 99])) if len(lat) else (None, None, None)
    envs = c["environment_id"][ran]
    nran = int(ran.sum())
    return {
        "invocations": n,
        "ran": nran,
        "cold_starts": int(c["cold"].sum()),
        "cold_start_share": float(c["cold"][ran].mean()) if nran else 0.0,
        "throttled": int((~ran).sum()),
        "errors": int(np.isin(c["outcome"], ("error", "timeout", "crash", "oom")).sum()),
        "p50_ms": p50, "p90_ms": p90, "p99_ms": p99,
        "peak_concurrency": peak_concurrency(c),
        "environments": len(set(envs.tolist())),
        "billed_gb_s": float((c["billed_ms"] / 1000.0 * c["memory_mb"] / 1024.0)[ran].sum()),
        "provisioned_share": float(c["provisioned"][ran].mean()) if nran else 0.0,
    }
