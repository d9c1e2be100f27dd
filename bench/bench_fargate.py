"""Speed of ECS services and Step Functions ecs:runTask.sync on the Fargate engine (real time a lab waits).

Figures (AWS time passes on the lab clock and is fast-forwarded):
* an ECS service replacing a crashed task: from SIGKILL of the task's process until the service is
  steady again (a replacement started, through ~35 s of simulated start-up, RUNNING) — target ≤ 1 s;
* a state machine whose one state is ``arn:aws:states:::ecs:runTask.sync``, from StartExecution to
  SUCCEEDED, against RunTask → STOPPED with ``wait_for_task`` alone — target ≤ 2×;
* boto3's own ECS waiters (their ``Delay`` is lab time, fast-forwarded; lib/serverless_lab/fargate/waiters.py):
  RunTask → ``tasks_stopped`` with botocore's defaults (6 s × 100) against RunTask → ``wait_for_task``
  — target ≤ 2×; CreateService (2 tasks) → ``services_stable`` (15 s × 40) — target ≤ 1 s. Without the
  course's waiter clock the first would take ~50 s of real time, the second ~45 s;
* the kernel's CPU while nothing happens, with the Fargate extension active: with no task, and with
  one task alive that sleeps (the lab clock is published to tasks only when it jumps) — targets
  ≤ 0.2 % and ≤ 2 % of one core;
* how soon a running task sees the lab clock change: real time from ``clock.advance(3600)`` (and
  beyond the 1/6 s that 10 lab seconds take after ``clock.set_speed(60)``) until the notebook has a
  line the task printed with the new lab time (the task prints every 50 ms) — targets ≤ 170 ms (10 lab
  seconds at 60×); tests/test_fargate.py checks only that tasks follow the clock (a busy machine
  stretches this delay).
(bench_engines.py has the plain RunTask → STOPPED figure.)
"""

from __future__ import annotations

import json
import os
import statistics
import time
import uuid

from bench.common import Figure

ROLE = "arn:aws:iam::123456789012:role/sfn"


def _median(samples: list[float]) -> float:
    return statistics.median(samples)


def run() -> list[Figure]:
    from serverless_lab import mock_aws
    from serverless_lab.fargate import crash_task, default_network_configuration, service_tasks, wait_for_service, wait_for_task

    figures = []
    with mock_aws(extensions=["fargate"]) as aws:
        ecs, sfn = aws.client("ecs"), aws.client("stepfunctions")
        ecs.create_cluster(clusterName="bench")
        for family, code in (("web", "import time\nwhile True:\n    time.sleep(0.05)\n"), ("job", "print('hi')")):
            ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                         containerDefinitions=[{"name": "app", "image": "x",
                                                                "command": ["python", "-c", code]}])
        net = default_network_configuration()

        ecs.create_service(cluster="bench", serviceName="web", taskDefinition="web", desiredCount=2,
                           launchType="FARGATE", networkConfiguration=net)
        wait_for_service("bench", "web")
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            crash_task(service_tasks("bench", "web")[0])
            wait_for_service("bench", "web")
            samples.append(time.perf_counter() - t0)
        t = _median(samples)
        figures.append(Figure("fargate: service replaces a crashed task (fast-forwarded)", t * 1000, "ms",
                              "<= 1000 ms", t <= 1.0))
        ecs.delete_service(cluster="bench", service="web", force=True)

        plain = []
        for _ in range(5):
            t0 = time.perf_counter()
            arn = ecs.run_task(cluster="bench", taskDefinition="job", launchType="FARGATE",
                               networkConfiguration=net)["tasks"][0]["taskArn"]
            wait_for_task("bench", arn)
            plain.append(time.perf_counter() - t0)
        base = _median(plain)

        definition = {"StartAt": "Run", "States": {"Run": {
            "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": True,
            "Parameters": {"Cluster": "bench", "TaskDefinition": "job", "LaunchType": "FARGATE",
                           "NetworkConfiguration": {"AwsvpcConfiguration": {
                               "Subnets": net["awsvpcConfiguration"]["subnets"]}}}}}}
        sm = sfn.create_state_machine(name="bench", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        synced = []
        for _ in range(5):
            t0 = time.perf_counter()
            ex = sfn.start_execution(stateMachineArn=sm, name=f"run-{len(synced)}")["executionArn"]
            while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
                time.sleep(0.005)
            synced.append(time.perf_counter() - t0)
        t = _median(synced)
        figures.append(Figure("fargate: RunTask -> STOPPED alone (wait_for_task)", base * 1000, "ms", "", None))
        figures.append(Figure("fargate: ecs:runTask.sync state machine -> SUCCEEDED", t * 1000, "ms",
                              f"<= 2x RunTask ({2 * base * 1000:.0f} ms)", t <= 2 * base))
        figures += _waiters(ecs, net, base)
    figures += _idle_cpu()
    figures += _clock_follow()
    return figures


def _clock_follow() -> list[Figure]:
    """Real seconds until a task's printed lab time reflects a jump, and a speed change, of the lab clock."""
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    code = ("import time\nfrom serverless_lab.fargate.taskclock import now\n"
            "while True:\n    print(f'{now():.3f}', flush=True)\n    time.sleep(0.05)\n")
    with mock_aws(extensions=["fargate"]) as aws:
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="clock")
        ecs.register_task_definition(family="printer", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                     containerDefinitions=[{"name": "app", "image": "x",
                                                            "command": ["python", "-c", code]}])
        arn = ecs.run_task(cluster="clock", taskDefinition="printer", launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        wait_for_task("clock", arn, status="RUNNING")
        run = aws.extension("fargate").require(arn)

        def seen(reach: float) -> None:
            deadline = time.monotonic() + 30
            while not any(float(line) >= reach for _, _, line in list(run.output)[-5:]):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the task never printed a lab time of {reach}")
                time.sleep(0.002)

        seen(0)   # the task prints
        jumps, speeds = [], []
        for _ in range(5):
            aws.clock.set_speed(1)
            t0 = time.perf_counter()
            seen(aws.clock.advance(3600))
            jumps.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            aws.clock.set_speed(60)
            seen(aws.clock.now() + 10)                             # 10 lab seconds: 1/6 s of real time at 60x
            speeds.append(time.perf_counter() - t0 - 10 / 60)     # the delay beyond that
    jump, speed = _median(jumps), _median(speeds)
    return [Figure("fargate: a task sees a lab clock jump", jump * 1000, "ms", "<= 170 ms", jump <= 0.17),
            Figure("fargate: a task follows set_speed(60) (delay beyond 10 lab s)", speed * 1000, "ms", "<= 170 ms",
                   speed <= 0.17)]


def _waiters(ecs, net: dict, base: float) -> list[Figure]:
    """boto3's tasks_stopped against ``base`` (RunTask -> STOPPED with wait_for_task); services_stable."""
    stopped = []
    for _ in range(5):
        t0 = time.perf_counter()
        arn = ecs.run_task(cluster="bench", taskDefinition="job", launchType="FARGATE",
                           networkConfiguration=net)["tasks"][0]["taskArn"]
        ecs.get_waiter("tasks_stopped").wait(cluster="bench", tasks=[arn])
        stopped.append(time.perf_counter() - t0)
    t = _median(stopped)
    figures = [Figure("fargate: RunTask -> STOPPED (boto3 tasks_stopped waiter)", t * 1000, "ms",
                      f"<= 2x wait_for_task ({2 * base * 1000:.0f} ms)", t <= 2 * base)]
    stable = []
    for _ in range(3):
        name = f"web-{uuid.uuid4().hex[:6]}"
        t0 = time.perf_counter()
        ecs.create_service(cluster="bench", serviceName=name, taskDefinition="web", desiredCount=2,
                           launchType="FARGATE", networkConfiguration=net)
        ecs.get_waiter("services_stable").wait(cluster="bench", services=[name])
        stable.append(time.perf_counter() - t0)
        ecs.delete_service(cluster="bench", service=name, force=True)
        ecs.get_waiter("services_inactive").wait(cluster="bench", services=[name])
    t = _median(stable)
    figures.append(Figure("fargate: CreateService(2) -> services_stable waiter", t * 1000, "ms", "<= 1000 ms",
                          t <= 1.0))
    return figures


def _cpu_share(seconds: float) -> float:
    """This process's CPU (every thread) over ``seconds`` of real time, in % of one core."""
    t0, w0 = os.times(), time.monotonic()
    time.sleep(seconds)
    t1, w1 = os.times(), time.monotonic()
    return 100 * ((t1.user - t0.user) + (t1.system - t0.system)) / (w1 - w0)


def _idle_cpu(seconds: float = 5.0) -> list[Figure]:
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    with mock_aws(extensions=["fargate"]) as aws:
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="idle")
        time.sleep(0.5)
        idle = _cpu_share(seconds)
        ecs.register_task_definition(family="sleeper", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                     containerDefinitions=[{"name": "app", "image": "x", "command": [
                                         "python", "-c", "import time\ntime.sleep(600)\n"]}])
        wait_for_task("idle", ecs.run_task(cluster="idle", taskDefinition="sleeper", launchType="FARGATE",
                                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"],
                      status="RUNNING")
        time.sleep(0.5)
        busy = _cpu_share(seconds)
    return [Figure(f"fargate: kernel CPU idle, no task ({seconds:.0f} s)", idle, "%", "<= 0.2 %", idle <= 0.2),
            Figure(f"fargate: kernel CPU idle, one task alive ({seconds:.0f} s)", busy, "%", "<= 2 %", busy <= 2)]
