"""The CloudWatch Logs Insights query language, the subset the course's labs and AWS's sample queries use.

"CloudWatch Logs Insights language query syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html): commands joined by
``|``, each one of

* ``fields expr [as name], ...`` and ``display field, ...``;
* ``filter`` with ``= != < <= > >=``, ``like /regex/`` or ``like "substring"``, ``=~ /regex/``,
  ``in [..]``, ``not``, ``and``, ``or`` and parentheses;
* ``parse field "glob with * " as a, b`` or ``parse field /(?<name>regex)/``;
* ``stats agg(...) [as name], ... [by expr [as name], ...]`` with ``count(*)``, ``count(f)``,
  ``count_distinct``, ``sum``, ``avg``, ``min``, ``max``, ``pct(f, N)`` / ``percentile(f, N)``,
  arithmetic over them, and ``bin(5m)`` (units ``ms s m h d``);
* ``sort expr [asc|desc], ...`` and ``limit N`` (at most 100,000; without it, up to 10,000 rows:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html);

with the functions ``ispresent``, ``strcontains``, ``tolower``, ``toupper``, ``strlen``, ``concat``,
``abs``, ``floor``, ``ceil``. Anything else is refused with :class:`MalformedQuery` naming it (AWS's
``MalformedQueryException``), never silently ignored.

Course choices where AWS documents no rule: ``pct`` takes the nearest rank (the ceil(N/100*n)-th
smallest value); a query without ``sort`` returns events newest first and ``stats`` groups in
ascending order of their ``by`` values.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LIMIT = 10_000
COMMANDS = ("fields", "display", "filter", "stats", "sort", "limit", "parse")
AGGREGATES = {"count", "count_distinct", "sum", "avg", "min", "max", "pct", "percentile"}
SCALARS = {"bin", "ispresent", "strcontains", "tolower", "toupper", "strlen", "concat", "abs", "floor", "ceil"}
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}


class MalformedQuery(ValueError):
    """A query the course cannot run; the message says where and what to write instead."""


# -- tokens ------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<num>\d+(?:\.\d+)?(?:ms|s|m|h|d)?\b)
  | (?P<name>`[^`]+`|@?[A-Za-z_][A-Za-z0-9_.@]*|@\w*)
  | (?P<op>==|!=|<=|>=|=~|[=<>+\-*/%(),|\[\]])
""", re.VERBOSE)


@dataclass
class Tok:
    kind: str      # str | num | name | op | regex
    text: str
    pos: int


def tokenize(query: str) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(query):
        prev = out[-1] if out else None
        regex_ok = prev is None or (prev.kind == "name" and prev.text.lower() in ("like", "parse")) or \
            (prev.kind == "op" and prev.text in ("=~", "(", ",")) or \
            (len(out) >= 2 and out[-2].kind == "name" and out[-2].text.lower() == "parse")
        if query[i] == "/" and regex_ok:
            end = i + 1
            while end < len(query) and query[end] != "/":
                end += 2 if query[end] == "\\" else 1
            if end >= len(query):
                raise MalformedQuery(f"the regular expression at position {i + 1} has no closing /")
            flags_end = end + 1
            while flags_end < len(query) and query[flags_end] in "i":
                flags_end += 1
            out.append(Tok("regex", query[i + 1:end] + ("\0i" if "i" in query[end + 1:flags_end] else ""), i))
            i = flags_end
            continue
        m = _TOKEN.match(query, i)
        if not m:
            raise MalformedQuery(f"unexpected symbol {query[i]!r} at position {i + 1}")
        kind = m.lastgroup or ""
        if kind != "ws":
            text = m.group(kind)
            if kind == "str":
                text = re.sub(r"\\(.)", r"\1", text[1:-1])
            elif kind == "name" and text.startswith("`"):
                text = text[1:-1]
            out.append(Tok(kind, text, i))
        i = m.end()
    return out


# -- expressions -------------------------------------------------------------------------------

@dataclass
class Node:
    kind: str                 # num str field regex list call unary binop cmp like in and or not
    value: Any = None
    args: list[Node] = field(default_factory=list)
    text: str = ""            # the source text (a column's default name)


class _Parser:
    def __init__(self, query: str, tokens: list[Tok]) -> None:
        self.query, self.toks, self.i = query, tokens, 0

    def peek(self, offset: int = 0) -> Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, *texts: str) -> bool:
        t = self.peek()
        return t is not None and t.kind in ("op", "name") and t.text.lower() in texts

    def take(self, text: str | None = None, kind: str | None = None) -> Tok:
        t = self.peek()
        if t is None or (text is not None and t.text.lower() != text) or (kind is not None and t.kind != kind):
            where = f"position {t.pos + 1} ({t.text!r})" if t else "the end of the query"
            raise MalformedQuery(f"expected {text or kind} at {where}")
        self.i += 1
        return t

    def source(self, start: int) -> str:
        """The query text of tokens ``start`` .. ``self.i`` (a column's default name, as AWS shows it)."""
        first, last = self.toks[start], self.toks[self.i - 1]
        end = last.pos + len(last.text) + (2 if last.kind == "str" else 0)
        return re.sub(r"\s+", " ", self.query[first.pos:end]).strip()

    # boolean level
    def expr(self) -> Node:
        node = self.and_()
        while self.at("or"):
            self.take()
            node = Node("or", args=[node, self.and_()])
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.at("and"):
            self.take()
            node = Node("and", args=[node, self.not_()])
        return node

    def not_(self) -> Node:
        if self.at("not") and not (self.peek(1) and self.peek(1).text.lower() in ("like", "in")):  # type: ignore[union-attr]
            self.take()
            return Node("not", args=[self.not_()])
        return self.cmp()

    def cmp(self) -> Node:
        left = self.arith()
        negate = False
        if self.at("not") and self.peek(1) is not None and self.peek(1).text.lower() in ("like", "in"):  # type: ignore[union-attr]
            self.take()
            negate = True
        node: Node | None = None
        if self.at("=", "==", "!=", "<", "<=", ">", ">="):
            op = self.take().text
            node = Node("cmp", "=" if op == "==" else op, [left, self.arith()])
        elif self.at("like", "=~"):
            self.take()
            t = self.peek()
            if t is not None and t.kind == "regex":
                self.take()
                node = Node("like", _regex(t.text), [left])
            elif t is not None and t.kind == "str":
                self.take()
                node = Node("like", re.compile(re.escape(t.text)), [left])
            else:
                raise MalformedQuery(f"like / =~ needs a /regex/ or a \"string\" after it (position "
                                     f"{t.pos + 1 if t else len(self.query)})")
        elif self.at("in"):
            self.take()
            self.take("[")
            items = [self.arith()]
            while self.at(","):
                self.take()
                items.append(self.arith())
            self.take("]")
            node = Node("in", args=[left, *items])
        if node is None:
            if negate:
                raise MalformedQuery("'not' must be followed by like or in here")
            return left
        return Node("not", args=[node]) if negate else node

    def arith(self) -> Node:
        node = self.term()
        while self.at("+", "-"):
            op = self.take().text
            node = Node("binop", op, [node, self.term()])
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.at("*", "/", "%"):
            op = self.take().text
            node = Node("binop", op, [node, self.unary()])
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return Node("unary", "-", [self.unary()])
        return self.primary()

    def primary(self) -> Node:
        t = self.peek()
        if t is None:
            raise MalformedQuery("the query ends where a value was expected")
        if t.kind == "op" and t.text == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if t.kind == "num":
            self.take()
            return Node("num", t.text, text=t.text)
        if t.kind == "str":
            self.take()
            return Node("str", t.text, text=t.text)
        if t.kind == "regex":
            self.take()
            return Node("regex", _regex(t.text))
        if t.kind == "name":
            start = self.i
            self.take()
            nxt = self.peek()
            if nxt is not None and nxt.kind == "op" and nxt.text == "(":
                name = t.text.lower()
                if name not in AGGREGATES and name not in SCALARS:
                    raise MalformedQuery(
                        f"the function {t.text}() at position {t.pos + 1} is not one the course's Logs Insights "
                        f"runs (it runs {', '.join(sorted(SCALARS | AGGREGATES))})")
                self.take("(")
                args: list[Node] = []
                if self.at("*"):
                    self.take()
                    args.append(Node("star"))
                elif not self.at(")"):
                    args.append(self.expr())
                    while self.at(","):
                        self.take()
                        args.append(self.expr())
                self.take(")")
                return Node("call", "percentile" if name == "pct" else name, args, text=self.source(start))
            return Node("field", t.text, text=t.text)
        raise MalformedQuery(f"unexpected {t.text!r} at position {t.pos + 1}")


def _regex(text: str) -> re.Pattern[str]:
    flags = 0
    if text.endswith("\0i"):
        text, flags = text[:-2], re.IGNORECASE
    text = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", text)     # (?<name>...) as AWS writes it
    try:
        return re.compile(text, flags)
    except re.error as err:
        raise MalformedQuery(f"the regular expression /{text}/ is not valid: {err}") from None


# -- commands ----------------------------------------------------------------------------------

@dataclass
class Column:
    name: str
    node: Node


@dataclass
class Command:
    kind: str
    columns: list[Column] = field(default_factory=list)
    by: list[Column] = field(default_factory=list)
    node: Node | None = None
    order: list[tuple[Node, bool]] = field(default_factory=list)   # (expr, descending)
    limit: int = 0
    parse: tuple[str, re.Pattern[str], list[str]] | None = None


def _columns(p: _Parser, stop: tuple[str, ...] = ("|",)) -> list[Column]:
    cols = []
    while True:
        start = p.i
        node = p.expr()
        name = p.source(start)
        if p.at("as"):
            p.take()
            name = p.take(kind="name").text
        cols.append(Column(name, node))
        if not p.at(","):
            return cols
        p.take()


def parse(query: str) -> list[Command]:
    """Parse a query into its commands, or raise :class:`MalformedQuery`."""
    if not query or not query.strip():
        raise MalformedQuery("the query is empty: start with a command such as fields or filter")
    p = _Parser(query, tokenize(query))
    commands: list[Command] = []
    while p.peek() is not None:
        t = p.take(kind="name")
        name = t.text.lower()
        if name not in COMMANDS:
            raise MalformedQuery(
                f"{t.text!r} at position {t.pos + 1} is not a command the course's Logs Insights runs "
                f"(it runs {', '.join(COMMANDS)})")
        cmd = Command(name)
        if name in ("fields", "display"):
            cmd.columns = _columns(p)
        elif name == "filter":
            cmd.node = p.expr()
        elif name == "stats":
            cmd.columns = _columns(p)
            if p.at("by"):
                p.take()
                cmd.by = _columns(p)
            for col in cmd.columns:
                if not _has_aggregate(col.node):
                    raise MalformedQuery(f"stats needs an aggregate function in {col.name!r} (count, sum, avg, "
                                         "min, max, pct...)")
        elif name == "sort":
            if p.at("by"):
                p.take()
            while True:
                node = p.arith()
                desc = False
                if p.at("asc", "desc"):
                    desc = p.take().text.lower() == "desc"
                cmd.order.append((node, desc))
                if not p.at(","):
                    break
                p.take()
        elif name == "limit":
            n = int(float(p.take(kind="num").text))
            if not 1 <= n <= 100_000:
                raise MalformedQuery("limit takes a number from 1 to 100,000")
            cmd.limit = n
        elif name == "parse":
            src = p.take(kind="name").text
            nxt = p.peek()
            if nxt is not None and nxt.kind == "regex":
                p.take()
                pattern = _regex(nxt.text)
                names = list(pattern.groupindex)
                if not names:
                    raise MalformedQuery("parse with a regular expression needs named groups: (?<name>...)")
            elif nxt is not None and nxt.kind == "str":
                p.take()
                pieces = [re.escape(x) for x in nxt.text.split("*")]
                pattern = re.compile("(.*?)".join(pieces[:-1]) + "(.*)" + pieces[-1] if len(pieces) > 1 else pieces[0],
                                     re.DOTALL)
                p.take("as")
                names = [p.take(kind="name").text]
                while p.at(","):
                    p.take()
                    names.append(p.take(kind="name").text)
                if len(names) != len(pieces) - 1:
                    raise MalformedQuery(f"parse: the pattern has {len(pieces) - 1} '*' but {len(names)} names "
                                         "follow 'as'")
            else:
                raise MalformedQuery("parse needs a \"glob * pattern\" with 'as' names, or a /regex/ with named groups")
            cmd.parse = (src, pattern, names)
        commands.append(cmd)
        if p.peek() is not None:
            p.take("|")
            if p.peek() is None:
                raise MalformedQuery("the query ends with '|': a command must follow it")
    return commands


def _has_aggregate(node: Node) -> bool:
    return (node.kind == "call" and node.value in AGGREGATES) or any(_has_aggregate(a) for a in node.args)


# -- evaluation --------------------------------------------------------------------------------

def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:          # a field the event does not have matches no comparison
        return False
    x, y = _number(a), _number(b)
    if x is None or y is None:
        x, y = _text(a), _text(b)  # type: ignore[assignment]
    return {"=": x == y, "!=": x != y, "<": x < y, "<=": x <= y,  # type: ignore[operator]
            ">": x > y, ">=": x >= y}[op]  # type: ignore[operator]


def bin_seconds(spec: str) -> float:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", spec)
    if not m:
        raise MalformedQuery(f"bin({spec}) needs a period such as 30s, 5m, 1h or 1d")
    return float(m.group(1)) * _UNITS[m.group(2)]


def evaluate(node: Node, row: dict[str, Any], group: list[dict[str, Any]] | None = None) -> Any:
    """The value of ``node`` for one event ``row`` (aggregates over ``group`` in a stats column)."""
    k = node.kind
    if k == "num":
        text = node.value
        return bin_seconds(text) if text[-1].isalpha() else float(text)
    if k == "str":
        return node.value
    if k == "field":
        return row.get(node.value)
    if k == "unary":
        v = _number(evaluate(node.args[0], row, group))
        return None if v is None else -v
    if k == "binop":
        a, b = _number(evaluate(node.args[0], row, group)), _number(evaluate(node.args[1], row, group))
        if a is None or b is None:
            return None
        if node.value in "/%" and b == 0:
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None, "%": a % b if b else None}[node.value]
    if k == "cmp":
        return _compare(node.value, evaluate(node.args[0], row, group), evaluate(node.args[1], row, group))
    if k == "like":
        v = evaluate(node.args[0], row, group)
        return v is not None and node.value.search(_text(v)) is not None
    if k == "in":
        v = evaluate(node.args[0], row, group)
        return any(_compare("=", v, evaluate(a, row, group)) for a in node.args[1:])
    if k == "and":
        return bool(evaluate(node.args[0], row, group)) and bool(evaluate(node.args[1], row, group))
    if k == "or":
        return bool(evaluate(node.args[0], row, group)) or bool(evaluate(node.args[1], row, group))
    if k == "not":
        return not evaluate(node.args[0], row, group)
    if k == "call":
        if node.value in AGGREGATES:
            if group is None:
                raise MalformedQuery(f"{node.text} is an aggregate: use it in stats")
            return _aggregate(node, group)
        return _scalar(node, row, group)
    raise MalformedQuery(f"cannot evaluate {node.text or k}")


def _scalar(node: Node, row: dict[str, Any], group: list[dict[str, Any]] | None) -> Any:
    name, args = node.value, node.args
    if name == "bin":
        if len(args) != 1 or args[0].kind != "num" or not args[0].value[-1].isalpha():
            raise MalformedQuery("bin() takes one period, such as bin(5m)")
        size_ms = bin_seconds(args[0].value) * 1000
        ts = row.get("@timestamp")
        return None if ts is None else Time(math.floor(ts / size_ms) * size_ms)
    values = [evaluate(a, row, group) for a in args]
    if name == "ispresent":
        return values[0] is not None
    if name == "strcontains":
        return 1.0 if values[0] is not None and _text(values[1]) in _text(values[0]) else 0.0
    if name in ("tolower", "toupper"):
        return None if values[0] is None else (_text(values[0]).lower() if name == "tolower"
                                                else _text(values[0]).upper())
    if name == "strlen":
        return None if values[0] is None else float(len(_text(values[0])))
    if name == "concat":
        return "".join(_text(v) for v in values if v is not None)
    num = _number(values[0]) if values else None
    if num is None:
        return None
    fn: Callable[[float], float] = {"abs": abs, "floor": math.floor, "ceil": math.ceil}[name]  # type: ignore[assignment]
    return float(fn(num))


def _aggregate(node: Node, group: list[dict[str, Any]]) -> Any:
    name, args = node.value, node.args
    if name == "count":
        if not args or args[0].kind == "star":
            return float(len(group))
        return float(sum(1 for r in group if evaluate(args[0], r) is not None))
    if not args:
        raise MalformedQuery(f"{node.text} needs a field")
    values = [evaluate(args[0], r) for r in group]
    if name == "count_distinct":
        return float(len({_text(v) for v in values if v is not None}))
    nums = [n for n in (_number(v) for v in values) if n is not None]
    if not nums:
        return None
    if name == "sum":
        return float(sum(nums))
    if name == "avg":
        return sum(nums) / len(nums)
    if name == "min":
        return min(nums)
    if name == "max":
        return max(nums)
    # percentile
    if len(args) != 2 or args[1].kind != "num":
        raise MalformedQuery(f"{node.text}: pct takes a field and a percentile, such as pct(@duration, 99)")
    p = float(args[1].value)
    ordered = sorted(nums)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


class Time(float):
    """Epoch milliseconds that GetQueryResults shows as a time (``@timestamp``, a ``bin()``)."""


def show(value: Any, name: str) -> str:
    """A value as GetQueryResults shows it (a string; times as ``YYYY-MM-DD HH:MM:SS.mmm``)."""
    if isinstance(value, Time):
        when = dt.datetime.fromtimestamp(float(value) / 1000, tz=dt.timezone.utc)
        return when.strftime("%Y-%m-%d %H:%M:%S.") + f"{when.microsecond // 1000:03d}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".10g")
    return str(value)


@dataclass
class Outcome:
    rows: list[list[tuple[str, str]]]
    matched: int


def run(commands: list[Command], events: list[dict[str, Any]]) -> Outcome:
    """Run parsed commands over events (each a dict of discovered fields, with ``@ptr``)."""
    rows: list[dict[str, Any]] = [{**e, **{k: Time(e[k]) for k in ("@timestamp", "@ingestionTime") if k in e}}
                                  for e in events]
    shown: list[str] | None = None
    aggregated = False
    limit = DEFAULT_LIMIT
    sorted_explicitly = False
    matched = len(events)
    for cmd in commands:
        if cmd.kind == "filter":
            assert cmd.node is not None
            rows = [r for r in rows if evaluate(cmd.node, r)]
            if not aggregated:
                matched = len(rows)
        elif cmd.kind == "parse":
            assert cmd.parse is not None
            src, pattern, names = cmd.parse
            out = []
            for r in rows:
                r = dict(r)
                value = r.get(src)
                m = pattern.search(_text(value)) if value is not None else None
                if m:
                    found = m.groupdict() if pattern.groupindex else dict(zip(names, m.groups()))
                    r.update({k: v for k, v in found.items() if v is not None})
                out.append(r)
            rows = out
        elif cmd.kind == "fields":
            out = []
            for r in rows:
                r = dict(r)
                for col in cmd.columns:
                    r[col.name] = evaluate(col.node, r)
                out.append(r)
            rows = out
            names = [c.name for c in cmd.columns]
            shown = names if shown is None else shown + [n for n in names if n not in shown]
        elif cmd.kind == "display":
            for r in rows:
                for col in cmd.columns:
                    r.setdefault(col.name, evaluate(col.node, r))
            shown = [c.name for c in cmd.columns]
        elif cmd.kind == "stats":
            matched = len(rows) if not aggregated else matched
            groups: dict[tuple[str, ...], tuple[list[Any], list[dict[str, Any]]]] = {}
            for r in rows:
                keys = [evaluate(c.node, r) for c in cmd.by]
                key = tuple(_text(k) for k in keys)
                groups.setdefault(key, (keys, []))[1].append(r)
            if not cmd.by and not groups:
                groups[()] = ([], [])
            out = []
            for keys, members in sorted(groups.values(), key=lambda g: [(_number(k) is None, _number(k) or 0,
                                                                         _text(k)) for k in g[0]]):
                r = {c.name: k for c, k in zip(cmd.by, keys)}
                for col in cmd.columns:
                    r[col.name] = evaluate(col.node, {}, members)
                out.append(r)
            rows = out
            shown = [c.name for c in cmd.by] + [c.name for c in cmd.columns]
            aggregated = True
        elif cmd.kind == "sort":
            for node, desc in reversed(cmd.order):
                present = [r for r in rows if evaluate(node, r) is not None]
                absent = [r for r in rows if evaluate(node, r) is None]
                present.sort(key=lambda r: _sort_key(evaluate(node, r)), reverse=desc)
                rows = present + absent
            sorted_explicitly = True
        elif cmd.kind == "limit":
            limit = cmd.limit
    if not aggregated and not sorted_explicitly:
        rows = sorted(rows, key=lambda r: r.get("@timestamp") or 0, reverse=True)
    result = []
    for r in rows[:limit]:
        names = shown if shown is not None else [k for k in r if k != "@ptr"]
        line = [(n, show(r[n], n)) for n in names if r.get(n) is not None]
        if not aggregated and "@ptr" in r:
            line.append(("@ptr", r["@ptr"]))
        result.append(line)
    return Outcome(result, matched)


def _sort_key(value: Any) -> tuple[int, float, str]:
    n = _number(value)
    return (0, n, "") if n is not None else (1, 0.0, _text(value))
