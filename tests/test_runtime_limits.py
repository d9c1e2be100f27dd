"""Limits: timeout, crashes, memory, output, forks, concurrency, throttling, provisioned."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import psutil
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create

NO_RETRY = Config(retries={"total_max_attempts": 1}, max_pool_connections=50)






def invoke(lam, name: str, event=None, **kw):
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    resp["body"] = json.loads(resp["Payload"].read() or b"null")
    return resp


def messages(name: str) -> list[str]:
    logs = boto3.client("logs")
    out = []
    for s in logs.describe_log_streams(logGroupName=f"/aws/lambda/{name}")["logStreams"]:
        out += [e["message"] for e in logs.get_log_events(logGroupName=f"/aws/lambda/{name}",
                                                          logStreamName=s["logStreamName"])["events"]]
    return out


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _wait_gone(pids: list[int], what: str, timeout: float = 30) -> None:
    """A SIGKILLed process is gone once the scheduler has run it: wait for that, generously."""
    deadline = time.monotonic() + timeout
    while alive := [p for p in pids if not _gone(p)]:
        assert time.monotonic() < deadline, f"{what}: {alive}"
        time.sleep(0.05)


# Each call of a burst holds its environment until all `n` calls of the burst run at once (or the
# test drops a file named "release" in the folder): the calls overlap however busy the machine is.
BARRIER = """
    import os, time
    def handler(event, context):
        open(os.path.join(event["dir"], str(os.getpid())), "w").close()
        deadline = time.time() + 50
        while time.time() < deadline and not os.path.exists(os.path.join(event["dir"], "release")) \\
                and len(os.listdir(event["dir"])) < event["n"]:
            time.sleep(0.01)
        return RESULT
"""


def _burst(tmp_path, n: int) -> dict:
    folder = tmp_path / f"burst-{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    return {"dir": str(folder), "n": n}


def test_timeout_kills_and_discards_the_environment(aws, unique):
    lam = boto3.client("lambda")
    name = unique("slow")
    create(lam, name, """
        import time
        def handler(event, context):
            if event.get("sleep"):
                time.sleep(30)
            return "quick"
    """, Timeout=1)
    resp = invoke(lam, name, {"sleep": True})
    assert resp["FunctionError"] == "Unhandled"
    assert resp["body"]["errorType"] == "Sandbox.Timedout"
    assert resp["body"]["errorMessage"].endswith("Task timed out after 1.00 seconds")
    msgs = messages(name)
    timed_out = [m for m in msgs if m.endswith("Task timed out after 1.00 seconds")]
    assert timed_out and timed_out[0][:4].isdigit() and timed_out[0].split(" ")[0].endswith("Z")
    report = [m for m in msgs if m.startswith("REPORT")][-1]
    assert "Duration: 1000.00 ms" in report and report.endswith("Status: timeout")
    rt = aws.extension("lambda")
    assert rt.trace.filter(function_name=name).records()[-1].outcome == "timeout"
    assert invoke(lam, name)["body"] == "quick"
    assert [r.cold for r in rt.trace.filter(function_name=name)] == [True, True]


def test_process_exit_is_runtime_exit_error_and_the_kernel_survives(aws, unique):
    lam = boto3.client("lambda")
    name = unique("exit")
    create(lam, name, """
        import os, sys
        def handler(event, context):
            print("about to exit")
            if event.get("how") == "sys":
                sys.exit(3)
            os._exit(1)
    """)
    resp = invoke(lam, name)
    assert resp["FunctionError"] == "Unhandled"
    body = resp["body"]
    assert body["errorType"] == "Runtime.ExitError"
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert body["errorMessage"] == f"RequestId: {rec.request_id} Error: Runtime exited with error: exit status 1"
    assert rec.outcome == "crash"
    assert "about to exit" in messages(name)
    assert invoke(lam, name, {"how": "sys"})["body"]["errorMessage"].endswith("exit status 3")
    assert psutil.Process(os.getpid()).is_running()


def test_memory_limit_is_enforced(aws, unique):
    lam = boto3.client("lambda")
    name = unique("hog")
    create(lam, name, """
        def handler(event, context):
            blocks = []
            for _ in range(400):
                blocks.append(b"x" * (1024 * 1024))   # touch 400 MB
            return len(blocks)
    """, MemorySize=128, Timeout=20)
    resp = invoke(lam, name)
    assert resp["FunctionError"] == "Unhandled"
    assert resp["body"]["errorType"] == "Runtime.OutOfMemory"
    assert resp["body"]["errorMessage"].endswith("Runtime exited with error: signal: killed")
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert rec.outcome == "oom" and rec.max_memory_used_mb == 128
    report = [m for m in messages(name) if m.startswith("REPORT")][-1]
    assert "Max Memory Used: 128 MB" in report and report.endswith("Error Type: Runtime.OutOfMemory")


def test_huge_output_is_bounded(aws, unique):
    lam = boto3.client("lambda")
    name = unique("chatty")
    create(lam, name, """
        import sys
        def handler(event, context):
            line = "y" * 1023 + "\\n"
            for _ in range(20 * 1024):          # 20 MB of output
                sys.stdout.write(line)
            return "done"
    """, Timeout=30)
    resp = invoke(lam, name)
    assert resp["body"] == "done"
    msgs = messages(name)
    assert sum(len(m) for m in msgs) < 2 * 1024 * 1024
    assert any("output truncated" in m for m in msgs)


def test_forked_children_die_with_the_environment(aws, unique):
    lam = boto3.client("lambda")
    name = unique("forker")
    create(lam, name, """
        import os, time
        def handler(event, context):
            pid = os.fork()
            if pid == 0:
                time.sleep(600)
                os._exit(0)
            print("child", pid, flush=True)
            time.sleep(5)
            return pid
    """, Timeout=1)
    resp = invoke(lam, name)
    assert resp["body"]["errorType"] == "Sandbox.Timedout"
    child = int(next(m for m in messages(name) if m.startswith("child ")).split()[1])
    _wait_gone([child], "the handler's forked child outlived its timed-out invocation")


def test_parallel_invocations_get_separate_environments(aws, unique, tmp_path):
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("par")
    create(lam, name, BARRIER.replace("RESULT", "os.getpid()"), Timeout=60)
    burst = _burst(tmp_path, 5)
    with ThreadPoolExecutor(5) as pool:
        pids = list(pool.map(lambda _: invoke(lam, name, burst)["body"], range(5)))
    assert len(set(pids)) == 5
    rt = aws.extension("lambda")
    recs = rt.trace.filter(function_name=name).records()
    assert sum(r.cold for r in recs) == 5 and len({r.environment_id for r in recs}) == 5
    burst = _burst(tmp_path, 5)
    with ThreadPoolExecutor(5) as pool:
        again = list(pool.map(lambda _: invoke(lam, name, burst)["body"], range(5)))
    assert all(isinstance(p, int) for p in again), again
    assert set(again) == set(pids)        # reused, no new cold starts
    assert sum(r.cold for r in rt.trace.filter(function_name=name)) == 5


def test_reserved_concurrency_zero_throttles(aws, unique):
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("zero")
    create(lam, name, "def handler(e, c):\n    return 1\n")
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName=name)
    resp = err.value.response
    assert resp["Error"]["Code"] == "TooManyRequestsException"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert resp["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    rec = aws.extension("lambda").trace.filter(function_name=name).records()[-1]
    assert rec.outcome == "throttled" and rec.environment_id == ""
    lam.delete_function_concurrency(FunctionName=name)
    assert lam.invoke(FunctionName=name)["StatusCode"] == 200


def test_account_limit_throttles_the_overflow(unique, tmp_path):
    from serverless_lab import mock_aws

    with mock_aws(account_concurrency=2) as session:
        lam = boto3.client("lambda", config=NO_RETRY)
        name = unique("acct")
        create(lam, name, BARRIER.replace("RESULT", "1"), Timeout=60)

        def call(burst):
            try:
                invoke(lam, name, burst)
                return "ok"
            except ClientError as exc:
                return exc.response.get("Reason")

        burst = _burst(tmp_path, 4)   # four at once cannot run under a limit of two: two are held...
        with ThreadPoolExecutor(4) as pool:
            calls = [pool.submit(call, burst) for _ in range(4)]
            deadline = time.monotonic() + 60
            while sum(c.done() for c in calls) < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            open(os.path.join(burst["dir"], "release"), "w").close()   # ...until two were answered: let them go
            results = [c.result() for c in calls]
        assert results.count("ok") == 2
        assert results.count("ConcurrentInvocationLimitExceeded") == 2
        rt = session.extension("lambda")
        rt.set_account_concurrency(10)
        burst = _burst(tmp_path, 4)   # now all four run at once
        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(call, [burst] * 4)) == ["ok"] * 4


def test_provisioned_concurrency_has_no_cold_start(aws, unique, tmp_path):
    lam = boto3.client("lambda", config=NO_RETRY)
    name = unique("prov")
    create(lam, name, BARRIER.replace("RESULT", "os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']"), Timeout=60)
    version = lam.publish_version(FunctionName=name)["Version"]
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    put = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="live",
                                                 ProvisionedConcurrentExecutions=2)
    assert put["RequestedProvisionedConcurrentExecutions"] == 2
    got = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert got["Status"] == "READY" and got["AvailableProvisionedConcurrentExecutions"] == 2
    rt = aws.extension("lambda")
    assert sum(1 for e in rt.environments() if e["function"] == name and e["provisioned"]) == 2
    burst = _burst(tmp_path, 3)   # three at once: two provisioned environments and one on-demand
    with ThreadPoolExecutor(3) as pool:
        bodies = list(pool.map(lambda _: invoke(lam, name, burst, Qualifier="live")["body"], range(3)))
    recs = rt.trace.filter(function_name=name).records()
    assert sum(r.provisioned for r in recs) == 2 and bodies.count("provisioned-concurrency") == 2
    spill = [r for r in recs if not r.provisioned]
    assert len(spill) == 1 and spill[0].cold and spill[0].init_duration_ms is not None   # on-demand spill-over
    assert all(r.init_duration_ms is None and not r.cold for r in recs if r.provisioned)
    reports = [m for m in messages(name) if m.startswith("REPORT")]
    assert sum("Init Duration" in m for m in reports) == 1
    with pytest.raises(ClientError) as err:
        lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    with pytest.raises(ClientError) as err:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="live")
    assert err.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


KERNEL = r'''
import io, json, os, signal, sys, zipfile, boto3
from serverless_lab import mock_aws
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as zf:
    zf.writestr("app.py", "import os\ndef handler(e, c):\n    return os.getpid()\n")
aws = mock_aws().start()
role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
lam = boto3.client("lambda")
lam.create_function(FunctionName="f", Runtime="python3.12", Role=role, Handler="app.handler",
                    Code={"ZipFile": buf.getvalue()})
pid = json.loads(lam.invoke(FunctionName="f")["Payload"].read())
print(json.dumps({"env": pid, "zygote": aws.extension("lambda").zygote.pid}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)   # the kernel dies without any clean-up
'''


def test_workers_die_with_the_kernel(tmp_path):
    import subprocess
    import sys

    script = tmp_path / "kernel.py"
    script.write_text(KERNEL)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    pids = json.loads(out.stdout.strip().splitlines()[-1])
    _wait_gone(list(pids.values()), f"Lambda workers outlived their SIGKILLed kernel: {out.stderr[-2000:]}")


def test_cloudwatch_metrics_show_invocations_errors_and_throttles(aws, unique):
    import datetime

    lam = boto3.client("lambda", config=NO_RETRY)
    cw = boto3.client("cloudwatch")
    name = unique("metrics")
    create(lam, name, "def handler(e, c):\n    if e.get('fail'):\n        raise ValueError('x')\n    return 1\n")
    invoke(lam, name)
    invoke(lam, name, {"fail": True})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError):
        lam.invoke(FunctionName=name)
    now = datetime.datetime.now(datetime.timezone.utc)

    def total(metric: str, stat: str = "Sum") -> float:
        points = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName=metric,
                                          Dimensions=[{"Name": "FunctionName", "Value": name}],
                                          StartTime=now - datetime.timedelta(minutes=5),
                                          EndTime=now + datetime.timedelta(minutes=5), Period=600,
                                          Statistics=[stat])["Datapoints"]
        return sum(p[stat] for p in points)

    assert total("Invocations") == 2 and total("Errors") == 1 and total("Throttles") == 1
    assert total("ConcurrentExecutions", "Maximum") >= 1


def test_reserved_concurrency_keeps_100_unreserved(aws, unique):
    """AWS refuses a reservation that leaves fewer than 100 unreserved executions."""
    lam = boto3.client("lambda", config=NO_RETRY)
    first, second = unique("res-a"), unique("res-b")
    create(lam, first, "def handler(e, c):\n    return 1\n")
    create(lam, second, "def handler(e, c):\n    return 1\n")
    with pytest.raises(ClientError) as err:
        lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=950)
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "minimum value of [100]" in err.value.response["Error"]["Message"]
    lam.put_function_concurrency(FunctionName=first, ReservedConcurrentExecutions=800)
    with pytest.raises(ClientError):
        lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=101)
    lam.put_function_concurrency(FunctionName=second, ReservedConcurrentExecutions=100)
