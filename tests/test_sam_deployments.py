"""SAM DeploymentPreference: gradual alias shifting on the lab clock (lib/serverless_lab/iac/traffic.py).

Follows "Deploying serverless applications gradually with AWS SAM"
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html)
and CodeDeploy's Lambda deployment configurations
(https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html): a canary shifts
10% then the rest after its interval; a linear type 10% per interval; an alarm in ALARM rolls the
alias back; PreTraffic/PostTraffic hooks report with PutLifecycleEventHookExecutionStatus
(https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.iac import traffic_shifts
from serverless_lab.iac.traffic import schedule

REGION = "us-east-1"

HOOK = """
import boto3, os
def handler(event, context):
    boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
        deploymentId=event["DeploymentId"], lifecycleEventHookExecutionId=event["LifecycleEventHookExecutionId"],
        status=os.environ["VERDICT"])
"""


def _indent(code: str, n: int = 8) -> str:
    return "\n".join(" " * n + line for line in code.strip("\n").splitlines())


def template(fn_name: str, alarm: str, release: str, *, fail: bool = False, kind: str = "Canary10Percent5Minutes",
             hook_verdict: str | None = None) -> str:
    body = ("def handler(event, context):\n"
            + (f"    raise RuntimeError('broken release {release}')\n" if fail else f"    return {release!r}\n"))
    hooks = ""
    hook_fn = ""
    if hook_verdict:
        hooks = "\n        Hooks:\n          PreTraffic: !Ref PreTrafficHook"
        hook_fn = f"""
  PreTrafficHook:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: CodeDeployHook_{fn_name}
      Handler: index.handler
      Environment:
        Variables:
          VERDICT: {hook_verdict}
      InlineCode: |
{_indent(HOOK)}
"""
    return f"""
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: {fn_name}
      Handler: index.handler
      AutoPublishAlias: live
      DeploymentPreference:
        Type: {kind}
        Alarms:
          - {alarm}{hooks}
      InlineCode: |
{_indent(body)}
{hook_fn}
"""


def _alarm_on_version(cw, name: str, fn: str, version: str) -> None:
    """Errors of the version the alias ran (ExecutedVersion), the alarm a canary watches."""
    cw.put_metric_alarm(AlarmName=name, Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum",
                        Dimensions=[{"Name": "FunctionName", "Value": fn}, {"Name": "Resource", "Value": f"{fn}:live"},
                                    {"Name": "ExecutedVersion", "Value": version}],
                        Period=60, EvaluationPeriods=1, Threshold=1, TreatMissingData="notBreaching",
                        ComparisonOperator="GreaterThanOrEqualToThreshold")


def _deploy(cfn, stack: str, body: str) -> None:
    try:
        cfn.describe_stacks(StackName=stack)
        cfn.update_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    except ClientError:
        cfn.create_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"])
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    # an update that starts a gradual deployment waits for it (iac/stack_wait.py); one whose
    # PreTraffic hook fails at once has already rolled back
    assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"), status


@pytest.fixture
def world():
    with mock_aws(region=REGION) as session:
        yield session


def test_the_predefined_types_shift_as_codedeploy_documents():
    assert schedule("Canary10Percent5Minutes") == [(0.0, 0.1), (300.0, 1.0)]
    assert schedule("Canary10Percent30Minutes") == [(0.0, 0.1), (1800.0, 1.0)]
    linear = schedule("Linear10PercentEvery2Minutes")
    assert len(linear) == 10 and linear[0] == (0.0, 0.1) and linear[4] == (480.0, 0.5) and linear[-1][1] == 1.0
    assert schedule("AllAtOnce") == [(0.0, 1.0)]


def test_a_bad_canary_fires_its_alarm_and_the_alias_rolls_back_then_a_good_one_goes_through(world):
    cfn, lam, cw = boto3.client("cloudformation"), boto3.client("lambda"), boto3.client("cloudwatch")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"canary-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-canary-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "1"

    _deploy(cfn, stack, template(fn, alarm, "v2", fail=True))
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == "1"
    assert alias["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    [shift] = traffic_shifts(fn)
    assert shift.status == "InProgress" and shift.new_version == "2"

    # the alias really splits: 10% of 200 calls reach the broken version 2
    executed = [lam.invoke(FunctionName=fn, Qualifier="live")["ExecutedVersion"] for _ in range(200)]
    assert 0 < executed.count("2") < 60 and executed.count("1") + executed.count("2") == 200
    world.clock.advance(70)       # the alarm's period ends; the deployment's next alarm poll sees ALARM
    assert cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"][0]["StateValue"] == "ALARM"
    assert shift.status == "Stopped" and shift.error_code == "ALARM_ACTIVE"
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == "1" and not alias.get("RoutingConfig")
    assert {lam.invoke(FunctionName=fn, Qualifier="live")["ExecutedVersion"] for _ in range(20)} == {"1"}

    # a good release: a fresh alarm on version 3, the canary's 5 minutes pass, all traffic moves
    good = f"{fn}-v3-errors"
    _alarm_on_version(cw, good, fn, "3")
    _deploy(cfn, stack, template(fn, good, "v3"))
    shift = traffic_shifts(fn)[-1]
    assert shift.new_version == "3" and shift.old_version == "1"
    world.clock.advance(299)
    assert lam.get_alias(FunctionName=fn, Name="live")["RoutingConfig"]["AdditionalVersionWeights"] == {"3": 0.1}
    world.clock.advance(2)
    assert shift.status == "Succeeded"
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == "3" and not alias.get("RoutingConfig")
    assert json.loads(lam.invoke(FunctionName=fn, Qualifier="live")["Payload"].read()) == "v3"


def test_linear_shifts_ten_percent_a_minute(world):
    cfn, lam, cw = boto3.client("cloudformation"), boto3.client("lambda"), boto3.client("cloudwatch")
    fn, stack = f"linear-{uuid.uuid4().hex[:6]}", f"linear-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1", kind="Linear10PercentEvery1Minute"))
    _deploy(cfn, stack, template(fn, alarm, "v2", kind="Linear10PercentEvery1Minute"))
    weights = []
    for _ in range(8):
        weights.append(lam.get_alias(FunctionName=fn, Name="live")["RoutingConfig"]["AdditionalVersionWeights"]["2"])
        world.clock.advance(60)
    assert weights == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]
    world.clock.advance(120)
    assert traffic_shifts(fn)[-1].status == "Succeeded"
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == "2"


@pytest.mark.parametrize("verdict, status, version", [("Succeeded", "Succeeded", "2"), ("Failed", "Failed", "1")])
def test_a_pre_traffic_hook_reports_its_verdict(world, verdict, status, version):
    cfn, lam, cw = boto3.client("cloudformation"), boto3.client("lambda"), boto3.client("cloudwatch")
    fn, stack = f"hooked-{uuid.uuid4().hex[:6]}", f"hooked-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1", hook_verdict=verdict))
    _deploy(cfn, stack, template(fn, alarm, "v2", hook_verdict=verdict))
    world.clock.advance(301)
    shift = traffic_shifts(fn)[-1]
    assert shift.status == status
    assert any("PreTraffic hook reported" in text for _, text in shift.events)
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == version
    if status == "Failed":
        assert shift.error_code == "HOOK_EXECUTION_FAILURE"


def test_put_lifecycle_event_hook_execution_status_of_an_unknown_deployment(world):
    with pytest.raises(ClientError) as err:
        boto3.client("codedeploy").put_lifecycle_event_hook_execution_status(
            deploymentId="d-NOTHERE00", lifecycleEventHookExecutionId="x", status="Succeeded")
    assert err.value.response["Error"]["Code"] == "DeploymentDoesNotExistException"


def test_a_custom_deployment_configuration_is_refused_by_name(world):
    cfn = boto3.client("cloudformation")
    with pytest.raises(ClientError) as err:
        cfn.create_stack(StackName=f"custom-{uuid.uuid4().hex[:6]}",
                         TemplateBody=template("custom-fn", "a", "v1", kind="MyCompanyCanary"))
    message = err.value.response["Error"]["Message"]
    assert "MyCompanyCanary" in message and "Canary10Percent5Minutes" in message
