"""StartQuery, GetQueryResults, DescribeQueries and StopQuery as CloudWatch Logs answers them.

"StartQuery" / "GetQueryResults" / "StopQuery" / "DescribeQueries", CloudWatch Logs API Reference
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html):

* ``StartQuery`` takes ``logGroupName`` or ``logGroupNames`` (or ``logGroupIdentifiers``),
  ``startTime`` / ``endTime`` in epoch seconds, ``queryString`` and an optional ``limit``;
  an unknown group is ``ResourceNotFoundException``, a query the course cannot read is
  ``MalformedQueryException``;
* ``GetQueryResults`` answers ``status`` (``Scheduled | Running | Complete | Failed | Cancelled |
  Timeout | Unknown``), ``results`` (rows of ``{"field", "value"}``, strings, with ``@ptr`` on
  event rows) and ``statistics`` (``recordsMatched``, ``recordsScanned``, ``bytesScanned``).

The course runs the query over the events of the time range when it starts. A query is
``Running`` at the first ``GetQueryResults`` (no rows yet) and ``Complete`` from the next one on,
so a lab polls as it must on AWS; ``StopQuery`` on a running query cancels it (``success: true``)
and answers ``success: false`` once it has ended. ``bytesScanned`` counts the UTF-8 bytes of the
scanned messages.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam
from . import fields as discovered
from . import query as lang

if TYPE_CHECKING:
    from ..clock import LabClock

_R = "moto.logs.responses:LogsResponse"
START = seam(f"{_R}.start_query", extension="insights",
             why="moto's query parser ignores filter, stats and parse; the course runs the Logs Insights language")
RESULTS = seam(f"{_R}.get_query_results", extension="insights",
               why="results with statistics, Running then Complete, as AWS answers")
DESCRIBE = seam(f"{_R}.describe_queries", extension="insights",
                why="the course's queries, with their status")
STOP = seam(f"{_R}.stop_query", extension="insights", create=True, why="moto has no StopQuery")


def _error(code: str, message: str) -> Exception:
    from moto.logs.exceptions import LogsClientError

    err = LogsClientError(code, message)
    err.code = 400
    return err


@dataclass
class Query:
    query_id: str
    query_string: str
    groups: list[str]
    created_ms: int
    rows: list[list[tuple[str, str]]]
    statistics: dict[str, float]
    status: str = "Running"
    polls: int = 0
    account: str = ""
    region: str = ""


@dataclass
class InsightsHandle:
    """The session's Logs Insights queries (``aws.extension("insights")``)."""

    clock: LabClock
    queries: dict[str, Query] = field(default_factory=dict)
    _patcher: Patcher = field(default_factory=Patcher)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> InsightsHandle:
        handle = self

        def start_query(response: Any) -> str:
            names = response._get_param("logGroupNames") or []
            if response._get_param("logGroupName"):
                if names:
                    raise _error("InvalidParameterException",
                                 "Specify either logGroupName or logGroupNames, not both")
                names = [response._get_param("logGroupName")]
            names += [i.split(":log-group:")[-1].removesuffix(":*")
                      for i in response._get_param("logGroupIdentifiers") or []]
            if not names:
                raise _error("InvalidParameterException",
                             "StartQuery needs logGroupName, logGroupNames or logGroupIdentifiers")
            q = handle.run(response.current_account, response.region, names,
                           int(response._get_param("startTime")), int(response._get_param("endTime")),
                           response._get_param("queryString") or "", response._get_param("limit"))
            return json.dumps({"queryId": q.query_id})

        def get_query_results(response: Any) -> str:
            q = handle._query(response._get_param("queryId"))
            with handle._lock:
                q.polls += 1
                if q.status == "Running" and q.polls > 1:
                    q.status = "Complete"
                status = q.status
            if status == "Complete":
                rows, stats = q.rows, q.statistics
            else:
                rows, stats = [], {"recordsMatched": 0.0, "recordsScanned": 0.0, "bytesScanned": 0.0}
            return json.dumps({"results": [[{"field": f, "value": v} for f, v in row] for row in rows],
                               "statistics": stats, "status": status})

        def describe_queries(response: Any) -> str:
            group, status = response._get_param("logGroupName"), response._get_param("status")
            limit = int(response._get_param("maxResults") or 1000)
            out = [q for q in handle.queries.values()
                   if (q.account, q.region) == (response.current_account, response.region)
                   and (not group or group in q.groups) and (not status or q.status == status)]
            out.sort(key=lambda q: q.created_ms, reverse=True)
            return json.dumps({"queries": [
                {"queryId": q.query_id, "queryString": q.query_string, "status": q.status,
                 "createTime": q.created_ms, "logGroupName": group or q.groups[0]} for q in out[:limit]]})

        def stop_query(response: Any) -> str:
            q = handle._query(response._get_param("queryId"))
            with handle._lock:
                stopped = q.status == "Running"
                if stopped:
                    q.status = "Cancelled"
            return json.dumps({"success": stopped})

        self._patcher.replace(START, start_query)
        self._patcher.replace(RESULTS, get_query_results)
        self._patcher.replace(DESCRIBE, describe_queries)
        self._patcher.replace(STOP, stop_query)
        return self

    def stop(self) -> None:
        self._patcher.undo()

    def _query(self, query_id: str) -> Query:
        q = self.queries.get(query_id or "")
        if q is None:
            raise _error("ResourceNotFoundException", f"The query {query_id} does not exist")
        return q

    def run(self, account: str, region: str, groups: list[str], start_s: int, end_s: int, query_string: str,
            limit: Any = None) -> Query:
        """Parse and run a query over the events of ``groups`` between ``start_s`` and ``end_s``."""
        from ..cloud.logs import backend

        b = backend(account, region)
        for name in groups:
            if name not in b.groups:
                raise _error("ResourceNotFoundException", f"The specified log group does not exist: {name}")
        try:
            commands = lang.parse(query_string)
        except lang.MalformedQuery as err:
            raise _error("MalformedQueryException", str(err)) from None
        if limit is not None and not any(c.kind == "limit" for c in commands):
            commands.append(lang.Command("limit", limit=int(limit)))
        events: list[dict[str, Any]] = []
        scanned_bytes = 0
        lo, hi = start_s * 1000, end_s * 1000
        for name in groups:
            for stream in list(b.groups[name].streams.values()):
                for e in list(stream.events):
                    if not lo <= e.timestamp <= hi:
                        continue
                    scanned_bytes += len(e.message.encode("utf-8"))
                    row = discovered.discover(e.message, e.timestamp, e.ingestion_time,
                                              stream.log_stream_name, name, account)
                    row["@ptr"] = f"{name}:{stream.log_stream_name}:{e.event_id}"
                    events.append(row)
        try:
            outcome = lang.run(commands, events)
        except lang.MalformedQuery as err:
            raise _error("MalformedQueryException", str(err)) from None
        q = Query(str(uuid.uuid4()), query_string, list(groups), int(self.clock.now() * 1000), outcome.rows,
                  {"recordsMatched": float(outcome.matched), "recordsScanned": float(len(events)),
                   "bytesScanned": float(scanned_bytes)}, account=account, region=region)
        with self._lock:
            self.queries[q.query_id] = q
        return q

    def __repr__(self) -> str:
        return f"<insights: {len(self.queries)} query(ies)>"
