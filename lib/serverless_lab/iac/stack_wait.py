"""A stack update waits for the CodeDeploy deployments it started, as CloudFormation does.

With SAM's ``DeploymentPreference`` the alias carries an ``UpdatePolicy`` (``CodeDeployLambdaAliasUpdate``):
CloudFormation hands the alias update to CodeDeploy and the stack stays ``UPDATE_IN_PROGRESS``
until the deployment ends. If the deployment succeeds the update completes (``UPDATE_COMPLETE``);
if it fails or is stopped (an alarm, a hook, ``StopDeployment``), the stack update fails and rolls
back (``UPDATE_ROLLBACK_IN_PROGRESS`` → ``UPDATE_ROLLBACK_COMPLETE``) ("UpdatePolicy attribute",
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-updatepolicy.html;
"Deploying serverless applications gradually with AWS SAM",
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/automating-updates-to-serverless-apps.html).

Here the deployment runs on the lab clock: the update "waits" in that ``describe_stacks`` answers
``UPDATE_IN_PROGRESS`` until ``aws.clock.advance(...)`` has carried the shift to its end (the
stack's events then show how it ended). What differs from AWS: the rollback sets the stack's
status and events and the alias (CodeDeploy already moved it back to the old version), but does
not re-apply the previous template to the other resources (the function's ``$LATEST`` keeps the
new code), and the stack accepts another update while one is in progress (AWS refuses it).
"""

from __future__ import annotations

from typing import Any

from . import traffic


def shift_ids() -> set[str]:
    """The deployments that exist now (taken before an update, to find the ones it starts)."""
    return {s.deployment_id for s in traffic.traffic_shifts()}


def hold(stack: Any, before: set[str]) -> None:
    """After moto's update of ``stack``: keep it UPDATE_IN_PROGRESS while its new deployments run."""
    started = [s for s in traffic.traffic_shifts() if s.deployment_id not in before]
    if not started:
        return
    if stack.events and stack.events[-1].resource_status == "UPDATE_COMPLETE":
        stack.events.pop()            # moto's: the update is not complete yet
    stack.status = "UPDATE_IN_PROGRESS"
    for shift in started:
        if not shift.done:
            shift.on_done.append(lambda: _settle(stack, started))
    _settle(stack, started)


def _settle(stack: Any, started: list[traffic.TrafficShift]) -> None:
    if stack.status != "UPDATE_IN_PROGRESS" or not all(s.done for s in started):
        return
    failed = [s for s in started if s.status != "Succeeded"]
    if not failed:
        stack._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        stack._add_stack_event("UPDATE_COMPLETE")
        stack.status = "UPDATE_COMPLETE"
        return
    reason = "; ".join(f"CodeDeploy deployment {s.deployment_id} of {s.function_name}:{s.alias} ended "
                       f"{s.status} ({s.error_code}: {s.error_message})" for s in failed)
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
    stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
    stack.status = "UPDATE_ROLLBACK_COMPLETE"


__all__ = ["hold", "shift_ids"]
