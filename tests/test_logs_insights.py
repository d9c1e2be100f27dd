"""CloudWatch Logs Insights over the lab's log groups (lib/serverless_lab/insights/).

Follows "CloudWatch Logs Insights language query syntax"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html), "Supported logs and
discovered fields" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html),
"Sample queries" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-examples.html) and
the API reference of StartQuery / GetQueryResults / StopQuery / DescribeQueries
(https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetQueryResults.html).
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab import mock_aws
from serverless_lab.insights.fields import discover
from serverless_lab.insights.query import MalformedQuery, parse

REGION = "us-east-1"
GROUP = "/aws/lambda/orders"
REPORT_COLD = ("REPORT RequestId: 11111111-1111-1111-1111-111111111111\tDuration: 812.50 ms\tBilled Duration: 1013 ms\t"
               "Memory Size: 128 MB\tMax Memory Used: 70 MB\tInit Duration: 200.12 ms")


def _report(rid: str, duration: float, init: float | None = None) -> str:
    line = (f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {int(duration) + 1} ms\t"
            "Memory Size: 256 MB\tMax Memory Used: 80 MB")
    return line + (f"\tInit Duration: {init:.2f} ms" if init is not None else "")


def _now_ms(aws) -> int:
    """The lab clock in ms, on a 5-minute boundary (CloudWatch Logs refuses events older than 14 days)."""
    now = int(aws.clock.now() * 1000) - 3_600_000
    return now - now % 300_000


def _when(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S.000")


def _seed(logs, group: str, events: list[tuple[int, str]]) -> None:
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s1")
    logs.put_log_events(logGroupName=group, logStreamName="s1",
                        logEvents=[{"timestamp": t, "message": m} for t, m in events])


def _results(logs, query_id: str) -> dict:
    """Poll GetQueryResults until the query is no longer Scheduled/Running (as a lab must)."""
    deadline = time.monotonic() + 30
    while True:
        answer = logs.get_query_results(queryId=query_id)
        if answer["status"] not in ("Scheduled", "Running"):
            return answer
        assert time.monotonic() < deadline, "the query never completed"


def _rows(answer: dict) -> list[dict[str, str]]:
    return [{f["field"]: f["value"] for f in row} for row in answer["results"]]


def _run(logs, query: str, group: str = GROUP, start: int = 0, end: int = 2_000_000_000) -> dict:
    qid = logs.start_query(logGroupName=group, startTime=start, endTime=end, queryString=query)["queryId"]
    return _results(logs, qid)


def test_discovered_fields_of_lambda_report_lines_and_json_lines():
    f = discover(REPORT_COLD, 1_700_000_000_000, 1_700_000_000_100, "s", GROUP, "123456789012")
    assert f["@type"] == "REPORT" and f["@requestId"] == "11111111-1111-1111-1111-111111111111"
    assert f["@duration"] == 812.5 and f["@billedDuration"] == 1013 and f["@initDuration"] == 200.12
    assert f["@memorySize"] == 128_000_000 and f["@maxMemoryUsed"] == 70_000_000   # sample queries: / 1000 / 1000
    assert f["@log"] == f"123456789012:{GROUP}" and f["@logStream"] == "s"
    j = discover('{"level": "ERROR", "detail": {"items": [{"sku": "A"}]}, "@x": 1}', 1, 1, "s", "/app", "1")
    assert j["level"] == "ERROR" and j["detail.items.0.sku"] == "A" and j["@@x"] == 1


def test_a_report_query_sorted_and_limited_with_poll_status_and_statistics():
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        base = _now_ms(aws)
        _seed(logs, GROUP, [(base + i * 1000, _report(f"r{i}", d, 150.0 if i == 0 else None))
                            for i, d in enumerate([100, 900, 50, 400])] + [(base + 9000, "hello")])
        qid = logs.start_query(logGroupName=GROUP, startTime=base // 1000, endTime=base // 1000 + 60,
                               queryString='filter @type = "REPORT" | fields @requestId, @duration, '
                                           '@memorySize / 1000 / 1000 as memoryMB | sort @duration desc | limit 2')["queryId"]
        first = logs.get_query_results(queryId=qid)
        assert first["status"] == "Running" and first["results"] == []
        answer = _results(logs, qid)
        assert answer["status"] == "Complete"
        rows = _rows(answer)
        assert [r["@requestId"] for r in rows] == ["r1", "r3"]
        assert rows[0]["@duration"] == "900" and rows[0]["memoryMB"] == "256" and "@ptr" in rows[0]
        stats = answer["statistics"]
        assert stats["recordsScanned"] == 5 and stats["recordsMatched"] == 4
        assert stats["bytesScanned"] == sum(len(m.encode()) for m in [
            _report(f"r{i}", d, 150.0 if i == 0 else None) for i, d in enumerate([100, 900, 50, 400])] + ["hello"])
        [described] = [q for q in logs.describe_queries(logGroupName=GROUP)["queries"] if q["queryId"] == qid]
        assert described["status"] == "Complete" and described["queryString"].startswith("filter")


def test_stats_by_bin_with_pct_and_the_cold_start_share():
    """The Lambda sample query: sum(strcontains(@message, "Init Duration"))/count(*) * 100 by bin(5m)."""
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        base = _now_ms(aws)
        events = [(base + i * 1000, _report(f"a{i}", float(10 * (i + 1)), 300.0 if i == 0 else None))
                  for i in range(100)]
        events += [(base + 300_000 + i * 1000, _report(f"b{i}", 5.0)) for i in range(3)]
        _seed(logs, GROUP, events)
        answer = _run(logs, 'filter @type = "REPORT" | stats count(*) as calls, pct(@duration, 99) as p99, '
                            'sum(strcontains(@message, "Init Duration")) / count(*) * 100 as coldPct by bin(5m)')
        rows = _rows(answer)
        assert [r["bin(5m)"] for r in rows] == [_when(base), _when(base + 300_000)]
        assert rows[0]["calls"] == "100" and rows[0]["p99"] == "990" and rows[0]["coldPct"] == "1"
        assert rows[1] == {"bin(5m)": _when(base + 300_000), "calls": "3", "p99": "5", "coldPct": "0"}


def test_filters_like_regex_in_and_or_not_and_json_fields():
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        lines = [json.dumps({"level": lvl, "order": n, "total": t})
                 for lvl, n, t in [("INFO", 1, 10), ("ERROR", 2, 99), ("WARN", 3, 5), ("ERROR", 4, 1)]]
        _seed(logs, "/app/orders", [(_now_ms(aws) + i, m) for i, m in enumerate(lines + ["Timeout error"])])

        def orders(q: str) -> list[str]:
            return sorted(r.get("order", "-") for r in _rows(_run(logs, q, "/app/orders")))

        assert orders('filter level = "ERROR" and total > 50 | fields order') == ["2"]
        assert orders('filter level in ["WARN", "INFO"] | fields order') == ["1", "3"]
        assert orders('filter level != "ERROR" or total < 2 | fields order') == ["1", "3", "4"]
        assert orders('filter not (level like /ERR/) and ispresent(order) | fields order') == ["1", "3"]
        assert orders('filter @message like /(?i)timeout/ | fields order') == ["-"]
        assert orders('filter @message like "ERROR" | fields order') == ["2", "4"]


def test_parse_glob_and_regex():
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        base = _now_ms(aws)
        _seed(logs, "/app/pay", [(base, "charged user=ann amount=12"), (base + 1, "charged user=bob amount=30")])
        rows = _rows(_run(logs, 'parse @message "user=* amount=*" as user, amount | stats sum(amount) as total',
                          "/app/pay"))
        assert rows == [{"total": "42"}]
        rows = _rows(_run(logs, r'parse @message /user=(?<who>\w+)/ | filter who = "bob" | fields who', "/app/pay"))
        assert [r["who"] for r in rows] == ["bob"]


def test_the_time_range_is_inclusive_epoch_seconds():
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        base = _now_ms(aws)
        _seed(logs, "/app/t", [(base, "in"), (base + 100_000, "out")])
        rows = _rows(_run(logs, "fields @message", "/app/t", base // 1000, base // 1000 + 50))
        assert [r["@message"] for r in rows] == ["in"]


@pytest.mark.parametrize("query, word", [
    ("dedup @message", "dedup"), ("fields @message | anomaly", "anomaly"),
    ("stats earliest(@message)", "earliest"), ("fields @message |", "|"), ("filter x like", "like")])
def test_unsupported_or_broken_queries_are_malformed(query, word):
    with pytest.raises(MalformedQuery) as err:
        parse(query)
    assert word in str(err.value)
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        group = f"/app/{uuid.uuid4().hex[:6]}"
        logs.create_log_group(logGroupName=group)
        with pytest.raises(ClientError) as client_err:
            logs.start_query(logGroupName=group, startTime=0, endTime=1, queryString=query)
        assert client_err.value.response["Error"]["Code"] == "MalformedQueryException"


def test_unknown_group_and_stop_query():
    with mock_aws(region=REGION) as aws:
        logs = aws.client("logs")
        with pytest.raises(ClientError) as err:
            logs.start_query(logGroupName="/nope", startTime=0, endTime=1, queryString="fields @message")
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
        _seed(logs, "/app/s", [(_now_ms(aws), "x")])
        qid = logs.start_query(logGroupName="/app/s", startTime=0, endTime=2_000_000_000,
                               queryString="fields @message")["queryId"]
        assert logs.stop_query(queryId=qid)["success"] is True
        assert logs.get_query_results(queryId=qid)["status"] == "Cancelled"
        assert logs.stop_query(queryId=qid)["success"] is False


def test_a_query_over_a_real_function_finds_its_cold_start():
    with mock_aws(region=REGION) as aws:
        lam, logs = aws.client("lambda"), aws.client("logs")
        fn = f"insights-{uuid.uuid4().hex[:6]}"
        create(lam, fn, "import json\ndef handler(event, context):\n    print(json.dumps({'order': event['n']}))\n")
        for n in range(3):
            lam.invoke(FunctionName=fn, Payload=json.dumps({"n": n}))
        now = int(aws.clock.now())
        answer = _run(logs, 'filter @type = "REPORT" | stats count(*) as calls, count(@initDuration) as cold',
                      f"/aws/lambda/{fn}", now - 600, now + 60)
        assert _rows(answer) == [{"calls": "3", "cold": "1"}]
        answer = _run(logs, "filter ispresent(order) | stats sum(order) as s", f"/aws/lambda/{fn}", now - 600, now + 60)
        assert _rows(answer) == [{"s": "3"}]
