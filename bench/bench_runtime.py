"""Speed of the local Lambda runtime against its physical floors (issue 3 targets).

* floor: a trivial in-process moto call through boto3 (``lambda.get_function``);
  warm synchronous invoke of a trivial handler: median <= 1.5x that floor;
* cold start (new environment, trivial handler, through boto3): median <= 1.5x a bare
  ``python -c pass`` process start measured in the same run;
* 100 concurrent invocations of a 100 ms handler (concurrency 100 allowed) finish within
  2x (single invocation time + cold start);
* no worker process outlives the session.
"""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

from bench.common import Figure, median_time


def _zip(src: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", src)
    return buf.getvalue()


TRIVIAL = _zip("def handler(event, context):\n    return {'ok': True}\n")
SLEEPY = _zip("import time\ndef handler(event, context):\n    time.sleep(0.1)\n    return 1\n")


def _worker_processes() -> list:
    import psutil

    out = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker.py" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def run() -> list[Figure]:
    import boto3
    from botocore.config import Config

    from serverless_lab import mock_aws

    figures: list[Figure] = []
    with mock_aws() as aws:
        rt = aws.extension("lambda")
        iam = boto3.client("iam")
        role = iam.create_role(RoleName="bench-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = boto3.client("lambda", config=Config(retries={"total_max_attempts": 1}, max_pool_connections=128))

        def create(name: str, code: bytes) -> None:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": code}, Timeout=10)

        create("trivial", TRIVIAL)
        lam.invoke(FunctionName="trivial")  # cold start once; warm from here on
        floor = median_time(lambda: lam.get_function(FunctionName="trivial"), repeat=200, warmup=10)
        warm = median_time(lambda: lam.invoke(FunctionName="trivial", Payload=b"{}"), repeat=200, warmup=10)
        figures += [
            Figure("lambda: floor, in-process get_function via boto3", floor * 1000, "ms"),
            Figure("lambda: warm invoke of a trivial handler via boto3", warm * 1000, "ms"),
            Figure("lambda: warm invoke / floor", warm / floor, "x", "<= 1.5x", warm / floor <= 1.5),
        ]

        def python_pass() -> None:
            subprocess.run([sys.executable, "-c", "pass"], check=True)

        bare = median_time(python_pass, repeat=15, warmup=2)
        colds = []
        for i in range(20):
            create(f"cold-{i}", TRIVIAL)
            t0 = time.perf_counter()
            lam.invoke(FunctionName=f"cold-{i}")
            colds.append(time.perf_counter() - t0)
        cold = statistics.median(colds)
        inits = [r.init_duration_ms for r in rt.trace.records() if r.cold and r.function_name.startswith("cold-")]
        figures += [
            Figure("lambda: python -c pass", bare * 1000, "ms"),
            Figure("lambda: cold start invoke (new env, trivial) via boto3", cold * 1000, "ms"),
            Figure("lambda: cold start / python -c pass", cold / bare, "x", "<= 1.5x", cold / bare <= 1.5),
            Figure("lambda: Init Duration reported (median)", statistics.median(inits), "ms"),
        ]

        # 100 concurrent invocations of a 100 ms handler
        create("sleepy", SLEEPY)
        t0 = time.perf_counter()
        lam.invoke(FunctionName="sleepy")
        single_cold = time.perf_counter() - t0
        single = median_time(lambda: lam.invoke(FunctionName="sleepy"), repeat=5, warmup=1)
        rt.retire("sleepy")                      # start the burst from zero environments
        spares = rt.zygote.spares                # processes forked ahead, not bound to any function
        with ThreadPoolExecutor(100) as pool:
            list(pool.map(lambda _: None, range(100)))      # threads up before timing
            t0 = time.perf_counter()
            list(pool.map(lambda _: lam.get_function(FunctionName="sleepy"), range(100)))
            floor_burst = time.perf_counter() - t0
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: lam.invoke(FunctionName="sleepy")["StatusCode"], range(100)))
            burst = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        kernel_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        with ThreadPoolExecutor(100) as pool:
            list(pool.map(lambda _: None, range(100)))
            t0 = time.perf_counter()
            list(pool.map(lambda _: lam.invoke(FunctionName="sleepy")["StatusCode"], range(100)))
            burst_warm = time.perf_counter() - t0
        budget = single + (single_cold - single)     # single invocation time + a cold start
        envs = len([e for e in rt.environments() if e["function"] == "sleepy"])
        figures += [
            Figure("lambda: 100 ms handler, single warm invoke", single * 1000, "ms"),
            Figure("lambda: 100 ms handler, single cold invoke", single_cold * 1000, "ms"),
            Figure("lambda: spare processes ready before the burst", spares, "procs"),
            Figure("lambda: 100 concurrent get_function via boto3 (floor)", floor_burst * 1000, "ms"),
            Figure("lambda: 100 concurrent (all cold) wall time", burst * 1000, "ms"),
            Figure("lambda: notebook-process CPU during that burst", kernel_cpu * 1000, "ms"),
            Figure("lambda: 100 concurrent / (2 x single + cold start)", burst / (2 * single + single_cold - single),
                   "x", "(other reading)"),
            Figure("lambda: 100 concurrent / (single + cold start)", burst / budget, "x", "<= 2x",
                   burst / budget <= 2 and results.count(200) == 100),
            Figure("lambda: 100 concurrent again (warm) wall time", burst_warm * 1000, "ms"),
            Figure("lambda: environments after the burst (finished ones are reused)", envs, "envs"),
        ]
        inside = len(_worker_processes())
    leftover = len(_worker_processes())
    figures += [
        Figure("lambda: worker processes while running (zygote, envs, spares)", inside, "procs"),
        Figure("lambda: worker processes left after stop", leftover, "procs", "== 0", leftover == 0),
    ]
    return figures


if __name__ == "__main__":
    for fig in run():
        print(fig.row())
