"""ECS services on Fargate keep desiredCount tasks running; Step Functions ecs:runTask.sync; Fargate Spot."""

from __future__ import annotations

import collections
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.fargate import (
    crash_task,
    default_network_configuration,
    interrupt_spot_task,
    service_tasks,
    wait_for_service,
    wait_for_task,
)

FOREVER = "import time\nprint('serving', flush=True)\nwhile True:\n    time.sleep(0.05)\n"


@pytest.fixture
def aws():
    with mock_aws(extensions=["fargate"]) as session:
        yield session


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _cluster(aws, code: str = FOREVER, **container) -> tuple[object, str, str]:
    ecs = aws.client("ecs")
    cluster, family = _name("c"), _name("web")
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", code],
                                                        **container}])
    return ecs, cluster, family


def _service(aws, desired: int = 2, **kwargs):
    ecs, cluster, family = _cluster(aws, **kwargs)
    name = _name("svc")
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=desired,
                       launchType="FARGATE", networkConfiguration=default_network_configuration())
    return ecs, cluster, name


def test_create_service_starts_desired_count_tasks(aws):
    ecs, cluster, name = _service(aws, desired=2)
    arns = ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]
    assert len(arns) == 2  # started at once, in PROVISIONING
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"]
    assert {t["lastStatus"] for t in tasks} == {"PROVISIONING"}
    assert {t["group"] for t in tasks} == {f"service:{name}"}
    assert all(t["startedBy"].startswith("ecs-svc/") for t in tasks)
    svc = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"], svc["pendingCount"]) == (2, 0, 2)

    svc = wait_for_service(cluster, name)
    assert (svc["desiredCount"], svc["runningCount"], svc["pendingCount"]) == (2, 2, 0)
    assert svc["events"][0]["message"] == f"(service {name}) has reached a steady state."
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"


def test_a_crashed_task_is_replaced(aws):
    ecs, cluster, name = _service(aws, desired=2)
    wait_for_service(cluster, name)
    first = service_tasks(cluster, name)
    crash_task(first[0])
    svc = wait_for_service(cluster, name)
    now = service_tasks(cluster, name)
    assert svc["runningCount"] == 2 and len(now) == 2
    assert first[0] not in now and first[1] in now
    crashed = ecs.describe_tasks(cluster=cluster, tasks=[first[0]])["tasks"][0]
    assert crashed["lastStatus"] == "STOPPED" and crashed["containers"][0]["exitCode"] == 137
    assert crashed["stoppedReason"] == "Essential container in task exited"
    messages = [e["message"] for e in svc["events"]]
    assert any("has stopped 1 running tasks" in m and first[0].rsplit("/", 1)[-1] in m for m in messages)
    assert any("has started 1 tasks" in m for m in messages)


def test_a_task_that_exits_is_replaced_too(aws):
    """A service task whose command ends (exit 0) is replaced like a crashed one: the scheduler keeps
    desiredCount tasks. Such a service never becomes steady (each replacement exits too), so the test
    waits for the replacement to be started, not for a steady state it might only pass through."""
    ecs, cluster, name = _service(aws, desired=1, code="print('one job and out')")
    first = service_tasks(cluster, name)[0]
    wait_for_task(cluster, first)
    deadline = time.monotonic() + 60
    while not (replacements := [t for t in service_tasks(cluster, name, include_stopped=True) if t != first]):
        assert time.monotonic() < deadline, "no replacement was started for a task that exited"
        time.sleep(0.05)
    described = ecs.describe_tasks(cluster=cluster, tasks=replacements[:1])["tasks"][0]
    assert described["group"] == f"service:{name}"
    assert ecs.describe_services(cluster=cluster, services=[name])["services"][0]["desiredCount"] == 1


def test_stop_task_on_a_service_task_gets_a_replacement(aws):
    ecs, cluster, name = _service(aws, desired=1)
    wait_for_service(cluster, name)
    first = service_tasks(cluster, name)[0]
    ecs.stop_task(cluster=cluster, task=first, reason="testing")
    svc = wait_for_service(cluster, name)
    assert svc["runningCount"] == 1 and service_tasks(cluster, name) != [first]


def test_update_service_scales_out_and_in(aws):
    ecs, cluster, name = _service(aws, desired=1)
    wait_for_service(cluster, name)
    ecs.update_service(cluster=cluster, service=name, desiredCount=4)
    svc = ecs.describe_services(cluster=cluster, services=[name])["services"][0]
    assert svc["desiredCount"] == 4 and svc["runningCount"] == 1  # not moto's copy of desiredCount
    assert wait_for_service(cluster, name)["runningCount"] == 4
    ecs.update_service(cluster=cluster, service=name, desiredCount=2)
    svc = wait_for_service(cluster, name)
    assert svc["runningCount"] == 2
    assert len(ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]) == 2
    stopped = ecs.list_tasks(cluster=cluster, serviceName=name, desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 2
    reasons = {t["stopCode"] for t in ecs.describe_tasks(cluster=cluster, tasks=stopped)["tasks"]}
    assert reasons == {"ServiceSchedulerInitiated"}


def test_delete_service_stops_its_tasks(aws):
    ecs, cluster, name = _service(aws, desired=2)
    wait_for_service(cluster, name)
    arns = service_tasks(cluster, name)
    with pytest.raises(ClientError):
        ecs.delete_service(cluster=cluster, service=name)  # still scaled above 0
    ecs.delete_service(cluster=cluster, service=name, force=True)
    for arn in arns:
        assert wait_for_task(cluster, arn)["lastStatus"] == "STOPPED"
    assert aws.extension("fargate").processes() == []


def test_list_services_shows_active_services_only(aws):
    """AWS: a deleted service leaves ListServices at once (DRAINING, then INACTIVE); DescribeServices still shows it."""
    ecs, cluster, name = _service(aws, desired=1)
    other = _name("svc")
    family = ecs.list_task_definitions()["taskDefinitionArns"][0]
    ecs.create_service(cluster=cluster, serviceName=other, taskDefinition=family, desiredCount=0,
                       launchType="FARGATE", networkConfiguration=default_network_configuration())
    wait_for_service(cluster, name)
    listed = ecs.list_services(cluster=cluster)["serviceArns"]
    assert sorted(a.rsplit("/", 1)[-1] for a in listed) == sorted([name, other])

    ecs.delete_service(cluster=cluster, service=name, force=True)
    assert ecs.describe_services(cluster=cluster, services=[name])["services"][0]["status"] == "DRAINING"
    assert [a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster=cluster)["serviceArns"]] == [other]
    for arn in service_tasks(cluster, name, include_stopped=True):
        wait_for_task(cluster, arn)
    assert ecs.describe_services(cluster=cluster, services=[name])["services"][0]["status"] == "INACTIVE"
    assert [a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster=cluster)["serviceArns"]] == [other]
    fargate = ecs.list_services(cluster=cluster, launchType="FARGATE")["serviceArns"]
    assert [a.rsplit("/", 1)[-1] for a in fargate] == [other]

    ecs.delete_service(cluster=cluster, service=other)  # no task to drain: INACTIVE at once
    assert ecs.list_services(cluster=cluster)["serviceArns"] == []
    assert ecs.describe_services(cluster=cluster, services=[other])["services"][0]["status"] == "INACTIVE"


def test_list_services_does_not_mix_clusters_whose_names_end_alike(aws):
    ecs, cluster, name = _service(aws, desired=0)
    ecs.create_cluster(clusterName=cluster[-3:])  # "abc" must not list the services of "xyzabc"
    assert ecs.list_services(cluster=cluster[-3:])["serviceArns"] == []
    assert len(ecs.list_services(cluster=cluster)["serviceArns"]) == 1


def test_service_needs_a_fargate_task_definition_and_network(aws):
    ecs, cluster, family = _cluster(aws)
    with pytest.raises(ClientError) as err:
        ecs.create_service(cluster=cluster, serviceName="s", taskDefinition=family, desiredCount=1,
                           launchType="FARGATE")
    assert "default_network_configuration()" in err.value.response["Error"]["Message"]


def test_replacing_a_crashed_task_is_fast(aws):
    ecs, cluster, name = _service(aws, desired=1)
    wait_for_service(cluster, name)
    crash_task(service_tasks(cluster, name)[0])
    before = aws.clock.now()
    wait_for_service(cluster, name)
    assert aws.clock.now() - before >= 30  # start-up of the replacement passed on the lab clock


def _sync_machine(aws, cluster: str, family: str) -> str:
    net = default_network_configuration()["awsvpcConfiguration"]
    definition = {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync",
        "Parameters": {"Cluster": cluster, "TaskDefinition": family, "LaunchType": "FARGATE",
                       "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": net["subnets"],
                                                                        "AssignPublicIp": "ENABLED"}},
                       "Overrides": {"ContainerOverrides": [{"Name": "app", "Environment": [
                           {"Name": "CODE", "Value.$": "States.Format('{}', $.code)"}]}]}},
        "End": True}}}
    return aws.client("stepfunctions").create_state_machine(
        name=_name("batch"), definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]


def _finish(aws, execution: str, timeout: float = 30) -> dict:
    sfn = aws.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while (d := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "execution still RUNNING"
        time.sleep(0.02)
    return d


JOB = "import os, sys\nprint('batch job ran')\nsys.exit(int(os.environ['CODE']))\n"


def test_run_task_sync_waits_for_the_task_and_returns_it(aws):
    ecs, cluster, family = _cluster(aws, code=JOB)
    sm = _sync_machine(aws, cluster, family)
    start = aws.clock.now()
    ex = aws.client("stepfunctions").start_execution(stateMachineArn=sm, input=json.dumps({"code": 0}))
    done = _finish(aws, ex["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    task = json.loads(done["output"])
    assert task["LastStatus"] == "STOPPED" and task["Containers"][0]["ExitCode"] == 0
    assert task["StartedBy"] == "AWS Step Functions"
    assert isinstance(task["StoppedAt"], int)  # epoch milliseconds, as Step Functions shows dates
    assert aws.clock.now() - start >= 30  # the simulated start-up passed on the lab clock
    assert aws.extension("fargate").output(task["TaskArn"]) == ["app: batch job ran"]


def test_run_task_sync_fails_the_state_on_a_non_zero_exit(aws):
    ecs, cluster, family = _cluster(aws, code=JOB)
    sm = _sync_machine(aws, cluster, family)
    ex = aws.client("stepfunctions").start_execution(stateMachineArn=sm, input=json.dumps({"code": 3}))
    done = _finish(aws, ex["executionArn"])
    assert done["status"] == "FAILED"
    assert done["error"] == "States.TaskFailed"
    assert json.loads(done["cause"])["Containers"][0]["ExitCode"] == 3


def test_run_task_without_sync_returns_at_once(aws):
    ecs, cluster, family = _cluster(aws)
    net = default_network_configuration()["awsvpcConfiguration"]
    definition = {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
        "Parameters": {"Cluster": cluster, "TaskDefinition": family, "LaunchType": "FARGATE",
                       "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": net["subnets"]}}},
        "End": True}}}
    sfn = aws.client("stepfunctions")
    sm = sfn.create_state_machine(name=_name("fire"), definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    done = _finish(aws, sfn.start_execution(stateMachineArn=sm, name=_name("x"))["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    task = json.loads(done["output"])["Tasks"][0]
    assert task["LastStatus"] == "PROVISIONING"  # fire and forget: the task still runs
    ecs.stop_task(cluster=cluster, task=task["TaskArn"])


def test_spot_interruption_warns_then_stops(aws):
    ecs, cluster, family = _cluster(aws, code=(
        "import signal, sys, time\n"
        "def bye(*_):\n    print('saving checkpoint', flush=True)\n    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, bye)\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.05)\n"),
        stopTimeout=120)
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[])
    arn = ecs.run_task(cluster=cluster, taskDefinition=family,
                       capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                       networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
    wait_for_task(cluster, arn, status="RUNNING")
    engine = aws.extension("fargate")
    deadline = time.monotonic() + 20
    while "app: ready" not in engine.output(arn):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    warning = interrupt_spot_task(arn)
    assert warning["stopCode"] == "SpotInterruption"
    done = wait_for_task(cluster, arn)
    assert done["stopCode"] == "SpotInterruption" and done["stoppedReason"] == "Your Spot Task was interrupted."
    assert done["containers"][0]["exitCode"] == 0  # it saved its work on SIGTERM and exited
    assert "app: saving checkpoint" in engine.output(arn)


def test_spot_interruption_needs_a_spot_task(aws):
    from serverless_lab.errors import LabError

    ecs, cluster, family = _cluster(aws)
    arn = ecs.run_task(cluster=cluster, taskDefinition=family, launchType="FARGATE",
                       networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
    with pytest.raises(LabError):
        interrupt_spot_task(arn)
    ecs.stop_task(cluster=cluster, task=arn)


def test_run_task_sync_retries_a_failed_job(aws, tmp_path):
    attempts = tmp_path / "attempts"
    code = (f"import os, sys\npath = {str(attempts)!r}\n"
            "n = int(open(path).read()) + 1 if os.path.exists(path) else 1\nopen(path, 'w').write(str(n))\n"
            "sys.exit(1 if n < 3 else 0)\n")
    ecs, cluster, family = _cluster(aws, code=code)
    net = default_network_configuration()["awsvpcConfiguration"]
    definition = {"StartAt": "Run", "States": {"Run": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": True,
        "Parameters": {"Cluster": cluster, "TaskDefinition": family, "LaunchType": "FARGATE",
                       "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": net["subnets"]}}},
        "ResultSelector": {"stopCode.$": "$.StopCode"},
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 1}]}}}
    sfn = aws.client("stepfunctions")
    sm = sfn.create_state_machine(name=_name("retry"), definition=json.dumps(definition),
                                  roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    done = _finish(aws, sfn.start_execution(stateMachineArn=sm, name=_name("x"))["executionArn"])
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"stopCode": "EssentialContainerExited"}
    assert attempts.read_text() == "3"


@pytest.mark.parametrize("extra,fragment", [
    ({"ephemeralStorage": {"sizeInGiB": 10}}, "between 21 and 200 GiB"),
    ({"ephemeralStorage": {"sizeInGiB": 500}}, "between 21 and 200 GiB"),
    ({"runtimePlatform": {"cpuArchitecture": "ARM32", "operatingSystemFamily": "LINUX"}}, "Invalid cpuArchitecture"),
])
def test_storage_and_architecture_are_checked(aws, extra, fragment):
    with pytest.raises(ClientError) as err:
        aws.client("ecs").register_task_definition(
            family=_name("bad"), requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "app", "image": "x", "command": ["python", "-c", "pass"]}], **extra)
    assert fragment in err.value.response["Error"]["Message"]


def test_task_cost_follows_architecture_and_storage(aws):
    from serverless_lab.fargate import task_cost

    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="c")
    costs = {}
    for arch, storage in (("X86_64", None), ("ARM64", None), ("X86_64", 100)):
        family = _name("job")
        extra = {"ephemeralStorage": {"sizeInGiB": storage}} if storage else {}
        ecs.register_task_definition(family=family, requiresCompatibilities=["FARGATE"], cpu="1024", memory="2048",
                                     runtimePlatform={"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"},
                                     containerDefinitions=[{"name": "app", "image": "x",
                                                            "command": ["python", "-c", "pass"]}], **extra)
        arn = ecs.run_task(cluster="c", taskDefinition=family, launchType="FARGATE",
                           networkConfiguration=default_network_configuration())["tasks"][0]["taskArn"]
        done = wait_for_task("c", arn)
        if storage:
            assert done["ephemeralStorage"] == {"sizeInGiB": storage}
        costs[(arch, storage)] = task_cost(arn)
    assert costs[("ARM64", None)].assumptions["architecture"] == "arm64"
    assert costs[("ARM64", None)].total < costs[("X86_64", None)].total < costs[("X86_64", 100)].total


STRATEGY = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}]


def _net_without_security_groups() -> dict:
    net = default_network_configuration()
    net["awsvpcConfiguration"].pop("securityGroups", None)
    return net


def test_service_with_a_capacity_provider_strategy_reaches_its_desired_count(aws):
    """``base`` tasks on their provider first, then the rest split by ``weight``; tasks report their
    ``capacityProviderName``; ``securityGroups`` may be left out (the VPC's default group is used).

    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CapacityProviderStrategyItem.html
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_AwsVpcConfiguration.html
    """
    ecs, cluster, family = _cluster(aws)
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[])
    name = _name("svc")
    svc = ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=5,
                             capacityProviderStrategy=STRATEGY,
                             networkConfiguration=_net_without_security_groups())["service"]
    assert svc.get("launchType") is None
    assert [s["capacityProvider"] for s in svc["capacityProviderStrategy"]] == ["FARGATE", "FARGATE_SPOT"]
    svc = wait_for_service(cluster, name)
    assert (svc["runningCount"], svc["desiredCount"]) == (5, 5)
    tasks = ecs.describe_tasks(cluster=cluster, tasks=service_tasks(cluster, name))["tasks"]
    providers = sorted(t["capacityProviderName"] for t in tasks)
    assert providers == ["FARGATE", "FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]  # 1 base + 4 at 1:3
    ecs.update_service(cluster=cluster, service=name, desiredCount=0)
    wait_for_service(cluster, name)


def test_a_strategy_needs_providers_associated_with_the_cluster(aws):
    """"A capacity provider must be associated with the cluster to be used in a capacity provider strategy"
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html); launchType and
    a strategy are exclusive."""
    ecs, cluster, family = _cluster(aws)
    for call in (lambda: ecs.create_service(cluster=cluster, serviceName=_name("svc"), taskDefinition=family,
                                            desiredCount=1, capacityProviderStrategy=STRATEGY,
                                            networkConfiguration=default_network_configuration()),
                 lambda: ecs.run_task(cluster=cluster, taskDefinition=family, capacityProviderStrategy=STRATEGY,
                                      networkConfiguration=default_network_configuration())):
        with pytest.raises(ClientError) as err:
            call()
        assert err.value.response["Error"]["Code"] == "InvalidParameterException"
        assert "not associated with the cluster" in err.value.response["Error"]["Message"]
    ecs.put_cluster_capacity_providers(cluster=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[])
    with pytest.raises(ClientError) as err:
        ecs.create_service(cluster=cluster, serviceName=_name("svc"), taskDefinition=family, desiredCount=1,
                           launchType="FARGATE", capacityProviderStrategy=STRATEGY,
                           networkConfiguration=default_network_configuration())
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert err.value.response["Error"]["Message"].startswith(
        "Specifying both a launch type and capacity provider strategy is not supported.")
    tasks = ecs.run_task(cluster=cluster, taskDefinition=family, count=4, capacityProviderStrategy=STRATEGY,
                         networkConfiguration=_net_without_security_groups())["tasks"]
    assert sorted(t["capacityProviderName"] for t in tasks) == ["FARGATE", "FARGATE", "FARGATE_SPOT", "FARGATE_SPOT"]
    for t in tasks:
        ecs.stop_task(cluster=cluster, task=t["taskArn"])


def test_create_service_refuses_the_name_of_an_active_or_draining_service(aws):
    """AWS answers InvalidParameterException "Creation of service was not idempotent." while a service of
    that name is ACTIVE or DRAINING (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html,
    as reported in hashicorp/terraform-provider-aws#2283); once INACTIVE the name is free again."""
    ecs, cluster, name = _service(aws, desired=1)
    wait_for_service(cluster, name)
    family = ecs.describe_services(cluster=cluster, services=[name])["services"][0]["taskDefinition"]

    def again():
        return ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=1,
                                  launchType="FARGATE", networkConfiguration=default_network_configuration())
    with pytest.raises(ClientError) as err:
        again()
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert err.value.response["Error"]["Message"].startswith("Creation of service was not idempotent.")
    ecs.delete_service(cluster=cluster, service=name, force=True)
    assert ecs.describe_services(cluster=cluster, services=[name])["services"][0]["status"] == "DRAINING"
    with pytest.raises(ClientError):
        again()
    svc = wait_for_service(cluster, name)
    assert svc["status"] == "INACTIVE"
    assert again()["service"]["status"] == "ACTIVE"
    ecs.update_service(cluster=cluster, service=name, desiredCount=0)
    wait_for_service(cluster, name)


def test_tasks_spread_across_zones_and_scale_in_keeps_the_spread(aws):
    """A service's tasks go to the Availability Zone with the fewest of them, and scale-in stops tasks in the
    zone with the most ("Update Amazon ECS service parameters", Amazon ECS Developer Guide:
    https://docs.aws.amazon.com/AmazonECS/latest/developerguide/update-service-parameters.html)."""
    ecs, cluster, family = _cluster(aws)
    ec2 = aws.client("ec2")
    net = default_network_configuration()
    subnets = net["awsvpcConfiguration"]["subnets"][:2]
    net["awsvpcConfiguration"]["subnets"] = subnets
    zone = {s["SubnetId"]: s["AvailabilityZone"] for s in ec2.describe_subnets(SubnetIds=subnets)["Subnets"]}
    assert len(set(zone.values())) == 2
    name = _name("svc")
    ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=3,
                       launchType="FARGATE", networkConfiguration=net)
    wait_for_service(cluster, name)

    def placed() -> dict[str, str]:
        return {t["taskArn"]: t["availabilityZone"] for t in ecs.describe_tasks(
            cluster=cluster, tasks=service_tasks(cluster, name))["tasks"]}
    assert sorted(collections.Counter(placed().values()).values()) == [1, 2]   # 3 tasks over 2 zones
    lonely = next(arn for arn, z in placed().items() if list(placed().values()).count(z) == 1)
    crash_task(lonely)                       # its replacement goes to the same, emptier zone: the newest task
    wait_for_service(cluster, name)
    replacement = service_tasks(cluster, name)[-1]
    assert replacement != lonely and list(placed().values()).count(placed()[replacement]) == 1
    ecs.update_service(cluster=cluster, service=name, desiredCount=2)
    wait_for_service(cluster, name)
    assert sorted(placed().values()) == sorted(set(zone.values()))   # one per zone: not newest-first
    assert replacement in placed(), "the newest task (alone in its zone) was kept"
    ecs.update_service(cluster=cluster, service=name, desiredCount=0)
    wait_for_service(cluster, name)
