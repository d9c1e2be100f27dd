"""Simulator speed: a million invocations under 5 s, ten thousand under 100 ms; memory linear."""

from __future__ import annotations

import time
import tracemalloc

from bench.common import Figure, median_time


def run() -> list[Figure]:
    from serverless_lab import simulate as sim

    figures = []
    small = sim.poisson(100, 100, seed=1)       # ~10,000 requests
    t = median_time(lambda: sim.simulate(small, duration_ms=120, memory_mb=512, seed=1), repeat=15, warmup=2)
    figures.append(Figure(f"simulate {len(small):,} invocations (Poisson, sync)", t * 1000, "ms", "< 100 ms", t < 0.1))

    big = sim.poisson(1000, 1000, seed=1)       # ~1,000,000 requests
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        trace = sim.simulate(big, duration_ms=120, memory_mb=512, seed=1)
        times.append(time.perf_counter() - t0)
    best = sorted(times)[1]
    figures.append(Figure(f"simulate {len(trace):,} invocations (Poisson, sync)", best, "s", "< 5 s", best < 5.0))

    burst = sim.burst(100, 600, burst_rate=3000, burst_start_s=300, burst_duration_s=20, seed=2)
    t0 = time.perf_counter()
    tr = sim.simulate(burst, duration_ms=300, reserved=500, provisioned=50, invocation_type="Event", seed=2)
    dt = time.perf_counter() - t0
    figures.append(Figure(f"simulate burst+async retries ({len(tr):,} records)", dt, "s", "", None))

    # memory: bytes per invocation at 100 k and 1 M should stay about the same (linear)
    per = []
    for n_rate in (100, 1000):
        a = sim.poisson(n_rate, 1000, seed=3)
        tracemalloc.start()
        tr = sim.simulate(a, duration_ms=120, seed=3)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        per.append(peak / len(tr))
        del tr
    figures.append(Figure("simulate peak memory per invocation at 100 k", per[0], "bytes", "", None))
    figures.append(Figure("simulate peak memory per invocation at 1 M", per[1], "bytes", "≤ 1.5× the 100 k figure",
                          per[1] <= 1.5 * per[0]))
    return figures
