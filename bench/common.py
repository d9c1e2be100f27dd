"""What every benchmark module reports: named figures with a target, printed as one table."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    target: str = ""        # e.g. "<= 1.5x floor"
    ok: bool | None = None  # whether the target was met (None: no target)
    spread: tuple[float, float] | None = None   # (p10, p90) of the samples the value is the median of

    def row(self) -> str:
        mark = {True: "met", False: "MISSED", None: ""}[self.ok]
        row = f"{self.name:<58} {self.value:>12.3f} {self.unit:<8} {self.target:<26} {mark}"
        if self.spread is not None:
            row += f"{'' if mark else '   '} (p10 {self.spread[0]:.3f}, p90 {self.spread[1]:.3f})"
        return row


def quantile(samples: list[float], q: float) -> float:
    """The q-quantile of ``samples`` (nearest rank; q=0.5 is a median of the sample)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def spread(samples: list[float], scale: float = 1.0) -> tuple[float, float]:
    """(p10, p90) of ``samples``, times ``scale``."""
    return quantile(samples, 0.1) * scale, quantile(samples, 0.9) * scale


def median_time(fn: Callable[[], object], repeat: int = 50, warmup: int = 3) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)
