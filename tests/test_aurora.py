"""Aurora Serverless v2: the Data API runs real SQL (embedded SQLite); capacity scales, pauses, resumes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.aurora import capacity_history, cluster_cost, current_capacity, plot_capacity


@pytest.fixture
def aws():
    with mock_aws(extensions=["aurora"]) as session:
        yield session


class Db:
    """A cluster with a secret, and short-hands for the Data API calls."""

    def __init__(self, aws, engine="aurora-postgresql", min_acu=0.5, max_acu=4, name=None, **scaling):
        self.aws = aws
        self.rds, self.data = aws.client("rds"), aws.client("rds-data")
        self.name = name or f"db-{uuid.uuid4().hex[:8]}"
        cluster = self.rds.create_db_cluster(
            DBClusterIdentifier=self.name, Engine=engine, DatabaseName="app", MasterUsername="admin",
            MasterUserPassword="secret-password", EnableHttpEndpoint=True,
            ServerlessV2ScalingConfiguration={"MinCapacity": min_acu, "MaxCapacity": max_acu, **scaling})
        self.cluster = cluster["DBCluster"]
        self.arn = self.cluster["DBClusterArn"]
        self.secret = aws.client("secretsmanager").create_secret(
            Name=f"{self.name}-secret-{uuid.uuid4().hex[:4]}", SecretString=json.dumps({"username": "admin", "password": "secret-password"}))[
            "ARN"]

    def sql(self, sql, params=None, **kw):
        parameters = [{"name": k, "value": v} if not isinstance(v, tuple) else {"name": k, "value": v[0], "typeHint": v[1]}
                      for k, v in (params or {}).items()]
        return self.data.execute_statement(resourceArn=self.arn, secretArn=self.secret, sql=sql,
                                           parameters=parameters, **kw)

    def begin(self):
        return self.data.begin_transaction(resourceArn=self.arn, secretArn=self.secret)["transactionId"]

    def commit(self, tid):
        return self.data.commit_transaction(resourceArn=self.arn, secretArn=self.secret, transactionId=tid)

    def rollback(self, tid):
        return self.data.rollback_transaction(resourceArn=self.arn, secretArn=self.secret, transactionId=tid)


def _code(err) -> str:
    return err.value.response["Error"]["Code"]


def _message(err) -> str:
    return err.value.response["Error"]["Message"]


def test_cluster_reports_v2_scaling_and_data_api(aws):
    db = Db(aws, min_acu=0, max_acu=8)
    assert db.cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.0, "MaxCapacity": 8.0,
                                                             "SecondsUntilAutoPause": 300}
    assert db.cluster["HttpEndpointEnabled"] is True


def test_create_insert_select_with_typed_parameters_and_metadata(aws):
    db = Db(aws)
    created = db.sql("CREATE TABLE items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL, "
                     "active BOOLEAN, note TEXT, photo BYTEA)")
    assert created["numberOfRecordsUpdated"] == 0
    inserted = db.sql("INSERT INTO items (name, qty, price, active, note, photo) "
                      "VALUES (:name, :qty, :price, :active, :note, :photo)",
                      {"name": {"stringValue": "pen"}, "qty": {"longValue": 3}, "price": {"doubleValue": 1.5},
                       "active": {"booleanValue": True}, "note": {"isNull": True}, "photo": {"blobValue": b"\x00\x01"}})
    assert inserted["numberOfRecordsUpdated"] == 1
    assert inserted["generatedFields"] == []  # Aurora PostgreSQL never fills generatedFields

    result = db.sql("SELECT id, name, qty, price, active, note, photo FROM items WHERE name = :name",
                    {"name": {"stringValue": "pen"}}, includeResultMetadata=True)
    assert result["records"] == [[{"longValue": 1}, {"stringValue": "pen"}, {"longValue": 3}, {"doubleValue": 1.5},
                                  {"booleanValue": True}, {"isNull": True}, {"blobValue": b"\x00\x01"}]]
    assert result["numberOfRecordsUpdated"] == 0
    meta = result["columnMetadata"]
    assert [c["name"] for c in meta] == ["id", "name", "qty", "price", "active", "note", "photo"]
    assert meta[1]["typeName"] == "text" and meta[1]["tableName"] == "items"
    assert meta[2]["type"] == 4  # java.sql.Types.INTEGER

    as_json = db.sql("SELECT name, qty, active, note FROM items", formatRecordsAs="JSON")
    assert "records" not in as_json
    assert json.loads(as_json["formattedRecords"]) == [{"name": "pen", "qty": 3, "active": True, "note": None}]


def test_returning_and_aggregates(aws):
    db = Db(aws)
    db.sql("CREATE TABLE t (id SERIAL PRIMARY KEY, v INTEGER)")
    returned = db.sql("INSERT INTO t (v) VALUES (10), (20) RETURNING id")
    assert returned["records"] == [[{"longValue": 1}], [{"longValue": 2}]]
    assert returned["numberOfRecordsUpdated"] == 2
    total = db.sql("SELECT COUNT(*) AS n, SUM(v) AS s FROM t", includeResultMetadata=True)
    assert total["records"] == [[{"longValue": 2}, {"longValue": 30}]]
    assert [c["label"] for c in total["columnMetadata"]] == ["n", "s"]
    updated = db.sql("UPDATE t SET v = v + 1 WHERE v > :min", {"min": {"longValue": 5}})
    assert updated["numberOfRecordsUpdated"] == 2


def test_transaction_commit_and_rollback(aws):
    db = Db(aws)
    db.sql("CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER)")
    tid = db.begin()
    db.sql("INSERT INTO accounts VALUES ('ann', 100)", transactionId=tid)
    inside = db.sql("SELECT COUNT(*) FROM accounts", transactionId=tid)["records"]
    outside = db.sql("SELECT COUNT(*) FROM accounts")["records"]
    assert inside == [[{"longValue": 1}]] and outside == [[{"longValue": 0}]]  # not visible until commit
    assert db.commit(tid)["transactionStatus"] == "Transaction Committed"
    assert db.sql("SELECT balance FROM accounts")["records"] == [[{"longValue": 100}]]

    tid = db.begin()
    db.sql("UPDATE accounts SET balance = 0", transactionId=tid)
    assert db.rollback(tid)["transactionStatus"] == "Rollback Complete"
    assert db.sql("SELECT balance FROM accounts")["records"] == [[{"longValue": 100}]]

    with pytest.raises(ClientError) as err:
        db.commit(tid)  # already finished
    assert _code(err) == "NotFoundException"


def test_idle_transaction_is_rolled_back_after_three_minutes(aws):
    db = Db(aws)
    db.sql("CREATE TABLE t (v INTEGER)")
    tid = db.begin()
    db.sql("INSERT INTO t VALUES (1)", transactionId=tid)
    aws.clock.advance(181)
    with pytest.raises(ClientError) as err:
        db.sql("SELECT 1", transactionId=tid)
    assert _code(err) == "TransactionNotFoundException"
    assert db.sql("SELECT COUNT(*) FROM t")["records"] == [[{"longValue": 0}]]


def test_batch_execute_and_generated_fields_on_mysql(aws):
    db = Db(aws, engine="aurora-mysql")
    db.sql("CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100)) ENGINE=InnoDB")
    one = db.sql("INSERT INTO users (email) VALUES (:e)", {"e": {"stringValue": "a@example.com"}})
    assert one["generatedFields"] == [{"longValue": 1}]
    batch = db.data.batch_execute_statement(
        resourceArn=db.arn, secretArn=db.secret, sql="INSERT INTO users (email) VALUES (:e)",
        parameterSets=[[{"name": "e", "value": {"stringValue": f"u{i}@example.com"}}] for i in range(3)])
    assert batch["updateResults"] == [{"generatedFields": [{"longValue": i}]} for i in (2, 3, 4)]
    assert db.sql("SELECT COUNT(*) FROM users")["records"] == [[{"longValue": 4}]]


def test_batch_is_all_or_nothing(aws):
    db = Db(aws)
    db.sql("CREATE TABLE u (email TEXT UNIQUE)")
    with pytest.raises(ClientError) as err:
        db.data.batch_execute_statement(
            resourceArn=db.arn, secretArn=db.secret, sql="INSERT INTO u VALUES (:e)",
            parameterSets=[[{"name": "e", "value": {"stringValue": v}}] for v in ("a", "b", "a")])
    assert _code(err) == "DatabaseErrorException" and "UNIQUE" in _message(err)
    assert _message(err).endswith("SQLState: 23505")  # unique_violation, as Aurora PostgreSQL reports it
    assert db.sql("SELECT COUNT(*) FROM u")["records"] == [[{"longValue": 0}]]


@pytest.mark.parametrize("sql,fragment", [
    ("SELECT '1'::int", "`value::type` cast"),
    ("SELECT * FROM t WHERE name ILIKE 'a%'", "ILIKE"),
    ("CREATE EXTENSION postgis", "CREATE EXTENSION"),
    ("SELECT doc @> '{\"a\": 1}' FROM t", "JSONB"),
    ("SELECT DISTINCT ON (name) name FROM t", "DISTINCT ON"),
    ("SELECT now()", "now() is a PostgreSQL function"),
])
def test_postgres_only_sql_gets_a_dialect_error(aws, sql, fragment):
    db = Db(aws)
    db.sql("CREATE TABLE t (name TEXT, doc TEXT)")
    with pytest.raises(ClientError) as err:
        db.sql(sql)
    assert _code(err) == "DatabaseErrorException"  # an error from the (stand-in) database, with a SQLState
    assert fragment in _message(err)
    assert "SQLite" in _message(err)


def test_string_literals_are_not_mistaken_for_dialect(aws):
    db = Db(aws)
    got = db.sql("SELECT 'a::b ILIKE' AS s")["records"]
    assert got == [[{"stringValue": "a::b ILIKE"}]]


def test_like_is_case_sensitive_on_postgres_and_not_on_mysql(aws):
    pg, my = Db(aws), Db(aws, engine="aurora-mysql")
    for db in (pg, my):
        db.sql("CREATE TABLE n (v TEXT)")
        db.sql("INSERT INTO n VALUES ('Apple')")
    assert pg.sql("SELECT COUNT(*) FROM n WHERE v LIKE 'apple'")["records"] == [[{"longValue": 0}]]
    assert my.sql("SELECT COUNT(*) FROM n WHERE v LIKE 'apple'")["records"] == [[{"longValue": 1}]]


def test_data_api_errors_are_aws_shaped(aws):
    rds, data = aws.client("rds"), aws.client("rds-data")
    arn = rds.create_db_cluster(DBClusterIdentifier="nohttp", Engine="aurora-postgresql", MasterUsername="admin",
                                MasterUserPassword="secret-password",
                                ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2})[
        "DBCluster"]["DBClusterArn"]
    secret = aws.client("secretsmanager").create_secret(Name="s", SecretString="{}")["ARN"]
    with pytest.raises(ClientError) as err:
        data.execute_statement(resourceArn=arn, secretArn=secret, sql="SELECT 1")
    assert _code(err) == "HttpEndpointNotEnabledException"
    db = Db(aws)
    with pytest.raises(ClientError) as err:
        data.execute_statement(resourceArn=db.arn, secretArn=secret + "-missing", sql="SELECT 1")
    assert _code(err) == "BadRequestException" and "Secrets Manager can't find" in _message(err)
    with pytest.raises(ClientError) as err:
        db.sql("SELECT * FROM missing_table")
    assert _code(err) == "DatabaseErrorException" and "missing_table" in _message(err)
    assert _message(err) == 'ERROR: relation "missing_table" does not exist; Position: 15; SQLState: 42P01'
    my = Db(aws, engine="aurora-mysql")
    with pytest.raises(ClientError) as err:
        my.sql("SELECT * FROM missing_table")
    assert _code(err) == "DatabaseErrorException"
    assert _message(err) == "Table 'app.missing_table' doesn't exist; Error code: 1146; SQLState: 42S02"


@pytest.mark.parametrize("scaling,fragment", [
    ({"MinCapacity": 0.5, "MaxCapacity": 300}, "maximum capacity 300"),
    ({"MinCapacity": 0.3, "MaxCapacity": 4}, "steps of 0.5"),
    ({"MinCapacity": 8, "MaxCapacity": 4}, "can't be greater"),
    ({"MinCapacity": 0, "MaxCapacity": 4, "SecondsUntilAutoPause": 60}, "SecondsUntilAutoPause"),
])
def test_invalid_scaling_configuration(aws, scaling, fragment):
    with pytest.raises(ClientError) as err:
        aws.client("rds").create_db_cluster(DBClusterIdentifier=f"bad-{uuid.uuid4().hex[:6]}",
                                            Engine="aurora-postgresql", MasterUsername="admin",
                                            MasterUserPassword="secret-password",
                                            ServerlessV2ScalingConfiguration=scaling)
    assert _code(err) == "InvalidParameterValue"
    assert fragment in _message(err)


def test_auto_pause_and_resume_on_the_lab_clock(aws):
    db = Db(aws, min_acu=0, max_acu=4)
    db.sql("CREATE TABLE t (v INTEGER)")
    assert current_capacity(db.name)["state"] == "running"
    aws.clock.advance(200)
    assert current_capacity(db.name)["state"] == "running"  # idle, but not for 300 s yet
    aws.clock.advance(110)
    paused = current_capacity(db.name)
    assert paused["state"] == "paused" and paused["acu"] == 0.0

    with pytest.raises(ClientError) as err:
        db.sql("SELECT COUNT(*) FROM t")
    assert _code(err) == "DatabaseResumingException"
    assert current_capacity(db.name)["state"] == "resuming"
    aws.clock.advance(5)
    with pytest.raises(ClientError):
        db.sql("SELECT COUNT(*) FROM t")  # still resuming: about 15 s in all
    aws.clock.advance(11)
    assert db.sql("SELECT COUNT(*) FROM t")["records"] == [[{"longValue": 0}]]  # data survived the pause
    assert current_capacity(db.name)["state"] == "running"


def test_no_pause_when_min_capacity_is_above_zero(aws):
    db = Db(aws, min_acu=0.5, max_acu=2)
    aws.clock.advance(3600)
    assert current_capacity(db.name)["state"] == "running"
    assert capacity_history(db.name)["acu"].min() == 0.5


def test_resume_mode_fast_forward():
    with mock_aws(extensions=["aurora"], aurora_resume="fast_forward") as aws:
        db = Db(aws, min_acu=0, max_acu=2)
        aws.clock.advance(400)
        assert current_capacity(db.name)["state"] == "paused"
        before = aws.clock.now()
        assert db.sql("SELECT 1")["records"] == [[{"longValue": 1}]]
        assert aws.clock.now() - before >= 15


def test_capacity_follows_load_and_metrics_reach_cloudwatch(aws):
    db = Db(aws, min_acu=0.5, max_acu=8)
    db.sql("CREATE TABLE hits (n INTEGER)")
    aws.clock.advance(60)
    sets = [[{"name": "n", "value": {"longValue": i}}] for i in range(1500)]
    db.data.batch_execute_statement(resourceArn=db.arn, secretArn=db.secret, sql="INSERT INTO hits VALUES (:n)",
                                    parameterSets=sets)
    aws.clock.advance(5)
    peak = current_capacity(db.name)["acu"]
    assert peak >= 2.5  # 1,500 statements in 10 s = 150/s at 50 per ACU: 3 ACU
    aws.clock.advance(300)
    assert current_capacity(db.name)["acu"] == 0.5  # scaled back down to MinCapacity
    history = capacity_history(db.name)
    assert history["acu"].max() == peak and history["statements_per_s"].max() >= 100

    cw = aws.client("cloudwatch")
    now = datetime.fromtimestamp(aws.clock.now(), tz=timezone.utc)
    start = datetime.fromtimestamp(aws.clock.now() - 3600, tz=timezone.utc)
    stats = {}
    for metric in ("ServerlessDatabaseCapacity", "ACUUtilization"):
        points = cw.get_metric_statistics(Namespace="AWS/RDS", MetricName=metric, StartTime=start, EndTime=now,
                                          Period=60, Statistics=["Average", "Maximum"],
                                          Dimensions=[{"Name": "DBClusterIdentifier", "Value": db.name}])["Datapoints"]
        assert points, metric
        stats[metric] = max(p["Maximum"] for p in points)
    assert stats["ServerlessDatabaseCapacity"] > 0.5
    assert stats["ACUUtilization"] == pytest.approx(100 * stats["ServerlessDatabaseCapacity"] / 8)

    cost = cluster_cost(db.name)
    assert cost.total > 0 and cost.assumptions["acu_hours"] > 0
    fig = plot_capacity(db.name)
    assert {t.name for t in fig.data} == {"capacity (ACU)", "load (statements/s)"}


def test_parameters_and_blobs_round_trip(aws):
    db = Db(aws)
    db.sql("CREATE TABLE f (b BLOB, d TEXT, j TEXT)")
    db.sql("INSERT INTO f VALUES (:b, :d, :j)", {"b": {"blobValue": base64.b64decode("AAEC")},
                                                "d": ({"stringValue": "2024-01-02"}, "DATE"),
                                                "j": ({"stringValue": "{\"a\": 1}"}, "JSON")})
    rec = db.sql("SELECT b, d, j ->> '$.a' AS a FROM f")["records"][0]
    assert rec == [{"blobValue": b"\x00\x01\x02"}, {"stringValue": "2024-01-02"}, {"longValue": 1}]


def test_data_api_over_the_shared_endpoint(aws):
    """Worker processes (Lambda handlers, Fargate tasks) reach the Data API over HTTP: same databases."""
    import boto3

    db = Db(aws)
    db.sql("CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT)")
    remote = boto3.client("rds-data", endpoint_url=aws.endpoint_url, region_name=aws.region)
    tid = remote.begin_transaction(resourceArn=db.arn, secretArn=db.secret)["transactionId"]
    remote.batch_execute_statement(resourceArn=db.arn, secretArn=db.secret, transactionId=tid,
                                   sql="INSERT INTO notes (body) VALUES (:b)",
                                   parameterSets=[[{"name": "b", "value": {"stringValue": s}}] for s in "xy"])
    assert remote.commit_transaction(resourceArn=db.arn, secretArn=db.secret,
                                     transactionId=tid)["transactionStatus"] == "Transaction Committed"
    assert db.sql("SELECT body FROM notes ORDER BY id")["records"] == [[{"stringValue": "x"}], [{"stringValue": "y"}]]


def test_modify_scaling_and_delete_cluster(aws):
    db = Db(aws, min_acu=0.5, max_acu=4)
    changed = db.rds.modify_db_cluster(DBClusterIdentifier=db.name, ApplyImmediately=True,
                                       ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 16})
    assert changed["DBCluster"]["ServerlessV2ScalingConfiguration"]["SecondsUntilAutoPause"] == 300
    assert current_capacity(db.name)["max"] == 16
    with pytest.raises(ClientError) as err:
        db.rds.modify_db_cluster(DBClusterIdentifier=db.name, ApplyImmediately=True,
                                 ServerlessV2ScalingConfiguration={"MinCapacity": 0, "MaxCapacity": 512})
    assert _code(err) == "InvalidParameterValue"
    db.rds.delete_db_cluster(DBClusterIdentifier=db.name, SkipFinalSnapshot=True)
    with pytest.raises(ClientError) as err:
        db.sql("SELECT 1")
    assert _code(err) == "BadRequestException"
    assert db.arn not in aws.extension("aurora").capacity


def test_result_set_options(aws):
    db = Db(aws)
    db.sql("CREATE TABLE p (price NUMERIC(8,2), n BIGINT)")
    db.sql("INSERT INTO p VALUES (2.5, 7)")
    assert db.sql("SELECT price, n FROM p")["records"] == [[{"stringValue": "2.50"}, {"longValue": 7}]]  # NUMERIC(8,2) as PG
    got = db.sql("SELECT price, n FROM p", resultSetOptions={"decimalReturnType": "DOUBLE_OR_LONG",
                                                            "longReturnType": "STRING"})["records"]
    assert got == [[{"doubleValue": 2.5}, {"stringValue": "7"}]]


def test_open_transactions_add_capacity(aws):
    db = Db(aws, min_acu=0, max_acu=4)
    tids = [db.begin() for _ in range(8)]
    aws.clock.advance(6)
    assert current_capacity(db.name)["acu"] >= 2  # 8 open transactions x 0.25 ACU
    assert capacity_history(db.name)["transactions"].max() == 8
    aws.clock.advance(200)  # idle transactions are rolled back after 3 minutes...
    assert len(aws.extension("aurora").transactions) == 0
    with pytest.raises(ClientError):
        db.sql("SELECT 1", transactionId=tids[0])
    aws.clock.advance(200)  # ...and with nothing open, the idle cluster pauses
    assert current_capacity(db.name)["state"] == "paused"


def test_a_new_cluster_with_a_deleted_clusters_name_starts_empty(aws):
    db = Db(aws)
    db.sql("CREATE TABLE t (id int)")
    db.sql("INSERT INTO t VALUES (1)")
    db.rds.delete_db_cluster(DBClusterIdentifier=db.name, SkipFinalSnapshot=True)
    # moto keeps the automated snapshot (named by the minute) after a delete; AWS removes it with the cluster
    for snap in db.rds.describe_db_cluster_snapshots(DBClusterIdentifier=db.name)["DBClusterSnapshots"]:
        db.rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=snap["DBClusterSnapshotIdentifier"])
    again = Db(aws, name=db.name)
    with pytest.raises(ClientError) as err:
        again.sql("SELECT * FROM t")
    assert _code(err) == "DatabaseErrorException" and 'relation "t" does not exist' in _message(err)


def test_a_deleted_cluster_can_be_created_again_at_once(aws):
    # AWS removes a deleted cluster's automated backups by default (DeleteAutomatedBackups); moto kept
    # them, and the automated snapshot named after the minute blocked re-running a notebook.
    rds = aws.client("rds")
    kw = dict(DBClusterIdentifier="again", Engine="aurora-postgresql", MasterUsername="admin_user",
              MasterUserPassword="not-a-real-pass1", EnableHttpEndpoint=True,
              ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 2})
    rds.create_db_cluster(**kw)
    rds.delete_db_cluster(DBClusterIdentifier="again", SkipFinalSnapshot=False, FinalDBSnapshotIdentifier="again-final")
    rds.create_db_cluster(**kw)
    snapshots = rds.describe_db_cluster_snapshots(DBClusterIdentifier="again")["DBClusterSnapshots"]
    kinds = sorted((s["SnapshotType"], s["DBClusterSnapshotIdentifier"].startswith("rds:")) for s in snapshots)
    assert kinds == [("automated", True), ("manual", False)]   # the final snapshot is kept; one automated
    rds.delete_db_cluster(DBClusterIdentifier="again", SkipFinalSnapshot=True)


def _transfer(db, src: str, dst: str, amount: int, check_first: bool) -> None:
    """A transfer in one Data API transaction (optionally reading the balance first: check-then-act)."""
    tid = db.begin()
    try:
        if check_first:
            db.sql("SELECT balance FROM accounts WHERE name = :n", {"n": {"stringValue": src}}, transactionId=tid)
        db.sql("UPDATE accounts SET balance = balance - :a WHERE name = :n",
               {"a": {"longValue": amount}, "n": {"stringValue": src}}, transactionId=tid)
        db.sql("UPDATE accounts SET balance = balance + :a WHERE name = :n",
               {"a": {"longValue": amount}, "n": {"stringValue": dst}}, transactionId=tid)
    except BaseException:
        db.rollback(tid)
        raise
    db.commit(tid)


@pytest.mark.parametrize("check_first", [False, True])
def test_concurrent_transfers_wait_for_each_other_as_on_postgres(aws, check_first):
    """Aurora PostgreSQL runs READ COMMITTED: an UPDATE of a row another transaction changed waits for that
    transaction's commit, then applies to the committed row (https://www.postgresql.org/docs/current/transaction-iso.html,
    13.2.1). Concurrent transfers through boto3's rds-data in threads all apply; none fails with SQLite's
    "database is locked"."""
    import concurrent.futures as cf

    db = Db(aws)
    db.sql("CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0))")
    db.sql("INSERT INTO accounts VALUES ('a', 1000), ('b', 1000)")
    moves = [("a", "b", 7), ("b", "a", 3)] * 8
    with cf.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda m: _transfer(db, *m, check_first=check_first), moves))
    rows = db.sql("SELECT name, balance FROM accounts ORDER BY name")["records"]
    assert [(r[0]["stringValue"], r[1]["longValue"]) for r in rows] == [("a", 1000 - 8 * 4), ("b", 1000 + 8 * 4)]


def test_a_read_then_write_waits_for_the_other_commit_and_sees_it(aws):
    """The second transaction read the row before the first committed; its UPDATE waits for that commit and
    applies to the new value (READ COMMITTED), where SQLite alone would answer SQLITE_BUSY at once."""
    import threading

    db = Db(aws)
    db.sql("CREATE TABLE accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
    db.sql("INSERT INTO accounts VALUES ('a', 100)")
    t1, t2 = db.begin(), db.begin()
    for tid in (t1, t2):
        assert db.sql("SELECT balance FROM accounts", transactionId=tid)["records"] == [[{"longValue": 100}]]
    db.sql("UPDATE accounts SET balance = balance - 10", transactionId=t1)
    outcome: dict = {}
    waiting = threading.Thread(target=lambda: outcome.update(
        r=db.sql("UPDATE accounts SET balance = balance - 10", transactionId=t2)["numberOfRecordsUpdated"]))
    waiting.start()
    waiting.join(timeout=0.3)
    assert waiting.is_alive() and not outcome, "the second UPDATE waits for the first transaction"
    db.commit(t1)
    waiting.join(timeout=60)
    assert outcome == {"r": 1}
    db.commit(t2)
    assert db.sql("SELECT balance FROM accounts")["records"] == [[{"longValue": 80}]]   # both debits applied


def test_a_lock_held_too_long_fails_with_postgres_lock_timeout(aws, monkeypatch):
    """A statement that waits past the embedded engine's cap fails as PostgreSQL's lock_timeout does
    (SQLSTATE 55P03, https://www.postgresql.org/docs/current/errcodes-appendix.html), not with SQLITE_BUSY."""
    from serverless_lab.aurora import sqlengines

    monkeypatch.setattr(sqlengines, "LOCK_WAIT_S", 0.3)
    db = Db(aws)
    db.sql("CREATE TABLE t (x INTEGER)")
    t1, t2 = db.begin(), db.begin()
    db.sql("INSERT INTO t VALUES (1)", transactionId=t1)
    with pytest.raises(ClientError) as err:
        db.sql("INSERT INTO t VALUES (2)", transactionId=t2)   # same thread: t1 cannot commit meanwhile
    assert _code(err) == "DatabaseErrorException"
    assert _message(err).startswith("ERROR: canceling statement due to lock timeout")
    assert _message(err).endswith("SQLState: 55P03") and "locked" not in _message(err)
    db.rollback(t2)
    db.commit(t1)
    assert db.sql("SELECT COUNT(*) FROM t")["records"] == [[{"longValue": 1}]]
