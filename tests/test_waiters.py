"""Real clients wait the way they do on AWS: boto3's own waiters against what the course adds.

A SAM stack created through plain boto3 reaches CREATE_COMPLETE for `stack_create_complete`, its
output URL answers through `requests`, and `stack_delete_complete` sees it go.

ECS: a Fargate task and a service move on the lab clock; `tasks_running`, `tasks_stopped`,
`services_stable` and `services_inactive` sleep their `Delay` in lab time, fast-forwarded over
start-up and shut-down (lib/serverless_lab/fargate/waiters.py), and leave the same timestamps as
`wait_for_task`. A plain DescribeTasks call moves nothing.
"""

from __future__ import annotations

import pytest
import requests
from botocore.exceptions import WaiterError

from serverless_lab.fargate import FargateTimings, default_network_configuration, wait_for_task

TEMPLATE = """Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: index.handler
      InlineCode: "def handler(e, c):\\n    return {'statusCode': 200, 'body': 'hi'}\\n"
      Events:
        Api:
          Type: HttpApi
          Properties: {Path: /hi, Method: get}
Outputs:
  Url:
    Value: !Sub "https://${ServerlessHttpApi}.execute-api.${AWS::Region}.amazonaws.com/hi"
"""


def test_cloudformation_waiters_on_a_sam_stack(aws, unique):
    cfn = aws.client("cloudformation")
    name = unique("waiters")
    cfn.create_stack(StackName=name, TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    url = cfn.describe_stacks(StackName=name)["Stacks"][0]["Outputs"][0]["OutputValue"]
    assert requests.get(url, timeout=30).text == "hi"
    cfn.delete_stack(StackName=name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})


# -- ECS on Fargate ------------------------------------------------------------------------------------

T = FargateTimings()
TO_RUNNING = T.provisioning_s + T.pending_s + T.activating_s            # 35 s of lab time
FOREVER = "import time\nprint('serving', flush=True)\nwhile True:\n    time.sleep(0.05)\n"
LAB_MINUTE = "from serverless_lab.fargate.taskclock import sleep\nprint('working', flush=True)\nsleep(60)\n"
IGNORES_SIGTERM = ("import signal, time\nsignal.signal(signal.SIGTERM, lambda *a: print('carrying on', flush=True))\n"
                   "print('ready', flush=True)\nwhile True:\n    time.sleep(0.05)\n")
STAMPS = ("pullStartedAt", "pullStoppedAt", "startedAt", "stoppingAt", "executionStoppedAt", "stoppedAt")


@pytest.fixture
def ecs(aws, unique):
    client = aws.client("ecs")
    client.cluster = unique("waiters")
    client.create_cluster(clusterName=client.cluster)
    return client


def _family(ecs, unique, code: str, **container) -> str:
    family = unique("job")
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "python:3.12-slim",
                                                        "command": ["python", "-c", code], **container}])
    return family


def _run(ecs, family: str) -> str:
    return ecs.run_task(cluster=ecs.cluster, taskDefinition=family, launchType="FARGATE",
                        networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]


def _describe(ecs, arn: str) -> dict:
    return ecs.describe_tasks(cluster=ecs.cluster, tasks=[arn])["tasks"][0]


def _offsets(task: dict) -> dict[str, float]:
    return {k: (task[k] - task["createdAt"]).total_seconds() for k in STAMPS}


def test_describing_a_task_does_not_move_it(aws, ecs, unique):
    arn = _run(ecs, _family(ecs, unique, FOREVER))
    before = aws.clock.now()
    assert [_describe(ecs, arn)["lastStatus"] for _ in range(5)] == ["PROVISIONING"] * 5
    assert aws.clock.now() - before < T.provisioning_s   # polling alone is no waiting: no fast-forward


def test_tasks_running_then_tasks_stopped_leave_the_helpers_timestamps(aws, ecs, unique):
    family = _family(ecs, unique, LAB_MINUTE)
    arn = _run(ecs, family)
    assert _describe(ecs, arn)["lastStatus"] == "PROVISIONING"   # right after RunTask, as before

    ecs.get_waiter("tasks_running").wait(cluster=ecs.cluster, tasks=[arn])     # botocore's defaults: 6 s × 100
    task = _describe(ecs, arn)
    assert task["lastStatus"] == "RUNNING"
    started = task["startedAt"].timestamp()
    assert abs(started - task["createdAt"].timestamp() - TO_RUNNING) < 1
    assert 0 <= aws.clock.now() - started <= 6 + 1     # the waiter saw it on its next 6-s poll, no later

    ecs.get_waiter("tasks_stopped").wait(cluster=ecs.cluster, tasks=[arn])
    task = _describe(ecs, arn)
    assert task["lastStatus"] == "STOPPED" and task["containers"][0]["exitCode"] == 0
    assert task["stopCode"] == "EssentialContainerExited"

    helper = wait_for_task(ecs.cluster, _run(ecs, family))   # the course's own helper, same job
    for key, offset in _offsets(helper).items():
        assert abs(_offsets(task)[key] - offset) < 1, (key, _offsets(task), _offsets(helper))
    assert _offsets(task)["stoppingAt"] - _offsets(task)["startedAt"] >= 60   # the lab-clock minute of work


def test_tasks_running_fails_when_the_essential_container_exits_non_zero(ecs, unique):
    arn = _run(ecs, _family(ecs, unique, "import sys\nprint('bad input', flush=True)\nsys.exit(3)\n"))
    with pytest.raises(WaiterError) as err:
        # a 15-s cadence: the container's moment in RUNNING (at +35 s) falls between the polls at +30 and +45 s
        # unless its process takes 10 s to exit (with 6 s, the poll at +36 s would leave it one second)
        ecs.get_waiter("tasks_running").wait(cluster=ecs.cluster, tasks=[arn], WaiterConfig={"Delay": 15})
    assert "terminal failure state" in str(err.value) and '"STOPPED"' in str(err.value)
    seen = err.value.last_response["tasks"][0]
    assert seen["lastStatus"] == "STOPPED" and seen["stoppedReason"] == "Essential container in task exited"
    assert seen["containers"][0]["exitCode"] == 3


def test_tasks_running_fails_at_once_on_a_task_that_cannot_start(ecs, unique):
    family = unique("nocmd")
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "x", "command": ["no-such-binary"]}])
    arn = _run(ecs, family)
    with pytest.raises(WaiterError, match="STOPPED"):
        ecs.get_waiter("tasks_running").wait(cluster=ecs.cluster, tasks=[arn])
    assert _describe(ecs, arn)["stopCode"] == "TaskFailedToStart"


def test_a_waiter_gives_up_after_its_attempts_in_lab_time(aws, ecs, unique):
    code = "from serverless_lab.fargate.taskclock import sleep\nsleep(40 * 60)\n"   # a 40-minute job
    arn = _run(ecs, _family(ecs, unique, code))
    before = aws.clock.now()
    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        ecs.get_waiter("tasks_stopped").wait(cluster=ecs.cluster, tasks=[arn])   # 100 × 6 s: ten minutes
    assert 99 * 6 <= aws.clock.now() - before < 99 * 6 + 20, "100 polls, 99 sleeps of 6 s: on the lab clock"
    assert _describe(ecs, arn)["lastStatus"] == "RUNNING"
    ecs.get_waiter("tasks_stopped").wait(cluster=ecs.cluster, tasks=[arn], WaiterConfig={"MaxAttempts": 500})
    task = _describe(ecs, arn)
    assert task["lastStatus"] == "STOPPED"
    assert abs((task["stoppingAt"] - task["startedAt"]).total_seconds() - 40 * 60) < 2


def test_tasks_stopped_after_stop_task_waits_for_sigkill(ecs, unique):
    arn = _run(ecs, _family(ecs, unique, IGNORES_SIGTERM, stopTimeout=10))
    ecs.get_waiter("tasks_running").wait(cluster=ecs.cluster, tasks=[arn])
    ecs.stop_task(cluster=ecs.cluster, task=arn, reason="deploying")
    ecs.get_waiter("tasks_stopped").wait(cluster=ecs.cluster, tasks=[arn])
    task = _describe(ecs, arn)
    assert task["containers"][0]["exitCode"] == 137 and task["stopCode"] == "UserInitiated"
    took = (task["executionStoppedAt"] - task["stoppingAt"]).total_seconds()
    # SIGKILL after stopTimeout (10 s, not the default 30 s); the lab clock runs in real time while the
    # killed process exits and the engine notices, which a busy machine can stretch to seconds
    assert T.deactivating_s + 10 - 0.5 < took < T.deactivating_s + 10 + 5


def _service(ecs, unique, desired: int) -> str:
    name = unique("svc")
    ecs.create_service(cluster=ecs.cluster, serviceName=name, taskDefinition=_family(ecs, unique, FOREVER),
                       desiredCount=desired, launchType="FARGATE",
                       networkConfiguration=default_network_configuration())
    return name


def _svc(ecs, name: str) -> dict:
    return ecs.describe_services(cluster=ecs.cluster, services=[name])["services"][0]


def test_services_stable_after_create_and_update(aws, ecs, unique):
    name = _service(ecs, unique, 2)
    first = _svc(ecs, name)
    assert (first["runningCount"], first["pendingCount"]) == (0, 2)    # right after CreateService
    stable = ecs.get_waiter("services_stable")
    stable.wait(cluster=ecs.cluster, services=[name])
    svc = _svc(ecs, name)
    assert (svc["runningCount"], svc["pendingCount"], svc["desiredCount"]) == (2, 0, 2)
    assert svc["events"][0]["message"] == f"(service {name}) has reached a steady state."
    tasks = ecs.describe_tasks(cluster=ecs.cluster, tasks=ecs.list_tasks(cluster=ecs.cluster, serviceName=name)[
        "taskArns"])["tasks"]
    assert all(abs((t["startedAt"] - t["createdAt"]).total_seconds() - TO_RUNNING) < 1 for t in tasks)

    ecs.update_service(cluster=ecs.cluster, service=name, desiredCount=3)
    assert _svc(ecs, name)["runningCount"] == 2
    stable.wait(cluster=ecs.cluster, services=[name])
    assert (_svc(ecs, name)["runningCount"], _svc(ecs, name)["desiredCount"]) == (3, 3)

    ecs.update_service(cluster=ecs.cluster, service=name, desiredCount=1)
    stable.wait(cluster=ecs.cluster, services=[name])
    assert (_svc(ecs, name)["runningCount"], _svc(ecs, name)["desiredCount"]) == (1, 1)
    assert len(ecs.list_tasks(cluster=ecs.cluster, serviceName=name)["taskArns"]) == 1


def test_services_inactive_after_delete(aws, ecs, unique):
    name = _service(ecs, unique, 2)
    ecs.get_waiter("services_stable").wait(cluster=ecs.cluster, services=[name])
    arns = ecs.list_tasks(cluster=ecs.cluster, serviceName=name)["taskArns"]
    assert ecs.delete_service(cluster=ecs.cluster, service=name, force=True)["service"]["status"] == "DRAINING"
    assert _svc(ecs, name)["status"] == "DRAINING"    # its tasks are still being stopped
    ecs.get_waiter("services_inactive").wait(cluster=ecs.cluster, services=[name])
    assert _svc(ecs, name)["status"] == "INACTIVE"
    statuses = {t["lastStatus"] for t in ecs.describe_tasks(cluster=ecs.cluster, tasks=arns)["tasks"]}
    assert statuses <= {"STOPPING", "DEPROVISIONING", "STOPPED"}
    with pytest.raises(WaiterError, match="INACTIVE"):     # a deleted service never becomes stable again
        ecs.get_waiter("services_stable").wait(cluster=ecs.cluster, services=[name])
    assert all(wait_for_task(ecs.cluster, arn)["lastStatus"] == "STOPPED" for arn in arns)
    assert aws.extension("fargate").processes() == []
