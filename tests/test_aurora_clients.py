"""Client libraries against the Data API: the aurora-data-api DB-API driver and SQLAlchemy's Aurora dialect.

Each test runs on the embedded SQLite engine and, when a PostgreSQL server can be started (see
test_aurora_postgres.py), on a real PostgreSQL: the two must agree on what a client sees (error
classes from the SQLSTATE, column types from ``columnMetadata.typeName``, the dialect's connect-time
questions, transactions).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from test_aurora_postgres import postgres_dsn  # noqa: F401 - the module-scoped server fixture

aurora_data_api = pytest.importorskip("aurora_data_api")
sa = pytest.importorskip("sqlalchemy")
pytest.importorskip("sqlalchemy_aurora_data_api")


@pytest.fixture(params=["sqlite", "postgresql"])
def cluster(request):
    options = {}
    if request.param == "postgresql":
        options["aurora_postgres_dsn"] = request.getfixturevalue("postgres_dsn")
    with mock_aws(extensions=["aurora"], **options) as aws:
        name = f"cl-{uuid.uuid4().hex[:8]}"
        arn = aws.client("rds").create_db_cluster(
            DBClusterIdentifier=name, Engine="aurora-postgresql", DatabaseName="app", MasterUsername="postgres",
            MasterUserPassword="secret-password", EnableHttpEndpoint=True,
            ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})["DBCluster"]["DBClusterArn"]
        secret = aws.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(
            {"username": "postgres", "password": "secret-password"}))["ARN"]
        yield {"aws": aws, "arn": arn, "secret": secret, "data": aws.client("rds-data"), "kind": request.param}


def _connect(c):
    return aurora_data_api.connect(aurora_cluster_arn=c["arn"], secret_arn=c["secret"], database="app",
                                   rds_data_client=c["data"])


def _engine(c):
    from sqlalchemy_aurora_data_api import register_dialects

    register_dialects()
    return sa.create_engine("postgresql+auroradataapi://:@/app", connect_args={
        "aurora_cluster_arn": c["arn"], "secret_arn": c["secret"], "rds_data_client": c["data"]})


def test_sql_errors_are_database_error_exceptions_with_sqlstate(cluster):
    with pytest.raises(ClientError) as err:
        cluster["data"].execute_statement(resourceArn=cluster["arn"], secretArn=cluster["secret"],
                                          sql="SELECT * FROM nowhere")
    assert err.value.response["Error"]["Code"] == "DatabaseErrorException"
    assert err.value.response["Error"]["Message"] == \
        'ERROR: relation "nowhere" does not exist; Position: 15; SQLState: 42P01'
    # ... so botocore's modelled exception class catches it
    with pytest.raises(cluster["data"].exceptions.DatabaseErrorException):
        cluster["data"].execute_statement(resourceArn=cluster["arn"], secretArn=cluster["secret"],
                                          sql="SELECT nope FROM (SELECT 1 AS yes) AS t")


def test_driver_maps_sqlstate_to_error_classes(cluster):
    with _connect(cluster) as conn:
        cur = conn.cursor()
        with pytest.raises(aurora_data_api.DatabaseError) as err:
            cur.execute("SELECT * FROM nowhere")
        assert type(err.value).__name__ == "ER_UNDEF_TABLE"  # from SQLState 42P01
        with pytest.raises(aurora_data_api.DatabaseError) as err:
            cur.execute("SELEKT 1")
        assert type(err.value).__name__ == "ER_SYNTAX_ERR" and "Position: 1;" in str(err.value)
        conn.rollback()


def test_driver_types_columns_from_type_names(cluster):
    with _connect(cluster) as conn:
        cur = conn.cursor()
        cur.execute("CREATE TABLE t (id SERIAL PRIMARY KEY, n INTEGER, big BIGINT, r REAL, d DOUBLE PRECISION, "
                    "ok BOOLEAN, s TEXT, v VARCHAR(20), ts TIMESTAMP, day DATE, price NUMERIC(8,2))")
        cur.execute("INSERT INTO t (n, big, r, d, ok, s, v, ts, day, price) VALUES "
                    "(:n, :big, :r, :d, :ok, :s, :v, :ts, :day, :price)",
                    {"n": 1, "big": 2**40, "r": 1.5, "d": 2.25, "ok": True, "s": "O'Brien", "v": "x",
                     "ts": dt.datetime(2024, 5, 1, 12, 30), "day": dt.date(2024, 5, 1),
                     "price": decimal.Decimal("1.50")})
        cur.execute("SELECT id, n, big, r, d, ok, s, v, ts, day, price FROM t")
        assert [d.type_code for d in cur.description] == [int, int, int, float, float, bool, str, str, dt.datetime,
                                                          dt.date, decimal.Decimal]
        assert cur.fetchall() == [(1, 1, 2**40, 1.5, 2.25, True, "O'Brien", "x", dt.datetime(2024, 5, 1, 12, 30),
                                   dt.date(2024, 5, 1), decimal.Decimal("1.50"))]
    meta = cluster["data"].execute_statement(resourceArn=cluster["arn"], secretArn=cluster["secret"], database="app",
                                             sql="SELECT n, big, r, d, ok, s, v, ts, day FROM t",
                                             includeResultMetadata=True)["columnMetadata"]
    assert [m["typeName"] for m in meta] == ["int4", "int8", "float4", "float8", "bool", "text", "varchar",
                                             "timestamp", "date"]


def test_driver_transaction_rolls_back_on_error(cluster):
    with _connect(cluster) as conn:
        conn.cursor().execute("CREATE TABLE acct (name TEXT PRIMARY KEY, balance INTEGER NOT NULL)")
    with _connect(cluster) as conn:
        conn.cursor().execute("INSERT INTO acct VALUES ('ann', 100), ('bob', 0)")
    with pytest.raises(aurora_data_api.DatabaseError):
        with _connect(cluster) as conn:
            cur = conn.cursor()
            cur.execute("UPDATE acct SET balance = balance - 30 WHERE name = 'ann'")
            cur.execute("UPDATE acct SET balance = NULL WHERE name = 'bob'")  # not-null: fails, whole unit undone
    with _connect(cluster) as conn:
        cur = conn.cursor()
        cur.execute("SELECT name, balance FROM acct ORDER BY name")
        assert cur.fetchall() == [("ann", 100), ("bob", 0)]


def test_sqlalchemy_connects_creates_and_queries(cluster):
    engine = _engine(cluster)
    meta = sa.MetaData()
    items = sa.Table("items", meta, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("name", sa.String(40), nullable=False), sa.Column("added", sa.DateTime),
                     sa.Column("price", sa.Numeric(8, 2)))
    meta.create_all(engine)
    meta.create_all(engine)  # checkfirst: has_table answers, nothing is created twice
    with engine.begin() as conn:
        assert engine.dialect.server_version_info[0] >= 12
        conn.execute(items.insert(), [{"name": "pen", "added": dt.datetime(2024, 5, 1, 9), "price": decimal.Decimal("1.5")},
                                      {"name": "ink'; DROP TABLE items; --", "added": None, "price": None}])
    with engine.connect() as conn:
        rows = conn.execute(sa.select(items.c.name, items.c.added, items.c.price).order_by(items.c.id)).all()
        assert rows == [("pen", dt.datetime(2024, 5, 1, 9), decimal.Decimal("1.50")),
                        ("ink'; DROP TABLE items; --", None, None)]
        later = conn.execute(sa.select(sa.func.count()).select_from(items).where(
            items.c.added >= dt.datetime(2024, 1, 1))).scalar_one()
        assert later == 1
    with pytest.raises(sa.exc.DatabaseError):
        with engine.begin() as conn:
            conn.execute(items.insert().values(name="ruler"))
            conn.execute(sa.text("INSERT INTO items (name) VALUES (NULL)"))
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(items)).scalar_one() == 2
