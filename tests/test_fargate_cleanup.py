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


def _wait_dead(pids: list[int], what: str, timeout: float = 20) -> None:
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


def _task_with_a_detached_grandchild(aws) -> tuple[str, int]:
    """Run a task whose process starts a grandchild in a new session; return (task ARN, its pid)."""
    from serverless_lab.fargate import default_network_configuration, wait_for_task

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
    return arn, int(engine.output(arn)[0].split(": ", 1)[1])


def test_grandchildren_die_when_the_session_stops():
    from serverless_lab import mock_aws

    with mock_aws(extensions=["fargate"]) as aws:
        _, grandchild = _task_with_a_detached_grandchild(aws)
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


# A task whose workers double-fork into sessions of their own, over and over (a daemonising
# library, a shell's `setsid cmd &`): each intermediate exits within a millisecond, so a worker
# is orphaned long before any periodic scan of the task's tree could see it.
DAEMONS = r'''
import os, sys, time
path = os.environ["DAEMON_PIDS"]
for i in range(60):
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, 1)
            os.dup2(null, 2)
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            os.write(fd, b"%d\n" % os.getpid())
            os.close(fd)
            time.sleep(600)
        os._exit(0)
    os.waitpid(pid, 0)
    if i == 5:  # "ready" once six workers exist and have written their pids (each writes on its own time)
        while not os.path.exists(path) or len(open(path).read().split()) < 6:
            time.sleep(0.005)
        print("ready", flush=True)
    time.sleep(0.02)
time.sleep(600)
'''

DAEMON_KERNEL = '''
import sys, time
from serverless_lab import mock_aws
from serverless_lab.fargate import default_network_configuration, wait_for_task
aws = mock_aws(extensions=["fargate"]).start()
ecs = aws.client("ecs")
ecs.create_cluster(clusterName="c")
ecs.register_task_definition(family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
    containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", sys.argv[1]],
                           "environment": [{"name": "DAEMON_PIDS", "value": sys.argv[2]}]}])
arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                   networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
wait_for_task("c", arn, status="RUNNING")
engine = aws.extension("fargate")
while not engine.output(arn):
    time.sleep(0.005)
print("go", flush=True)
time.sleep(600)
'''


def _daemon_pids(path) -> list[int]:
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _kill_leftovers(pids: list[int]) -> None:
    for pid in pids:
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass


def test_double_forked_workers_die_with_a_sigkilled_kernel(tmp_path):
    """Killed while its task is still starting daemons: not one of them survives the kernel."""
    script, pids_file = tmp_path / "kernel.py", tmp_path / "daemons"
    script.write_text(textwrap.dedent(DAEMON_KERNEL))
    kernel = subprocess.Popen([sys.executable, str(script), DAEMONS, str(pids_file)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert kernel.stdout.readline().strip() == "go"
    finally:
        kernel.send_signal(signal.SIGKILL)  # no clean-up code of the kernel runs; the task is mid-loop
        kernel.wait(timeout=10)
    pids = _daemon_pids(pids_file)
    try:
        assert len(pids) >= 6
        _wait_dead(pids, "workers that double-forked into new sessions outlived their SIGKILLed kernel")
        # a worker the task started after the kernel died (before the watchdog stopped the task) dies too
        _wait_dead(_daemon_pids(pids_file), "a worker started after the kernel died")
    finally:
        _kill_leftovers(_daemon_pids(pids_file))


def test_double_forked_workers_die_when_the_session_stops(tmp_path):
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    pids_file = tmp_path / "daemons"
    try:
        with mock_aws(extensions=["fargate"]) as aws:
            ecs = aws.client("ecs")
            ecs.create_cluster(clusterName="c")
            ecs.register_task_definition(
                family="f", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", DAEMONS],
                                       "environment": [{"name": "DAEMON_PIDS", "value": str(pids_file)}]}])
            arn = ecs.run_task(cluster="c", taskDefinition="f", launchType="FARGATE",
                               networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
            wait_for_task("c", arn, status="RUNNING")
            deadline = time.monotonic() + 20
            while not aws.extension("fargate").output(arn):
                assert time.monotonic() < deadline
                time.sleep(0.005)
        pids = _daemon_pids(pids_file)
        assert len(pids) >= 6
        _wait_dead(pids, "workers that double-forked into new sessions outlived mock_aws().stop()")
    finally:
        _kill_leftovers(_daemon_pids(pids_file))


FIRST_INSTANT = '''
import os, signal, sys
from serverless_lab.fargate.process import spawn
path = sys.argv[1]
# The first task of a fresh kernel (no watchdog yet) forks workers into new sessions at once;
# the kernel dies the moment RunTask's process exists.
spawn(["sh", "-c", f"setsid sleep 600 & echo $! >> {path}; setsid sleep 600 & echo $! >> {path}; wait"],
      dict(os.environ), os.getcwd())
os.kill(os.getpid(), signal.SIGKILL)
'''


def test_a_task_is_owned_from_its_first_instant(tmp_path):
    """The process does not run its command before the watchdog has it: a kernel killed right away leaves nothing."""
    script, pids_file = tmp_path / "kernel.py", tmp_path / "workers"
    script.write_text(textwrap.dedent(FIRST_INSTANT))
    for _ in range(3):
        pids_file.unlink(missing_ok=True)
        kernel = subprocess.Popen([sys.executable, str(script), str(pids_file)])
        assert kernel.wait(timeout=30) == -signal.SIGKILL
        time.sleep(0.3)
        pids = _daemon_pids(pids_file)
        try:
            _wait_dead(pids, "workers of a task whose kernel died as it started are still running")
        finally:
            _kill_leftovers(pids)


def test_a_new_watchdog_takes_over_the_tasks_of_one_that_died():
    from serverless_lab import mock_aws
    from serverless_lab.fargate.process import WATCHDOG

    with mock_aws(extensions=["fargate"]) as aws:
        _, grandchild = _task_with_a_detached_grandchild(aws)
        dog = WATCHDOG.pid
        assert dog is not None
        psutil.Process(dog).kill()   # the watchdog dies (by accident, or a user's kill)
        _wait_dead([dog], "the watchdog")
        assert _alive(grandchild)
    # stopping the session starts a new watchdog, which must learn the live task before killing it
    _wait_dead([grandchild], "a task's worker outlived the session after its watchdog was replaced")


def test_the_watchdog_never_stops_or_kills_a_process_it_does_not_own():
    """A pid the watchdog was not told about (or was told about and already killed) may be reused by anyone."""
    from serverless_lab.fargate.watchdog import Watchdog

    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        dog = Watchdog()
        dog.kill(stranger.pid)           # never watched
        dog.watch(stranger.pid)
        dog.roots[stranger.pid] = -1     # watched once, but the pid now belongs to another process
        dog.kill(stranger.pid)
        time.sleep(0.1)
        assert psutil.Process(stranger.pid).status() not in (psutil.STATUS_STOPPED, psutil.STATUS_ZOMBIE)
    finally:
        stranger.kill()
        stranger.wait()
