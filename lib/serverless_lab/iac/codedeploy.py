"""CodeDeploy's view of a SAM ``DeploymentPreference``: an application, a deployment group, deployments.

For a function with ``AutoPublishAlias`` and a ``DeploymentPreference``, SAM adds an
``AWS::CodeDeploy::Application`` (logical id ``ServerlessDeploymentApplication``, compute platform
``Lambda``) and, per function, an ``AWS::CodeDeploy::DeploymentGroup`` (``<Function>DeploymentGroup``)
whose configuration is ``CodeDeployDefault.Lambda<Type>``, with the preference's alarms and automatic
rollback on ``DEPLOYMENT_FAILURE``, ``DEPLOYMENT_STOP_ON_ALARM`` and ``DEPLOYMENT_STOP_ON_REQUEST``
(aws-sam-translator, ``samtranslator/model/preferences/deployment_preference_collection.py``;
"Deploying serverless applications gradually with AWS SAM",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html).
Each stack update that publishes a new version is then one CodeDeploy deployment, read with
``get_deployment`` / ``batch_get_deployments`` / ``list_deployments`` and stopped with
``stop_deployment`` ("GetDeployment", https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeployment.html;
"StopDeployment", https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html).

The course drives the traffic shift itself (:mod:`.traffic`); this module registers it in moto's
CodeDeploy backend, so that boto3's ``codedeploy`` client sees what CodeDeploy would show:
``status`` (Created → InProgress → Succeeded, or Stopped/Failed), ``errorInformation``
(``ALARM_ACTIVE``, ``HOOK_EXECUTION_FAILURE``, ``MANUAL_STOP``), the revision as a Lambda AppSpec
(``AppSpecContent``: function, alias, current and target version, hooks; "AppSpec 'resources'
section for an AWS Lambda deployment",
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html),
and, when it rolled back, ``rollbackInfo`` naming the rollback deployment (a new deployment
created by ``codeDeployRollback`` that redeploys the previous version: "Redeploy and roll back a
deployment with CodeDeploy", https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).

What differs from AWS: the application and deployment groups are not stack resources (they are
created with the function's alias and deleted with it); the CodeDeploy service role SAM would
create is named in ``serviceRoleArn`` but not created; times are the lab clock's.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .traffic import TrafficShift

APPLICATION_LOGICAL_ID = "ServerlessDeploymentApplication"
ROLLBACK_EVENTS = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"]


def _backend(account_id: str, region: str) -> Any:
    from moto.codedeploy.models import codedeploy_backends

    return codedeploy_backends[account_id][region]


def _suffix() -> str:
    return "".join(random.choices(string.ascii_uppercase + string.digits, k=12))


def physical_name(stack_name: str, logical_id: str) -> str:
    """The name CloudFormation gives a resource the template does not name: stack-LogicalId-SUFFIX."""
    return f"{stack_name}-{logical_id}-{_suffix()}"


def stack_name_of(stack_id: str | None) -> str | None:
    """``arn:aws:cloudformation:region:account:stack/NAME/uuid`` → NAME."""
    if not stack_id or ":stack/" not in stack_id:
        return None
    return stack_id.split(":stack/", 1)[1].split("/", 1)[0]


def config_name(kind: str) -> str:
    """SAM's ``Type: Canary10Percent5Minutes`` → ``CodeDeployDefault.LambdaCanary10Percent5Minutes``."""
    return f"CodeDeployDefault.Lambda{kind}"


def ensure_group(stack_name: str, function_logical_id: str, preference: dict[str, Any], account_id: str,
                 region: str) -> tuple[str, str]:
    """The stack's CodeDeploy application and the function's deployment group (created if missing)."""
    backend = _backend(account_id, region)
    app = next((name for name in backend.applications
                if name.startswith(f"{stack_name}-{APPLICATION_LOGICAL_ID}-")), None)
    if app is None:
        app = physical_name(stack_name, APPLICATION_LOGICAL_ID)
        backend.create_application(app, "Lambda", [])
    prefix = f"{stack_name}-{function_logical_id}DeploymentGroup-"
    group = next((name for name in backend.deployment_groups.get(app, {}) if name.startswith(prefix)), None)
    if group is None:
        from moto.codedeploy.models import AlarmConfiguration

        group = physical_name(stack_name, f"{function_logical_id}DeploymentGroup")
        alarms = [{"name": str(a)} for a in (preference.get("Alarms") or []) if a]
        backend.create_deployment_group(
            app, group, config_name(str(preference["Type"])), None, None, None,
            f"arn:aws:iam::{account_id}:role/{physical_name(stack_name, 'CodeDeployServiceRole')}",
            alarm_configuration=AlarmConfiguration(alarms, bool(alarms)) if alarms else None,
            auto_rollback_configuration={"enabled": True, "events": list(ROLLBACK_EVENTS)},
            deployment_style={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"})
    else:
        update_group(app, group, preference, account_id, region)
    return app, group


def update_group(app: str, group: str, preference: dict[str, Any], account_id: str, region: str) -> None:
    """A stack update changes the group's configuration and alarms with the preference."""
    from moto.codedeploy.models import AlarmConfiguration

    dg = _backend(account_id, region).deployment_groups[app][group]
    dg.deployment_config_name = config_name(str(preference["Type"]))
    alarms = [{"name": str(a)} for a in (preference.get("Alarms") or []) if a]
    dg.alarm_configuration = AlarmConfiguration(alarms, bool(alarms)) if alarms else None


def delete_group(stack_name: str, function_logical_id: str, account_id: str, region: str) -> None:
    """The function's group goes with its alias; the application with the stack's last group."""
    backend = _backend(account_id, region)
    for app in [a for a in backend.applications if a.startswith(f"{stack_name}-{APPLICATION_LOGICAL_ID}-")]:
        groups = backend.deployment_groups.get(app, {})
        for name in [g for g in groups if g.startswith(f"{stack_name}-{function_logical_id}DeploymentGroup-")]:
            del groups[name]
        if not groups:
            backend.deployment_groups.pop(app, None)
            backend.applications.pop(app, None)


def appspec(shift: TrafficShift, current: str, target: str) -> dict[str, Any]:
    """The Lambda AppSpec CodeDeploy deploys: the alias moves from ``current`` to ``target``."""
    spec: dict[str, Any] = {"version": 0.0, "Resources": [{shift.function_name: {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Name": shift.function_name, "Alias": shift.alias,
                       "CurrentVersion": current, "TargetVersion": target}}}]}
    hooks = [{event: shift.hooks[which]} for which, event in (("PreTraffic", "BeforeAllowTraffic"),
                                                              ("PostTraffic", "AfterAllowTraffic"))
             if shift.hooks.get(which)]
    if hooks:
        spec["Hooks"] = hooks
    return spec


def revision(spec: dict[str, Any]) -> dict[str, Any]:
    content = json.dumps(spec)
    return {"revisionType": "AppSpecContent",
            "appSpecContent": {"content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()}}


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=timezone.utc)


_CLASS: Any = None


def _deployment_class() -> Any:
    """moto's ``DeploymentInfo`` whose status, times and overview are the traffic shift's."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    from moto.codedeploy.models import DeploymentInfo

    class LambdaDeployment(DeploymentInfo):  # type: ignore[misc]
        shift: TrafficShift
        fixed_status: str | None = None       # a rollback deployment: done when created

        @property
        def status(self) -> str:
            return self.fixed_status or self.shift.status

        @status.setter
        def status(self, value: str) -> None:
            pass   # moto's constructor sets "Created"; the shift says what it is

        @property
        def start_time(self) -> datetime | None:
            return _when(self.shift.started_at) if self.fixed_status is None else self.create_time

        @start_time.setter
        def start_time(self, value: Any) -> None:
            pass

        @property
        def complete_time(self) -> datetime | None:
            if self.fixed_status is not None:
                return self.create_time
            return _when(self.shift.completed_at)

        @complete_time.setter
        def complete_time(self, value: Any) -> None:
            pass

        @property
        def deployment_overview(self) -> dict[str, int]:
            # one target, the function: where it is in the deployment
            state = {"Created": "Pending", "InProgress": "InProgress", "Succeeded": "Succeeded"}.get(
                self.status, "Failed")
            return {k: int(k == state) for k in ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")}

        @deployment_overview.setter
        def deployment_overview(self, value: Any) -> None:
            pass

    _CLASS = LambdaDeployment
    return _CLASS


def register(shift: TrafficShift, account_id: str, region: str) -> None:
    """Make the shift a deployment of its group, visible to ``codedeploy.get_deployment``."""
    if not shift.application or not shift.deployment_group:
        return
    backend = _backend(account_id, region)
    app = backend.applications[shift.application]
    group = backend.deployment_groups[shift.application][shift.deployment_group]
    deployment = _deployment_class()(
        app, group, revision(appspec(shift, shift.old_version, shift.new_version)),
        config_name(shift.type), None, None, None, group.auto_rollback_configuration, None, None, None,
        "CloudFormation")
    deployment.shift = shift
    deployment.deployment_id = shift.deployment_id
    deployment.create_time = _when(shift.created_at)
    backend.deployments[shift.deployment_id] = deployment


def record_rollback(shift: TrafficShift, account_id: str, region: str) -> None:
    """The rollback deployment CodeDeploy creates to redeploy the previous version."""
    backend = _backend(account_id, region)
    original = backend.deployments.get(shift.deployment_id)
    if original is None:
        return
    from .traffic import new_deployment_id

    rollback = _deployment_class()(
        original.application, original.deployment_group,
        revision(appspec(shift, shift.new_version, shift.old_version)), original.deployment_config_name,
        None, None, None, original.auto_rollback_configuration, None, None, None, "codeDeployRollback")
    rollback.shift = shift
    rollback.fixed_status = "Succeeded"
    rollback.deployment_id = new_deployment_id()
    rollback.create_time = _when(shift.completed_at)
    backend.deployments[rollback.deployment_id] = rollback
    shift.rollback_deployment_id = rollback.deployment_id
    shift.rollback_message = (f"Deployment {shift.deployment_id} was rolled back by deployment "
                              f"{rollback.deployment_id}: alias {shift.alias} points at version "
                              f"{shift.old_version} again.")
    rollback.rollback_triggering = shift.deployment_id


def describe(info: dict[str, Any], deployment: Any) -> dict[str, Any]:
    """moto's GetDeployment answer with what it leaves empty for a Lambda deployment."""
    shift = getattr(deployment, "shift", None)
    if shift is None:
        return info
    info = dict(info)
    triggering = getattr(deployment, "rollback_triggering", None)
    if triggering:   # the rollback deployment itself
        info["rollbackInfo"] = {"rollbackTriggeringDeploymentId": triggering}
        info["previousRevision"] = revision(appspec(shift, shift.old_version, shift.new_version))
        info["errorInformation"] = {}
        return info
    if shift.error_code:
        info["errorInformation"] = {"code": shift.error_code, "message": shift.error_message or ""}
    else:
        info.pop("errorInformation", None)
    if shift.rollback_deployment_id:
        info["rollbackInfo"] = {"rollbackDeploymentId": shift.rollback_deployment_id,
                                "rollbackMessage": shift.rollback_message or ""}
    else:
        info.pop("rollbackInfo", None)
    info.pop("previousRevision", None)
    info["deploymentStyle"] = {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    return info


def describe_group(info: dict[str, Any], group: Any) -> dict[str, Any]:
    """moto's GetDeploymentGroup answer with the alarm configuration it leaves empty."""
    alarms = getattr(group, "alarm_configuration", None)
    if alarms is None or getattr(group.application, "compute_platform", None) != "Lambda":
        return info
    info = dict(info)
    info["alarmConfiguration"] = {"enabled": bool(alarms.enabled), "ignorePollAlarmFailure":
                                  bool(alarms.ignore_poll_alarm_failure), "alarms": list(alarms.alarms)}
    return info


__all__ = ["ensure_group", "register", "record_rollback", "describe", "describe_group", "config_name"]
