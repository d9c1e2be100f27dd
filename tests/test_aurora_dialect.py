"""The dialect layer between Aurora's SQL and the embedded SQLite engine: translate little, refuse clearly."""

from __future__ import annotations

import pytest

from serverless_lab.aurora.dialect import DialectError, named_to_pyformat, prepare_for_sqlite


@pytest.mark.parametrize("sql,expected", [
    ("CREATE TABLE t (id SERIAL PRIMARY KEY, serial TEXT, note TEXT DEFAULT 'x SERIAL')",
     "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, serial TEXT, note TEXT DEFAULT 'x SERIAL')"),
    ('CREATE TABLE "t" ("id" bigserial, x int, PRIMARY KEY ("id"))',
     'CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, x int)'),
    ("SELECT serial FROM t", "SELECT serial FROM t"),
])
def test_postgres_translations(sql, expected):
    assert prepare_for_sqlite(sql, "aurora-postgresql") == expected


@pytest.mark.parametrize("sql,expected", [
    ("CREATE TABLE u (id INT(11) NOT NULL AUTO_INCREMENT PRIMARY KEY, e VARCHAR(100)) ENGINE=InnoDB "
     "DEFAULT CHARSET=utf8mb4", "CREATE TABLE u (id INTEGER PRIMARY KEY AUTOINCREMENT, e VARCHAR(100))"),
    ("CREATE TABLE u (`id` INT NOT NULL AUTO_INCREMENT, e TEXT, PRIMARY KEY (`id`))",
     "CREATE TABLE u (`id` INTEGER PRIMARY KEY AUTOINCREMENT, e TEXT)"),
])
def test_mysql_translations(sql, expected):
    assert prepare_for_sqlite(sql, "aurora-mysql") == expected


@pytest.mark.parametrize("engine,sql,fragment", [
    ("aurora-postgresql", "CREATE TABLE t (id SERIAL PRIMARY KEY, n BIGSERIAL)", "not the table's primary key"),
    ("aurora-postgresql", "SELECT x::int FROM t", "CAST(value AS type)"),
    ("aurora-postgresql", "SELECT * FROM t WHERE a = ANY(:ids)", "arrays"),
    ("aurora-postgresql", "SELECT * FROM t FOR UPDATE", "FOR UPDATE"),
    ("aurora-mysql", "SHOW TABLES", "SHOW/DESCRIBE"),
    ("aurora-mysql", "INSERT INTO t VALUES (1) ON DUPLICATE KEY UPDATE v = 2", "ON CONFLICT"),
    ("aurora-postgresql", "INSERT OR REPLACE INTO t VALUES (1)", "SQLite-only"),
    ("aurora-mysql", "PRAGMA table_info(t)", "SQLite-only"),
])
def test_refusals_name_the_difference(engine, sql, fragment):
    with pytest.raises(DialectError) as err:
        prepare_for_sqlite(sql, engine)
    assert fragment in str(err.value) and "Dialect difference" in str(err.value)


def test_refusals_ignore_string_literals_and_comments():
    sql = "SELECT 'a::b', 'ILIKE' -- x::int\n FROM t"
    assert prepare_for_sqlite(sql, "aurora-postgresql") == sql


def test_named_parameters_for_psycopg():
    query, names = named_to_pyformat("SELECT x::text, ':skip', '50%' FROM t WHERE a = :a AND b LIKE :b")
    assert query == "SELECT x::text, ':skip', '50%%' FROM t WHERE a = %(a)s AND b LIKE %(b)s"
    assert names == ["a", "b"]


# -- what PostgreSQL clients expect (pgcompat) ------------------------------------------------------
from serverless_lab.aurora import pgcompat  # noqa: E402
from serverless_lab.aurora.capacity import plan_day  # noqa: E402
from serverless_lab.aurora.dialect import _text_casts  # noqa: E402


@pytest.mark.parametrize("declared,pg,mysql", [
    ("INTEGER", "int4", "INT"), ("BIGINT", "int8", "BIGINT"), ("SMALLINT", "int2", "SMALLINT"),
    ("REAL", "float4", "FLOAT"), ("DOUBLE PRECISION", "float8", "DOUBLE"), ("FLOAT", "float8", "DOUBLE"),
    ("BOOLEAN", "bool", "BIT"), ("TEXT", "text", "TEXT"), ("VARCHAR(40)", "varchar", "VARCHAR"),
    ("CHAR(2)", "bpchar", "CHAR"), ("NUMERIC(8,2)", "numeric", "DECIMAL"),
    ("TIMESTAMP WITHOUT TIME ZONE", "timestamp", "DATETIME"), ("TIMESTAMP WITH TIME ZONE", "timestamptz", "TIMESTAMP"),
    ("DATE", "date", "DATE"), ("TIME", "time", "TIME"), ("BYTEA", "bytea", "BLOB"), ("JSONB", "jsonb", "JSON"),
    ("UUID", "uuid", "CHAR"),
])
def test_type_names_as_aurora_reports_them(declared, pg, mysql):
    assert pgcompat.type_name(declared, "aurora-postgresql") == pg
    assert pgcompat.type_name(declared, "aurora-mysql") == mysql


@pytest.mark.parametrize("sqlite_message,sql,expected", [
    ("SQLError: no such table: x", "SELECT * FROM x", 'ERROR: relation "x" does not exist; Position: 15; SQLState: 42P01'),
    ("no such column: nope", "SELECT nope FROM t", 'ERROR: column "nope" does not exist; Position: 8; SQLState: 42703'),
    ("NOT NULL constraint failed: t.v", "INSERT INTO t VALUES (NULL)",
     'ERROR: null value in column "v" of relation "t" violates not-null constraint; SQLState: 23502'),
    ("table t already exists", "CREATE TABLE t (x INT)", 'ERROR: relation "t" already exists; SQLState: 42P07'),
])
def test_sqlite_errors_in_aurora_postgresql_shape(sqlite_message, sql, expected):
    assert str(pgcompat.database_error(sqlite_message, sql, "aurora-postgresql")) == expected


def test_sqlite_errors_in_aurora_mysql_shape():
    err = pgcompat.database_error("no such table: x", "SELECT * FROM x", "aurora-mysql", "app")
    assert str(err) == "Table 'app.x' doesn't exist; Error code: 1146; SQLState: 42S02"


def test_session_queries_of_a_postgresql_client():
    ask = lambda sql, params=None: pgcompat.session_query(sql, params or {}, "aurora-postgresql", "app",  # noqa: E731
                                                          lambda name: name == "items")
    assert ask("select pg_catalog.version()")[1][0][0].startswith("PostgreSQL 16.")
    assert ask("select current_schema()") == ([("current_schema", "name")], [("public",)])
    assert ask("show transaction isolation level")[1] == [("read committed",)]
    assert ask("show standard_conforming_strings")[1] == [("on",)]
    assert ask("SET TIME ZONE 'UTC'") == ([], [])
    has_table = ("SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON x "
                 "WHERE pg_catalog.pg_class.relname IN (:t1, :t2) AND pg_catalog.pg_class.relkind = ANY (ARRAY[:p1])")
    assert ask(has_table, {"t1": "items", "t2": "other", "p1": "r"})[1] == [("items",)]
    assert ask("SELECT * FROM items") is None
    with pytest.raises(pgcompat.AuroraError) as err:
        ask("SELECT attname FROM pg_catalog.pg_attribute")
    assert err.value.sqlstate == "0A000"
    assert pgcompat.session_query("SHOW TABLES", {}, "aurora-mysql", "app", bool) is None  # MySQL: not answered here


def test_casts_to_date_json_uuid_keep_text_on_sqlite():
    assert _text_casts("SELECT CAST(:d AS DATE), CAST(:t AS TIMESTAMP WITHOUT TIME ZONE), CAST(:n AS INTEGER), "
                       "CAST(f(a, b) AS JSONB), 'CAST(x AS DATE)'") == (
        "SELECT CAST(:d AS TEXT), CAST(:t AS TEXT), CAST(:n AS INTEGER), CAST(f(a, b) AS TEXT), 'CAST(x AS DATE)'")


def test_plan_day_pauses_resumes_and_queues():
    day = [0.0] * 1440
    for minute in range(540, 570):
        day[minute] = 300.0                                   # 6 ACU of demand for half an hour
    paused = plan_day(day, 0, 6)
    assert [kind for kind, _ in paused.events] == ["pause", "resume", "pause"]
    assert paused.events[0] == ("pause", 300.0) and paused.events[1] == ("resume", 540 * 60.0)
    assert paused.worst_latency_ms == 15_005.0                # the resume wait + one statement
    warm = plan_day(day, 0.5, 6)
    assert warm.events == [] and warm.worst_latency_ms == 5.0 and warm.cost_usd > paused.cost_usd
    assert max(warm.acu) == 6.0 and min(warm.acu) == 0.5
    starved = plan_day(day, 0.5, 5.5)                         # MaxCapacity below the demand: the queue grows
    assert starved.worst_latency_ms > 60_000
    assert abs(warm.cost_usd - warm.acu_hours * 0.12) < 1e-9
