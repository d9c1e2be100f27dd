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
