"""CloudWatch embedded metric format: log lines become metrics in every lab (lib/serverless_lab/emf.py)."""

from __future__ import annotations

import json

from lambda_helpers import create
from serverless_lab import mock_aws


def _powertools_line(namespace: str, service: str, name: str, value: float) -> str:
    """The line AWS Lambda Powertools' Metrics writes (a real EMF client, run here in-process)."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace=namespace, service=service)
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    line = json.dumps(metrics.serialize_metric_set())
    metrics.clear_metrics()
    return line


def test_a_functions_emf_lines_become_metrics_without_a_stack():
    line = _powertools_line("Shop", "cart", "OrdersPlaced", 3)
    with mock_aws() as aws:
        create(aws.client("lambda"), "emf-fn", f"def handler(event, context):\n    print({line!r})\n    return 1\n")
        aws.client("lambda").invoke(FunctionName="emf-fn")
        cw = aws.client("cloudwatch")
        [metric] = cw.list_metrics(Namespace="Shop")["Metrics"]
        assert metric["MetricName"] == "OrdersPlaced"
        assert {"Name": "service", "Value": "cart"} in metric["Dimensions"]
        [point] = cw.get_metric_statistics(Namespace="Shop", MetricName="OrdersPlaced", Dimensions=metric["Dimensions"],
                                           StartTime=0, EndTime=4_000_000_000, Period=60,
                                           Statistics=["Sum"])["Datapoints"]
        assert point["Sum"] == 3


def test_emf_written_with_put_log_events_becomes_metrics_and_plain_lines_do_not():
    with mock_aws() as aws:
        logs = aws.client("logs")
        logs.create_log_group(logGroupName="app")
        logs.create_log_stream(logGroupName="app", logStreamName="s")
        line = _powertools_line("Billing", "invoices", "Sent", 2)
        ts = json.loads(line)["_aws"]["Timestamp"]
        logs.put_log_events(logGroupName="app", logStreamName="s", logEvents=[
            {"timestamp": ts, "message": line}, {"timestamp": ts, "message": "plain text, not a metric"}])
        assert [m["MetricName"] for m in aws.client("cloudwatch").list_metrics(Namespace="Billing")["Metrics"]] == ["Sent"]
        assert len(logs.get_log_events(logGroupName="app", logStreamName="s")["events"]) == 2
