"""CloudWatch metric alarms evaluated on the lab clock (lib/serverless_lab/alarms.py).

Each test follows "Using Amazon CloudWatch alarms"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html): Period,
EvaluationPeriods, DatapointsToAlarm ("M out of N"), Threshold, ComparisonOperator and
TreatMissingData; state changes in DescribeAlarmHistory; AlarmActions to SNS.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from lambda_helpers import create
from serverless_lab import mock_aws
from serverless_lab.alarms import decide

REGION = "us-east-1"


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _boundary(aws, period: int = 60) -> float:
    """Move the lab clock to just after a period boundary, so each test's periods are whole."""
    now = aws.clock.now()
    aws.clock.advance(period - now % period + 1)
    return aws.clock.now()


def _put(cw, name: str, value: float, **dims: str) -> None:
    cw.put_metric_data(Namespace="Lab12", MetricData=[{
        "MetricName": name, "Value": value, "Unit": "Count",
        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}])


def _alarm(cw, name: str, metric: str, **kw) -> None:
    cw.put_metric_alarm(AlarmName=name, Namespace="Lab12", MetricName=metric, Statistic="Sum", Period=60,
                        Threshold=kw.pop("Threshold", 1), ComparisonOperator=kw.pop(
                            "ComparisonOperator", "GreaterThanOrEqualToThreshold"),
                        EvaluationPeriods=kw.pop("EvaluationPeriods", 1),
                        Dimensions=kw.pop("Dimensions", [{"Name": "Service", "Value": "orders"}]), **kw)


def _state(cw, name: str) -> str:
    return cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]


def test_a_new_alarm_is_insufficient_data_then_ok_then_alarm_on_the_lab_clock():
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        name, metric = _name("errors"), _name("Errors")
        _boundary(aws)
        _alarm(cw, name, metric)
        [alarm] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert alarm["StateValue"] == "INSUFFICIENT_DATA"
        assert alarm["StateReason"] == "Unchecked: Initial alarm creation"
        _put(cw, metric, 0, Service="orders")
        aws.clock.advance(60)                    # one period: Sum 0 < 1
        assert _state(cw, name) == "OK"
        _put(cw, metric, 1, Service="orders")
        _put(cw, metric, 2, Service="other")     # other dimensions: another metric
        aws.clock.advance(60)                    # Sum 1 >= 1
        [alarm] = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        assert alarm["StateValue"] == "ALARM"
        assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1]")
        assert json.loads(alarm["StateReasonData"])["recentDatapoints"] == [1.0]
        history = cw.describe_alarm_history(AlarmName=name, HistoryItemType="StateUpdate")["AlarmHistoryItems"]
        assert [h["HistorySummary"] for h in history] == [
            "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK"]
        data = json.loads(history[0]["HistoryData"])
        assert data["oldState"]["stateValue"] == "OK" and data["newState"]["stateValue"] == "ALARM"
        created = cw.describe_alarm_history(AlarmName=name, HistoryItemType="ConfigurationUpdate")
        assert created["AlarmHistoryItems"][0]["HistorySummary"] == f'Alarm "{name}" created'


def test_m_out_of_n_datapoints_to_alarm():
    """DatapointsToAlarm 2 of EvaluationPeriods 3: one breaching period is not enough, two are."""
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        name, metric = _name("m-of-n"), _name("Latency")
        _boundary(aws)
        _alarm(cw, name, metric, Threshold=100, ComparisonOperator="GreaterThanThreshold",
               EvaluationPeriods=3, DatapointsToAlarm=2)
        for value in (150, 50, 50):
            _put(cw, metric, value, Service="orders")
            aws.clock.advance(60)
        assert _state(cw, name) == "OK"          # 1 of the last 3 breach
        _put(cw, metric, 101, Service="orders")
        aws.clock.advance(60)                    # [50, 50, 101]: still 1 of 3
        assert _state(cw, name) == "OK"
        _put(cw, metric, 200, Service="orders")
        aws.clock.advance(60)                    # [50, 101, 200]: 2 of 3
        assert _state(cw, name) == "ALARM"


@pytest.mark.parametrize("treat, expected", [
    ("missing", "INSUFFICIENT_DATA"), ("breaching", "ALARM"), ("notBreaching", "OK"), ("ignore", "OK")])
def test_treat_missing_data(treat, expected):
    """Periods without data: missing → INSUFFICIENT_DATA when all are missing; ignore keeps the state."""
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        name, metric = _name(f"missing-{treat}"), _name("Jobs")
        _boundary(aws)
        _alarm(cw, name, metric, EvaluationPeriods=2, TreatMissingData=treat)
        _put(cw, metric, 0, Service="orders")
        aws.clock.advance(60)
        first = _state(cw, name)
        assert first == "OK"          # [missing, 0]: at most 1 of the 2 datapoints to alarm
        aws.clock.advance(180)                   # no data for three periods
        assert _state(cw, name) == expected


def test_decide_follows_the_documented_rules():
    common = {"threshold": 1.0, "comparison": "GreaterThanOrEqualToThreshold", "datapoints_to_alarm": 2}
    assert decide([1, None, 1], treat_missing="missing", current="OK", **common) == ("ALARM", 2)
    assert decide([1, None, 0], treat_missing="missing", current="OK", **common) == ("OK", 1)
    assert decide([1, None, 0], treat_missing="breaching", current="OK", **common) == ("ALARM", 2)
    assert decide([None, None, None], treat_missing="ignore", current="ALARM", **common) == ("ALARM", 0)
    assert decide([None, None, None], treat_missing="notBreaching", current="ALARM", **common) == ("OK", 0)


def test_alarm_action_publishes_to_sns_and_a_subscribed_queue_receives_it():
    with mock_aws(region=REGION) as aws:
        cw, sns, sqs = aws.client("cloudwatch"), aws.client("sns"), aws.client("sqs")
        topic = sns.create_topic(Name=_name("alarms"))["TopicArn"]
        queue = sqs.create_queue(QueueName=_name("pager"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        name, metric = _name("paged"), _name("Failures")
        _boundary(aws)
        _alarm(cw, name, metric, AlarmActions=[topic], AlarmDescription="page the on-call")
        _put(cw, metric, 5, Service="orders")
        aws.clock.advance(60)
        assert _state(cw, name) == "ALARM"
        [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
        envelope = json.loads(message["Body"])
        assert envelope["Subject"] == f'ALARM: "{name}" in US East (N. Virginia)'
        body = json.loads(envelope["Message"])
        assert body["AlarmName"] == name and body["NewStateValue"] == "ALARM"
        assert body["OldStateValue"] == "INSUFFICIENT_DATA"
        assert body["Trigger"]["MetricName"] == metric and body["Trigger"]["Threshold"] == 1.0
        [action] = cw.describe_alarm_history(AlarmName=name, HistoryItemType="Action")["AlarmHistoryItems"]
        assert action["HistorySummary"] == f"Successfully executed action {topic}"


def test_set_alarm_state_runs_actions_and_disabled_actions_do_not():
    with mock_aws(region=REGION) as aws:
        cw, sns, sqs = aws.client("cloudwatch"), aws.client("sns"), aws.client("sqs")
        topic = sns.create_topic(Name=_name("alarms"))["TopicArn"]
        queue = sqs.create_queue(QueueName=_name("q"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
        name = _name("manual")
        _alarm(cw, name, _name("M"), AlarmActions=[topic])
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="testing the pager")
        [message] = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]
        assert json.loads(message["Body"])["NewStateReason"] == "testing the pager"
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        cw.disable_alarm_actions(AlarmNames=[name])
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="quiet")
        cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="quiet again")
        assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []


def test_an_alarm_on_a_lambda_alias_executed_version_sees_only_that_version():
    """Lambda publishes Errors by FunctionName, Resource (name:alias) and ExecutedVersion for alias
    invocations (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html)."""
    with mock_aws(region=REGION) as aws:
        lam, cw = aws.client("lambda"), aws.client("cloudwatch")
        fn = _name("canary-fn")
        create(lam, fn, "def handler(event, context):\n    raise ValueError('bad')\n")
        v1 = lam.publish_version(FunctionName=fn)["Version"]
        lam.create_alias(FunctionName=fn, Name="live", FunctionVersion=v1)
        _boundary(aws)
        dims = [{"Name": "FunctionName", "Value": fn}, {"Name": "Resource", "Value": f"{fn}:live"},
                {"Name": "ExecutedVersion", "Value": v1}]
        cw.put_metric_alarm(AlarmName=f"{fn}-errors", Namespace="AWS/Lambda", MetricName="Errors",
                            Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                            ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
        cw.put_metric_alarm(AlarmName=f"{fn}-v9", Namespace="AWS/Lambda", MetricName="Errors",
                            Dimensions=dims[:2] + [{"Name": "ExecutedVersion", "Value": "9"}], Statistic="Sum",
                            Period=60, EvaluationPeriods=1, Threshold=1, TreatMissingData="notBreaching",
                            ComparisonOperator="GreaterThanOrEqualToThreshold")
        lam.invoke(FunctionName=fn, Qualifier="live")
        aws.clock.advance(60)
        assert _state(cw, f"{fn}-errors") == "ALARM"
        assert _state(cw, f"{fn}-v9") == "OK"


def test_describe_alarm_history_filters_by_date():
    with mock_aws(region=REGION) as aws:
        cw = aws.client("cloudwatch")
        name = _name("dated")
        _alarm(cw, name, _name("M"))
        later = dt.datetime.fromtimestamp(aws.clock.now() + 3600, tz=dt.timezone.utc)
        assert cw.describe_alarm_history(AlarmName=name, StartDate=later)["AlarmHistoryItems"] == []
        assert len(cw.describe_alarm_history(AlarmName=name)["AlarmHistoryItems"]) == 1
