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

    def row(self) -> str:
        mark = {True: "met", False: "MISSED", None: ""}[self.ok]
        return f"{self.name:<58} {self.value:>12.3f} {self.unit:<8} {self.target:<26} {mark}"


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
