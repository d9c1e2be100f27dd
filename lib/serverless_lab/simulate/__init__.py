"""A scaling simulator for AWS Lambda: workloads a laptop cannot run for real.

    from serverless_lab import simulate as sim
    trace = sim.simulate(sim.burst(50, 600, burst_rate=2000, burst_start_s=300, burst_duration_s=30),
                         duration_ms=120, memory_mb=512, reserved=800, provisioned=50, seed=1)
    sim.summary(trace)          # cold-start share, throttles, p50/p90/p99, peak concurrency
    viz.timeline(trace)         # the same charts as for a real trace

The output is a :class:`~serverless_lab.trace.Trace` with the runtime's fields (``simulated``
True), so every chart and cost function works on both.
"""

from .arrivals import Arrivals, SimulationInputError, burst, constant, diurnal, poisson, replay
from .model import ACCOUNT_CONCURRENCY, simulate
from .runtimes import LAMBDA_PERF_DATE, LAMBDA_PERF_URL, RUNTIMES, runtime_profile
from .sqs import simulate_sqs
from .stats import busy_intervals, concurrency, latency_ms, peak_concurrency, summary

__all__ = [
    "Arrivals", "SimulationInputError", "constant", "poisson", "burst", "diurnal", "replay",
    "simulate", "simulate_sqs", "summary", "concurrency", "peak_concurrency", "latency_ms", "busy_intervals",
    "RUNTIMES", "runtime_profile", "LAMBDA_PERF_URL", "LAMBDA_PERF_DATE", "ACCOUNT_CONCURRENCY",
]
