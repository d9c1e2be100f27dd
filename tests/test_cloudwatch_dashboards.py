"""Dashboards and the data they draw (lib/serverless_lab/metric_data.py, viz/cloudwatch_dashboard.py).

PutDashboard / GetDashboard with a body as "Dashboard body structure and syntax" describes it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html);
its metric widgets read GetMetricData
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html), with the
percentile statistics and metric math the course evaluates.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab import mock_aws
from serverless_lab.errors import LabError
from serverless_lab.viz import cloudwatch_dashboard, widget_queries

REGION = "us-east-1"


def _at(aws) -> dt.datetime:
    now = aws.clock.now()
    return dt.datetime.fromtimestamp(now - now % 60, tz=dt.timezone.utc)


def test_get_metric_data_percentiles_exact_dimensions_and_math():
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        ns, start = f"Lab12-{uuid.uuid4().hex[:6]}", _at(aws)
        t0 = start + dt.timedelta(seconds=5)
        cw.put_metric_data(Namespace=ns, MetricData=[
            {"MetricName": "Duration", "Values": [float(v) for v in range(1, 101)], "Timestamp": t0,
             "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]},
            {"MetricName": "Duration", "Value": 5000.0, "Timestamp": t0,
             "Dimensions": [{"Name": "FunctionName", "Value": "orders"}, {"Name": "Resource", "Value": "orders:live"}]},
            {"MetricName": "Errors", "Value": 3.0, "Timestamp": t0, "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]},
            {"MetricName": "Invocations", "Value": 60.0, "Timestamp": t0,
             "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]}])

        def stat(i: str, name: str, s: str, visible: bool = True) -> dict:
            return {"Id": i, "ReturnData": visible, "MetricStat": {
                "Metric": {"Namespace": ns, "MetricName": name, "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]},
                "Period": 60, "Stat": s}}
        answer = cw.get_metric_data(StartTime=start, EndTime=start + dt.timedelta(minutes=2), MetricDataQueries=[
            stat("p99", "Duration", "p99"), stat("mx", "Duration", "Maximum"), stat("e", "Errors", "Sum", False),
            stat("i", "Invocations", "Sum", False), {"Id": "rate", "Expression": "100*e/i", "Label": "error rate"}])
        got = {r["Id"]: r["Values"] for r in answer["MetricDataResults"]}
        assert got == {"p99": [99.0], "mx": [100.0], "rate": [5.0]}    # the 5000 ms datum has another dimension set
        [rate] = [r for r in answer["MetricDataResults"] if r["Id"] == "rate"]
        assert rate["Label"] == "error rate" and rate["Timestamps"][0] == start


def test_widget_queries_read_the_dashboard_body_rows():
    queries = widget_queries({"stat": "Sum", "period": 60, "metrics": [
        ["AWS/Lambda", "Invocations", "FunctionName", "orders", {"id": "i", "visible": False}],
        [".", "Errors", ".", ".", {"id": "e", "visible": False}],
        ["AWS/Lambda", "Duration", "FunctionName", "orders", {"stat": "p99"}],
        [{"expression": "100*e/i", "label": "Error rate (%)", "id": "rate"}]]})
    assert [q["Id"] for q in queries] == ["i", "e", "m3", "rate"]
    assert queries[1]["MetricStat"]["Metric"] == {"Namespace": "AWS/Lambda", "MetricName": "Errors",
                                                  "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]}
    assert queries[2]["MetricStat"]["Stat"] == "p99" and queries[0]["MetricStat"]["Period"] == 60
    assert queries[3]["Expression"] == "100*e/i" and queries[1]["ReturnData"] is False
    with pytest.raises(LabError):
        widget_queries({"metrics": [["AWS/Lambda", "Errors", "FunctionName"]]})


def test_a_dashboard_of_a_real_function_is_stored_and_drawn():
    with mock_aws(region=REGION) as aws:
        lam, cw = aws.client("lambda"), aws.client("cloudwatch")
        fn = f"dash-{uuid.uuid4().hex[:6]}"
        create(lam, fn, "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('x')\n")
        now = aws.clock.now()
        aws.clock.advance(60 - now % 60 + 1)      # 1 s into a minute: the eight calls land in that minute
        start = _at(aws)
        for n in range(8):
            lam.invoke(FunctionName=fn, Payload=json.dumps({"fail": n % 4 == 0}))
        body = {"widgets": [
            {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
                "title": "Invocations and errors", "stat": "Sum", "period": 60, "region": REGION, "view": "timeSeries",
                "metrics": [["AWS/Lambda", "Invocations", "FunctionName", fn], [".", "Errors", ".", "."]]}},
            {"type": "metric", "x": 12, "y": 0, "width": 12, "height": 6, "properties": {
                "title": "Error rate", "stat": "Sum", "period": 60, "region": REGION, "metrics": [
                    ["AWS/Lambda", "Invocations", "FunctionName", fn, {"id": "i", "visible": False}],
                    [".", "Errors", ".", ".", {"id": "e", "visible": False}],
                    [{"expression": "100*e/i", "label": "Error rate (%)", "id": "rate"}]]}},
            {"type": "text", "x": 0, "y": 6, "width": 24, "height": 2, "properties": {"markdown": "# on-call"}}]}
        answer = cw.put_dashboard(DashboardName=fn, DashboardBody=json.dumps(body))
        assert answer["DashboardValidationMessages"] == []
        assert json.loads(cw.get_dashboard(DashboardName=fn)["DashboardBody"]) == body
        fig = cloudwatch_dashboard(cw, fn, start, start + dt.timedelta(minutes=5))
        by_name = {t.name: list(t.y) for t in fig.data}
        assert by_name == {"Invocations Sum": [8.0], "Errors Sum": [2.0], "Error rate (%)": [25.0]}
        assert "text" in fig.layout.title.text
        with pytest.raises(ClientError) as err:
            cw.put_dashboard(DashboardName=fn, DashboardBody="{not json")
        assert err.value.response["Error"]["Code"] == "InvalidParameterInput"
