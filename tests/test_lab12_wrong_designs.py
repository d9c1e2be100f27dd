"""Lab 12's hidden tests catch wrong designs, not only wrong outputs.

Each student below answers one exercise with a plausible misunderstanding (the rest of the notebook is the
solution) and must lose that exercise's points through the grader, while the parts they got right still score:

* a canary without an alarm ("CodeDeploy watches the deployment anyway"): nothing rolls the bad release back;
* an alarm on the whole function instead of the new version (``FunctionName`` only): it also fires on the old
  version's errors;
* ``"Action": "*"`` on the function's resources ("it is only one table and one queue");
* the partner's key copied into an environment variable at deploy time;
* S3 and DynamoDB traffic through a NAT gateway instead of free gateway endpoints;
* an on-call alarm on the *count* of errors instead of the error rate (it pages at high traffic on 4% and stays
  silent at low traffic on 20%), on 1 of 1 minutes (one failed call at night pages), with missing data as
  breaching (a quiet night pages), with >= 5% (exactly 5% pages), and one without its action (nobody is paged).
* the slow call read from the function segment's direct subsegments only (the calls Powertools nests under
  ``## handler`` are missed), from the slowest subsegment of any kind (Lambda's ``Initialization``), or from the
  first segment only (API Gateway's, or the first of two functions).
"""

from __future__ import annotations

import pytest

from grading_helpers import grade_answers

pytestmark = pytest.mark.notebook
LAB = "lab12-production-readiness"

RIGHT_ALARM = '''
def canary_alarm(function_name: str, alias: str, version: str, alarm_name: str) -> dict:
    return dict(AlarmName=alarm_name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                Dimensions=[{"Name": "FunctionName", "Value": function_name},
                            {"Name": "Resource", "Value": f"{function_name}:{alias}"},
                            {"Name": "ExecutedVersion", "Value": str(version)}],
                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching")
'''

CANARY_WITHOUT_ALARM = '''
def deployment_preference(alarm_names: list) -> dict:
    return {"Type": "Canary10Percent5Minutes"}       # "CodeDeploy watches the deployment anyway"
''' + RIGHT_ALARM

ALARM_ON_THE_FUNCTION = '''
def deployment_preference(alarm_names: list) -> dict:
    return {"Type": "Linear10PercentEvery1Minute", "Alarms": list(alarm_names)}


def canary_alarm(function_name: str, alias: str, version: str, alarm_name: str) -> dict:
    return dict(AlarmName=alarm_name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                Dimensions=[{"Name": "FunctionName", "Value": function_name}],   # every version's errors
                Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                TreatMissingData="notBreaching")
'''

ACTION_STAR = '''
def least_privilege_policy(table_arn: str, queue_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": [table_arn, queue_arn]}]}


def queue_policy(queue_arn: str, topic_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
         "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}]}
'''

SECRET_IN_ENVIRONMENT = '''
SECRET_HANDLER_SRC = """
import os
def handler(event, context):
    return {"authorized": event.get("api_key") == os.environ["PARTNER_KEY"]}
"""


def secret_environment(secret_id: str) -> dict:
    value = secrets.get_secret_value(SecretId=secret_id)["SecretString"]      # read once, at deploy time
    return {"PARTNER_KEY": value}
'''

NAT_FOR_EVERYTHING = '''
HOURS = 730


def network_bill(profile: dict, design: dict) -> float:
    nat_gb = profile.get("internet_gb", 0)
    if not design["gateway_endpoints"]:
        nat_gb += profile.get("s3_gb", 0) + profile.get("dynamodb_gb", 0)
    interface = design["interface_endpoints"] >= profile.get("aws_api_services", 0) and design["interface_endpoints"] > 0
    if not interface:
        nat_gb += profile.get("aws_api_gb", 0)
    if nat_gb > 0 and design["nat_gateways"] == 0:
        return math.inf
    cost = design["nat_gateways"] * HOURS * 0.045 + nat_gb * 0.045
    cost += design["interface_endpoints"] * profile["azs"] * HOURS * 0.01
    if interface:
        cost += profile.get("aws_api_gb", 0) * 0.01
    return cost


def choose_network(profile: dict) -> dict:
    # "a private subnet needs a NAT gateway": one per AZ, everything through it
    return {"nat_gateways": profile["azs"], "gateway_endpoints": False, "interface_endpoints": 0}
'''

RATE_ALARM_HEAD = '''
def error_rate_alarm(function_name: str, alarm_name: str, oncall_arn: str) -> dict:
    def metric(query_id: str, name: str) -> dict:
        return {"Id": query_id, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/Lambda", "MetricName": name,
                       "Dimensions": [{"Name": "FunctionName", "Value": function_name}]},
            "Period": 60, "Stat": "Sum"}}
    rate = [metric("errors", "Errors"), metric("calls", "Invocations"),
            {"Id": "rate", "Expression": "100 * errors / calls", "ReturnData": True}]
'''

ERROR_COUNT = '''
def error_rate_alarm(function_name: str, alarm_name: str, oncall_arn: str) -> dict:
    # "more than 5 errors a minute, 3 minutes of 5": a count, not a rate
    return dict(AlarmName=alarm_name, AlarmActions=[oncall_arn], Namespace="AWS/Lambda", MetricName="Errors",
                Dimensions=[{"Name": "FunctionName", "Value": function_name}], Statistic="Sum", Period=60,
                EvaluationPeriods=5, DatapointsToAlarm=3, Threshold=5, ComparisonOperator="GreaterThanThreshold",
                TreatMissingData="notBreaching")
'''

ONE_OF_ONE = RATE_ALARM_HEAD + '''
    return dict(AlarmName=alarm_name, AlarmActions=[oncall_arn], Metrics=rate, Threshold=5,
                ComparisonOperator="GreaterThanThreshold", EvaluationPeriods=1, DatapointsToAlarm=1,
                TreatMissingData="notBreaching")
'''

MISSING_AS_BREACHING = RATE_ALARM_HEAD + '''
    return dict(AlarmName=alarm_name, AlarmActions=[oncall_arn], Metrics=rate, Threshold=5,
                ComparisonOperator="GreaterThanThreshold", EvaluationPeriods=5, DatapointsToAlarm=3,
                TreatMissingData="breaching")                # "no data is suspicious"
'''

AT_LEAST_FIVE = RATE_ALARM_HEAD + '''
    return dict(AlarmName=alarm_name, AlarmActions=[oncall_arn], Metrics=rate, Threshold=5,
                ComparisonOperator="GreaterThanOrEqualToThreshold", EvaluationPeriods=5, DatapointsToAlarm=3,
                TreatMissingData="notBreaching")
'''

NO_ACTION = RATE_ALARM_HEAD + '''
    return dict(AlarmName=alarm_name, Metrics=rate, Threshold=5,      # "the console shows it anyway"
                ComparisonOperator="GreaterThanThreshold", EvaluationPeriods=5, DatapointsToAlarm=3,
                TreatMissingData="notBreaching")
'''

TOP_LEVEL_ONLY = '''
def slowest_call(trace: dict):
    best, best_s = None, -1.0
    for seg in trace["Segments"]:
        for node in json.loads(seg["Document"]).get("subsegments", []):    # one level down only
            if node.get("namespace") == "aws" and node["end_time"] - node["start_time"] > best_s:
                info = node.get("aws", {})
                best = (node["name"], info.get("operation"), info.get("table_name") or info.get("queue_url"))
                best_s = node["end_time"] - node["start_time"]
    return best
'''

ANY_SUBSEGMENT = '''
def slowest_call(trace: dict):
    def nodes(node):
        yield node
        for sub in node.get("subsegments", []):
            yield from nodes(sub)

    best, best_s = None, -1.0
    for seg in trace["Segments"]:
        doc = json.loads(seg["Document"])
        for node in nodes(doc):
            if node is not doc and node["end_time"] - node["start_time"] > best_s:   # any subsegment
                info = node.get("aws", {})
                best = (node["name"], info.get("operation"), info.get("table_name") or info.get("queue_url"))
                best_s = node["end_time"] - node["start_time"]
    return best
'''

FIRST_FUNCTION_ONLY = '''
def slowest_call(trace: dict):
    def nodes(node):
        yield node
        for sub in node.get("subsegments", []):
            yield from nodes(sub)

    docs = [json.loads(s["Document"]) for s in trace["Segments"]]
    function = next(d for d in docs if d.get("origin") == "AWS::Lambda::Function")   # "the" function
    best, best_s = None, -1.0
    for node in nodes(function):
        if node.get("namespace") == "aws" and node["end_time"] - node["start_time"] > best_s:
            info = node.get("aws", {})
            best = (node["name"], info.get("operation"), info.get("table_name") or info.get("queue_url"))
            best_s = node["end_time"] - node["start_time"]
    return best
'''

STUDENTS = {
    "no-alarm": ({"lab12_canary": CANARY_WITHOUT_ALARM}, ["lab12_canary_rollback_test"], ["lab12_canary_alarm_test"]),
    "function-alarm": ({"lab12_canary": ALARM_ON_THE_FUNCTION}, ["lab12_canary_alarm_test"],
                       ["lab12_canary_rollback_test"]),
    "action-star": ({"lab12_policies": ACTION_STAR}, ["lab12_least_privilege_test"], ["lab12_queue_policy_test"]),
    "env-secret": ({"lab12_secret": SECRET_IN_ENVIRONMENT}, ["lab12_secret_test"], []),
    "nat": ({"lab12_network": NAT_FOR_EVERYTHING}, ["lab12_network_choice_test"], ["lab12_network_bill_test"]),
    "error-count": ({"lab12_rate_alarm": ERROR_COUNT}, ["lab12_rate_alarm_test"], ["lab12_rate_alarm_action_test"]),
    "one-of-one": ({"lab12_rate_alarm": ONE_OF_ONE}, ["lab12_rate_alarm_test"], ["lab12_rate_alarm_action_test"]),
    "missing-breaching": ({"lab12_rate_alarm": MISSING_AS_BREACHING}, ["lab12_rate_alarm_test"],
                          ["lab12_rate_alarm_action_test"]),
    "at-least-five": ({"lab12_rate_alarm": AT_LEAST_FIVE}, ["lab12_rate_alarm_test"], ["lab12_rate_alarm_action_test"]),
    "no-action": ({"lab12_rate_alarm": NO_ACTION}, ["lab12_rate_alarm_action_test"], ["lab12_rate_alarm_test"]),
    "trace-top-level": ({"lab12_slowest_call": TOP_LEVEL_ONLY}, ["lab12_slowest_call_test"], ["lab12_network_bill_test"]),
    "trace-any-subsegment": ({"lab12_slowest_call": ANY_SUBSEGMENT}, ["lab12_slowest_call_test"], []),
    "trace-first-function": ({"lab12_slowest_call": FIRST_FUNCTION_ONLY}, ["lab12_slowest_call_test"], []),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    return grade_answers(LAB, {s: answers for s, (answers, _lose, _keep) in STUDENTS.items()},
                         tmp_path_factory.mktemp("grading"))


@pytest.mark.parametrize("student, test_id", [(s, t) for s, (_a, lose, _k) in STUDENTS.items() for t in lose])
def test_wrong_design_scores_zero(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == 0, (student, test_id, result.status, result.message)


@pytest.mark.parametrize("student, test_id", [(s, t) for s, (_a, _l, keep) in STUDENTS.items() for t in keep])
def test_the_right_parts_still_score(graded, student, test_id):
    result = graded[student][test_id]
    assert result.points == result.max_points, (student, test_id, result.status, result.message)
