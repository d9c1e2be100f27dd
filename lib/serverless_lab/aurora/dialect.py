"""What the embedded SQLite engine can stand in for, and what it must refuse.

Aurora runs PostgreSQL or MySQL; the course runs SQLite in-process so that nothing needs
installing. Most everyday SQL (CREATE TABLE, INSERT, SELECT with joins, GROUP BY, ORDER BY, LIMIT,
RETURNING, ON CONFLICT, CAST, CURRENT_TIMESTAMP, ``->``/``->>`` JSON) behaves the same. Where the
dialects differ the engine either translates (a short, documented list) or refuses with a
``DatabaseErrorException`` (SQLSTATE 0A000, feature not supported) that names the difference, never a
silent different answer.

Translations (``TRANSLATIONS``), applied outside string literals and comments:

* aurora-postgresql: a ``SERIAL``/``BIGSERIAL``/``SMALLSERIAL`` primary-key column → ``INTEGER
  PRIMARY KEY AUTOINCREMENT`` (same behaviour: a unique increasing integer key). SQLite can number
  only that one column, so a SERIAL column that is not the whole primary key is refused.
* aurora-mysql: the same for ``INT AUTO_INCREMENT`` (inline ``PRIMARY KEY`` or ``PRIMARY KEY (id)``
  at the end); table options ``ENGINE=…``, ``DEFAULT CHARSET=…``, ``COLLATE=…`` are dropped.
* ``NUMERIC(p,s)`` values are shown with their ``s`` decimals, as PostgreSQL shows them.
* ``CAST(x AS DATE | TIME | TIMESTAMP [WITH[OUT] TIME ZONE] | DATETIME | JSON | JSONB | UUID)`` →
  ``CAST(x AS TEXT)``: SQLite would give those type names NUMERIC affinity and turn
  ``'2024-05-01'`` into ``2024``; kept as text, the ISO value compares and sorts as PostgreSQL's does
  (SQLAlchemy's Aurora dialect wraps every date, JSON and UUID parameter in such a CAST).

Behaviour kept faithful by settings: ``LIKE`` is case-sensitive for aurora-postgresql clusters (as
PostgreSQL's) and case-insensitive for aurora-mysql (as MySQL's default collation).

Refused (``REFUSED``): PostgreSQL's ``::`` casts, ``ILIKE``, JSONB containment/path operators
(``@>``, ``<@``, ``#>``, ``#>>``, ``?|``, ``?&``), ``CREATE EXTENSION``, ``DISTINCT ON``, arrays
(``ARRAY[...]``, ``= ANY(...)``), ``GENERATED … AS IDENTITY``, ``SELECT … FOR UPDATE/SHARE``,
``CREATE SCHEMA``; MySQL's ``ON DUPLICATE KEY UPDATE``, ``SHOW …``, ``DESCRIBE``; and SQLite-only
syntax (``PRAGMA``, ``INSERT OR REPLACE``, ``AUTOINCREMENT``) that the real Aurora would reject.
Any other SQLite error is returned as the error Aurora gives for the same mistake (a
``DatabaseErrorException`` with the PostgreSQL message and SQLSTATE, see :mod:`.pgcompat`); for
``no such function: now`` the hint says the embedded engine is SQLite standing in for the cluster's engine.

Known difference that cannot be detected from the text: on aurora-mysql ``7 / 2`` is ``3.5000``
while SQLite gives ``3`` (write ``7 / 2.0`` or ``CAST(7 AS REAL) / 2``). For full fidelity point
the cluster at a real PostgreSQL (see :mod:`serverless_lab.aurora`).
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|--[^\n]*|/\*.*?\*/", re.S)


def code_only(sql: str) -> str:
    """``sql`` with string literals, quoted identifiers and comments blanked (same length)."""
    return _STRINGS.sub(lambda m: " " * len(m.group(0)), sql)


class DialectError(Exception):
    """SQL the embedded engine cannot run faithfully; the message names the difference."""


# (engine it applies to, pattern, explanation)
REFUSED: list[tuple[str, re.Pattern[str], str]] = [
    ("postgres", re.compile(r"::\s*[A-Za-z_]"),
     "PostgreSQL's `value::type` cast syntax is not available in the embedded SQLite engine; write "
     "CAST(value AS type), which both engines understand."),
    ("postgres", re.compile(r"\bILIKE\b", re.I),
     "ILIKE (case-insensitive LIKE) is PostgreSQL-only; write LOWER(column) LIKE LOWER(:pattern), which "
     "both engines understand."),
    ("postgres", re.compile(r"@>|<@|#>>?|\?\||\?&"),
     "JSONB containment/path operators (@>, <@, #>, #>>, ?|, ?&) are PostgreSQL-only; the embedded "
     "SQLite engine has -> and ->> and json_extract(). Use those, or point the cluster at a real "
     "PostgreSQL (mock_aws(aurora_postgres_dsn=...))."),
    ("postgres", re.compile(r"\bCREATE\s+EXTENSION\b", re.I),
     "CREATE EXTENSION loads a PostgreSQL extension; the embedded SQLite engine has none. Point the "
     "cluster at a real PostgreSQL (mock_aws(aurora_postgres_dsn=...)) to use extensions."),
    ("postgres", re.compile(r"\bDISTINCT\s+ON\b", re.I),
     "DISTINCT ON is PostgreSQL-only; use GROUP BY, or a window function (ROW_NUMBER() OVER (...))."),
    ("postgres", re.compile(r"\bARRAY\s*\[|=\s*ANY\s*\(", re.I),
     "PostgreSQL arrays (ARRAY[...], = ANY(...)) are not available in the embedded SQLite engine; use "
     "IN (...) or a JSON array with json_each()."),
    ("postgres", re.compile(r"\bGENERATED\s+(ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\b", re.I),
     "GENERATED ... AS IDENTITY is not available in the embedded SQLite engine; declare the column "
     "SERIAL PRIMARY KEY (translated to SQLite's INTEGER PRIMARY KEY AUTOINCREMENT)."),
    ("postgres", re.compile(r"\bCREATE\s+SCHEMA\b", re.I),
     "CREATE SCHEMA is not available in the embedded SQLite engine (one schema per database); use a "
     "separate `database=` in the Data API call instead."),
    ("any", re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE)\b\s*(NOWAIT|SKIP\s+LOCKED)?\s*;?\s*$", re.I),
     "SELECT ... FOR UPDATE/SHARE row locks are not available in the embedded SQLite engine (it locks "
     "the whole database for a write transaction); leave the clause out."),
    ("mysql", re.compile(r"\bON\s+DUPLICATE\s+KEY\s+UPDATE\b", re.I),
     "MySQL's ON DUPLICATE KEY UPDATE is not available in the embedded SQLite engine; write "
     "INSERT ... ON CONFLICT(key) DO UPDATE SET ... (SQLite and PostgreSQL syntax)."),
    ("mysql", re.compile(r"^\s*(SHOW|DESCRIBE|DESC)\b", re.I),
     "SHOW/DESCRIBE are MySQL commands the embedded SQLite engine does not have; query "
     "sqlite_schema (SELECT name FROM sqlite_schema WHERE type='table') instead."),
    ("any", re.compile(r"^\s*PRAGMA\b", re.I),
     "PRAGMA is SQLite-only: the Aurora cluster you are simulating would reject it."),
    ("any", re.compile(r"\bINSERT\s+OR\s+(REPLACE|IGNORE|ABORT|FAIL|ROLLBACK)\b", re.I),
     "INSERT OR REPLACE/IGNORE is SQLite-only: the Aurora cluster would reject it. Use INSERT ... ON "
     "CONFLICT(...) DO UPDATE / DO NOTHING."),
    ("any", re.compile(r"\bAUTOINCREMENT\b", re.I),
     "AUTOINCREMENT is SQLite-only: the Aurora cluster would reject it. Declare the key SERIAL PRIMARY "
     "KEY (aurora-postgresql) or INT AUTO_INCREMENT PRIMARY KEY (aurora-mysql)."),
]

_LITERALS = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/", re.S)
_SERIAL_TYPE = r"(?:SMALL|BIG)?SERIAL\b"
_AUTO_INC_TYPE = (r"(?:TINYINT|SMALLINT|MEDIUMINT|INT|INTEGER|BIGINT)(?:\s*\(\s*\d+\s*\))?(?:\s+UNSIGNED)?"
                  r"(?:\s+NOT\s+NULL)?\s+AUTO_INCREMENT\b")
_TABLE_PK = re.compile(r",\s*(?:CONSTRAINT\s+\S+\s+)?PRIMARY\s+KEY\s*\(\s*[`\"]?(\w+)[`\"]?\s*\)", re.I)
_TABLE_OPTS = re.compile(r"\s*\b(ENGINE|(DEFAULT\s+)?(CHARSET|CHARACTER\s+SET)|COLLATE)\s*=?\s*\w+", re.I)


def _translate_autonumber(sql: str, type_pattern: str, what: str) -> str:
    """``<col> SERIAL|INT AUTO_INCREMENT [NOT NULL] [PRIMARY KEY]`` → ``<col> INTEGER PRIMARY KEY AUTOINCREMENT``.

    SQLite numbers rows automatically only for the one INTEGER PRIMARY KEY column, so the column
    must be the table's whole primary key (inline, or ``PRIMARY KEY (col)`` at the end).
    """
    masked = _LITERALS.sub(lambda m: " " * len(m.group(0)), sql)
    column = re.compile(r"((?:^|[(,])\s*([`\"]?)(\w+)\2)\s+" + type_pattern +
                        r"(?:\s+NOT\s+NULL)?(\s+PRIMARY\s+KEY)?", re.I)
    found = list(column.finditer(masked))
    if not found:
        return sql
    table_pk = _TABLE_PK.search(masked)
    for m in found:
        if not m.group(4) and not (table_pk and table_pk.group(1).lower() == m.group(3).lower() and len(found) == 1):
            raise DialectError(
                f"Dialect difference: {what} column {m.group(3)!r} is not the table's primary key. The embedded "
                "SQLite engine can auto-number only the single INTEGER PRIMARY KEY column: declare it "
                f"`{m.group(3)} {what} PRIMARY KEY`, or number rows yourself.")
    out, last = [], 0
    for m in found:
        out.append(sql[last:m.start()])
        out.append(f"{sql[m.start(1):m.end(1)]} INTEGER PRIMARY KEY AUTOINCREMENT")
        last = m.end()
    out.append(sql[last:])
    sql = "".join(out)
    if not found[0].group(4) and table_pk:
        masked = _LITERALS.sub(lambda m: " " * len(m.group(0)), sql)
        pk = _TABLE_PK.search(masked)
        if pk:
            sql = sql[:pk.start()] + sql[pk.end():]
    return sql


TRANSLATIONS = {
    "postgres": "SERIAL → INTEGER PRIMARY KEY AUTOINCREMENT",
    "mysql": "INT AUTO_INCREMENT → INTEGER PRIMARY KEY AUTOINCREMENT; ENGINE=/CHARSET=/COLLATE= table options dropped",
}


def family(engine: str) -> str:
    """``"postgres"`` for aurora-postgresql, ``"mysql"`` for aurora-mysql / aurora."""
    return "postgres" if "postgres" in engine else "mysql"


def _apply_outside_strings(sql: str, pattern: re.Pattern[str], repl: str) -> str:
    masked = code_only(sql)
    out, last = [], 0
    for m in pattern.finditer(masked):
        out.append(sql[last:m.start()])
        out.append(repl)
        last = m.end()
    out.append(sql[last:])
    return "".join(out)


def prepare_for_sqlite(sql: str, engine: str) -> str:
    """Check ``sql`` against the refused list for ``engine`` and apply the safe translations.

    Raises :class:`DialectError` naming the difference; returns the SQL SQLite should run.
    """
    fam = family(engine)
    masked = code_only(sql)
    for applies, pattern, why in REFUSED:
        if applies in ("any", fam) and pattern.search(masked):
            dialect = "PostgreSQL" if fam == "postgres" else "MySQL"
            raise DialectError(f"Dialect difference: {why} (The embedded engine is SQLite standing in for "
                               f"Aurora {dialect}.)")
    sql = _text_casts(sql)
    if not re.match(r"\s*(CREATE|ALTER)\s+TABLE\b", sql, re.I):
        return sql  # the other translations apply to column definitions only
    if fam == "postgres":
        sql = _translate_autonumber(sql, _SERIAL_TYPE, "SERIAL")
    else:
        sql = _translate_autonumber(sql, _AUTO_INC_TYPE, "AUTO_INCREMENT")
        sql = _apply_outside_strings(sql, _TABLE_OPTS, "")
    return sql


_CAST = re.compile(r"\bCAST\s*\(", re.I)
_TEXT_CAST_TYPE = re.compile(r"\bAS\s+(DATE|DATETIME|TIME(STAMP)?(\s*\(\s*\d+\s*\))?(\s+WITH(OUT)?\s+TIME\s+ZONE)?|"
                             r"TIMESTAMPTZ|TIMETZ|JSONB?|UUID)\s*$", re.I)


def _text_casts(sql: str) -> str:
    """``CAST(x AS DATE|TIMESTAMP|JSON|UUID…)`` → ``CAST(x AS TEXT)`` (see the module docstring)."""
    masked = code_only(sql)
    if not _CAST.search(masked):
        return sql
    edits: list[tuple[int, int]] = []
    for m in _CAST.finditer(masked):
        depth, i = 1, m.end()
        while i < len(masked) and depth:
            depth += {"(": 1, ")": -1}.get(masked[i], 0)
            i += 1
        if depth:
            continue
        inner_start, inner_end = m.end(), i - 1
        # the AS at nesting depth 0 of this CAST
        level, as_at = 0, None
        for j in range(inner_start, inner_end):
            c = masked[j]
            level += {"(": 1, ")": -1}.get(c, 0)
            if level == 0 and masked[j:j + 2].upper() == "AS" and masked[j - 1].isspace() and masked[j + 2:j + 3].isspace():
                as_at = j
        if as_at is None:
            continue
        t = _TEXT_CAST_TYPE.match(masked, as_at, inner_end)
        if t and t.end() == inner_end:
            edits.append((as_at, inner_end))
    for start, end in sorted(edits, reverse=True):
        sql = sql[:start] + "AS TEXT" + sql[end:]
    return sql


_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")


def named_to_pyformat(sql: str) -> tuple[str, list[str]]:
    """``:name`` placeholders → psycopg's ``%(name)s`` (outside strings; ``::`` casts kept).

    Every ``%`` becomes ``%%``: psycopg treats the whole text as a format string when it is
    given parameters (always, here: a dict, possibly empty).
    """
    sql2 = sql.replace("%", "%%")
    masked = code_only(sql2)
    out, last, names = [], 0, []
    for m in _PARAM.finditer(masked):
        out.append(sql2[last:m.start()])
        out.append(f"%({m.group(1)})s")
        names.append(m.group(1))
        last = m.end()
    out.append(sql2[last:])
    return "".join(out), names
