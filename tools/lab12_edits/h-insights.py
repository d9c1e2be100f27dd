"""Lab 12, h-insights' section: "5c. Logs Insights, a dashboard, alarms that act" and its exercise.

Idempotent (docs: /work/wt/briefs6/lab12_protocol.md is the protocol the three lab-12 helpers follow):
it loads the solution notebook, removes the cells it owns (ids starting with ``insights-``), and
inserts them again: section 5c after 5b (or after step 5), the exercise at the end of the Exercises
section, numbered after the last exercise another section owns. It also corrects one stale sentence of
the "On real AWS" cell (percentiles and metric math are now evaluated). Run from the repository root:

    .venv/bin/python tools/lab12_edits/h-insights.py && make release FORCE=1
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

NB = Path("solutions/lab12-production-readiness/lab12-production-readiness.ipynb")
PREFIX = "insights-"


def md(cell_id: str, text: str, grade_id: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    cell["id"] = cell_id
    cell["metadata"] = {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": 3,
                                     "solution": False, "task": False}}
    return cell


def code(cell_id: str, text: str, *, grade_id: str | None = None, points: int | None = None,
         solution: bool = False) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    cell["id"] = cell_id
    if points is not None:
        cell["metadata"] = {"nbgrader": {"grade": True, "grade_id": grade_id, "locked": True, "points": points,
                                         "schema_version": 3, "solution": False, "task": False}}
    elif solution:
        cell["metadata"] = {"nbgrader": {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
                                         "solution": True, "task": False}}
    return cell


SECTION_MD = r'''
### 5c. Logs Insights, a dashboard, alarms that act
Filtering log lines in Python does not scale past one function. **CloudWatch Logs Insights** queries log groups with a small
pipe language: `filter`, `fields`, `parse`, `stats ... by bin(5m)`, `sort`, `limit`
([query syntax](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html)). It *discovers* fields for
you: every event has `@timestamp`, `@message`, `@logStream`, `@log`; Lambda's `REPORT` lines add `@type`, `@requestId`,
`@duration`, `@billedDuration`, `@memorySize`, `@maxMemoryUsed` (bytes) and, after a cold start only, `@initDuration`; a JSON
log line gives one field per key (`release`, `level`...)
([discovered fields](https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_AnalyzeLogData-discoverable-fields.html)).

A query runs **asynchronously**: `start_query` returns an id, and you poll `get_query_results` until its status leaves
`Scheduled`/`Running` for `Complete` (or `Failed`, `Cancelled`, `Timeout`). The answer carries `statistics`:
`recordsScanned` and `bytesScanned` are what you pay for, `recordsMatched` what your filter kept. Below: the slowest requests
of the order service, its cold starts, and its p99 duration per 5 minutes (`pct(@duration, 99)`: one call in a hundred is
slower; an average hides it).
'''

SECTION_QUERIES = r'''
import time


def insights(query: str, group: str, hours: int = 24) -> list:
    """Run a Logs Insights query over the last `hours` of `group` (lab clock) and wait for it, as on AWS."""
    now = int(aws.clock.now())
    qid = logs.start_query(logGroupName=group, startTime=now - hours * 3600, endTime=now + 60,
                           queryString=query)["queryId"]
    deadline = time.monotonic() + 30
    while True:
        answer = logs.get_query_results(queryId=qid)
        if answer["status"] not in ("Scheduled", "Running"):
            break
        assert time.monotonic() < deadline, "the query did not finish"
        time.sleep(0.02)
    assert answer["status"] == "Complete", answer["status"]
    s = answer["statistics"]
    print(f'  [{s["recordsMatched"]:.0f} matched of {s["recordsScanned"]:.0f} scanned, {s["bytesScanned"]:,.0f} bytes]')
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"} for row in answer["results"]]


GROUP = f"/aws/lambda/{FN}"
print("The three slowest requests:")
for row in insights('filter @type = "REPORT" | fields @requestId, @duration, @initDuration '
                    '| sort @duration desc | limit 3', GROUP):
    print("  ", row)
print("Cold starts (a REPORT line with Init Duration):")
for row in insights('filter @type = "REPORT" and ispresent(@initDuration) '
                    '| stats count(*) as coldStarts, max(@initDuration) as maxInitMs', GROUP):
    print("  ", row)
print("Calls, p99 and cold-start share by 5 minutes:")
for row in insights('filter @type = "REPORT" | stats count(*) as calls, pct(@duration, 99) as p99, '
                    'sum(strcontains(@message, "Init Duration")) / count(*) * 100 as coldPct by bin(5m)', GROUP):
    print("  ", row)
print("JSON keys are fields: accepted orders by release")
for row in insights('filter level = "INFO" | stats count(*) as orders by release', GROUP):
    print("  ", row)
'''

DASHBOARD_MD = r'''
A **dashboard** puts the metrics the runtime publishes side by side. Its body is JSON: a grid of widgets (24 units wide), each
a list of metric rows `[namespace, name, dimension, value, ..., {options}]` (`"."` repeats the value above it) with a statistic
and a period — `p99` for latency, `Sum` for counts — and math rows such as `{"expression": "100*e/i"}` over the hidden rows
`i` and `e` ([dashboard body](https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html)).
`put_dashboard` stores it; `viz.cloudwatch_dashboard` draws each metric widget from `get_metric_data`, as the console does.
'''

DASHBOARD_CODE = r'''
import datetime as dt
from serverless_lab import viz

DASHBOARD = f"lab12-orders-{RUN}"


def widget(title: str, x: int, y: int, stat: str, metrics: list) -> dict:
    return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
            "properties": {"title": title, "region": REGION, "stat": stat, "period": 60, "view": "timeSeries",
                           "metrics": metrics}}


body = {"widgets": [
    widget("Invocations, errors, throttles", 0, 0, "Sum", [
        ["AWS/Lambda", "Invocations", "FunctionName", FN], [".", "Errors", ".", "."], [".", "Throttles", ".", "."]]),
    widget("Duration p99 (ms)", 12, 0, "p99", [["AWS/Lambda", "Duration", "FunctionName", FN]]),
    widget("Error rate (%)", 0, 6, "Sum", [
        ["AWS/Lambda", "Invocations", "FunctionName", FN, {"id": "i", "visible": False}],
        [".", "Errors", ".", ".", {"id": "e", "visible": False}],
        [{"expression": "100*e/i", "label": "error rate (%)", "id": "rate"}]]),
    widget("Concurrent executions", 12, 6, "Maximum", [["AWS/Lambda", "ConcurrentExecutions", "FunctionName", FN]]),
]}
print(cw.put_dashboard(DashboardName=DASHBOARD, DashboardBody=json.dumps(body))["DashboardValidationMessages"])
until = dt.datetime.fromtimestamp(aws.clock.now() + 60, tz=dt.timezone.utc)
viz.cloudwatch_dashboard(cw, DASHBOARD, until - dt.timedelta(minutes=20), until)
'''

ALARM_MD = r'''
An alarm can **act**: besides an SNS topic, its action can be a **Lambda function** ARN — CloudWatch invokes it asynchronously
with an event that has `source: "aws.cloudwatch"`, the `alarmArn` and `alarmData` (`state`, `previousState`, the
`configuration` of its metrics), and only if the function's resource policy lets `lambda.alarms.cloudwatch.amazonaws.com`
invoke it; without that permission the action fails and the alarm history says so
([Invoke a Lambda function from an alarm](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html)).

An alarm can also watch a **metric-math expression** instead of one metric: `Metrics` lists the inputs (`ReturnData: False`)
and one expression whose value is compared with the threshold — here the **error rate** `100 * errors / calls`
([alarms on metric math](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html)).
The alarm below is deliberately naive — **1 of 1** minute above 5% — and a payment function receives one call in a quiet
minute, which fails: 100% errors. The on-call function is invoked. Was it worth waking someone? Exercise 5 asks you to do better.

Cost, from [CloudWatch pricing](https://aws.amazon.com/cloudwatch/pricing/) (read 2026-12-07): the free tier covers 3 dashboards of
up to 50 metrics each, 10 standard-resolution alarm metrics, and 5 GB a month of log data — ingestion, archive and the data
**scanned** by Logs Insights queries together — so a query's `bytesScanned` is its bill.
'''

ALARM_CODE = r'''
from serverless_lab.packaging import lambda_role, zip_code

ACCOUNT = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
PAY_FN, ONCALL_FN = f"lab12-pay-{RUN}", f"lab12-oncall-{RUN}"
RATE_ALARM = f"{PAY_FN}-error-rate"
lam.create_function(FunctionName=PAY_FN, Runtime="python3.12", Handler="index.handler", Role=lambda_role(),
                    Code={"ZipFile": zip_code({"index.py": "def handler(event, context):\n"
                                               "    if event.get('card') == 'expired':\n"
                                               "        raise ValueError('card expired')\n"
                                               "    return 'paid'\n"})})
ONCALL_SRC = """
import json
def handler(event, context):
    data = event["alarmData"]
    print(json.dumps({"page": data["alarmName"], "state": data["state"]["value"], "why": data["state"]["reason"]}))
"""
oncall_arn = lam.create_function(FunctionName=ONCALL_FN, Runtime="python3.12", Handler="index.handler",
                                 Role=lambda_role(), Code={"ZipFile": zip_code({"index.py": ONCALL_SRC})})["FunctionArn"]
lam.add_permission(FunctionName=ONCALL_FN, StatementId="PageFromAlarm", Action="lambda:InvokeFunction",
                   Principal="lambda.alarms.cloudwatch.amazonaws.com",
                   SourceArn=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{RATE_ALARM}")


def lambda_metric(query_id: str, name: str, fn: str) -> dict:
    return {"Id": query_id, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": "AWS/Lambda", "MetricName": name, "Dimensions": [{"Name": "FunctionName", "Value": fn}]},
        "Period": 60, "Stat": "Sum"}}


now = aws.clock.now()
aws.clock.advance(60 - now % 60 + 1)            # start on a fresh minute
cw.put_metric_alarm(AlarmName=RATE_ALARM, AlarmActions=[oncall_arn],
                    Metrics=[lambda_metric("errors", "Errors", PAY_FN), lambda_metric("calls", "Invocations", PAY_FN),
                             {"Id": "rate", "Expression": "100 * errors / calls", "Label": "error rate (%)",
                              "ReturnData": True}],
                    ComparisonOperator="GreaterThanThreshold", Threshold=5, EvaluationPeriods=1, DatapointsToAlarm=1,
                    TreatMissingData="notBreaching")
for card in ["ok"] * 9:
    lam.invoke(FunctionName=PAY_FN, Payload=json.dumps({"card": card}))
aws.clock.advance(60)                             # 9 calls, no error: 0%
print("minute 1:", cw.describe_alarms(AlarmNames=[RATE_ALARM])["MetricAlarms"][0]["StateValue"])
lam.invoke(FunctionName=PAY_FN, Payload=json.dumps({"card": "expired"}))
aws.clock.advance(60)                             # 1 call, 1 error: 100%
alarm = cw.describe_alarms(AlarmNames=[RATE_ALARM])["MetricAlarms"][0]
print("minute 2:", alarm["StateValue"], "-", alarm["StateReason"])
for item in cw.describe_alarm_history(AlarmName=RATE_ALARM, HistoryItemType="Action")["AlarmHistoryItems"]:
    print("history:", item["HistorySummary"])
aws.extension("lambda").wait_idle(30)            # the action is an asynchronous invocation
pages = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{ONCALL_FN}")["events"]
         if e["message"].startswith("{")]
print("the on-call function was paged:", pages)
'''

EX_MD = r'''
### Exercise {n} — an alarm worth waking up for (4 points)
The payment team's rule: **page the on-call function when the error rate of `function_name` is above 5% in at least 3 of the
last 5 minutes.** One bad minute must not page (a single failed call at night is 100% of one call); a minute without calls is
healthy, not an error; at high traffic a few errors that stay under 5% must not page — nor exactly 5%.

Write `error_rate_alarm(function_name, alarm_name, oncall_arn)` returning the keyword arguments of `cw.put_metric_alarm`:
a metric-math alarm on `AWS/Lambda` `Errors` and `Invocations` (dimension `FunctionName`), evaluated every minute, whose
action invokes `oncall_arn`. The tests feed minute-by-minute traffic (calls, errors) that you do not see, and check when your
alarm goes to `ALARM` and that it pages.
'''

EX_SOLUTION = r'''
def error_rate_alarm(function_name: str, alarm_name: str, oncall_arn: str) -> dict:
    ### BEGIN SOLUTION
    def metric(query_id: str, name: str) -> dict:
        return {"Id": query_id, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": name,
                       "Dimensions": [{"Name": "FunctionName", "Value": function_name}]},
            "Period": 60, "Stat": "Sum"}}
    return dict(AlarmName=alarm_name, AlarmActions=[oncall_arn],
                Metrics=[metric("errors", "Errors"), metric("calls", "Invocations"),
                         {"Id": "rate", "Expression": "100 * errors / calls", "ReturnData": True}],
                ComparisonOperator="GreaterThanThreshold", Threshold=5,
                EvaluationPeriods=5, DatapointsToAlarm=3, TreatMissingData="notBreaching")
    ### END SOLUTION
'''

EX_HELPERS = r'''
def _traffic(fn: str, calls: int, errors: int) -> None:
    """One minute of a function's AWS/Lambda metrics as the runtime publishes them: one datum per call
    (Invocations 1, Errors 1 or 0), 150 values per datum at most (PutMetricData's limit)."""
    dims = [{"Name": "FunctionName", "Value": fn}]
    data = []
    for name, values in (("Invocations", [1.0] * calls), ("Errors", [1.0] * errors + [0.0] * (calls - errors))):
        for i in range(0, len(values), 150):
            data.append({"MetricName": name, "Dimensions": dims, "Unit": "Count", "Values": values[i:i + 150]})
    if data:
        cw.put_metric_data(Namespace="AWS/Lambda", MetricData=data)


def _alarm_run(minutes: list, oncall: str = "arn:aws:lambda:us-east-1:123456789012:function:nobody") -> tuple:
    """Create the student's alarm on a fresh function name, play `minutes` [(calls, errors), ...] one minute
    each on the lab clock; (the states it went to, its state at the end, the function name)."""
    fn = f"lab12-rate-{uuid.uuid4().hex[:6]}"
    name = f"{fn}-alarm"
    now = aws.clock.now()
    aws.clock.advance(60 - now % 60 + 1)
    cw.put_metric_alarm(**error_rate_alarm(fn, name, oncall))
    for calls, errors in minutes:
        _traffic(fn, calls, errors)
        aws.clock.advance(60)
    history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    went = {json.loads(h["HistoryData"])["newState"]["stateValue"] for h in history}
    state = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]
    cw.delete_alarms(AlarmNames=[name])
    return went, state, fn
'''

EX_TEST_RATE = r'''
# The alarm pages on a sustained error rate, and not on noise
went, _state, _fn = _alarm_run([(10, 1), (10, 2), (10, 1), (10, 0), (10, 0)])
assert "ALARM" in went, "10%, 20%, 10% in three of five minutes must page, even at 10 calls a minute"
went, state, _fn = _alarm_run([(2, 1), (40, 0), (40, 0), (40, 0), (40, 0)])
assert "ALARM" not in went, "one bad minute (1 failed call of 2) must not page"
### BEGIN HIDDEN TESTS
went, _state, _fn = _alarm_run([(200, 8)] * 5)
assert "ALARM" not in went, "8 errors a minute at 200 calls a minute is 4%: no page (a rate, not a count)"
went, _state, _fn = _alarm_run([(100, 5)] * 5)
assert "ALARM" not in went, "exactly 5% is not above 5%"
went, _state, _fn = _alarm_run([(20, 5), (20, 0), (20, 5), (20, 0), (20, 0)])
assert "ALARM" not in went, "two bad minutes of five are not three"
went, state, _fn = _alarm_run([(20, 0), (0, 0), (0, 0), (0, 0), (0, 0), (0, 0)])
assert "ALARM" not in went and state == "OK", f"minutes without calls are healthy, not errors nor unknown: {state}"
went, _state, _fn = _alarm_run([(100, 10), (0, 0), (100, 10), (0, 0), (100, 10)])
assert "ALARM" in went, "10% in three of five minutes pages, quiet minutes between them or not"
for _ in range(3):
    mins = [(c, random.randint(0, c // 5)) if c else (0, 0) for c in (random.choice([0, 5, 50, 200]) for _ in range(6))]
    bad = [c > 0 and 100 * e / c > 5 for c, e in mins]
    expected = any(sum(bad[max(0, i - 4):i + 1]) >= 3 for i in range(len(bad)))
    went, _state, _fn = _alarm_run(mins)
    assert ("ALARM" in went) == expected, f"minutes (calls, errors) {mins}: expected {'a page' if expected else 'no page'}"
_kw = error_rate_alarm("f", "a", "arn:x")
_periods = {q.get("MetricStat", {}).get("Period") for q in _kw.get("Metrics", [])} - {None} | {_kw.get("Period")} - {None}
assert _periods == {60}, f"evaluate every minute: {_periods}"
### END HIDDEN TESTS
'''

EX_TEST_ACTION = r'''
# When it pages, CloudWatch invokes the on-call function with the alarm event
_pager = f"lab12-pager-{uuid.uuid4().hex[:6]}"
_pager_arn = lam.create_function(FunctionName=_pager, Runtime="python3.12", Handler="index.handler", Role=lambda_role(),
                                 Code={"ZipFile": zip_code({"index.py": ONCALL_SRC})})["FunctionArn"]
lam.add_permission(FunctionName=_pager, StatementId="PageFromAlarm", Action="lambda:InvokeFunction",
                   Principal="lambda.alarms.cloudwatch.amazonaws.com")
went, _state, _fn = _alarm_run([(100, 50)] * 5, oncall=_pager_arn)
assert "ALARM" in went, "50% errors for five minutes must page"
aws.extension("lambda").wait_idle(30)
_events = logs.filter_log_events(logGroupName=f"/aws/lambda/{_pager}")["events"] if logs.describe_log_groups(
    logGroupNamePrefix=f"/aws/lambda/{_pager}")["logGroups"] else []
_pages = [json.loads(e["message"]) for e in _events if e["message"].startswith("{")]
assert any(p["page"] == f"{_fn}-alarm" and p["state"] == "ALARM" for p in _pages), \
    f"the on-call function was not invoked with the alarm (AlarmActions=[oncall_arn]): {_pages}"
### BEGIN HIDDEN TESTS
_kw = error_rate_alarm(f"f-{uuid.uuid4().hex[:4]}", "a", _pager_arn)
assert _kw.get("AlarmActions") == [_pager_arn], "the action is the on-call function you were given, and only it"
assert _kw.get("ActionsEnabled", True) not in (False, "false"), "actions disabled: nobody is paged"
### END HIDDEN TESTS
'''


def main() -> None:
    nb = nbformat.read(NB, as_version=4)
    cells = [c for c in nb.cells if not str(c.get("id", "")).startswith(PREFIX)]

    def heading_index(pattern: str) -> int | None:
        for i, c in enumerate(cells):
            if c.cell_type == "markdown" and re.search(pattern, c.source, re.MULTILINE):
                return i
        return None

    def section_end(start: int) -> int:
        """The index of the next markdown cell that starts a section (### or ##) after ``start``."""
        for i in range(start + 1, len(cells)):
            if cells[i].cell_type == "markdown" and re.match(r"#{2,3} ", cells[i].source):
                return i
        return len(cells)

    anchor = heading_index(r"^### 5b\.") or heading_index(r"^### 5\. ")
    if anchor is None:
        raise SystemExit("lab 12 has no '### 5.' heading to put section 5c after")
    at = section_end(anchor)
    section = [md("insights-5c-md", SECTION_MD, "lab12_insights_5c"), code("insights-5c-queries", SECTION_QUERIES),
               md("insights-5c-dashboard-md", DASHBOARD_MD, "lab12_insights_5c_dashboard"),
               code("insights-5c-dashboard", DASHBOARD_CODE),
               md("insights-5c-alarm-md", ALARM_MD, "lab12_insights_5c_alarm"), code("insights-5c-alarm", ALARM_CODE)]
    cells[at:at] = section

    numbers = [int(m.group(1)) for c in cells if c.cell_type == "markdown"
               for m in re.finditer(r"^### Exercise (\d+)", c.source, re.MULTILINE)]
    n = max(numbers, default=0) + 1
    end = next((i for i, c in enumerate(cells) if c.get("metadata", {}).get("nbgrader", {}).get("grade_id")
                in ("lab12_real_aws",)), None)
    if end is None:
        end = heading_index(r"^## Interview")
    if end is None:
        raise SystemExit("lab 12 has no 'On real AWS' cell nor '## Interview' heading to put the exercise before")
    cells[end:end] = [md("insights-ex-md", EX_MD.replace("{n}", str(n)), "lab12_insights_ex_md"),
                      code("insights-ex-solution", EX_SOLUTION, grade_id="lab12_rate_alarm", solution=True),
                      code("insights-ex-helpers", EX_HELPERS),
                      code("insights-ex-rate-test", EX_TEST_RATE, grade_id="lab12_rate_alarm_test", points=3),
                      code("insights-ex-action-test", EX_TEST_ACTION, grade_id="lab12_rate_alarm_action_test",
                           points=1)]

    for c in cells:   # the stale sentence of "On real AWS" (the course now evaluates both)
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "lab12_real_aws":
            c.source = re.sub(r"Percentile statistics\s*\n?>?\s*and metric-math alarms are not evaluated by the course\. ",
                              "Logs Insights here runs the commands and functions this lab uses (others are refused "
                              "with `MalformedQueryException`) and completes a query at the second poll. ", c.source)
    nb.cells = cells
    nbformat.write(nb, NB)


if __name__ == "__main__":
    main()
