"""Alarms that act and alarms on more than one statistic (lib/serverless_lab/alarms.py, metric_math.py).

* Lambda actions follow "Invoke a Lambda function from an alarm"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html): the
  function is invoked asynchronously with the alarm event, and only if its resource policy lets
  ``lambda.alarms.cloudwatch.amazonaws.com`` invoke it.
* Percentile alarms follow "Percentile-based alarms and low data samples"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/percentiles-with-low-samples.html).
* Metric-math alarms follow "Create a CloudWatch alarm based on a metric math expression"
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create-alarm-on-metric-math-expression.html).
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create
from serverless_lab import mock_aws
from serverless_lab.alarms import statistic
from serverless_lab.metric_math import MetricMathError, evaluate

REGION = "us-east-1"
ECHO = "import json\n\ndef handler(event, context):\n    print('ALARM-EVENT ' + json.dumps(event))\n    return 1\n"


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _boundary(aws, period: int = 60) -> None:
    now = aws.clock.now()
    aws.clock.advance(period - now % period + 1)


def _put(cw, name: str, values: list[float], unit: str = "Count") -> None:
    cw.put_metric_data(Namespace="Lab12", MetricData=[
        {"MetricName": name, "Values": values, "Unit": unit,
         "Dimensions": [{"Name": "Service", "Value": "orders"}]}])


def _state(cw, name: str) -> str:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def _alarm_events(aws, fn: str) -> list[dict]:
    """The alarm events the function printed (after its asynchronous invocations finished)."""
    assert aws.extension("lambda").wait_idle(30)
    logs = aws.client("logs")
    if not logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{fn}")["logGroups"]:
        return []                                     # never invoked: no log group
    found = []
    for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"]:
        if e["message"].startswith("ALARM-EVENT "):
            found.append(json.loads(e["message"][len("ALARM-EVENT "):]))
    return found


def _errors_alarm(cw, name: str, metric: str, actions: list[str]) -> None:
    cw.put_metric_alarm(AlarmName=name, Namespace="Lab12", MetricName=metric, Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        Dimensions=[{"Name": "Service", "Value": "orders"}], AlarmActions=actions,
                        AlarmDescription="page the on-call")


def test_a_lambda_action_invokes_the_function_with_the_alarm_event():
    with mock_aws(region=REGION) as aws:
        lam, cw = aws.client("lambda"), aws.client("cloudwatch")
        fn, name, metric = _name("on-call"), _name("errors"), _name("Errors")
        fn_arn = create(lam, fn, ECHO)
        alarm_arn = f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:{name}"
        lam.add_permission(FunctionName=fn, StatementId="AlarmAction", Action="lambda:InvokeFunction",
                           Principal="lambda.alarms.cloudwatch.amazonaws.com", SourceArn=alarm_arn,
                           SourceAccount="123456789012")
        _boundary(aws)
        _errors_alarm(cw, name, metric, [fn_arn])
        assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"] == alarm_arn
        _put(cw, metric, [1, 1])
        aws.clock.advance(60)
        assert _state(cw, name) == "ALARM"
        [event] = _alarm_events(aws, fn)
        assert event["source"] == "aws.cloudwatch" and event["alarmArn"] == alarm_arn
        assert event["accountId"] == "123456789012" and event["region"] == REGION
        data = event["alarmData"]
        assert data["alarmName"] == name
        assert data["state"]["value"] == "ALARM" and data["state"]["reason"].startswith("Threshold Crossed")
        assert data["previousState"]["value"] == "INSUFFICIENT_DATA"
        assert data["previousState"]["reason"] == "Unchecked: Initial alarm creation"
        assert data["configuration"]["description"] == "page the on-call"
        [metric_cfg] = data["configuration"]["metrics"]
        assert metric_cfg["metricStat"]["metric"] == {"namespace": "Lab12", "name": metric,
                                                      "dimensions": {"Service": "orders"}}
        assert metric_cfg["metricStat"]["stat"] == "Sum" and metric_cfg["returnData"] is True
        [action] = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
        assert action["HistorySummary"] == f"Successfully executed action {fn_arn}"


def test_without_the_resource_policy_the_lambda_action_fails_and_the_history_says_so():
    with mock_aws(region=REGION) as aws:
        lam, cw = aws.client("lambda"), aws.client("cloudwatch")
        fn, name = _name("on-call"), _name("errors")
        fn_arn = create(lam, fn, ECHO)
        lam.add_permission(FunctionName=fn, StatementId="WrongAlarm", Action="lambda:InvokeFunction",
                           Principal="lambda.alarms.cloudwatch.amazonaws.com",
                           SourceArn=f"arn:aws:cloudwatch:{REGION}:123456789012:alarm:some-other-alarm")
        _errors_alarm(cw, name, _name("Errors"), [fn_arn, fn_arn + "-missing"])
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing the pager")
        assert _alarm_events(aws, fn) == []
        items = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
        summaries = sorted(i["HistorySummary"] for i in items)
        assert len(summaries) == 2 and all(s.startswith("Failed to execute action") for s in summaries)
        assert any("lambda.alarms.cloudwatch.amazonaws.com" in s for s in summaries)
        assert all(json.loads(i["HistoryData"])["actionState"] == "Failed" for i in items)


def test_set_alarm_state_invokes_an_alias_action():
    with mock_aws(region=REGION) as aws:
        lam, cw = aws.client("lambda"), aws.client("cloudwatch")
        fn, name = _name("on-call"), _name("manual")
        create(lam, fn, ECHO)
        version = lam.publish_version(FunctionName=fn)["Version"]
        alias_arn = lam.create_alias(FunctionName=fn, Name="prod", FunctionVersion=version)["AliasArn"]
        lam.add_permission(FunctionName=fn, Qualifier="prod", StatementId="AlarmAction",
                           Action="lambda:InvokeFunction", Principal="lambda.alarms.cloudwatch.amazonaws.com")
        _errors_alarm(cw, name, _name("Errors"), [alias_arn])
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing the pager")
        [event] = _alarm_events(aws, fn)
        assert event["alarmData"]["state"]["reason"] == "testing the pager"


def test_percentile_statistic_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]          # 1..100
    assert statistic(values, "p99") == 99.0
    assert statistic(values, "p50") == 50.0
    assert statistic(values, "p99.9") == 100.0
    assert statistic([5.0], "p99") == 5.0


def test_a_p99_alarm_sees_the_slow_tail_an_average_hides():
    """99 fast requests and 2 slow ones: Average stays low, p99 crosses the threshold."""
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        metric, p99, avg = _name("Duration"), _name("p99"), _name("avg")
        _boundary(aws)
        common = {"Namespace": "Lab12", "MetricName": metric, "Period": 60, "EvaluationPeriods": 1,
                  "Threshold": 1000, "ComparisonOperator": "GreaterThanThreshold",
                  "Dimensions": [{"Name": "Service", "Value": "orders"}]}
        cw.put_metric_alarm(AlarmName=p99, ExtendedStatistic="p99", **common)
        cw.put_metric_alarm(AlarmName=avg, Statistic="Average", **common)
        _put(cw, metric, [100.0] * 98 + [3000.0, 3000.0], unit="Milliseconds")
        aws.clock.advance(60)
        assert _state(cw, p99) == "ALARM" and _state(cw, avg) == "OK"
        reason = json.loads(cw.describe_alarms(AlarmNames=[p99])["MetricAlarms"][0]["StateReasonData"])
        assert reason["statistic"] == "p99" and reason["recentDatapoints"] == [3000.0]


def test_low_sample_count_ignore_keeps_the_state():
    """p99 needs 10/(1-0.99) = 1000 samples; with 'ignore' a period with fewer changes nothing."""
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        metric, name = _name("Duration"), _name("p99-ignore")
        _boundary(aws)
        cw.put_metric_alarm(AlarmName=name, Namespace="Lab12", MetricName=metric, ExtendedStatistic="p99",
                            Period=60, EvaluationPeriods=1, Threshold=1000, ComparisonOperator="GreaterThanThreshold",
                            Dimensions=[{"Name": "Service", "Value": "orders"}],
                            EvaluateLowSampleCountPercentile="ignore")
        _put(cw, metric, [5000.0] * 10, unit="Milliseconds")
        aws.clock.advance(60)
        assert _state(cw, name) == "INSUFFICIENT_DATA"


def _rate_alarm(cw, name: str, errors: str, invocations: str, **kw) -> None:
    def stat(i: str, metric: str) -> dict:
        return {"Id": i, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "Lab12", "MetricName": metric,
                       "Dimensions": [{"Name": "Service", "Value": "orders"}]}, "Period": 60, "Stat": "Sum"}}
    cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=kw.pop("EvaluationPeriods", 1),
                        DatapointsToAlarm=kw.pop("DatapointsToAlarm", 1), Threshold=5,
                        ComparisonOperator="GreaterThanThreshold",
                        Metrics=[stat("errors", errors), stat("invocations", invocations),
                                 {"Id": "rate", "Expression": kw.pop("Expression", "100*errors/invocations"),
                                  "Label": "error rate (%)", "ReturnData": True}], **kw)


def test_a_metric_math_error_rate_alarm():
    """2 errors in 100 calls is 2%: OK; 2 errors in 10 calls is 20%: ALARM (a Sum of Errors says 2 both times)."""
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        errors, calls, name = _name("Errors"), _name("Invocations"), _name("rate")
        _boundary(aws)
        _rate_alarm(cw, name, errors, calls, TreatMissingData="notBreaching")
        _put(cw, errors, [2])
        _put(cw, calls, [100])
        aws.clock.advance(60)
        assert _state(cw, name) == "OK"
        _put(cw, errors, [2])
        _put(cw, calls, [10])
        aws.clock.advance(60)
        assert _state(cw, name) == "ALARM"
        reason = json.loads(cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateReasonData"])
        assert reason["recentDatapoints"] == [20.0]
        aws.clock.advance(60)                      # no traffic: no datapoint, notBreaching
        assert _state(cw, name) == "OK"


def test_metric_math_expressions_and_their_errors():
    assert evaluate("100*e/i", {"e": [1.0, None, 0.0], "i": [4.0, 5.0, 0.0]}, 3) == [25.0, None, None]
    assert evaluate("FILL(e, 0) + 1", {"e": [None, 2.0]}, 2) == [1.0, 3.0]
    assert evaluate("(a - b) * 2", {"a": [3.0], "b": [1.0]}, 1) == [4.0]
    with pytest.raises(MetricMathError, match="IF"):
        evaluate("IF(e > 1, 1, 0)", {"e": [1.0]}, 1)
    with pytest.raises(MetricMathError, match="not the Id"):
        evaluate("x / y", {"x": [1.0]}, 1)


def test_put_metric_alarm_refuses_math_the_course_cannot_evaluate():
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        with pytest.raises(ClientError) as err:
            _rate_alarm(cw, _name("bad"), "E", "I", Expression="100*errors/calls")
        assert err.value.response["Error"]["Code"] == "ValidationError"
        assert "calls" in err.value.response["Error"]["Message"]
