"""Aurora Data API through client libraries vs boto3 directly (bench_engines.py times the engine itself).

Figures (all on the embedded SQLite engine, in-process moto):
* a parameterised SELECT by primary key through boto3's ``execute_statement`` inside a Data API
  transaction: the floor;
* the same statement through SQLAlchemy Core on the ``postgresql+auroradataapi`` dialect (the
  aurora-data-api DB-API driver underneath), on an open connection: target ≤ 3× the floor;
* the same through the DB-API driver's cursor alone;
* one whole SQLAlchemy unit of work (``engine.begin()`` → statement → commit): three Data API calls
  (BeginTransaction, ExecuteStatement, CommitTransaction), reported without a target.
"""

from __future__ import annotations

import json
import statistics
import time

from bench.common import Figure, median_time


def run() -> list[Figure]:
    import aurora_data_api
    import sqlalchemy as sa
    from sqlalchemy_aurora_data_api import register_dialects

    from serverless_lab import mock_aws

    register_dialects()
    figures = []
    with mock_aws(extensions=["aurora"]) as aws:
        rds, data, sm = aws.client("rds"), aws.client("rds-data"), aws.client("secretsmanager")
        arn = rds.create_db_cluster(DBClusterIdentifier="bench-sa", Engine="aurora-postgresql", DatabaseName="app",
                                    MasterUsername="u", MasterUserPassword="password-1", EnableHttpEndpoint=True,
                                    ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})[
            "DBCluster"]["DBClusterArn"]
        secret = sm.create_secret(Name="bench-sa", SecretString=json.dumps({"username": "u"}))["ARN"]
        data.execute_statement(resourceArn=arn, secretArn=secret, database="app",
                               sql="CREATE TABLE items (id SERIAL PRIMARY KEY, name VARCHAR(40), price NUMERIC(8,2))")
        data.batch_execute_statement(resourceArn=arn, secretArn=secret, database="app",
                                     sql="INSERT INTO items (name, price) VALUES (:n, :p)",
                                     parameterSets=[[{"name": "n", "value": {"stringValue": f"item{i}"}},
                                                     {"name": "p", "value": {"stringValue": "1.50"}}]
                                                    for i in range(100)])
        sql = "SELECT id, name, price FROM items WHERE id = :id"
        params = [{"name": "id", "value": {"longValue": 42}}]

        engine = sa.create_engine("postgresql+auroradataapi://:@/app", connect_args={
            "aurora_cluster_arn": arn, "secret_arn": secret, "rds_data_client": data})
        items = sa.Table("items", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("name", sa.String(40)), sa.Column("price", sa.Numeric(8, 2)))
        query = sa.select(items).where(items.c.id == sa.bindparam("id"))

        # The three ways are timed in turn, round after round, so that load from other processes falls on all alike.
        tid = data.begin_transaction(resourceArn=arn, secretArn=secret, database="app")["transactionId"]
        with aurora_data_api.connect(aurora_cluster_arn=arn, secret_arn=secret, database="app",
                                     rds_data_client=data) as dbapi_conn, engine.connect() as sa_conn:
            cur = dbapi_conn.cursor()
            ways = {
                "boto3": lambda: data.execute_statement(resourceArn=arn, secretArn=secret, database="app", sql=sql,
                                                        parameters=params, transactionId=tid,
                                                        includeResultMetadata=True),
                "dbapi": lambda: (cur.execute(sql, {"id": 42}), cur.fetchall()),
                "sqlalchemy": lambda: sa_conn.execute(query, {"id": 42}).all(),
            }
            samples: dict[str, list[float]] = {k: [] for k in ways}
            for _ in range(5):
                for fn in ways.values():
                    fn()
            for _ in range(200):
                for name, fn in ways.items():
                    t0 = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - t0)
        data.commit_transaction(resourceArn=arn, secretArn=secret, transactionId=tid)
        floor, via_dbapi, t = (statistics.median(samples[k]) for k in ("boto3", "dbapi", "sqlalchemy"))
        figures.append(Figure("aurora: SELECT by key, boto3 execute_statement", floor * 1000, "ms", "floor"))
        figures.append(Figure("aurora: same via aurora-data-api cursor", via_dbapi * 1000, "ms",
                              f"x{via_dbapi / floor:.2f} of boto3"))
        ratio = t / floor
        figures.append(Figure("aurora: same via SQLAlchemy Core (open connection)", t * 1000, "ms",
                              f"<= 3x boto3 (x{ratio:.2f})", ratio <= 3.0))

        def unit() -> None:
            with engine.begin() as conn:
                conn.execute(query, {"id": 42}).all()
        t = median_time(unit, repeat=50)
        figures.append(Figure("aurora: SQLAlchemy engine.begin() unit (3 Data API calls)", t * 1000, "ms",
                              f"x{t / floor:.2f} of one statement"))
        engine.dispose()
    return figures
