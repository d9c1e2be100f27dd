"""Lab 12's hidden tests catch wrong designs, not only wrong outputs.

Each student below answers one exercise with a plausible misunderstanding (the rest of the notebook is the
solution) and must lose that exercise's points through the grader, while the parts they got right still score:

* a canary without an alarm ("CodeDeploy watches the deployment anyway"): nothing rolls the bad release back;
* an alarm on the whole function instead of the new version (``FunctionName`` only): it also fires on the old
  version's errors;
* ``"Action": "*"`` on the function's resources ("it is only one table and one queue");
* the partner's key copied into an environment variable at deploy time;
* S3 and DynamoDB traffic through a NAT gateway instead of free gateway endpoints.
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

STUDENTS = {
    "no-alarm": ({"lab12_canary": CANARY_WITHOUT_ALARM}, ["lab12_canary_rollback_test"], ["lab12_canary_alarm_test"]),
    "function-alarm": ({"lab12_canary": ALARM_ON_THE_FUNCTION}, ["lab12_canary_alarm_test"],
                       ["lab12_canary_rollback_test"]),
    "action-star": ({"lab12_policies": ACTION_STAR}, ["lab12_least_privilege_test"], ["lab12_queue_policy_test"]),
    "env-secret": ({"lab12_secret": SECRET_IN_ENVIRONMENT}, ["lab12_secret_test"], []),
    "nat": ({"lab12_network": NAT_FOR_EVERYTHING}, ["lab12_network_choice_test"], ["lab12_network_bill_test"]),
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
