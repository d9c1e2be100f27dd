"""Lab 08's exercises against wrong answers a student could plausibly give: each loses that exercise's points.

* a task definition sized "big enough" (4 vCPU / 8 GB) instead of the cheapest valid pair;
* a worker that catches SIGTERM and carries on (killed at stopTimeout: exit 137, work lost);
* a worker that drains the whole queue on SIGTERM (overruns stopTimeout, starts new work after SIGTERM);
* a "service" emulated by a loop of run_task (nothing replaces a crashed task);
* scaling by starting extra tasks with run_task instead of changing the service's desiredCount;
* a Step Functions state that calls ecs:runTask without .sync (does not wait for the job).
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
        assert all(s == "passed" for g, s in status.items() if g not in failing), (student, status)
