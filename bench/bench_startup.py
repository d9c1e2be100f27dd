"""Start-up cost: a fresh kernel's ``start_lab()`` plus its first boto3 call, against plain moto.

Each sample is a fresh Python process (what a student pays when a lab's first cell runs after a
kernel restart): import, start the mocked world, create a client and make one call
(``s3.create_bucket``). The floor is the same with ``moto.mock_aws()``. Extensions a lab does
not use must not cost start-up time (docs/architecture.md, "Extensions"): target <= 1.3x.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

from bench.common import Figure

LAB = """
import time; t0 = time.perf_counter()
from serverless_lab import start_lab
import boto3
aws = start_lab()
boto3.client("s3").create_bucket(Bucket="bench-startup")
print(time.perf_counter() - t0)
aws.stop()
"""

MOTO = """
import time; t0 = time.perf_counter()
import moto
import boto3
m = moto.mock_aws(); m.start()
boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="bench-startup")
print(time.perf_counter() - t0)
m.stop()
"""


def _sample(code: str) -> float:
    """Seconds from the first import to the call's answer, in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def measure(repeat: int = 5) -> tuple[float, float]:
    """Median (lab, moto) start-up seconds; samples alternate so machine load hits both alike."""
    lab, moto = [], []
    _sample(MOTO)   # warm the OS file cache and .pyc files once
    for _ in range(repeat):
        moto.append(_sample(MOTO))
        lab.append(_sample(LAB))
    return statistics.median(lab), statistics.median(moto)


def run() -> list[Figure]:
    t = time.perf_counter()
    lab, moto = measure()
    ratio = lab / moto
    return [
        Figure("start-up: plain moto.mock_aws() + first call", moto, "s"),
        Figure("start-up: start_lab() + first call", lab, "s"),
        Figure("start-up: start_lab() / moto.mock_aws()", ratio, "x", "<= 1.3x", ratio <= 1.3),
        Figure("start-up bench wall time", time.perf_counter() - t, "s"),
    ]


if __name__ == "__main__":
    for fig in run():
        print(fig.row())
