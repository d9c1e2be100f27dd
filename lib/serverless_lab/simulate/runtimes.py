"""Per-runtime calibration of the simulator: cold-start (Init Duration) and memory figures.

Init Duration means come from maxday/lambda-perf (https://maxday.github.io/lambda-perf/,
source https://github.com/maxday/lambda-perf), which deploys a hello-world function per runtime
every day (zip package, 128 MB, x86_64, us-east-1) and publishes the average ``Init Duration``
of 10 cold starts. The figures below are its 7-day averages to 2026-08-22, read from that site.

lambda-perf publishes averages only, so the *spread* is an assumption of this simulator: init
durations are drawn from a log-normal distribution with that mean and a coefficient of variation
of :data:`INIT_CV`. The handler's own import work (``init_ms`` in :func:`simulate`) is added on
top: a hello world imports nothing, a real function usually does (boto3 alone adds roughly
100–200 ms on Python).

``base_memory_mb`` is the rough Max Memory Used of a hello world on that runtime (an assumption
for the REPORT line's ``Max Memory Used``; it does not affect cost, which is by configured memory).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import LabError

LAMBDA_PERF_URL = "https://maxday.github.io/lambda-perf/"
LAMBDA_PERF_DATE = "2026-08"
INIT_CV = 0.25


@dataclass(frozen=True)
class RuntimeProfile:
    name: str
    init_mean_ms: float      # average Init Duration of a hello world (lambda-perf)
    base_memory_mb: int      # rough Max Memory Used of a hello world (assumption)
    source: str = LAMBDA_PERF_URL


RUNTIMES: dict[str, RuntimeProfile] = {
    "python3.12": RuntimeProfile("python3.12", 85.0, 36),
    "python3.13": RuntimeProfile("python3.13", 91.0, 37),
    "nodejs22.x": RuntimeProfile("nodejs22.x", 137.0, 64),
    "java21": RuntimeProfile("java21", 242.0, 90),
    "provided.al2023": RuntimeProfile("provided.al2023", 49.0, 20),   # Go on the OS-only runtime
    "rust": RuntimeProfile("rust", 16.0, 14),                        # Rust on provided.al2023
}
ALIASES = {"python": "python3.12", "python3": "python3.12", "node": "nodejs22.x", "nodejs": "nodejs22.x",
           "nodejs22": "nodejs22.x", "java": "java21", "go": "provided.al2023", "golang": "provided.al2023"}


def runtime_profile(name: str) -> RuntimeProfile:
    """The calibration for ``name`` (Lambda runtime identifiers, or 'go' / 'rust')."""
    key = ALIASES.get(name, name)
    if key not in RUNTIMES:
        raise LabError(
            f"The simulator has no calibration for runtime {name!r}.",
            f"Use one of: {', '.join(RUNTIMES)} (measured by maxday/lambda-perf, {LAMBDA_PERF_DATE}).",
        )
    return RUNTIMES[key]
