"""Spare processes: forked ahead of demand, bound to a function at its cold start, never left behind."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import boto3
import psutil
from botocore.config import Config

NO_RETRY = Config(retries={"total_max_attempts": 1}, max_pool_connections=64)

PID = """
    import os
    LOADED = 0
    LOADED += 1
    def handler(event, context):
        return {"pid": os.getpid(), "loaded": LOADED, "cwd": os.getcwd(),
                "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"]}
"""

BARRIER = """
    import os, time
    def handler(event, context):
        # wait until every invocation of the burst runs: each needs an environment of its own
        open(os.path.join(event["dir"], str(os.getpid())), "w").close()
        deadline = time.time() + 30
        while len(os.listdir(event["dir"])) < event["n"] and time.time() < deadline:
            time.sleep(0.01)
        return os.getpid()
"""


def create(lam, name: str, code: str) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", textwrap.dedent(code))
    iam = boto3.client("iam")
    try:
        role = iam.get_role(RoleName="spares-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="spares-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": buf.getvalue()}, Timeout=30)


def invoke(lam, name: str) -> dict:
    resp = lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
    resp["body"] = json.loads(resp["Payload"].read())
    return resp


def spare_pids(rt) -> set[int]:
    with rt.zygote._spare_cond:
        return {s.pid for s in rt.zygote._spares}


def wait_for_spares(rt, n: int, timeout: float = 30.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while rt.zygote.spares < n and time.monotonic() < deadline:
        time.sleep(0.05)
    assert rt.zygote.spares >= n, f"only {rt.zygote.spares} spare processes after {timeout} s"
    return spare_pids(rt)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_cold_start_binds_a_spare_and_init_starts_there(aws, unique):
    rt = aws.extension("lambda")
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("spare")
    create(lam, name, PID)
    spares = wait_for_spares(rt, 1)
    first = invoke(lam, name)
    assert first["body"]["pid"] in spares            # no fork on the critical path
    assert first["body"]["loaded"] == 1 and first["body"]["name"] == name
    rec = rt.trace.filter(function_name=name).records()[0]
    assert rec.cold and rec.init_duration_ms is not None and rec.init_duration_ms > 0
    report = [line for line in base64.b64decode(first["LogResult"]).decode().splitlines()
              if line.startswith("REPORT")][0]
    assert "Init Duration:" in report
    second = invoke(lam, name)
    assert second["body"]["pid"] == first["body"]["pid"]   # warm: the same environment
    assert not rt.trace.filter(function_name=name).records()[1].cold
    assert first["body"]["pid"] not in spare_pids(rt)


def test_a_burst_takes_spares_and_the_next_one_finds_as_many(aws, unique, tmp_path, monkeypatch):
    from serverless_lab.runtime import zygote

    monkeypatch.setattr(zygote, "SPARES_QUIET_S", 5.0)   # a loaded machine spreads the burst out
    rt = aws.extension("lambda")
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("burst")
    create(lam, name, BARRIER)
    n = 24
    event = json.dumps({"dir": str(tmp_path), "n": n}).encode()
    with ThreadPoolExecutor(n) as pool:
        pids = list(pool.map(lambda _: json.loads(lam.invoke(FunctionName=name, Payload=event)["Payload"].read()),
                             range(n)))
    recs = rt.trace.filter(function_name=name).records()
    assert len(recs) == n and all(r.cold for r in recs) and len(set(pids)) == n
    # once the burst is over, spares are forked again: as many as that burst took
    wait_for_spares(rt, n, timeout=60.0)


def test_a_spare_killed_from_outside_is_skipped(aws, unique):
    rt = aws.extension("lambda")
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("dead-spare")
    create(lam, name, PID)
    killed = wait_for_spares(rt, 1)
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not all(gone(p) for p in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    resp = invoke(lam, name)
    assert "FunctionError" not in resp and resp["body"]["loaded"] == 1
    assert rt.trace.filter(function_name=name).records()[0].cold


def test_spares_end_with_the_session():
    from serverless_lab import mock_aws

    with mock_aws() as session:
        boto3.client("lambda").list_functions()
        spares = wait_for_spares(session.extension("lambda"), 1)
    deadline = time.monotonic() + 30
    while not all(gone(p) for p in spares) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(p) for p in spares)


KERNEL = r'''
import json, os, signal, sys, time, boto3
from serverless_lab import mock_aws
aws = mock_aws().start()
boto3.client("lambda").list_functions()
rt = aws.extension("lambda")
deadline = time.monotonic() + 30
while rt.zygote.spares < 1 and time.monotonic() < deadline:
    time.sleep(0.05)
with rt.zygote._spare_cond:
    spares = [s.pid for s in rt.zygote._spares]
print(json.dumps({"zygote": rt.zygote.pid, "spares": spares}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)   # the kernel dies without any clean-up
'''


def test_spares_die_with_the_kernel(tmp_path):
    script = tmp_path / "kernel.py"
    script.write_text(KERNEL)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    pids = json.loads(out.stdout.strip().splitlines()[-1])
    alive = [pids["zygote"], *pids["spares"]]
    assert len(alive) > 1, out.stderr[-2000:]
    deadline = time.monotonic() + 30
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = [p for p in alive if not gone(p)]
    assert not alive, out.stderr[-2000:]


ORDER = """
    import sys
    print("init line")
    print("x" * 100000)                     # a long INIT output: read in several pieces
    def handler(event, context):
        print("handler line", len(event.get("pad", "")))
        return {"left_ms": context.get_remaining_time_in_millis(), "n": len(event.get("pad", ""))}
"""


def test_init_output_comes_before_start_and_the_first_invocation_keeps_its_own(aws, unique):
    lam = boto3.client("lambda", config=NO_RETRY)
    for pad in (0, 100_000):
        name = unique("order")
        create(lam, name, ORDER)             # Timeout=30
        first = lam.invoke(FunctionName=name, Payload=json.dumps({"pad": "p" * pad}).encode(), LogType="Tail")
        body = json.loads(first["Payload"].read())
        assert body["n"] == pad and 28_000 < body["left_ms"] <= 30_000
        logs = boto3.client("logs")
        stream = logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"][0]["logStreamName"]
        msgs = [e["message"] for e in logs.get_log_events(logGroupName=f"/aws/lambda/{name}",
                                                          logStreamName=stream)["events"]]
        kinds = [m.split(" ")[0] if m.split(" ")[0] in ("INIT_START", "START", "END", "REPORT") else m[:12]
                 for m in msgs]
        assert kinds == ["INIT_START", "init line", "x" * 12, "START", "handler line", "END", "REPORT"], kinds
        assert msgs[4] == f"handler line {pad}" and len(msgs[2]) == 100_000
        second = json.loads(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read())
        assert second["n"] == 0 and second["left_ms"] > 28_000
