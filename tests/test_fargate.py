"""Fargate tasks run for real: processes, logs, exit codes, lifecycle on the lab clock, stop, clean-up."""

from __future__ import annotations

import sys
import textwrap
import time
import uuid

import psutil
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.fargate import compare_with_lambda, default_network_configuration, task_cost, task_logs, wait_for_task

ROLE = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"




@pytest.fixture
def aws():
    with mock_aws(extensions=["fargate"]) as session:
        yield session


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _setup(aws, code: str, *, env: dict[str, str] | None = None, stop_timeout: int | None = None,
           init_process: bool | None = None):
    """A cluster, a log group and a one-container Fargate task definition running ``code``."""
    ecs, logs = aws.client("ecs"), aws.client("logs")
    cluster, family, group = _name("c"), _name("job"), f"/ecs/{_name('g')}"
    ecs.create_cluster(clusterName=cluster)
    logs.create_log_group(logGroupName=group)
    container = {
        "name": "app", "image": "python:3.12-slim", "command": ["python", "-c", textwrap.dedent(code)],
        "environment": [{"name": k, "value": v} for k, v in (env or {}).items()],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": group, "awslogs-region": aws.region, "awslogs-stream-prefix": "ecs"}},
    }
    if stop_timeout is not None:
        container["stopTimeout"] = stop_timeout
    if init_process is not None:
        container["linuxParameters"] = {"initProcessEnabled": init_process}
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512", executionRoleArn=ROLE, containerDefinitions=[container])
    return ecs, logs, cluster, family, group


def _run(aws, ecs, cluster, family, **kwargs):
    resp = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                        networkConfiguration=default_network_configuration(), **kwargs)
    assert resp["failures"] == []
    return resp["tasks"][0]


def _messages(logs, group: str) -> list[str]:
    return [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]


def _wait_output(aws, arn: str, text: str, timeout: float = 20) -> None:
    engine = aws.extension("fargate")
    deadline = time.monotonic() + timeout
    while not any(text in line for line in engine.output(arn)):
        assert time.monotonic() < deadline, f"task never printed {text!r}: {engine.output(arn)}"
        time.sleep(0.05)


@pytest.mark.parametrize("code", [0, 3])
def test_task_runs_writes_logs_and_reports_exit_code(aws, code):
    ecs, logs, cluster, family, group = _setup(aws, f"""
        import os, sys
        print("hello from", os.environ["GREETING_TARGET"])
        print("to stderr", file=sys.stderr)
        sys.exit({code})
    """, env={"GREETING_TARGET": "fargate"})
    task = _run(aws, ecs, cluster, family)
    assert task["lastStatus"] == "PROVISIONING"
    assert task["launchType"] == "FARGATE" and task["cpu"] == "256" and task["memory"] == "512"

    done = wait_for_task(cluster, task["taskArn"])
    assert done["lastStatus"] == "STOPPED" and done["desiredStatus"] == "STOPPED"
    assert done["containers"][0]["exitCode"] == code
    assert done["stoppedReason"] == "Essential container in task exited"
    assert done["stopCode"] == "EssentialContainerExited"
    for key in ("createdAt", "pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt", "executionStoppedAt",
                "stoppedAt"):
        assert key in done, key
    assert done["createdAt"] < done["pullStartedAt"] <= done["pullStoppedAt"] < done["startedAt"] <= done["stoppedAt"]

    task_id = task["taskArn"].rsplit("/", 1)[-1]
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [f"ecs/app/{task_id}"]
    # stdout and stderr are read by separate threads, so their relative order is not guaranteed
    assert sorted(_messages(logs, group)) == ["hello from fargate", "to stderr"]
    assert sorted(task_logs(task["taskArn"])) == ["hello from fargate", "to stderr"]


def test_lifecycle_walks_aws_states_on_the_lab_clock(aws):
    ecs, logs, cluster, family, group = _setup(aws, "print('ok')")
    engine = aws.extension("fargate")
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    seen = []

    def status() -> str:
        return ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["lastStatus"]

    seen.append(status())
    for _ in range(3):  # PROVISIONING -> PENDING -> ACTIVATING -> (start) RUNNING
        aws.clock.advance(engine.next_event(arn) - aws.clock.now() + 0.01)
        seen.append(status())
    assert seen[:3] == ["PROVISIONING", "PENDING", "ACTIVATING"]
    done = wait_for_task(cluster, arn)
    assert done["lastStatus"] == "STOPPED"
    started = done["startedAt"] - done["createdAt"]
    assert started.total_seconds() >= 30  # ~35 s of simulated start-up on the lab clock


def test_task_runs_longer_than_lambdas_15_minutes(aws, tmp_path):
    flag = tmp_path / "finish"
    ecs, logs, cluster, family, group = _setup(aws, f"""
        import os, time
        print("working")
        while not os.path.exists({str(flag)!r}):
            time.sleep(0.05)
        print("finished")
    """)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    running = wait_for_task(cluster, arn, status="RUNNING")
    assert running["lastStatus"] == "RUNNING"
    aws.clock.advance(20 * 60)  # twenty minutes of lab time pass while the job works
    assert ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING"
    flag.write_text("done")
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 0
    ran = (done["executionStoppedAt"] - done["startedAt"]).total_seconds()
    assert ran > 15 * 60
    assert "finished" in _messages(logs, group)
    cost = task_cost(arn)
    assert cost.total > 0
    assert cost.assumptions["billed_seconds"] >= ran
    comparison = compare_with_lambda(task=arn)
    assert comparison.lambda_possible is False and comparison.cheaper == "fargate"


def test_stop_task_sends_sigterm_then_sigkill_after_stop_timeout(aws):
    ecs, logs, cluster, family, group = _setup(aws, """
        import signal, time
        def on_term(signum, frame):
            print("got SIGTERM, ignoring it", flush=True)
        signal.signal(signal.SIGTERM, on_term)
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
    """, stop_timeout=45)
    engine = aws.extension("fargate")
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    _wait_output(aws, arn, "ready")
    pid = engine.processes()[0]

    stopped = ecs.stop_task(cluster=cluster, task=arn, reason="Lab says stop")["task"]
    assert stopped["desiredStatus"] == "STOPPED"
    aws.clock.advance(2)  # DEACTIVATING -> STOPPING: SIGTERM goes out
    _wait_output(aws, arn, "got SIGTERM")
    assert psutil.pid_exists(pid)
    aws.clock.advance(30)  # the default 30 s would have passed; this container asked for 45
    time.sleep(0.2)
    assert psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 137  # killed by SIGKILL, as Docker reports it
    assert done["stopCode"] == "UserInitiated"
    assert done["stoppedReason"] == "Lab says stop"
    assert "got SIGTERM, ignoring it" in _messages(logs, group)
    assert engine.processes() == []


def test_python_as_pid_1_without_a_handler_ignores_sigterm_and_is_killed_after_stop_timeout(aws):
    """The command is the container's PID 1: a SIGTERM it has no handler for is discarded.

    StopTask issues "the equivalent of docker stop" (SIGTERM, then SIGKILL after the stop timeout:
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html), Docker signals the
    container's PID 1, and the kernel delivers to a PID namespace's init only the signals it has a
    handler for (pid_namespaces(7); https://github.com/krallin/tini: without an init, "SIGTERM" does
    not terminate a process that did not "explicitly install a signal handler for it").
    """
    ecs, logs, cluster, family, group = _setup(aws, """
        import time
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
    """, stop_timeout=20)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    _wait_output(aws, arn, "ready")
    pid = aws.extension("fargate").processes()[0]
    ecs.stop_task(cluster=cluster, task=arn)
    aws.clock.advance(2)  # DEACTIVATING -> STOPPING: SIGTERM goes out, and is dropped
    aws.clock.advance(15)
    time.sleep(0.2)
    assert psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 137  # SIGKILL after stopTimeout, not Python's default 143
    took = (done["executionStoppedAt"] - done["stoppingAt"]).total_seconds()
    assert took >= 20  # the whole stopTimeout (lab seconds), after the deactivating step


def test_init_process_forwards_sigterm_and_python_default_action_exits_143(aws):
    """``linuxParameters.initProcessEnabled`` runs an init "that forwards signals and reaps processes"
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_LinuxParameters.html, Docker's
    ``--init``, tini): the command is no longer PID 1, so SIGTERM's default action kills it (128 + 15).
    """
    ecs, logs, cluster, family, group = _setup(aws, """
        import time
        print("ready", flush=True)
        time.sleep(600)
    """, init_process=True)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    _wait_output(aws, arn, "ready")
    ecs.stop_task(cluster=cluster, task=arn)
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 143  # 128 + SIGTERM: Python's default action
    assert done["stoppedReason"] == "Task stopped by user"
    td = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    assert td["containerDefinitions"][0]["linuxParameters"] == {"initProcessEnabled": True}


@pytest.mark.parametrize("init_process", [False, True])
def test_a_handler_is_called_with_or_without_an_init(aws, init_process):
    """A program that installs a SIGTERM handler gets it called, as PID 1 or behind an init."""
    ecs, logs, cluster, family, group = _setup(aws, """
        import signal, sys, time
        def bye(signum, frame):
            print("SIGTERM: saved, exiting", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
    """, init_process=init_process)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    _wait_output(aws, arn, "ready")
    ecs.stop_task(cluster=cluster, task=arn)
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 0
    assert "SIGTERM: saved, exiting" in _messages(logs, group)


def test_task_boto3_calls_reach_the_mocked_world(aws):
    s3 = aws.client("s3")
    bucket = _name("results")
    s3.create_bucket(Bucket=bucket)
    ecs, logs, cluster, family, group = _setup(aws, """
        import os, boto3
        boto3.client("s3").put_object(Bucket=os.environ["BUCKET"], Key="report.txt", Body=b"made by fargate")
        print("uploaded")
    """, env={"BUCKET": bucket})
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    done = wait_for_task(cluster, arn)
    assert done["containers"][0]["exitCode"] == 0, aws.extension("fargate").output(arn)
    assert s3.get_object(Bucket=bucket, Key="report.txt")["Body"].read() == b"made by fargate"


def test_container_overrides_command_and_environment(aws):
    ecs, logs, cluster, family, group = _setup(aws, "print('default')", env={"WHO": "definition"})
    arn = _run(aws, ecs, cluster, family, overrides={"containerOverrides": [{
        "name": "app", "command": ["python", "-c", "import os; print('override', os.environ['WHO'])"],
        "environment": [{"name": "WHO", "value": "override"}]}]})["taskArn"]
    wait_for_task(cluster, arn)
    assert _messages(logs, group) == ["override override"]


def test_no_process_outlives_the_session():
    with mock_aws(extensions=["fargate"]) as aws:
        ecs, logs, cluster, family, group = _setup(aws, """
            import subprocess, sys, time
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            print("child", child.pid, flush=True)
            time.sleep(600)
        """)
        engine = aws.extension("fargate")
        arn = _run(aws, ecs, cluster, family)["taskArn"]
        wait_for_task(cluster, arn, status="RUNNING")
        _wait_output(aws, arn, "child")
        pids = engine.processes()
        child = int(next(line for line in engine.output(arn) if "child" in line).split()[-1])
        assert pids and all(psutil.pid_exists(p) for p in [*pids, child])
    deadline = time.monotonic() + 30
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in [*pids, child]):
        assert time.monotonic() < deadline, "task processes survived mock_aws().stop()"
        time.sleep(0.05)


def test_missing_log_group_fails_the_task_like_aws(aws):
    ecs = aws.client("ecs")
    cluster, family = _name("c"), _name("job")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512", executionRoleArn=ROLE,
        containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", "print(1)"],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": "/ecs/missing", "awslogs-region": aws.region,
                                   "awslogs-stream-prefix": "ecs"}}}])
    done = wait_for_task(cluster, _run(aws, ecs, cluster, family)["taskArn"])
    assert done["stopCode"] == "TaskFailedToStart"
    assert "ResourceInitializationError" in done["stoppedReason"]
    assert "startedAt" not in done


def test_unknown_executable_fails_to_start(aws):
    ecs = aws.client("ecs")
    cluster, family = _name("c"), _name("job")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "x", "command": ["no-such-binary"]}])
    done = wait_for_task(cluster, _run(aws, ecs, cluster, family)["taskArn"])
    assert done["stopCode"] == "TaskFailedToStart"
    assert "executable file not found" in done["stoppedReason"]


@pytest.mark.parametrize("cpu,memory,fragment", [
    ("256", "4096", "No Fargate configuration exists for given values: 256 CPU, 4096 memory"),
    ("1 vCPU", "1 GB", "No Fargate configuration exists"),
    ("300", "512", "No Fargate configuration exists"),
    (None, "512", "Fargate requires that 'cpu' be defined at the task level"),
    ("256", None, "Fargate requires that 'memory' be defined at the task level"),
])
def test_invalid_fargate_size_is_a_clear_client_error(aws, cpu, memory, fragment):
    ecs = aws.client("ecs")
    kwargs = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    with pytest.raises(ClientError) as err:
        ecs.register_task_definition(family=_name("bad"), requiresCompatibilities=["FARGATE"],
                                     containerDefinitions=[{"name": "app", "image": "x", "command": ["python"]}],
                                     **kwargs)
    assert err.value.response["Error"]["Code"] == "ClientException"
    assert fragment in err.value.response["Error"]["Message"]
    assert "→" in err.value.response["Error"]["Message"]  # says what to do next


def test_valid_sizes_in_other_spellings_are_accepted(aws):
    ecs = aws.client("ecs")
    td = ecs.register_task_definition(family=_name("ok"), requiresCompatibilities=["FARGATE"], cpu="1 vCPU",
                                      memory="2 GB", containerDefinitions=[{"name": "app", "image": "x"}])
    assert td["taskDefinition"]["cpu"] == "1 vCPU"


def test_awslogs_without_execution_role_is_refused_like_aws(aws):
    ecs = aws.client("ecs")
    with pytest.raises(ClientError) as err:
        ecs.register_task_definition(
            family=_name("bad"), requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "x", "logConfiguration": {
                "logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-stream-prefix": "p"}}}])
    assert "execution role ARN to support log driver awslogs" in err.value.response["Error"]["Message"]


def test_network_configuration_errors_are_clear(aws):
    ecs = aws.client("ecs")
    cluster, family = _name("c"), _name("job")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "x", "command": ["python"]}])
    with pytest.raises(ClientError) as err:
        ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "default_network_configuration()" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                     networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0000"]}})
    assert "subnet-0000" in err.value.response["Error"]["Message"]
    # no securityGroups: the VPC's default group is used, as on AWS (moto alone raises KeyError)
    subnet = default_network_configuration()["awsvpcConfiguration"]["subnets"][0]
    task = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING"
    ecs.stop_task(cluster=cluster, task=task["taskArn"])


def test_compare_with_lambda_short_job():
    cmp = compare_with_lambda(2, vcpu=0.25, memory_gb=0.5, runs=1000)
    assert cmp.lambda_possible
    assert cmp.fargate.assumptions["billed_seconds"] == 60  # the 1-minute minimum
    assert cmp.lambda_memory_mb == 512
    assert cmp.cheaper == "lambda"


def test_interpreter_mapping():
    from serverless_lab.fargate.process import resolve_argv

    assert resolve_argv(None, ["python3", "-V"])[0] == sys.executable
    assert resolve_argv(["python"], ["job.py"]) == [sys.executable, "job.py"]


def test_task_process_dies_with_a_killed_kernel(tmp_path):
    """A kernel killed without clean-up (SIGKILL) takes its task processes with it (PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    import signal
    import subprocess

    script = tmp_path / "kernel.py"
    script.write_text(textwrap.dedent('''
        import sys, time
        from serverless_lab import mock_aws
        from serverless_lab.fargate import default_network_configuration, wait_for_task
        aws = mock_aws(extensions=["fargate"]).start()
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="c")
        ecs.register_task_definition(family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "x",
                                   "command": ["python", "-c", "import time; time.sleep(600)"]}])
        arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        wait_for_task("c", arn, status="RUNNING")
        print(aws.extension("fargate").processes()[0], flush=True)
        time.sleep(600)
    '''))
    kernel = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(kernel.stdout.readline())
        assert psutil.pid_exists(pid)
    finally:
        kernel.send_signal(signal.SIGKILL)
        kernel.wait(timeout=10)
    deadline = time.monotonic() + 30
    while psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
        assert time.monotonic() < deadline, "the task process outlived its kernel"
        time.sleep(0.05)


def test_task_sleeping_on_the_lab_clock_is_fast_forwarded(aws):
    ecs, logs, cluster, family, group = _setup(aws, """
        from serverless_lab.fargate.taskclock import now, sleep
        start = now()
        for minute in range(1, 21):
            sleep(60)
            print(f"minute {minute}", flush=True)
        print(f"worked {now() - start:.0f} s of lab time")
    """)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    done = wait_for_task(cluster, arn)  # twenty lab minutes: fast-forwarded while the task sleeps
    assert done["containers"][0]["exitCode"] == 0, aws.extension("fargate").output(arn)
    assert (done["executionStoppedAt"] - done["startedAt"]).total_seconds() >= 20 * 60
    lines = task_logs(arn)
    assert lines[0] == "minute 1" and lines[19] == "minute 20"
    assert int(lines[-1].split()[1]) >= 1200


def test_tasks_see_the_lab_clock_without_the_clock_file_being_rewritten(aws):
    """The clock file changes only when the lab clock jumps or changes speed; tasks extrapolate in between."""
    import os

    ecs, logs, cluster, family, group = _setup(aws, """
        import time
        from serverless_lab.fargate.taskclock import now
        while True:
            print(f"{now():.3f}", flush=True)
            time.sleep(0.05)
    """)
    arn = _run(aws, ecs, cluster, family)["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    engine = aws.extension("fargate")
    run = engine.require(arn)
    deadline = time.monotonic() + 20
    while len(run.output) < 3:
        assert time.monotonic() < deadline, "the task printed nothing"
        time.sleep(0.02)

    def key():
        st = os.stat(engine.clock_file)
        return st.st_ino, st.st_mtime_ns

    before = key()
    time.sleep(0.5)  # a task is alive and the clock runs: nothing to write
    assert key() == before, "the clock file was rewritten although the lab clock only ran"

    def follows(change_at: float, reach: float) -> None:
        """The task's clock reaches `reach` soon after the change (a task that missed an hour's jump, or
        kept running at speed 1, would need an hour or a minute of real time), and is never ahead of
        the lab clock: a line is printed before it is received. No bound on the pipe's real latency,
        which a busy machine stretches."""
        deadline = time.monotonic() + 20
        while True:
            fresh = [(ts / 1000, float(line)) for ts, _, line in list(run.output) if ts / 1000 > change_at]
            ahead = [(received, printed) for received, printed in fresh if printed > received + 0.5]
            assert not ahead, f"the task's clock ran ahead of the lab clock: {ahead[:3]}"
            if any(printed >= reach for _, printed in fresh):
                return
            assert time.monotonic() < deadline, f"the task's clock did not reach {reach}: {fresh[-3:]}"
            time.sleep(0.02)

    aws.clock.advance(3600)  # an hour fast-forwarded: the tasks see it at once
    follows(aws.clock.now(), aws.clock.now())
    assert key() != before
    aws.clock.set_speed(60)  # a minute per second: the tasks' clock runs as fast
    follows(aws.clock.now(), aws.clock.now() + 60)


def test_a_small_jump_is_published_even_when_reading_the_clock_was_slow(aws, monkeypatch):
    """On a busy machine the engine's thread can be paused between two readings of the time; no jump of
    the lab clock may hide in that uncertainty (a task then slept through a fast-forward and was killed)."""
    import serverless_lab.fargate.engine as engine_module

    engine = aws.extension("fargate")
    engine._publish_clock()
    real = time.monotonic
    calls = iter(range(10_000))

    def paused(*_a):                       # each reading 2 s after the last: a thread that was preempted
        return real() + 2.0 * next(calls)

    monkeypatch.setattr(engine_module.time, "monotonic", paused)
    aws.clock.advance(0.5)
    assert engine._clock_changed(), "a 0.5 s fast-forward went unpublished"
