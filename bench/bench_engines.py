"""Speed of the Fargate and Aurora engines (real time a lab waits; AWS time is on the lab clock).

Figures:
* a Fargate hello-world task from RunTask to STOPPED with ``wait_for_task`` fast-forwarding the
  simulated start-up: what a lab cell waits (the process start dominates: Python + imports);
* Aurora Data API ExecuteStatement round trip on the embedded SQLite engine (in-process boto3);
* a 100-row BatchExecuteStatement.
"""

from __future__ import annotations

import json
import time

from bench.common import Figure, median_time


def _fargate(aws) -> float:
    from serverless_lab.fargate import default_network_configuration, wait_for_task

    ecs = aws.client("ecs")
    ecs.create_cluster(clusterName="bench")
    ecs.register_task_definition(family="hello", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "python:3.12-slim",
                                                        "command": ["python", "-c", "print('hi')"]}])
    net = default_network_configuration()
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        arn = ecs.run_task(cluster="bench", taskDefinition="hello", launchType="FARGATE",
                           networkConfiguration=net)["tasks"][0]["taskArn"]
        wait_for_task("bench", arn)
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return samples[len(samples) // 2]


def run() -> list[Figure]:
    from serverless_lab import mock_aws

    figures = []
    with mock_aws(extensions=["fargate", "aurora"]) as aws:
        t = _fargate(aws)
        figures.append(Figure("fargate: RunTask -> STOPPED, hello world (fast-forwarded)", t * 1000, "ms",
                              "<= 1500 ms", t <= 1.5))

        rds, data, sm = aws.client("rds"), aws.client("rds-data"), aws.client("secretsmanager")
        arn = rds.create_db_cluster(DBClusterIdentifier="bench", Engine="aurora-postgresql", MasterUsername="u",
                                    MasterUserPassword="password-1", EnableHttpEndpoint=True,
                                    ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})[
            "DBCluster"]["DBClusterArn"]
        secret = sm.create_secret(Name="bench", SecretString=json.dumps({"username": "u"}))["ARN"]
        data.execute_statement(resourceArn=arn, secretArn=secret, sql="CREATE TABLE t (id SERIAL PRIMARY KEY, v TEXT)")
        params = [{"name": "v", "value": {"stringValue": "x"}}]
        t = median_time(lambda: data.execute_statement(resourceArn=arn, secretArn=secret, parameters=params,
                                                       sql="INSERT INTO t (v) VALUES (:v)"), repeat=100)
        figures.append(Figure("aurora: ExecuteStatement INSERT (SQLite, in-process)", t * 1000, "ms", "<= 15 ms (moto+boto3 ~5)",
                              t <= 0.015))
        t = median_time(lambda: data.execute_statement(resourceArn=arn, secretArn=secret,
                                                       sql="SELECT * FROM t ORDER BY id DESC LIMIT 10",
                                                       includeResultMetadata=True), repeat=100)
        figures.append(Figure("aurora: ExecuteStatement SELECT 10 rows + metadata", t * 1000, "ms", "<= 15 ms (moto+boto3 ~5)",
                              t <= 0.015))
        sets = [params] * 100
        t = median_time(lambda: data.batch_execute_statement(resourceArn=arn, secretArn=secret, parameterSets=sets,
                                                             sql="INSERT INTO t (v) VALUES (:v)"), repeat=10)
        figures.append(Figure("aurora: BatchExecuteStatement 100 rows", t * 1000, "ms", "<= 100 ms", t <= 0.100))
    return figures
