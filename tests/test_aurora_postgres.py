"""The Data API on a real PostgreSQL server, started by this test module when one is installed.

Skipped (with the reason) when ``initdb``/``pg_ctl`` or psycopg are missing. Debian:
``apt-get install postgresql``; the binaries live in /usr/lib/postgresql/<version>/bin.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import tempfile
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




@pytest.fixture(scope="module")
def postgres_dsn():
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'psycopg[binary]')")
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed; apt-get install postgresql")
    prefix: list[str] = []
    folder = tempfile.mkdtemp(prefix="serverless-lab-pg-")
    if os.geteuid() == 0:  # initdb refuses to run as root: use the postgres account when there is one
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chmod(folder, 0o755)
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(folder, "data"), _free_port()
    run = lambda *args: subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(pg_ctl, "-D", data, "-w", "-t", "60", "-l", os.path.join(folder, "log"), "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"could not start a PostgreSQL server: {getattr(exc, 'stderr', exc)!r}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def db(postgres_dsn):
    with mock_aws(extensions=["aurora"], aurora_postgres_dsn=postgres_dsn) as aws:
        name = f"pg-{uuid.uuid4().hex[:8]}"
        arn = aws.client("rds").create_db_cluster(
            DBClusterIdentifier=name, Engine="aurora-postgresql", DatabaseName="app", MasterUsername="postgres",
            MasterUserPassword="secret-password", EnableHttpEndpoint=True,
            ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})["DBCluster"]["DBClusterArn"]
        secret = aws.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(
            {"username": "postgres", "password": "secret-password"}))["ARN"]
        data = aws.client("rds-data")

        def sql(text, parameters=(), **kw):
            return data.execute_statement(resourceArn=arn, secretArn=secret, sql=text, parameters=list(parameters),
                                          **kw)
        sql.data, sql.arn, sql.secret, sql.aws = data, arn, secret, aws  # type: ignore[attr-defined]
        yield sql


def test_postgres_runs_what_sqlite_refuses(db):
    assert db.aws.extension("aurora").factory.kind("aurora-postgresql") == "postgresql"
    db("CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, price NUMERIC(8,2), tags JSONB, "
       "added TIMESTAMP)")
    inserted = db("INSERT INTO items (name, price, tags, added) VALUES (:n, :p, :t, :a) RETURNING id", [
        {"name": "n", "value": {"stringValue": "Pen"}},
        {"name": "p", "value": {"stringValue": "1.50"}, "typeHint": "DECIMAL"},
        {"name": "t", "value": {"stringValue": '{"colour": "blue"}'}, "typeHint": "JSON"},
        {"name": "a", "value": {"stringValue": "2024-05-01 12:30:00"}, "typeHint": "TIMESTAMP"}])
    assert inserted["records"] == [[{"longValue": 1}]]
    assert inserted["generatedFields"] == []
    got = db("SELECT id, name, price, tags ->> 'colour' AS colour, added, name::varchar AS v FROM items "
             "WHERE name ILIKE :q AND tags @> '{\"colour\": \"blue\"}'", [{"name": "q", "value": {"stringValue": "pen"}}],
             includeResultMetadata=True)
    assert got["records"] == [[{"longValue": 1}, {"stringValue": "Pen"}, {"stringValue": "1.50"},
                               {"stringValue": "blue"}, {"stringValue": "2024-05-01 12:30:00"},
                               {"stringValue": "Pen"}]]
    assert [c["typeName"] for c in got["columnMetadata"]] == ["int4", "text", "numeric", "text", "timestamp",
                                                               "varchar"]
    as_json = db("SELECT name, price FROM items", formatRecordsAs="JSON")
    assert json.loads(as_json["formattedRecords"]) == [{"name": "Pen", "price": "1.50"}]


def test_postgres_transactions_and_errors(db):
    db("CREATE TABLE t (v INTEGER)")
    tid = db.data.begin_transaction(resourceArn=db.arn, secretArn=db.secret)["transactionId"]
    db("INSERT INTO t VALUES (1)", transactionId=tid)
    assert db("SELECT COUNT(*) FROM t")["records"] == [[{"longValue": 0}]]
    db.data.rollback_transaction(resourceArn=db.arn, secretArn=db.secret, transactionId=tid)
    assert db("SELECT COUNT(*) FROM t")["records"] == [[{"longValue": 0}]]
    with pytest.raises(ClientError) as err:
        db("SELECT * FROM nowhere")
    assert err.value.response["Error"]["Code"] == "DatabaseErrorException"
    assert "nowhere" in err.value.response["Error"]["Message"]
    assert "42P01" in err.value.response["Error"]["Message"]  # SQLState: undefined_table
