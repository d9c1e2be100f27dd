"""Lab 08's exercises against wrong answers a student could plausibly give: each loses that exercise's points.

* a task definition sized "big enough" (4 vCPU / 8 GB) instead of the cheapest valid pair;
* a worker that catches SIGTERM and carries on (killed at stopTimeout: exit 137, work lost);
* a worker that drains the whole queue on SIGTERM (overruns stopTimeout, starts new work after SIGTERM);
* a "service" emulated by a loop of run_task (nothing replaces a crashed task);
* scaling by starting extra tasks with run_task instead of changing the service's desiredCount;
* a Step Functions state that calls ecs:runTask without .sync (does not wait for the job);
* a worker that deletes the message before processing it (a task killed mid-job loses the job);
* a worker that exits inside its SIGTERM handler (exit 0, but the job in progress is abandoned);
* scaling on visible + in-flight messages, or rounding the backlog per task instead of rounding up;
* a crossover priced on a 720-hour month, without Lambda's request charge, or with the free tiers;
* a task size hard-coded for the visible case, or extra storage truncated (20.5 GiB asked: 20 given);
* a service whose desiredCount is hard-coded; a batch job retried three times (four attempts);
* a service plan all on-demand (over the cost ceiling), all on Spot or split by weight with no on-demand
  floor (down when Spot takes its tasks back), or with too few tasks (under capacity).
And right answers AWS accepts that must keep full marks: a service created with a FARGATE / FARGATE_SPOT
capacity provider strategy instead of launchType, and other plans that meet Exercise 7's requirements.
"""

from __future__ import annotations

import json

import nbformat
import pytest

from conftest import ROOT

pytestmark = pytest.mark.notebook

LAB = "lab08-fargate"

OVERSIZED = '''
def register_job_definition(family, command, vcpu, memory_gib, arm=False, storage_gib=20):
    # "big enough for anything": 4 vCPU / 8 GB
    return ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="4096", memory="8192",
        runtimePlatform={"cpuArchitecture": "ARM64" if arm else "X86_64", "operatingSystemFamily": "LINUX"},
        executionRoleArn=EXECUTION_ROLE,
        containerDefinitions=[{"name": "job", "image": IMAGE, "command": command, "logConfiguration": log_config("job")}],
        **({"ephemeralStorage": {"sizeInGiB": math.ceil(storage_gib)}} if storage_gib > 20 else {}),
    )["taskDefinition"]["taskDefinitionArn"]
'''

_WORKER_HEAD = '''WORKER_SRC = r"""
import json, os, signal, sys

import boto3
from serverless_lab.fargate.taskclock import sleep

sqs = boto3.client("sqs")
s3 = boto3.client("s3")
QUEUE_URL, BUCKET = os.environ["QUEUE_URL"], os.environ["BUCKET"]


def process(job):
    for _ in range(job["seconds"]):
        sleep(1)
    s3.put_object(Bucket=BUCKET, Key=f"results/{job['id']}.json", Body=json.dumps({"id": job["id"], "ok": True}))

'''

IGNORES_SIGTERM = _WORKER_HEAD + '''
signal.signal(signal.SIGTERM, lambda signum, frame: print("SIGTERM ignored", flush=True))
while True:
    messages = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=1).get("Messages", [])
    if not messages:
        sleep(1)
        continue
    process(json.loads(messages[0]["Body"]))
    sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=messages[0]["ReceiptHandle"])
"""
'''

DRAINS_ON_SIGTERM = _WORKER_HEAD + '''
stopping = False
def on_sigterm(signum, frame):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, on_sigterm)
while True:
    messages = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=1).get("Messages", [])
    if not messages:
        if stopping:
            sys.exit(0)              # "finish everything first": drains the queue after SIGTERM
        sleep(1)
        continue
    process(json.loads(messages[0]["Body"]))
    sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=messages[0]["ReceiptHandle"])
"""
'''

RUN_TASK_LOOP = '''
def create_web_service(cluster, name, task_definition, count):
    arns = []
    for _ in range(count):
        arns += [t["taskArn"] for t in ecs.run_task(cluster=cluster, taskDefinition=task_definition, launchType="FARGATE",
                                                   networkConfiguration=NET, group=f"service:{name}")["tasks"]]
    return arns[0]
'''

SCALE_WITH_RUN_TASK = '''
def scale_on_backlog(cluster, service, queue_url, jobs_per_task=10, min_tasks=1, max_tasks=6):
    backlog = int(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
                  ["Attributes"]["ApproximateNumberOfMessages"])
    desired = max(min_tasks, min(max_tasks, math.ceil(backlog / jobs_per_task)))
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    extra = desired - svc["runningCount"]
    if extra > 0:                     # start more tasks "for the service"
        ecs.run_task(cluster=cluster, taskDefinition=svc["taskDefinition"], launchType="FARGATE", count=extra,
                     networkConfiguration=NET)
    return desired
'''

NO_SYNC = '''
def batch_job_definition(cluster, task_definition, subnets):
    return {"StartAt": "RunJob", "States": {"RunJob": {
        "Type": "Task", "Resource": "arn:aws:states:::ecs:runTask",
        "Parameters": {"Cluster": cluster, "TaskDefinition": task_definition, "LaunchType": "FARGATE",
                       "NetworkConfiguration": {"AwsvpcConfiguration": {"Subnets": subnets}},
                       "Overrides": {"ContainerOverrides": [{"Name": "job", "Environment": [
                           {"Name": "REPORT_DATE", "Value.$": "$.date"}]}]}},
        "ResultSelector": {"taskArn.$": "$.Tasks[0].TaskArn", "stopCode.$": "$.Tasks[0].LastStatus"},
        "Retry": [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
        "End": True}}}
'''

DELETES_FIRST = _WORKER_HEAD + '''
stopping = False
def on_sigterm(signum, frame):
    global stopping
    stopping = True
signal.signal(signal.SIGTERM, on_sigterm)
while not stopping:
    messages = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=1).get("Messages", [])
    if not messages:
        sleep(1)
        continue
    sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=messages[0]["ReceiptHandle"])   # "taken, so delete it"
    process(json.loads(messages[0]["Body"]))
sys.exit(0)
"""
'''

EXITS_IN_HANDLER = _WORKER_HEAD + '''
signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))    # "exit 0 on SIGTERM"
while True:
    messages = sqs.receive_message(QueueUrl=QUEUE_URL, MaxNumberOfMessages=1).get("Messages", [])
    if not messages:
        sleep(1)
        continue
    process(json.loads(messages[0]["Body"]))
    sqs.delete_message(QueueUrl=QUEUE_URL, ReceiptHandle=messages[0]["ReceiptHandle"])
"""
'''

SCALE_ON_ALL_MESSAGES = '''
def scale_on_backlog(cluster, service, queue_url, jobs_per_task=10, min_tasks=1, max_tasks=6):
    a = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    backlog = int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])
    desired = max(min_tasks, min(max_tasks, math.ceil(backlog / jobs_per_task)))
    ecs.update_service(cluster=cluster, service=service, desiredCount=desired)
    return desired
'''

SCALE_ROUNDED = '''
def scale_on_backlog(cluster, service, queue_url, jobs_per_task=10, min_tasks=1, max_tasks=6):
    backlog = int(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
                  ["Attributes"]["ApproximateNumberOfMessages"])
    desired = max(min_tasks, min(max_tasks, round(backlog / jobs_per_task)))
    ecs.update_service(cluster=cluster, service=service, desiredCount=desired)
    return desired
'''

CROSSOVER_720_HOURS = '''
def crossover_requests(duration_ms, memory_mb, vcpu, memory_gb, architecture="x86_64"):
    fargate = pricing.fargate_cost(vcpu, memory_gb, 720 * 3600, architecture=architecture).total   # "30 days"
    return fargate / (pricing.lambda_monthly_cost(1_000_000, duration_ms, memory_mb, architecture,
                                                  free_tier=False).total / 1_000_000)
'''

CROSSOVER_NO_REQUEST_CHARGE = '''
def crossover_requests(duration_ms, memory_mb, vcpu, memory_gb, architecture="x86_64"):
    fargate = pricing.fargate_cost(vcpu, memory_gb, pricing.SECONDS_PER_MONTH, architecture=architecture).total
    gb_s_price = {"x86_64": 0.0000166667, "arm64": 0.0000133334}[architecture]
    return fargate / (duration_ms / 1000 * memory_mb / 1024 * gb_s_price)
'''

CROSSOVER_FREE_TIER = '''
def crossover_requests(duration_ms, memory_mb, vcpu, memory_gb, architecture="x86_64"):
    fargate = pricing.fargate_cost(vcpu, memory_gb, pricing.SECONDS_PER_MONTH, architecture=architecture).total
    return fargate / (pricing.lambda_monthly_cost(1_000_000, duration_ms, memory_mb, architecture).total / 1_000_000)
'''


def _plan(cpu: str, memory: str, count: int, strategy: list[dict]) -> str:
    return f"PLAN = {{'cpu': {cpu!r}, 'memory': {memory!r}, 'desiredCount': {count}, 'capacityProviderStrategy': {strategy!r}}}\n"


OD, SPOT = "FARGATE", "FARGATE_SPOT"
ALL_ON_DEMAND = _plan("1024", "2048", 3, [{"capacityProvider": OD, "weight": 1}])                 # $108.12 a month
ALL_SPOT = _plan("1024", "2048", 3, [{"capacityProvider": SPOT, "weight": 1}])                    # nothing survives Spot
NO_FLOOR = _plan("512", "1024", 6, [{"capacityProvider": OD, "weight": 1}, {"capacityProvider": SPOT, "weight": 1}])
TOO_FEW = _plan("1024", "2048", 2, [{"capacityProvider": OD, "weight": 1}])                       # 2 vCPU < 3
PLAN_HALF_VCPU = _plan("512", "1024", 7, [{"capacityProvider": OD, "base": 4, "weight": 0},      # $88.30 a month
                                          {"capacityProvider": SPOT, "weight": 1}])

HARD_CODED_SIZE = OVERSIZED.replace('cpu="4096", memory="8192"', 'cpu="256", memory="1024"')   # the visible case's answer
TRUNCATED_STORAGE = '''
def register_job_definition(family, command, vcpu, memory_gib, arm=False, storage_gib=20):
    fits = [(c, m) for c, ms in VALID_SIZES.items() for m in ms if c >= vcpu * 1024 and m >= memory_gib * 1024]
    if not fits:
        raise ValueError("no Fargate size is big enough")
    cpu, memory = fits[0]                     # the smallest CPU, then the smallest memory: the cheapest here
    return ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu=str(cpu), memory=str(memory),
        runtimePlatform={"cpuArchitecture": "ARM64" if arm else "X86_64", "operatingSystemFamily": "LINUX"},
        executionRoleArn=EXECUTION_ROLE,
        containerDefinitions=[{"name": "job", "image": IMAGE, "essential": True, "command": command,
                               "logConfiguration": log_config("job")}],
        **({"ephemeralStorage": {"sizeInGiB": int(storage_gib)}} if storage_gib > 20 else {}),   # 20.5 -> 20
    )["taskDefinition"]["taskDefinitionArn"]
'''
HARD_CODED_COUNT = '''
def create_web_service(cluster, name, task_definition, count):
    return ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=task_definition, desiredCount=2,
                              launchType="FARGATE", networkConfiguration=NET)["service"]["serviceArn"]
'''
FOUR_ATTEMPTS = NO_SYNC.replace("ecs:runTask\"", "ecs:runTask.sync\"").replace(
    '"taskArn.$": "$.Tasks[0].TaskArn", "stopCode.$": "$.Tasks[0].LastStatus"', '"taskArn.$": "$.TaskArn", "stopCode.$": "$.StopCode"'
).replace('"MaxAttempts": 2', '"MaxAttempts": 3')

SERVICE_WITH_STRATEGY = '''
def create_web_service(cluster, name, task_definition, count):
    return ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=task_definition, desiredCount=count,
                              capacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                                                        {"capacityProvider": "FARGATE_SPOT", "weight": 3}],
                              networkConfiguration=NET)["service"]["serviceArn"]
'''

# student -> {solution cell: wrong code}, and the graded cells that must then fail
WRONG = {
    "oversized-and-runtask-loop": ({"lab08_job_definition": OVERSIZED, "lab08_web_service": RUN_TASK_LOOP},
                                   {"lab08_job_definition_size_test", "lab08_web_service_test"}),
    "ignores-sigterm-and-no-sync": ({"lab08_worker": IGNORES_SIGTERM, "lab08_batch_job": NO_SYNC},
                                    {"lab08_worker_stops_cleanly_test", "lab08_worker_loses_no_work_test",
                                     "lab08_batch_job_test"}),
    "drains-and-scales-with-runtask": ({"lab08_worker": DRAINS_ON_SIGTERM, "lab08_scale_on_backlog": SCALE_WITH_RUN_TASK},
                                       {"lab08_worker_stops_cleanly_test", "lab08_worker_loses_no_work_test",
                                        "lab08_scale_on_backlog_test"}),
    "deletes-first-rounds-720h-all-on-demand": (
        {"lab08_worker": DELETES_FIRST, "lab08_scale_on_backlog": SCALE_ROUNDED, "lab08_crossover": CROSSOVER_720_HOURS,
         "lab08_service_plan": ALL_ON_DEMAND},
        {"lab08_worker_loses_no_work_test", "lab08_scale_on_backlog_test", "lab08_crossover_test",
         "lab08_service_plan_cost_test"}),
    "exits-in-handler-in-flight-no-request-charge-all-spot": (
        {"lab08_worker": EXITS_IN_HANDLER, "lab08_scale_on_backlog": SCALE_ON_ALL_MESSAGES,
         "lab08_crossover": CROSSOVER_NO_REQUEST_CHARGE, "lab08_service_plan": ALL_SPOT},
        {"lab08_worker_loses_no_work_test", "lab08_scale_on_backlog_test", "lab08_crossover_test",
         "lab08_service_plan_availability_test"}),
    "free-tier-no-on-demand-floor-hard-coded-size": (
        {"lab08_crossover": CROSSOVER_FREE_TIER, "lab08_service_plan": NO_FLOOR, "lab08_job_definition": HARD_CODED_SIZE},
        {"lab08_crossover_test", "lab08_service_plan_availability_test", "lab08_job_definition_size_test"}),
    "too-few-tasks-truncated-storage-hard-coded-count-four-attempts": (
        {"lab08_service_plan": TOO_FEW, "lab08_job_definition": TRUNCATED_STORAGE, "lab08_web_service": HARD_CODED_COUNT,
         "lab08_batch_job": FOUR_ATTEMPTS},
        {"lab08_service_plan_capacity_test", "lab08_job_definition_platform_test", "lab08_web_service_test",
         "lab08_batch_job_test"}),
    # right answers AWS accepts: full marks
    "right-strategy-service-half-vcpu-plan": ({"lab08_web_service": SERVICE_WITH_STRATEGY,
                                               "lab08_service_plan": PLAN_HALF_VCPU}, set()),
}


def test_wrong_designs_lose_the_points(tmp_path):
    from serverless_lab.grading.grade import grade

    source = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    subs = tmp_path / "submitted"
    for student, (answers, _failing) in WRONG.items():
        nb = nbformat.from_dict(json.loads(json.dumps(source)))
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid in answers:
                cell.source = answers[gid]
        path = subs / student / LAB / f"{LAB}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    report = grade(subs, tmp_path / "out", workers=1, quiet=True)
    by = {r.key.split("/")[0]: r for r in report.results}
    for student, (_answers, failing) in WRONG.items():
        status = {e.grade_id: e.status for e in by[student].exercises}
        for gid in failing:
            assert status[gid] == "failed", (student, gid, status)
        others = {g: s for g, s in status.items() if g not in failing and s != "passed"}
        assert not others, (student, others)
