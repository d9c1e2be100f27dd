"""CodeDeploy's view of SAM gradual deployments, through boto3 (lib/serverless_lab/iac/codedeploy.py).

SAM adds a CodeDeploy application (compute platform Lambda) and a deployment group per function with
``CodeDeployDefault.Lambda<Type>``, the preference's alarms and automatic rollback
(aws-sam-translator's deployment_preference_collection.py; "Deploying serverless applications gradually
with AWS SAM", https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html).
Shapes and names follow the CodeDeploy API reference: GetDeployment / DeploymentInfo
(https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html: status Created, InProgress,
Succeeded, Failed, Stopped; errorInformation codes ALARM_ACTIVE, HOOK_EXECUTION_FAILURE, MANUAL_STOP; rollbackInfo
https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_RollbackInfo.html), ListDeployments and StopDeployment
(https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html).
"""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError

from serverless_lab import mock_aws
from serverless_lab.iac import traffic_shifts
from test_sam_deployments import _alarm_on_version, _deploy, template

REGION = "us-east-1"


@pytest.fixture
def world():
    with mock_aws(region=REGION) as session:
        yield session


def _names(stack: str) -> tuple[str, str]:
    cd = boto3.client("codedeploy")
    [app] = [a for a in cd.list_applications()["applications"] if a.startswith(f"{stack}-ServerlessDeploymentApplication-")]
    [group] = cd.list_deployment_groups(applicationName=app)["deploymentGroups"]
    return app, group


def test_the_stack_creates_an_application_and_a_deployment_group_as_sam_does(world):
    cfn, cw, cd = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("codedeploy")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"cd-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    app, group = _names(stack)
    assert cd.get_application(applicationName=app)["application"]["computePlatform"] == "Lambda"
    assert group.startswith(f"{stack}-OrdersDeploymentGroup-")
    info = cd.get_deployment_group(applicationName=app, deploymentGroupName=group)["deploymentGroupInfo"]
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert info["alarmConfiguration"]["enabled"] is True
    assert info["alarmConfiguration"]["alarms"] == [{"name": alarm}]
    assert info["autoRollbackConfiguration"] == {
        "enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"]}
    assert info["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    # the first version is no deployment: nothing to shift from
    assert cd.list_deployments(applicationName=app, deploymentGroupName=group)["deployments"] == []
    cfn.delete_stack(StackName=stack)
    assert not [a for a in cd.list_applications()["applications"] if a.startswith(f"{stack}-")]


def test_a_canary_is_a_deployment_from_in_progress_to_succeeded(world):
    cfn, cw, cd = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("codedeploy")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"cd-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    _deploy(cfn, stack, template(fn, alarm, "v2"))
    app, group = _names(stack)
    [deployment_id] = cd.list_deployments(applicationName=app, deploymentGroupName=group)["deployments"]
    assert deployment_id == traffic_shifts(fn)[-1].deployment_id and deployment_id.startswith("d-")
    d = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert d["status"] == "InProgress" and d["creator"] == "CloudFormation"
    assert d["computePlatform"] == "Lambda" and d["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert d["deploymentOverview"]["InProgress"] == 1
    assert "errorInformation" not in d and "rollbackInfo" not in d and "completeTime" not in d
    spec = json.loads(d["revision"]["appSpecContent"]["content"])
    assert d["revision"]["revisionType"] == "AppSpecContent"
    assert spec["Resources"] == [{fn: {"Type": "AWS::Lambda::Function", "Properties": {
        "Name": fn, "Alias": "live", "CurrentVersion": "1", "TargetVersion": "2"}}}]
    assert cd.list_deployments(applicationName=app, deploymentGroupName=group,
                               includeOnlyStatuses=["Succeeded"])["deployments"] == []
    world.clock.advance(301)
    d = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert d["status"] == "Succeeded" and d["deploymentOverview"]["Succeeded"] == 1
    assert (d["completeTime"] - d["startTime"]).total_seconds() == pytest.approx(300, abs=5)
    assert cd.list_deployments(applicationName=app, deploymentGroupName=group,
                               includeOnlyStatuses=["Succeeded"])["deployments"] == [deployment_id]
    with pytest.raises(ClientError) as err:
        cd.stop_deployment(deploymentId=deployment_id)
    assert err.value.response["Error"]["Code"] == "DeploymentAlreadyCompletedException"


def test_an_alarm_stops_the_deployment_and_a_rollback_deployment_redeploys_the_old_version(world):
    cfn, cw, cd = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("codedeploy")
    lam = boto3.client("lambda")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"cd-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    _deploy(cfn, stack, template(fn, alarm, "v2", fail=True))
    deployment_id = traffic_shifts(fn)[-1].deployment_id
    for _ in range(60):
        lam.invoke(FunctionName=fn, Qualifier="live")
    world.clock.advance(70)
    d = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert d["status"] == "Stopped"
    assert d["errorInformation"]["code"] == "ALARM_ACTIVE" and alarm in d["errorInformation"]["message"]
    rollback_id = d["rollbackInfo"]["rollbackDeploymentId"]
    rollback = cd.get_deployment(deploymentId=rollback_id)["deploymentInfo"]
    assert rollback["creator"] == "codeDeployRollback" and rollback["status"] == "Succeeded"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == deployment_id
    spec = json.loads(rollback["revision"]["appSpecContent"]["content"])
    assert spec["Resources"][0][fn]["Properties"]["TargetVersion"] == "1"
    app, group = _names(stack)
    assert set(cd.list_deployments(applicationName=app, deploymentGroupName=group)["deployments"]) == {
        deployment_id, rollback_id}
    assert cd.batch_get_deployments(deploymentIds=[deployment_id])["deploymentsInfo"][0]["status"] == "Stopped"


@pytest.mark.parametrize("auto_rollback, version, weights", [(True, "1", None), (False, "1", {"2": 0.1})])
def test_stop_deployment_with_and_without_rollback(world, auto_rollback, version, weights):
    cfn, cw, cd = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("codedeploy")
    lam = boto3.client("lambda")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"cd-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    _deploy(cfn, stack, template(fn, alarm, "v2"))
    deployment_id = traffic_shifts(fn)[-1].deployment_id
    out = cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=auto_rollback)
    assert out["status"] == "Succeeded"
    d = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert d["status"] == "Stopped" and d["errorInformation"]["code"] == "MANUAL_STOP"
    assert ("rollbackInfo" in d) is auto_rollback
    alias = lam.get_alias(FunctionName=fn, Name="live")
    assert alias["FunctionVersion"] == version
    assert (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") == weights
    world.clock.advance(600)     # a stopped deployment shifts no more traffic
    assert lam.get_alias(FunctionName=fn, Name="live")["FunctionVersion"] == version


def test_a_failed_hook_is_a_failed_deployment(world):
    cfn, cw, cd = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("codedeploy")
    fn, stack = f"hooked-{uuid.uuid4().hex[:6]}", f"cd-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1", hook_verdict="Failed"))
    _deploy(cfn, stack, template(fn, alarm, "v2", hook_verdict="Failed"))
    d = cd.get_deployment(deploymentId=traffic_shifts(fn)[-1].deployment_id)["deploymentInfo"]
    assert d["status"] == "Failed" and d["errorInformation"]["code"] == "HOOK_EXECUTION_FAILURE"
    spec = json.loads(d["revision"]["appSpecContent"]["content"])
    assert spec["Hooks"] == [{"BeforeAllowTraffic": f"CodeDeployHook_{fn}"}]


def test_stop_deployment_of_an_unknown_id(world):
    with pytest.raises(ClientError) as err:
        boto3.client("codedeploy").stop_deployment(deploymentId="d-NOTHERE00")
    assert err.value.response["Error"]["Code"] == "DeploymentDoesNotExistException"


def _status_and_events(cfn, stack):
    status = cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    events = [e["ResourceStatus"] for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
              if e["ResourceType"] == "AWS::CloudFormation::Stack"]
    return status, events


def test_the_stack_update_waits_for_the_deployment_and_completes_with_it(world):
    """CloudFormation keeps the update in progress while CodeDeploy shifts the alias ("UpdatePolicy attribute",
    CodeDeployLambdaAliasUpdate, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html)."""
    cfn, cw = boto3.client("cloudformation"), boto3.client("cloudwatch")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"wait-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    _deploy(cfn, stack, template(fn, alarm, "v2"))
    status, events = _status_and_events(cfn, stack)
    assert status == "UPDATE_IN_PROGRESS" and "UPDATE_COMPLETE" not in events
    world.clock.advance(150)
    assert _status_and_events(cfn, stack)[0] == "UPDATE_IN_PROGRESS"
    world.clock.advance(151)
    status, events = _status_and_events(cfn, stack)
    assert status == "UPDATE_COMPLETE"
    assert "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS" in events and "UPDATE_COMPLETE" in events
    # the waiter a deploy script uses now returns
    boto3.client("cloudformation").get_waiter("stack_update_complete").wait(
        StackName=stack, WaiterConfig={"Delay": 1, "MaxAttempts": 3})


def test_a_stopped_deployment_rolls_the_stack_update_back(world):
    cfn, cw, lam = boto3.client("cloudformation"), boto3.client("cloudwatch"), boto3.client("lambda")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"wait-{uuid.uuid4().hex[:6]}"
    alarm = f"{fn}-errors"
    _alarm_on_version(cw, alarm, fn, "2")
    _deploy(cfn, stack, template(fn, alarm, "v1"))
    _deploy(cfn, stack, template(fn, alarm, "v2", fail=True))
    assert _status_and_events(cfn, stack)[0] == "UPDATE_IN_PROGRESS"
    for _ in range(60):
        lam.invoke(FunctionName=fn, Qualifier="live")
    world.clock.advance(70)
    status, events = _status_and_events(cfn, stack)
    assert status == "UPDATE_ROLLBACK_COMPLETE"
    assert "UPDATE_ROLLBACK_IN_PROGRESS" in events and "UPDATE_COMPLETE" not in events
    reason = next(e["ResourceStatusReason"] for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]
                  if e["ResourceStatus"] == "UPDATE_ROLLBACK_IN_PROGRESS")
    assert traffic_shifts(fn)[-1].deployment_id in reason and "ALARM_ACTIVE" in reason
    # a failed PreTraffic hook fails the deployment before any traffic moves: rolled back at once
    hooked, hstack = f"hooked-{uuid.uuid4().hex[:6]}", f"wait-{uuid.uuid4().hex[:6]}"
    _deploy(cfn, hstack, template(hooked, alarm, "v1", hook_verdict="Failed"))
    _deploy(cfn, hstack, template(hooked, alarm, "v2", hook_verdict="Failed"))
    assert _status_and_events(cfn, hstack)[0] == "UPDATE_ROLLBACK_COMPLETE"


def test_an_update_without_a_new_version_completes_at_once(world):
    cfn = boto3.client("cloudformation")
    fn, stack = f"orders-{uuid.uuid4().hex[:6]}", f"wait-{uuid.uuid4().hex[:6]}"
    _deploy(cfn, stack, template(fn, "a", "v1"))
    _deploy(cfn, stack, template(fn, "b", "v1"))          # only the alarm's name changed: no new version
    assert _status_and_events(cfn, stack)[0] == "UPDATE_COMPLETE"
    app, group = _names(stack)
    info = boto3.client("codedeploy").get_deployment_group(applicationName=app, deploymentGroupName=group)
    assert info["deploymentGroupInfo"]["alarmConfiguration"]["alarms"] == [{"name": "b"}]
