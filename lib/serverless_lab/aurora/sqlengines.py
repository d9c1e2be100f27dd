"""The SQL engines behind the Data API: embedded SQLite (default) or a real PostgreSQL.

SQLite: one database file per cluster and database name, in a temporary folder that lives as long
as the ``mock_aws`` session (``apsw`` gives column declared types and a modern SQLite with
RETURNING, upserts and JSON operators). Each Data API transaction gets its own connection, as on
Aurora; calls without ``transactionId`` autocommit.

Concurrency follows Aurora PostgreSQL's READ COMMITTED where SQLite can: a transaction that has only
read takes a fresh snapshot for each statement, and a statement that finds another transaction's write
lock waits for its commit or rollback and then runs (PostgreSQL waits on the row), up to
:data:`LOCK_WAIT_S`, then fails with SQLSTATE 55P03. SQLite locks the database, not rows, so writers to
different rows wait for each other too; SQLITE_BUSY never reaches the caller.

PostgreSQL: with ``mock_aws(aurora_postgres_dsn="postgresql://user:pw@host:5432/db")`` (or the
environment variable ``SERVERLESS_LAB_AURORA_POSTGRES_DSN``) aurora-postgresql clusters run their
SQL on that server, through psycopg. Each cluster+database gets its own schema (named
``aurora_<cluster>__<database>``), so clusters do not see each other's tables; ``database=`` in the Data
API selects the schema. aurora-mysql clusters keep using SQLite.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import dialect, pgcompat

DSN_ENV = "SERVERLESS_LAB_AURORA_POSTGRES_DSN"

# JDBC type codes the Data API reports in columnMetadata.type
JDBC = {"bit": -7, "bool": -7, "boolean": 16, "int2": 5, "smallint": 5, "int4": 4, "integer": 4, "int": 4,
        "serial": 4, "int8": -5, "bigint": -5, "bigserial": -5, "float4": 7, "real": 7, "float8": 8,
        "double": 8, "numeric": 2, "decimal": 3, "varchar": 12, "text": 12, "char": 1, "bpchar": 1,
        "date": 91, "time": 92, "timestamp": 93, "timestamptz": 93, "bytea": -2, "blob": -4, "json": 1111,
        "jsonb": 1111, "uuid": 1111, "datetime": 93, "float": 7, "name": 12, "timetz": 92, "interval": 1111}


class SqlError(Exception):
    """The engine refused the statement (syntax, constraint, missing table...).

    ``error_code`` is the Data API error it becomes: ``DatabaseErrorException`` for an error the
    database raised (the message then ends with ``SQLState: …`` as Aurora's does), ``BadRequestException``
    for a request the Data API itself rejects.
    """

    def __init__(self, message: str, error_code: str = "BadRequestException", sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.sqlstate = sqlstate

    @classmethod
    def database(cls, err: pgcompat.AuroraError) -> SqlError:
        return cls(str(err), "DatabaseErrorException", err.sqlstate)


@dataclass
class Column:
    name: str
    type_name: str
    table: str = ""
    schema: str = ""
    auto_increment: bool = False
    nullable: int = 2  # columnNullableUnknown
    reported: str = ""  # typeName as Aurora reports it (int4, float8, bool...; see pgcompat.type_name)

    def metadata(self) -> dict[str, Any]:
        base = self.type_name.split("(")[0].strip().lower()
        reported = self.reported or base
        return {
            "name": self.name, "label": self.name, "type": JDBC.get(reported.lower(), JDBC.get(base, 1111)),
            "typeName": reported,
            "schemaName": self.schema, "tableName": self.table, "isAutoIncrement": self.auto_increment,
            "isSigned": base in {"int2", "int4", "int8", "integer", "int", "bigint", "smallint", "float4",
                                 "float8", "real", "double", "numeric", "decimal", "serial", "bigserial"},
            "isCurrency": False, "isCaseSensitive": base in {"text", "varchar", "char", "bpchar"},
            "nullable": self.nullable, "precision": 0, "scale": 0, "arrayBaseColumnType": 0,
        }


@dataclass
class Result:
    columns: list[Column] | None = None           # None: the statement returned no result set
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    updated: int = 0
    generated_id: int | None = None


# -- values ---------------------------------------------------------------------------------------
def to_field(value: Any, type_name: str = "", options: dict[str, Any] | None = None) -> dict[str, Any]:
    """One value as a Data API Field (``options``: the call's resultSetOptions)."""
    t = type_name.lower()
    if options and value is not None and not isinstance(value, bool):
        if options.get("decimalReturnType") == "DOUBLE_OR_LONG" and ("numeric" in t or "decimal" in t):
            number = decimal.Decimal(str(value))
            return {"longValue": int(number)} if number == number.to_integral_value() else {"doubleValue": float(number)}
        if options.get("longReturnType") == "STRING" and isinstance(value, int):
            return {"stringValue": str(value)}
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool) or ("bool" in t and isinstance(value, int)):
        return {"booleanValue": bool(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"blobValue": base64.b64encode(bytes(value)).decode()}
    if ("numeric" in t or "decimal" in t) and isinstance(value, (int, float, decimal.Decimal)):
        scale = re.search(r"\(\s*\d+\s*,\s*(\d+)\s*\)", t)
        if scale and not isinstance(value, decimal.Decimal):  # SQLite kept 1.50 as 1.5: show NUMERIC(p,s) as PG does
            return {"stringValue": f"{decimal.Decimal(str(value)):.{int(scale.group(1))}f}"}
        return {"stringValue": str(value)}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": to_text(value)}


def to_text(value: Any) -> str:
    if isinstance(value, _dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def to_json_value(value: Any, type_name: str = "") -> Any:
    """One value as it appears in ``formattedRecords`` (formatRecordsAs="JSON")."""
    f = to_field(value, type_name)
    if f.get("isNull"):
        return None
    if "stringValue" in f and "json" in type_name.lower():
        try:
            return json.loads(f["stringValue"])
        except ValueError:
            pass
    return next(iter(f.values()))


def from_parameter(param: dict[str, Any], for_postgres: bool) -> Any:
    """A Data API SqlParameter's value as a Python value for the driver."""
    value = param.get("value") or {}
    hint = param.get("typeHint")
    if not value or value.get("isNull"):
        return None
    if "arrayValue" in value:
        raise SqlError("Array parameters are not supported.")
    if "booleanValue" in value:
        return bool(value["booleanValue"])
    if "longValue" in value:
        return int(value["longValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "blobValue" in value:
        blob = value["blobValue"]
        return base64.b64decode(blob) if isinstance(blob, str) else bytes(blob)
    text = value.get("stringValue")
    if text is None:
        raise SqlError(f"Parameter {param.get('name')!r} has no value (give one of stringValue, longValue, "
                       "doubleValue, booleanValue, blobValue, isNull).")
    if for_postgres and hint:
        try:
            if hint == "DATE":
                return _dt.date.fromisoformat(text)
            if hint == "TIME":
                return _dt.time.fromisoformat(text)
            if hint == "TIMESTAMP":
                return _dt.datetime.fromisoformat(text)
            if hint == "DECIMAL":
                return decimal.Decimal(text)
            if hint == "UUID":
                return uuid.UUID(text)
            if hint == "JSON":
                from psycopg.types.json import Jsonb

                return Jsonb(json.loads(text))
        except ValueError as exc:
            raise SqlError(f"Parameter {param.get('name')!r}: {text!r} is not a valid {hint} ({exc}).") from None
    return text


# -- SQLite ---------------------------------------------------------------------------------------
LOCK_WAIT_S = 30.0    # the longest a statement waits for another transaction's write lock (real seconds)
LOCK_POLL_S = 0.005


def lock_timeout(engine: str) -> pgcompat.AuroraError:
    """The error a statement gets when another transaction holds the lock past :data:`LOCK_WAIT_S`.

    PostgreSQL waits for a row lock as long as ``lock_timeout`` allows (none by default) and then fails
    with SQLSTATE 55P03; MySQL (InnoDB) fails after ``innodb_lock_wait_timeout`` with error 1205. The
    embedded engine caps the wait so that a transaction left open in the same thread cannot hang the notebook.
    """
    hint = (f"another transaction held the lock for more than {LOCK_WAIT_S:g} s; commit or roll it back (the "
            "embedded SQLite engine locks the whole database for a writing transaction, where Aurora locks rows)")
    if dialect.family(engine) == "mysql":
        return pgcompat.AuroraError("Lock wait timeout exceeded; try restarting transaction", "HY000", code=1205,
                                    engine=engine, hint=hint)
    return pgcompat.AuroraError("canceling statement due to lock timeout", "55P03", engine=engine, hint=hint)
class SqliteConnection:
    """One connection to a cluster's SQLite database."""

    def __init__(self, path: str, engine: str, database: str = "") -> None:
        from ..errors import require

        apsw = require("apsw", "The Aurora Data API's embedded SQL engine")

        self._apsw = apsw
        self.engine = engine
        self.database = database
        self.conn = apsw.Connection(path)
        self.conn.set_busy_timeout(5000)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=OFF")  # a throwaway file per session: no fsync per commit
        self.conn.execute("PRAGMA foreign_keys=ON")
        sensitive = "ON" if dialect.family(engine) == "postgres" else "OFF"
        self.conn.execute(f"PRAGMA case_sensitive_like={sensitive}")
        self.lock = threading.RLock()

    def execute(self, sql: str, params: dict[str, Any]) -> Result:
        import apsw.ext

        original = sql
        try:
            session = pgcompat.session_query(sql, params, self.engine, self.database, self._has_table)
        except pgcompat.AuroraError as exc:
            raise SqlError.database(exc) from None
        if session is not None:
            cols, values = session
            return Result(columns=[Column(n, t, reported=t) for n, t in cols] if cols else None, rows=values)
        missing = pgcompat.missing_parameter(sql, params, self.engine)
        if missing is not None:
            raise SqlError.database(missing)
        try:
            sql = dialect.prepare_for_sqlite(sql, self.engine)
        except dialect.DialectError as exc:
            raise SqlError.database(pgcompat.dialect_error(str(exc), original, self.engine)) from None
        with self.lock:
            deadline = time.monotonic() + LOCK_WAIT_S
            while True:
                try:
                    self._fresh_snapshot()
                    info = apsw.ext.query_info(self.conn, sql, params or None)
                    before = self.conn.last_insert_rowid()
                    cursor = self.conn.execute(sql, params or None)
                    rows = [tuple(r) for r in cursor]
                    changes = self.conn.changes()
                    after = self.conn.last_insert_rowid()
                    break
                except self._apsw.BusyError as exc:
                    # Another transaction holds the database's write lock (SQLite locks the database, PostgreSQL
                    # the rows). This statement had no effect and this transaction holds no lock: wait for that
                    # commit or rollback, as a PostgreSQL UPDATE waits for the row's lock, then run it again.
                    if self._holds_write_lock() or time.monotonic() > deadline:
                        raise SqlError.database(lock_timeout(self.engine)) from exc
                    time.sleep(LOCK_POLL_S)
                except self._apsw.Error as exc:
                    raise SqlError.database(pgcompat.database_error(str(exc), original, self.engine, self.database)) \
                        from None
        columns = None
        if info.description_full or info.description:
            desc = info.description_full or tuple((*d, None, None, None) for d in info.description)
            columns = []
            for i, (name, decl, _db, table, _origin) in enumerate(desc):
                type_name = decl or _infer_type(rows, i)
                columns.append(Column(name, type_name, table or "", "", False,
                                      reported=pgcompat.type_name(type_name, self.engine)))
        is_write = re.match(r"\s*(INSERT|UPDATE|DELETE|REPLACE|WITH)\b", dialect.code_only(sql), re.I) is not None
        inserted = re.match(r"\s*INSERT\b", dialect.code_only(sql), re.I) is not None
        return Result(columns=columns, rows=rows, updated=changes if is_write else 0,
                      generated_id=after if inserted and changes and after != before else None)

    def _holds_write_lock(self) -> bool:
        return bool(self.conn.txn_state(None) == self._apsw.SQLITE_TXN_WRITE)

    def _fresh_snapshot(self) -> None:
        """READ COMMITTED, Aurora PostgreSQL's default isolation: each statement sees what was committed before it
        began. A SQLite transaction keeps the snapshot of its first read until it writes (then it holds the write
        lock, so nothing can commit past it): until then, a transaction that has only read starts a new one."""
        if self.conn.in_transaction and not self._holds_write_lock():
            self.conn.execute("ROLLBACK")   # it has written nothing: nothing is lost
            self.conn.execute("BEGIN")

    def _has_table(self, name: str) -> bool:
        with self.lock:
            return bool(list(self.conn.execute(
                "SELECT 1 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?", (name,))))

    def begin(self) -> None:
        with self.lock:
            self.conn.execute("BEGIN")

    def commit(self) -> None:
        with self.lock:
            try:
                self.conn.execute("COMMIT")
            except self._apsw.Error as exc:
                raise SqlError.database(pgcompat.database_error(str(exc), "COMMIT", self.engine, self.database)) \
                    from None

    def rollback(self) -> None:
        with self.lock:
            if not self.conn.in_transaction:
                return
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _infer_type(rows: list[tuple[Any, ...]], i: int) -> str:
    for row in rows:
        v = row[i]
        if v is None:
            continue
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, int):
            return "int8"
        if isinstance(v, float):
            return "float8"
        if isinstance(v, bytes):
            return "bytea"
        return "text"
    return "text"


# -- PostgreSQL -----------------------------------------------------------------------------------
class PostgresConnection:
    """One psycopg connection, its search_path set to the cluster+database schema."""

    def __init__(self, dsn: str, schema: str) -> None:
        from ..errors import require

        psycopg = require("psycopg", "Aurora on a real PostgreSQL", "psycopg[binary]")
        self._psycopg = psycopg
        try:
            self.conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
            self.conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            self.conn.execute(f'SET search_path TO "{schema}"')
        except psycopg.Error as exc:
            raise SqlError(f"Could not reach the PostgreSQL server behind this cluster ({exc}). Check "
                           "aurora_postgres_dsn / SERVERLESS_LAB_AURORA_POSTGRES_DSN, or unset it to use the "
                           "embedded SQLite engine.") from None
        self.schema = schema
        self.lock = threading.RLock()

    def execute(self, sql: str, params: dict[str, Any]) -> Result:
        query, _names = dialect.named_to_pyformat(sql)
        missing = pgcompat.missing_parameter(sql, params, "aurora-postgresql")
        if missing is not None:
            raise SqlError.database(missing)
        with self.lock:
            try:
                cur = self.conn.execute(query, params)
                rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
                columns = None
                if cur.description:
                    columns = []
                    for d in cur.description:
                        info = self.conn.adapters.types.get(d.type_code)
                        columns.append(Column(d.name, info.name if info else "unknown", "", self.schema))
                status = (cur.statusmessage or "").split()
                dml = bool(status) and status[0] in {"INSERT", "UPDATE", "DELETE", "MERGE", "COPY"}
                updated = int(status[-1]) if dml and status[-1].isdigit() else 0
                return Result(columns=columns, rows=rows, updated=updated)
            except self._psycopg.Error as exc:
                raise _pg_error(exc, sql) from None

    def begin(self) -> None:
        with self.lock:
            self.conn.execute("BEGIN")

    def commit(self) -> None:
        with self.lock:
            try:
                self.conn.execute("COMMIT")
            except self._psycopg.Error as exc:
                raise _pg_error(exc, "COMMIT") from None

    def rollback(self) -> None:
        with self.lock:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _pg_error(exc: Exception, sql: str) -> SqlError:
    """A psycopg error as Aurora PostgreSQL's Data API reports it: ``ERROR: …; Position: n; SQLState: …``.

    psycopg counts the position in the query it sent (``%(name)s`` placeholders); it is mapped back to the
    caller's ``:name`` text by locating the same token.
    """
    diag = getattr(exc, "diag", None)
    state = getattr(exc, "sqlstate", None) or (diag.sqlstate if diag else None) or "XX000"
    primary = (diag.message_primary if diag else None) or str(exc).strip().splitlines()[0]
    position = None
    if diag is not None and diag.statement_position:
        position = int(diag.statement_position)
        token = re.search(r'"([^"]+)"', primary)
        if token:
            position = pgcompat.position_of(sql, token.group(1)) or position
    hint = " ".join(x for x in ((diag.message_detail if diag else None), (diag.message_hint if diag else None)) if x)
    err = pgcompat.AuroraError(primary, state, position, engine="aurora-postgresql", hint=hint.replace("\n", " "))
    return SqlError.database(err)


def schema_name(cluster: str, database: str) -> str:
    raw = f"aurora_{cluster}__{database}".lower()  # "pg_" and digits first are not allowed
    return re.sub(r"[^a-z0-9_]", "_", raw)[:63]


class EngineFactory:
    """Opens connections for (cluster, database): SQLite files in ``folder``, or PostgreSQL."""

    def __init__(self, folder: str, postgres_dsn: str | None = None) -> None:
        self.folder = folder
        self.postgres_dsn = postgres_dsn or os.environ.get(DSN_ENV) or None

    def kind(self, engine: str) -> str:
        return "postgresql" if self.postgres_dsn and dialect.family(engine) == "postgres" else "sqlite"

    def connect(self, cluster: str, engine: str, database: str) -> SqliteConnection | PostgresConnection:
        if self.kind(engine) == "postgresql":
            return PostgresConnection(self.postgres_dsn or "", schema_name(cluster, database))
        return SqliteConnection(os.path.join(self.folder, _safe(f"{cluster}--{database}") + ".sqlite3"), engine, database)

    def drop(self, cluster: str) -> None:
        """A deleted cluster's SQLite databases go with it (a new cluster of the same name starts empty, as on AWS)."""
        import glob

        for path in glob.glob(os.path.join(glob.escape(self.folder), glob.escape(_safe(cluster)) + "--*.sqlite3*")):
            try:
                os.remove(path)
            except OSError:
                pass


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)
