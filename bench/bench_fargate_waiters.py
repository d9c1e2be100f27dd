"""Speed of boto3's own ECS waiters on the Fargate engine (real time a lab waits).

Figures (the waiters' ``Delay`` is lab time, fast-forwarded; see lib/serverless_lab/fargate/waiters.py):
* RunTask → ``tasks_stopped`` with botocore's defaults (6 s × 100), against RunTask → ``wait_for_task``
  for the same one-line job — target ≤ 2×;
* CreateService (2 tasks) → ``services_stable`` (15 s × 40) — target ≤ 1 s.
Without the course's waiter clock the first would take ~50 s of real time, the second ~45 s.
"""

from __future__ import annotations

import statistics
import time
import uuid

from bench.common import Figure


def run() -> list[Figure]:
    from serverless_lab import mock_aws
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    figures = []
    with mock_aws(extensions=["fargate"]) as aws:
        ecs = aws.client("ecs")
        ecs.create_cluster(clusterName="bench")
        for family, code in (("web", "import time\nwhile True:\n    time.sleep(0.05)\n"), ("job", "print('hi')")):
            ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                         containerDefinitions=[{"name": "app", "image": "x",
                                                                "command": ["python", "-c", code]}])
        net = default_network_configuration()

        def run_task() -> str:
            return str(ecs.run_task(cluster="bench", taskDefinition="job", launchType="FARGATE",
                                    networkConfiguration=net)["tasks"][0]["taskArn"])

        helper, waiter = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            wait_for_task("bench", run_task())
            helper.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            ecs.get_waiter("tasks_stopped").wait(cluster="bench", tasks=[run_task()])
            waiter.append(time.perf_counter() - t0)
        base, t = statistics.median(helper), statistics.median(waiter)
        figures.append(Figure("fargate: RunTask -> STOPPED (wait_for_task)", base * 1000, "ms", "", None))
        figures.append(Figure("fargate: RunTask -> STOPPED (boto3 tasks_stopped waiter)", t * 1000, "ms",
                              f"<= 2x wait_for_task ({2 * base * 1000:.0f} ms)", t <= 2 * base))

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
        t = statistics.median(stable)
        figures.append(Figure("fargate: CreateService(2) -> services_stable waiter", t * 1000, "ms", "<= 1000 ms",
                              t <= 1.0))
    return figures
