"""What a PostgreSQL (or MySQL) client expects of Aurora, given by the embedded SQLite engine.

Client libraries talk to the Data API as they would to Aurora: the ``aurora-data-api`` DB-API driver
reads ``columnMetadata.typeName`` to type each column and parses the error message for its SQLSTATE;
SQLAlchemy's PostgreSQL dialect asks the server a few questions when it connects. SQLite answers none
of those the way Aurora does, so this module supplies Aurora's answers:

* :func:`type_name`: a declared SQLite column type as Aurora PostgreSQL reports it in
  ``columnMetadata.typeName`` (``INTEGER`` → ``int4``, ``DOUBLE PRECISION`` → ``float8``,
  ``BOOLEAN`` → ``bool``, ``VARCHAR(40)`` → ``varchar`` …) or as Aurora MySQL does (``INT``,
  ``BIGINT``, ``VARCHAR`` …);
* :func:`database_error`: a SQLite error as the message Aurora gives, with its SQLSTATE, e.g.
  ``ERROR: relation "x" does not exist; Position: 15; SQLState: 42P01`` (PostgreSQL) or
  ``Table 'app.x' doesn't exist; Error code: 1146; SQLState: 42S02`` (MySQL). The Data API returns
  these as ``DatabaseErrorException``;
* :func:`session_query`: the session statements a PostgreSQL client sends on connect
  (``select pg_catalog.version()``, ``select current_schema()``, ``show transaction isolation
  level``, ``show standard_conforming_strings``, ``SET …``) and SQLAlchemy's ``has_table`` catalog
  query, answered from the SQLite database; any other ``pg_catalog`` / ``information_schema`` query is
  refused with SQLSTATE 0A000 (feature not supported) rather than answered wrongly.

Sources: PostgreSQL's error codes (https://www.postgresql.org/docs/current/errcodes-appendix.html),
type names (``pg_type.typname``), and the Data API's error shapes (Aurora User Guide, "Using the RDS
Data API", checked 2026-11).
"""

from __future__ import annotations

import re
from typing import Any

from . import dialect

#: what ``select version()`` answers: an Aurora PostgreSQL 16 build string (SQLAlchemy parses "PostgreSQL 16.6")
PG_VERSION = ("PostgreSQL 16.6 on x86_64-pc-linux-gnu, compiled by x86_64-pc-linux-gnu-gcc (GCC) 10.5.0, 64-bit "
              "(serverless_lab embedded engine: SQLite standing in for Aurora PostgreSQL)")

# -- type names -----------------------------------------------------------------------------------
_PG_TYPES: list[tuple[str, str]] = [
    (r"^(BIG\s*INT|INT8|BIGSERIAL|SERIAL8)\b", "int8"),
    (r"^(SMALL\s*INT|INT2|SMALLSERIAL|SERIAL2)\b", "int2"),
    (r"^(INT|INTEGER|INT4|SERIAL|SERIAL4|MEDIUMINT|TINYINT)\b", "int4"),
    (r"^(REAL|FLOAT4)\b", "float4"),
    (r"^(DOUBLE(\s+PRECISION)?|FLOAT8|FLOAT)\b", "float8"),
    (r"^(NUMERIC|DECIMAL|DEC)\b", "numeric"),
    (r"^(BOOL|BOOLEAN)\b", "bool"),
    (r"^(VARCHAR|CHARACTER\s+VARYING|NVARCHAR)\b", "varchar"),
    (r"^(CHAR|CHARACTER|BPCHAR|NCHAR)\b", "bpchar"),
    (r"^(TEXT|CLOB|STRING)\b", "text"),
    (r"^(TIMESTAMPTZ|TIMESTAMP\s*(\(\s*\d+\s*\))?\s+WITH\s+TIME\s+ZONE)\b", "timestamptz"),
    (r"^(TIMESTAMP|DATETIME)\b", "timestamp"),
    (r"^(TIMETZ|TIME\s*(\(\s*\d+\s*\))?\s+WITH\s+TIME\s+ZONE)\b", "timetz"),
    (r"^TIME\b", "time"),
    (r"^DATE\b", "date"),
    (r"^(BYTEA|BLOB)\b", "bytea"),
    (r"^JSONB\b", "jsonb"),
    (r"^JSON\b", "json"),
    (r"^UUID\b", "uuid"),
    (r"^INTERVAL\b", "interval"),
]
_PG_COMPILED = [(re.compile(p, re.I), name) for p, name in _PG_TYPES]
_MYSQL_TYPES = {"int4": "INT", "int8": "BIGINT", "int2": "SMALLINT", "float4": "FLOAT", "float8": "DOUBLE",
                "numeric": "DECIMAL", "bool": "BIT", "varchar": "VARCHAR", "bpchar": "CHAR", "text": "TEXT",
                "timestamptz": "TIMESTAMP", "timestamp": "DATETIME", "time": "TIME", "timetz": "TIME",
                "date": "DATE", "bytea": "BLOB", "json": "JSON", "jsonb": "JSON", "uuid": "CHAR"}


def type_name(declared: str, engine: str) -> str:
    """``declared`` (a SQLite column's declared type, or an inferred one) as Aurora reports it."""
    decl = (declared or "").strip()
    pg = next((name for pattern, name in _PG_COMPILED if pattern.search(decl)), None)
    if pg is None:
        pg = decl.split("(")[0].strip().lower() or "text"
    if dialect.family(engine) == "mysql":
        return _MYSQL_TYPES.get(pg, pg.upper())
    return pg


# -- errors ---------------------------------------------------------------------------------------
class AuroraError(Exception):
    """A database error in Aurora's shape; ``str()`` is the Data API message."""

    def __init__(self, message: str, sqlstate: str, position: int | None = None, code: int | None = None,
                 engine: str = "aurora-postgresql", hint: str = "") -> None:
        self.primary, self.sqlstate, self.position, self.code, self.hint = message, sqlstate, position, code, hint
        self.engine = engine
        super().__init__(self.format())

    def format(self) -> str:
        if dialect.family(self.engine) == "mysql":
            hint = f" ({self.hint})" if self.hint else ""
            return f"{self.primary}{hint}; Error code: {self.code or 1105}; SQLState: {self.sqlstate}"
        parts = [f"ERROR: {self.primary}"]
        if self.hint:
            parts.append(f"Hint: {self.hint}")
        if self.position:
            parts.append(f"Position: {self.position}")
        parts.append(f"SQLState: {self.sqlstate}")
        return "; ".join(parts)


def position_of(sql: str, word: str) -> int | None:
    """1-based character position of ``word`` in ``sql`` outside strings and comments (as PostgreSQL counts)."""
    if not word:
        return None
    masked = dialect.code_only(sql)
    bare = word.split(".")[-1]
    m = re.search(r"(?<![\w.])(\w+\.)?" + re.escape(bare) + r"(?!\w)", masked, re.I)
    if m is None:
        m = re.search(re.escape(word), sql, re.I)
    return m.start() + 1 if m else None


# (SQLite message pattern, SQLSTATE, PostgreSQL message, MySQL code, MySQL SQLSTATE, MySQL message,
#  word to locate for the Position)
_ERRORS: list[tuple[str, str, str, int, str, str, str | None]] = [
    (r"no such table: (?:\w+\.)?(?P<x>[\w$]+)", "42P01", 'relation "{x}" does not exist',
     1146, "42S02", "Table '{db}.{x}' doesn't exist", "x"),
    (r"no such column: (?P<x>[\w.$]+)", "42703", 'column "{x}" does not exist',
     1054, "42S22", "Unknown column '{x}' in 'field list'", "x"),
    (r"(?:table|index) (?:\"?)(?P<x>[\w$]+)(?:\"?) already exists", "42P07", 'relation "{x}" already exists',
     1050, "42S01", "Table '{x}' already exists", None),
    (r'near "(?P<x>[^"]*)": syntax error', "42601", 'syntax error at or near "{x}"',
     1064, "42000", "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
     "server version for the right syntax to use near '{x}'", "x"),
    (r"incomplete input", "42601", "syntax error at end of input",
     1064, "42000", "You have an error in your SQL syntax; check the manual that corresponds to your MySQL "
     "server version for the right syntax to use near ''", None),
    (r"UNIQUE constraint failed: (?P<t>\w+)\.(?P<x>[\w$]+)", "23505",
     'duplicate key value violates unique constraint "{t}_{x}_key" (UNIQUE constraint failed: {t}.{x})',
     1062, "23000", "Duplicate entry for key '{t}.{x}'", None),
    (r"NOT NULL constraint failed: (?P<t>\w+)\.(?P<x>[\w$]+)", "23502",
     'null value in column "{x}" of relation "{t}" violates not-null constraint',
     1048, "23000", "Column '{x}' cannot be null", None),
    (r"FOREIGN KEY constraint failed", "23503", "insert or update violates foreign key constraint",
     1452, "23000", "Cannot add or update a child row: a foreign key constraint fails", None),
    (r"CHECK constraint failed: (?P<x>.+)", "23514", 'new row violates check constraint "{x}"',
     3819, "HY000", "Check constraint '{x}' is violated.", None),
    (r"no such function: (?P<x>\w+)", "42883", "function {x}() does not exist",
     1305, "42000", "FUNCTION {db}.{x} does not exist", "x"),
    (r"datatype mismatch", "42804", "datatype mismatch",
     1366, "HY000", "Incorrect value", None),
    (r"(?:wrong number of arguments to function|too many arguments on function) (?P<x>\w+)", "42883",
     "function {x} does not exist with these arguments", 1582, "42000", "Incorrect parameter count in the call "
     "to native function '{x}'", "x"),
]
_ERRORS_COMPILED = [(re.compile(e[0], re.I), *e[1:]) for e in _ERRORS]


def database_error(sqlite_message: str, sql: str, engine: str, database: str = "") -> AuroraError:
    """A SQLite error message as the error Aurora gives for the same mistake."""
    msg = re.sub(r"^\w+Error: ", "", sqlite_message).strip()
    fam = dialect.family(engine)
    kind = "PostgreSQL" if fam == "postgres" else "MySQL"
    for pattern, state, pg_text, my_code, my_state, my_text, locate in _ERRORS_COMPILED:
        m = pattern.search(msg)
        if m is None:
            continue
        values = {"db": database, **{k: v for k, v in m.groupdict().items() if v is not None}}
        hint = ""
        if state == "42883":
            hint = (f"The embedded engine is SQLite standing in for Aurora {kind}: {values.get('x')}() is a "
                    f"{kind} function SQLite does not have (dialect difference). Use a portable form (e.g. "
                    "CURRENT_TIMESTAMP for now()), or point the cluster at a real PostgreSQL")
        elif state == "42601":
            hint = (f"Embedded SQLite standing in for Aurora {kind}: this may be {kind}-only syntax; write portable "
                    "SQL or point the cluster at a real PostgreSQL")
        if fam == "mysql":
            return AuroraError(my_text.format(**values), my_state, code=my_code, engine=engine, hint=hint)
        position = position_of(sql, values.get(locate, "")) if locate else None
        if state == "42601" and not position:
            position = len(sql.rstrip().rstrip(";")) + 1   # PostgreSQL points just past the end of the input
        return AuroraError(pg_text.format(**values), state, position, engine=engine, hint=hint)
    hint = f"the embedded engine is SQLite standing in for Aurora {kind}"
    if fam == "mysql":
        return AuroraError(msg, "HY000", code=1105, engine=engine, hint=hint)
    return AuroraError(msg, "XX000", engine=engine, hint=hint)


def missing_parameter(sql: str, params: dict[str, Any], engine: str) -> AuroraError | None:
    """A ``:name`` in ``sql`` with no value in ``params``: the same error on every engine (SQLSTATE 42P02)."""
    masked = dialect.code_only(sql)
    for m in dialect._PARAM.finditer(masked):
        if m.group(1) not in params:
            return AuroraError(f"no value was given for parameter :{m.group(1)} (add it to parameters=[...])",
                               "42P02" if dialect.family(engine) == "postgres" else "HY000", m.start() + 1,
                               code=1210, engine=engine)
    return None


def dialect_error(message: str, sql: str, engine: str) -> AuroraError:
    """SQL the embedded engine refuses (a dialect difference): SQLSTATE 0A000, feature not supported."""
    return AuroraError(message, "0A000" if dialect.family(engine) == "postgres" else "42000",
                       code=1235, engine=engine)


# -- session statements ---------------------------------------------------------------------------
_SHOW = {
    "transaction isolation level": ("transaction_isolation", "read committed"),
    "transaction_isolation": ("transaction_isolation", "read committed"),
    "standard_conforming_strings": ("standard_conforming_strings", "on"),
    "server_version": ("server_version", "16.6"),
    "server_version_num": ("server_version_num", "160006"),
    "server_encoding": ("server_encoding", "UTF8"),
    "client_encoding": ("client_encoding", "UTF8"),
    "timezone": ("TimeZone", "UTC"),
    "time zone": ("TimeZone", "UTC"),
    "datestyle": ("DateStyle", "ISO, MDY"),
    "search_path": ("search_path", '"$user", public'),
    "integer_datetimes": ("integer_datetimes", "on"),
    "max_connections": ("max_connections", "2000"),
}
_SELECT_FN = re.compile(r"^\s*select\s+(?:pg_catalog\.)?(version|current_schema|current_database|current_user|"
                        r"session_user)\s*(\(\s*\))?\s*(?:as\s+(\w+))?\s*;?\s*$", re.I)
_SHOW_RE = re.compile(r"^\s*show\s+(.+?)\s*;?\s*$", re.I)
_SET_RE = re.compile(r"^\s*(set|reset)\b", re.I)
_HAS_TABLE = re.compile(r"^\s*SELECT\s+(?:pg_catalog\.)?pg_class\.relname\s+FROM\s+pg_catalog\.pg_class\b.*?"
                        r"\bpg_class\.relname\s*(?:=|IN)\s*\(?\s*((?::\w+\s*,?\s*)+)", re.I | re.S)
_CATALOG = re.compile(r"\b(pg_catalog|information_schema|pg_class|pg_namespace|pg_attribute|pg_type)\b", re.I)


def session_query(sql: str, params: dict[str, Any], engine: str, database: str,
                  lookup_table: Any) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]] | None:
    """Aurora's answer to a session statement, as ``(columns [(name, typeName)], rows)``; None: not one.

    ``lookup_table(name)`` tells whether a table exists (used for SQLAlchemy's ``has_table``).
    Raises :class:`AuroraError` (0A000) for other system-catalog queries.
    """
    if dialect.family(engine) != "postgres":
        return None
    code = dialect.code_only(sql)
    m = _SELECT_FN.match(code)
    if m:
        fn, label = m.group(1).lower(), m.group(3)
        value = {"version": PG_VERSION, "current_schema": "public", "current_database": database,
                 "current_user": "postgres", "session_user": "postgres"}[fn]
        return [(label or fn, "text" if fn == "version" else "name")], [(value,)]
    m = _SHOW_RE.match(code)
    if m:
        what = re.sub(r"\s+", " ", m.group(1)).lower()
        if what not in _SHOW:
            raise AuroraError(f'unrecognized configuration parameter "{m.group(1)}"', "42704", engine=engine)
        name, value = _SHOW[what]
        return [(name, "text")], [(value,)]
    if _SET_RE.match(code):
        return [], []   # session settings: accepted; the embedded engine has nothing to set
    m = _HAS_TABLE.search(code)
    if m:  # SQLAlchemy's has_table / create_all(checkfirst=True): which of these tables exist
        names = [str(params[n]) for n in re.findall(r":(\w+)", m.group(1)) if n in params]
        return [("relname", "name")], [(n,) for n in names if lookup_table(n)]
    m = _CATALOG.search(code)
    if m:
        raise AuroraError(
            f"{m.group(1)} is not available: the embedded SQLite engine stands in for Aurora PostgreSQL and has no "
            "PostgreSQL system catalog (it answers version(), current_schema(), SHOW and has_table only). Point "
            "the cluster at a real PostgreSQL (mock_aws(aurora_postgres_dsn=...)) for reflection", "0A000",
            position_of(sql, m.group(1)), engine=engine)
    return None
