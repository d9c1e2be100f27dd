"""No process of a Fargate task survives its kernel: grandchildren too, even when the kernel is SIGKILLed.

A task's container process dies with the kernel through PR_SET_PDEATHSIG, but that signal reaches
only the direct child; the kernel's watchdog (serverless_lab.fargate.watchdog) kills the rest.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs /proc and PR_SET_PDEATHSIG")

KERNEL = '''
import sys, time
from serverless_lab import mock_aws
from serverless_lab.fargate import default_network_configuration, wait_for_task
aws = mock_aws(extensions=["fargate"]).start()
ecs = aws.client("ecs")
ecs.create_cluster(clusterName="c")
task_code = """
import subprocess, sys, time
same = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
away = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
print(same.pid, away.pid, flush=True)
time.sleep(600)
"""
ecs.register_task_definition(family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", task_code]}])
arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                   networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
wait_for_task("c", arn, status="RUNNING")
engine = aws.extension("fargate")
while not engine.output(arn):
    time.sleep(0.02)
same, away = engine.output(arn)[0].split(": ", 1)[1].split()
print(engine.processes()[0], same, away, flush=True)
time.sleep(600)
'''


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_dead(pids: list[int], what: str, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in pids):
        assert time.monotonic() < deadline, f"{what}: {[p for p in pids if _alive(p)]} still alive"
        time.sleep(0.05)


def test_grandchildren_die_with_a_sigkilled_kernel(tmp_path):
    script = tmp_path / "kernel.py"
    script.write_text(textwrap.dedent(KERNEL))
    kernel = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        pids = [int(p) for p in kernel.stdout.readline().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids)
        time.sleep(0.6)  # the watchdog notices the grandchild that left the group within a quarter second
    finally:
        kernel.send_signal(signal.SIGKILL)  # no clean-up code of the kernel runs
        kernel.wait(timeout=10)
    _wait_dead(pids, "task processes outlived their SIGKILLed kernel")


def test_grandchildren_die_when_the_session_stops():
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    with mock_aws(extensions=["fargate"]) as aws:
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="c")
        code = ("import subprocess, sys, time\n"
                "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)\n"
                "print(g.pid, flush=True)\ntime.sleep(600)\n")
        ecs.register_task_definition(family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                     containerDefinitions=[{"name": "app", "image": "x",
                                                            "command": ["python", "-c", code]}])
        arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        wait_for_task("c", arn, status="RUNNING")
        engine = aws.extension("fargate")
        deadline = time.monotonic() + 20
        while not engine.output(arn):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        grandchild = int(engine.output(arn)[0].split(": ", 1)[1])
        time.sleep(0.6)
        assert _alive(grandchild)
    _wait_dead([grandchild], "a grandchild that left the task's process group outlived mock_aws().stop()")


def test_what_a_finished_task_left_running_is_killed():
    """Docker stops a container when its main process exits: so does the course."""
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    with mock_aws(extensions=["fargate"]) as aws:
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="c")
        code = ("import subprocess, sys\n"
                "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True,"
                " stdout=subprocess.DEVNULL)\nprint(g.pid, flush=True)\nimport time; time.sleep(0.3)\n")
        ecs.register_task_definition(family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                     containerDefinitions=[{"name": "app", "image": "x",
                                                            "command": ["python", "-c", code]}])
        arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        done = wait_for_task("c", arn)
        assert done["containers"][0]["exitCode"] == 0
        grandchild = int(aws.extension("fargate").output(arn)[0].split(": ", 1)[1])
        _wait_dead([grandchild], "a process left behind by a finished task is still running")
