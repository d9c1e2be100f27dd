"""Speed of the local Lambda runtime against what can be measured beside it (issue 26, part 2).

* warm invoke: a trivial handler invoked through boto3, against the floor of a trivial moto call
  through boto3 (``lambda.get_function``) in the same process. The two are sampled interleaved
  (alternating which goes first) so that whatever else the machine is doing weighs on both;
  target: median warm <= 1.5x median floor. The p10/p90 spread and the CPU each costs (this
  process, and the worker for the invoke) are printed beside the medians: the CPU ratio does not
  depend on the machine's load, the wall-time ratio does (the worker is another process, and on
  a busy machine it waits for a core: "waiting on the worker" is that share of the warm invoke).
* cold start (new environment, trivial handler, through boto3): median <= 1.5x a bare
  ``python -c pass`` process start measured in the same run;
* burst: 100 concurrent invocations of a 100 ms handler from zero environments (all cold). Its
  floor is what 100 concurrent trivial boto3 calls through moto cost in this process (they share
  its GIL) plus one warm 100 ms invoke; target: burst <= 1.3x (that floor + one warm invoke),
  each round measured side by side (floor burst, then cold burst); the median of the rounds is
  held to the target, every round is printed;
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

from bench.common import Figure, median_time, quantile, spread


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


WARM_PAIRS = 400       # interleaved (floor, warm) samples after warm-up
BURST = 100
BURST_ROUNDS = 3


def _worker_cpu(pid: int) -> float:
    """CPU seconds (user + system) a worker process has used so far."""
    import psutil

    t = psutil.Process(pid).cpu_times()
    return t.user + t.system


def _warm_figures(rt, lam) -> list[Figure]:  # noqa: ANN001
    """Warm invoke against a trivial moto call, sampled interleaved; wall and CPU, with spread."""
    floor_call = lambda: lam.get_function(FunctionName="trivial")  # noqa: E731
    warm_call = lambda: lam.invoke(FunctionName="trivial", Payload=b"{}")  # noqa: E731
    for _ in range(20):
        floor_call(), warm_call()
    (pid,) = [e["pid"] for e in rt.environments() if e["function"] == "trivial"]
    wall: dict[str, list[float]] = {"floor": [], "warm": []}
    cpu: dict[str, list[float]] = {"floor": [], "warm": []}
    clock, cpu_clock = time.perf_counter, time.process_time
    worker0 = _worker_cpu(pid)
    for i in range(WARM_PAIRS):
        for kind, call in ((("floor", floor_call), ("warm", warm_call)) if i % 2
                           else (("warm", warm_call), ("floor", floor_call))):
            c0, t0 = cpu_clock(), clock()
            call()
            t1, c1 = clock(), cpu_clock()
            wall[kind].append(t1 - t0)
            cpu[kind].append(c1 - c0)
    worker = (_worker_cpu(pid) - worker0) / WARM_PAIRS
    floor, warm = statistics.median(wall["floor"]), statistics.median(wall["warm"])
    floor_cpu, warm_cpu = statistics.median(cpu["floor"]), statistics.median(cpu["warm"])
    waiting = [w - c for w, c in zip(wall["warm"], cpu["warm"])]
    pair = [w / f for f, w in zip(wall["floor"], wall["warm"])]
    return [
        Figure("lambda: floor, in-process get_function via boto3", floor * 1000, "ms",
               spread=spread(wall["floor"], 1000)),
        Figure("lambda: warm invoke of a trivial handler via boto3", warm * 1000, "ms",
               spread=spread(wall["warm"], 1000)),
        Figure("lambda: warm invoke / floor (medians, interleaved)", warm / floor, "x", "<= 1.5x", warm / floor <= 1.5,
               spread=spread(pair)),
        Figure("lambda: floor, this process's CPU per call", floor_cpu * 1000, "ms"),
        Figure("lambda: warm invoke, this process's CPU per call", warm_cpu * 1000, "ms"),
        Figure("lambda: warm invoke, the worker's CPU per call (mean)", worker * 1000, "ms"),
        Figure("lambda: warm invoke / floor, by CPU (both processes)", (warm_cpu + worker) / floor_cpu, "x",
               "(load-independent)"),
        Figure("lambda: warm invoke, waiting on the worker (wall - CPU)", quantile(waiting, 0.5) * 1000, "ms",
               spread=spread(waiting, 1000)),
    ]


def _burst_figures(rt, lam, create) -> list[Figure]:  # noqa: ANN001
    """100 concurrent cold invokes of a 100 ms handler beside 100 concurrent trivial moto calls."""
    create("sleepy", SLEEPY)
    t0 = time.perf_counter()
    lam.invoke(FunctionName="sleepy")
    single_cold = time.perf_counter() - t0
    single = median_time(lambda: lam.invoke(FunctionName="sleepy"), repeat=9, warmup=1)
    rounds: list[tuple[float, float, int, float, int]] = []   # floor, burst, spares, notebook CPU, 200s
    with ThreadPoolExecutor(BURST) as pool:
        list(pool.map(lambda _: None, range(BURST)))      # threads up before timing
        for _ in range(BURST_ROUNDS):
            rt.retire("sleepy")                      # start the burst from zero environments
            spares = rt.zygote.spares                # processes forked ahead, not bound to any function
            t0 = time.perf_counter()
            list(pool.map(lambda _: lam.get_function(FunctionName="sleepy"), range(BURST)))
            floor_burst = time.perf_counter() - t0
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            results = list(pool.map(lambda _: lam.invoke(FunctionName="sleepy")["StatusCode"], range(BURST)))
            burst = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            kernel_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            rounds.append((floor_burst, burst, spares, kernel_cpu, results.count(200)))
        t0 = time.perf_counter()
        list(pool.map(lambda _: lam.invoke(FunctionName="sleepy")["StatusCode"], range(BURST)))
        burst_warm = time.perf_counter() - t0
    ratios = [b / (f + single) for f, b, *_ in rounds]
    ratio = statistics.median(ratios)
    all_ok = all(r[4] == BURST for r in rounds)
    envs = len([e for e in rt.environments() if e["function"] == "sleepy"])
    figures = [
        Figure("lambda: 100 ms handler, single warm invoke", single * 1000, "ms"),
        Figure("lambda: 100 ms handler, single cold invoke", single_cold * 1000, "ms"),
    ]
    for i, (floor_burst, burst, spares, kernel_cpu, _ok) in enumerate(rounds, 1):
        figures += [
            Figure(f"lambda: burst round {i}: spare processes ready before it", spares, "procs"),
            Figure(f"lambda: burst round {i}: 100 concurrent get_function (floor)", floor_burst * 1000, "ms"),
            Figure(f"lambda: burst round {i}: 100 concurrent cold invokes", burst * 1000, "ms"),
            Figure(f"lambda: burst round {i}: notebook-process CPU during it", kernel_cpu * 1000, "ms"),
            Figure(f"lambda: burst round {i}: burst / (floor + single warm)", ratios[i - 1], "x"),
        ]
    figures += [
        Figure("lambda: burst / (floor + single warm), median of rounds", ratio, "x", "<= 1.3x",
               ratio <= 1.3 and all_ok),
        Figure("lambda: 100 concurrent again (warm) wall time", burst_warm * 1000, "ms"),
        Figure("lambda: environments after the burst (finished ones are reused)", envs, "envs"),
    ]
    return figures


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
        figures += _warm_figures(rt, lam)

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
            Figure("lambda: cold start invoke (new env, trivial) via boto3", cold * 1000, "ms",
                   spread=spread(colds, 1000)),
            Figure("lambda: cold start / python -c pass", cold / bare, "x", "<= 1.5x", cold / bare <= 1.5),
            Figure("lambda: Init Duration reported (median)", statistics.median(inits), "ms"),
        ]

        figures += _burst_figures(rt, lam, create)
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
