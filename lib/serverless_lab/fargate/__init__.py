"""Fargate tasks that run: ECS ``run_task(launchType="FARGATE")`` starts real processes.

``mock_aws()`` activates this extension. A Fargate task's containers run their ``command`` as
local processes (``python``/``python3`` means this kernel's interpreter), with the task
definition's environment and the session's fake credentials and endpoint (so the task's own
boto3 calls see the notebook's buckets and tables). Output goes to CloudWatch Logs per the
``awslogs`` log configuration; DescribeTasks shows AWS's lifecycle, exit codes, ``stoppedReason``
and ``stopCode``; StopTask sends SIGTERM, then SIGKILL after ``stopTimeout`` (default 30 s).

Time: start-up and shut-down delays (``FargateTimings``: ~35 s to RUNNING, ~11 s to STOPPED after
the process exits) pass on the lab clock, ``aws.clock``; ``wait_for_task`` fast-forwards through
them. A task shows it can outlive Lambda's 15 minutes by sleeping on the lab clock
(``from serverless_lab.fargate.taskclock import sleep``: plain ``time.sleep`` outside the course),
which ``wait_for_task`` also fast-forwards; or the lab moves the clock itself
(``aws.clock.advance(1200)``) while the task works. boto3's own waiters work too
(``ecs.get_waiter("tasks_running")``, ``"tasks_stopped"``, ``"services_stable"``,
``"services_inactive"``): their ``Delay`` between two polls is lab time, fast-forwarded by the same
rule, so they finish at once with the same timestamps (see :mod:`.waiters`). A single
DescribeTasks never moves the clock: right after RunTask it shows PROVISIONING, however often asked.

What a container image would add, and the course leaves out: the image's own filesystem and
default CMD (give ``command``), CPU/memory isolation (cost still follows the task size) and a
private network address. No Docker is needed.

Example::

    from serverless_lab import mock_aws
    from serverless_lab.fargate import (compare_with_lambda, default_network_configuration, task_cost,
                                       task_logs, wait_for_task)

    with mock_aws() as aws:
        ecs, logs = aws.client("ecs"), aws.client("logs")
        ecs.create_cluster(clusterName="jobs")
        logs.create_log_group(logGroupName="/ecs/report")
        ecs.register_task_definition(
            family="report", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
            cpu="256", memory="512", executionRoleArn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
            containerDefinitions=[{
                "name": "app", "image": "python:3.12-slim",
                "command": ["python", "-c", "print('hello from Fargate')"],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/report", "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "ecs"}}}])
        arn = ecs.run_task(cluster="jobs", taskDefinition="report", launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        task = wait_for_task("jobs", arn)          # fast-forwards start-up on the lab clock
        task["containers"][0]["exitCode"], task["stoppedReason"]   # 0, 'Essential container in task exited'
        task_logs(arn)                             # ['hello from Fargate'] from CloudWatch Logs
        print(task_cost(arn))                      # 1-minute minimum at 0.25 vCPU / 0.5 GB
        print(compare_with_lambda(20 * 60, vcpu=1, memory_gb=2))   # Lambda cannot: 15-minute limit
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..errors import LabError
from .cost import LambdaComparison, compare_with_lambda, fargate_task_cost, task_cost
from .engine import FargateEngine, FargateTimings
from .sizes import VALID_SIZES

if TYPE_CHECKING:
    from ..cloud.session import MockSession


STOP_GRACE_S = 3.0  # real seconds a stopping, working process gets before the wait jumps to its SIGKILL
FIRST_POLL_S = 0.005  # after a jump of the lab clock the task answers within a few ms (its clock poll): look again soon


def working_after_sigterm(engine: FargateEngine, run: Any) -> bool:
    """The task got SIGTERM (STOPPING) and a container still works (not sleeping on the lab clock).

    A container whose SIGTERM was dropped (PID 1 with no handler) is not given the grace: it never
    learns that it is stopping, so only its SIGKILL after stopTimeout ends it."""
    return bool(run.stopping and run.task.last_status == "STOPPING"
                and any(c.alive and not c.sigterm_dropped and engine._sleeping_until(c) is None
                        for c in run.containers))


class TaskWaitTimeout(LabError):
    """``wait_for_task`` gave up before the task reached the status."""


def activate(session: MockSession) -> FargateEngine:
    """Start the engine for ``session`` (called by ``mock_aws``), with ECS services, runTask.sync and
    boto3's ECS waiters on the lab clock."""
    from .services import ServiceScheduler
    from .stepfunctions_task import EcsSyncIntegration
    from .waiters import WaiterClock

    engine = FargateEngine(session).start()
    engine.services = ServiceScheduler(engine).start()    # type: ignore[attr-defined]
    engine.ecs_sync = EcsSyncIntegration(engine).start()  # type: ignore[attr-defined]
    engine.waiters = WaiterClock(engine).start()          # type: ignore[attr-defined]
    stop_engine = engine.stop

    def stop() -> None:
        engine.waiters.stop()  # type: ignore[attr-defined]
        engine.ecs_sync.stop()  # type: ignore[attr-defined]
        engine.services.stop()  # type: ignore[attr-defined]
        stop_engine()
    engine.stop = stop  # type: ignore[method-assign]
    return engine


def _session() -> MockSession:
    from ..cloud.session import current_session

    session = current_session()
    if session is None:
        raise LabError("No mock_aws() session is running.", "Start one first: `with mock_aws() as aws: ...`.")
    return session


def default_network_configuration(assign_public_ip: bool = True) -> dict[str, Any]:
    """An ``awsvpcConfiguration`` on the account's default VPC (its subnets and default security group).

    Fargate tasks use the ``awsvpc`` network mode: each task gets a network interface in one of
    your subnets, so RunTask needs ``networkConfiguration``. The mocked account has a default VPC
    in every region, as a new AWS account does.
    """
    session = _session()
    ec2 = session.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise LabError("This region has no default VPC.", "Create a VPC and subnet with ec2.create_vpc / "
                       "ec2.create_subnet and pass their ids in networkConfiguration.")
    vpc_id = vpcs[0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                   {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    return {"awsvpcConfiguration": {
        "subnets": [s["SubnetId"] for s in subnets][:16],
        "securityGroups": [g["GroupId"] for g in groups][:1],
        "assignPublicIp": "ENABLED" if assign_public_ip else "DISABLED",
    }}


def wait_for_task(cluster: str, task_arn: str, timeout: float | None = 86400, status: str = "STOPPED",
                  fast_forward: bool = True, poll_s: float = 0.05) -> dict[str, Any]:
    """Wait until the task's ``lastStatus`` is ``status`` (or later); return DescribeTasks' task.

    ``timeout`` is in lab-clock seconds. With ``fast_forward`` (the default), whenever the task is
    only waiting on AWS time (start-up, shut-down, a stop timeout) the lab clock jumps to its next
    step, so a lab does not sit through 35 s of simulated start-up; the same when every running
    container sleeps on the lab clock (:func:`serverless_lab.fargate.taskclock.sleep`). While the
    task's own process is working, the wait is real. After a jump the wait looks again after
    ``FIRST_POLL_S``, then less and less often, up to every ``poll_s``: a task sleeping on the lab
    clock answers a jump within a few milliseconds, so a 40-minute job of one-minute sleeps does
    not cost 40 full polls of real time.
    """
    order = ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING",
             "STOPPED"]
    if status not in order:
        raise LabError(f"Unknown task status {status!r}.", f"Use one of {', '.join(order)}.")
    session = _session()
    engine: FargateEngine = session.extension("fargate")
    ecs = session.client("ecs")
    start = session.clock.now()
    engine.require(task_arn)
    stop_grace_since: float | None = None
    pause = FIRST_POLL_S
    while True:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
        if not tasks:
            raise LabError(f"Task {task_arn} was not found in cluster {cluster!r}.",
                           "Pass the cluster you gave run_task and the taskArn it returned.")
        task = tasks[0]
        if order.index(task["lastStatus"]) >= order.index(status):
            return task
        if timeout is not None and session.clock.now() - start > timeout:
            raise TaskWaitTimeout(
                f"Task {task_arn} is still {task['lastStatus']} after {timeout:g} s of lab time.",
                "Wait longer (timeout=...), stop it with ecs.stop_task, or check its logs.")
        if fast_forward and engine.waiting_on_clock(task_arn):
            run = engine.require(task_arn)
            if working_after_sigterm(engine, run):
                # a process in its SIGTERM grace period, working: give it some real time to finish and exit
                # before jumping to the SIGKILL (a process that keeps working without a lab-clock sleep
                # for STOP_GRACE_S is taken to ignore SIGTERM)
                stop_grace_since = stop_grace_since or time.monotonic()
                if time.monotonic() - stop_grace_since < STOP_GRACE_S:
                    time.sleep(poll_s)
                    continue
            else:
                stop_grace_since = None
            nxt = engine.next_event(task_arn)
            if nxt is not None:
                session.clock.advance(max(0.0, nxt - session.clock.now()) + 1e-3)
                stop_grace_since = None
                pause = FIRST_POLL_S
                continue
        time.sleep(min(pause, poll_s))
        pause *= 2


def task_logs(task_arn: str, container: str | None = None) -> list[str]:
    """The task's log lines as CloudWatch Logs holds them (via its ``awslogs`` configuration).

    Reads with ``logs.get_log_events`` as a lab would on AWS; ``container`` picks one container.
    A task whose containers have no ``awslogs`` configuration sent nothing to CloudWatch (as on AWS).
    """
    session = _session()
    engine: FargateEngine = session.extension("fargate")
    run = engine.require(task_arn)
    lines: list[str] = []
    for c in run.containers:
        if (container and c.name != container) or not c.log_group:
            continue
        logs = session.client("logs", region_name=c.log_region)
        kwargs: dict[str, Any] = {"logGroupName": c.log_group, "logStreamName": c.log_stream, "startFromHead": True}
        while True:
            page = logs.get_log_events(**kwargs)
            lines.extend(e["message"] for e in page["events"])
            if not page["events"] or page.get("nextForwardToken") == kwargs.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextForwardToken"]
    return lines


from .services import crash_task, interrupt_spot_task, service_tasks, wait_for_service  # noqa: E402

__all__ = ["activate", "wait_for_service", "service_tasks", "crash_task", "interrupt_spot_task", "task_logs",
           "FargateEngine", "FargateTimings", "wait_for_task", "default_network_configuration", "task_cost",
           "fargate_task_cost", "compare_with_lambda", "LambdaComparison", "TaskWaitTimeout", "VALID_SIZES"]
