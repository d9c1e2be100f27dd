"""Infrastructure as code in the mocked world: SAM templates through CloudFormation.

``cloudformation.create_stack`` (or a change set) with ``Transform: AWS::Serverless-2016-10-31``
works through boto3 as on AWS: the template is expanded with AWS's SAM translator
(:mod:`.sam`), and moto's CloudFormation creates the resources, with the types moto lacks or
half-builds supplied by :mod:`.resources` so that they behave (functions run, the S3 trigger
fires, the API answers on its URL, the dead-letter queue receives failures). Metrics that
functions log in CloudWatch's embedded metric format land in CloudWatch through the ``emf``
extension (:mod:`serverless_lab.emf`), with or without a stack.

``mock_aws(s3_notifications="async")`` makes S3 invoke Lambda asynchronously as AWS does
(retries, then the function's dead-letter queue); without it S3 calls the function
synchronously, before ``put_object`` returns, as the earlier labs describe.

``mock_aws()`` activates this extension; a lab reaches it as ``aws.extension("iac")``::

    from serverless_lab.iac import deploy, delete
    app = deploy("template.yaml", stack_name="capstone")   # sam build + package + deploy
    app.outputs["ApiUrl"]                                   # https://<id>.execute-api...
    delete("capstone")                                      # removes everything it created

Every change to moto goes through :mod:`serverless_lab.cloud.patching` seams, undone at stop().
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cloud.patching import Patcher, seam
from ..errors import LabError
from . import catalog, codedeploy, resources, sam, stack_wait, traffic
from . import update as stack_update
from .artifacts import artifacts_bucket, build_layer, package
from .sam import SUPPORTED, TemplateError, translate
from .traffic import TrafficShift, traffic_shifts

if TYPE_CHECKING:
    from ..cloud.session import MockSession

__all__ = ["activate", "deploy", "delete", "describe", "Deployment", "translate", "TemplateError", "SUPPORTED",
           "build_layer", "package", "IacHandle", "traffic_shifts", "TrafficShift"]

STACK_TEMPLATE = seam(
    "moto.cloudformation.models:Stack._parse_template", extension="iac",
    why="moto's CloudFormation has no SAM transform; a template with Transform: "
        "AWS::Serverless-2016-10-31 is expanded with aws-sam-translator, as CloudFormation does")
CREATE_CHANGE_SET = seam(
    "moto.cloudformation.models:CloudFormationBackend.create_change_set", extension="iac",
    why="a template CloudFormation cannot process (a failed transform, an unsupported resource) gives "
        "a change set with Status FAILED and its StatusReason, as on AWS; moto has no such failure")
CREATE_RESOURCES = seam(
    "moto.cloudformation.models:Stack.create_resources", extension="iac",
    why="a resource that fails to create rolls the stack back (what was created is deleted, "
        "ROLLBACK_COMPLETE, the reason in the events); moto leaves a half-created stack and a traceback")
RESOURCE_MAP_UPDATE = seam(
    "moto.cloudformation.parsing:ResourceMap.update", extension="iac",
    why="moto removes, then adds, then modifies, ignoring the dependency graph (a version SAM publishes "
        "for new code was published before the function had it) and deletes Retain resources; "
        "CloudFormation updates along Ref/GetAtt/Sub/DependsOn and removes last, keeping Retain")
RESOURCE_MAP_DELETE = seam(
    "moto.cloudformation.parsing:ResourceMap.delete", extension="iac",
    why="moto deletes a stack's resources in set order, retrying what fails; CloudFormation deletes in "
        "reverse dependency order (an alias before its function), so nothing fails for being out of order")
CHANGE_SET_TEMPLATE = seam(
    "moto.cloudformation.models:ChangeSet._parse_template", extension="iac",
    why="change sets (what sam deploy creates) read the template separately; same SAM expansion")
RESOURCE_CLASS = seam(
    "moto.cloudformation.parsing:resource_class_from_type", extension="iac",
    why="moto skips ApiGatewayV2/Stage/EventInvokeConfig and drops a function's layers and DLQ, a "
        "bucket's notifications and CORS, a REST API's Body; the course's classes build them fully")
EXECUTE_CHANGE_SET = seam(
    "moto.cloudformation.models:CloudFormationBackend.execute_change_set", extension="iac",
    why="moto keeps the stack's outputs from before the change set (none for a CREATE change set, "
        "what sam deploy uses); CloudFormation recomputes them from the new template")
STACK_UPDATE = seam(
    "moto.cloudformation.models:Stack.update", extension="iac",
    why="moto's stack update completes at once; with a SAM DeploymentPreference CloudFormation waits for "
        "the CodeDeploy deployment (UPDATE_IN_PROGRESS until it ends, UPDATE_ROLLBACK_COMPLETE if it fails)")
DELETE_STACK = seam(
    "moto.cloudformation.models:CloudFormationBackend.delete_stack", extension="iac",
    why="a resource that cannot be deleted (a bucket with objects) leaves the stack DELETE_FAILED "
        "and still listed, as on AWS; moto drops the stack and keeps the bucket silently")
HOOK_STATUS = seam(
    "moto.codedeploy.responses:CodeDeployResponse.put_lifecycle_event_hook_execution_status", extension="iac",
    create=True, lazy=True,
    why="moto has no PutLifecycleEventHookExecutionStatus; a SAM deployment's PreTraffic/PostTraffic hook "
        "function reports with it (iac/traffic.py)")
STOP_DEPLOYMENT = seam(
    "moto.codedeploy.responses:CodeDeployResponse.stop_deployment", extension="iac", create=True, lazy=True,
    why="moto has no StopDeployment; stopping a SAM gradual deployment stops its traffic shift and rolls the "
        "alias back (iac/traffic.py, iac/codedeploy.py)")
DEPLOYMENT_INFO = seam(
    "moto.codedeploy.responses:_deployment_info", extension="iac", lazy=True,
    why="moto's GetDeployment leaves errorInformation and rollbackInfo empty; a Lambda deployment shows "
        "why it stopped (ALARM_ACTIVE, HOOK_EXECUTION_FAILURE, MANUAL_STOP) and its rollback deployment")
DEPLOYMENT_GROUP_INFO = seam(
    "moto.codedeploy.responses:_deployment_group_info", extension="iac", lazy=True,
    why="moto's GetDeploymentGroup leaves alarmConfiguration empty; a SAM deployment group shows the "
        "DeploymentPreference's alarms")
ROLE_FROM_TEMPLATE = seam(
    "moto.iam.models:Role.create_from_cloudformation_json", extension="iac",
    why="moto's CloudFormation drops an AWS::IAM::Role's ManagedPolicyArns (where SAM puts "
        "AWSLambdaBasicExecutionRole and the managed policies a function lists): they are attached, as "
        "CloudFormation does, so list_attached_role_policies and the policy simulator see them")
ROLE_DELETE = seam(
    "moto.iam.models:Role.delete_from_cloudformation_json", extension="iac",
    why="CloudFormation detaches a role's managed policies before it deletes the role (moto refuses with "
        "DeleteConflict once ManagedPolicyArns are attached)")
S3_TO_LAMBDA = seam(
    "moto.s3.notifications:_invoke_awslambda", extension="iac",
    why="S3 invokes Lambda asynchronously (retries, then the dead-letter queue); moto calls the "
        "function synchronously. Installed only when the session asks: mock_aws(s3_notifications='async')")


class IacHandle:
    """The running extension of one session (``aws.extension("iac")``)."""

    def __init__(self, session: MockSession) -> None:
        self.session = session
        self._patcher = Patcher()
        self.stacks: dict[str, str] = {}  # stack name → template path deployed from

    def start(self) -> IacHandle:
        from moto.cloudformation.exceptions import ValidationError

        # A stack creates functions and APIs through moto's backends directly, not through the
        # service calls that would activate the runtime and the API Gateway integration: start them.
        for name in ("lambda", "integrations"):
            try:
                self.session.extension(name)
            except LabError:
                pass  # left out with mock_aws(extensions=[...]): the stack is created, nothing runs

        def expand(original: Any) -> Any:
            def _parse_template(stack: Any) -> None:
                owner = getattr(stack, "stack", None) or stack  # a ChangeSet names its stack
                try:
                    if isinstance(stack.template, str):
                        # moto's YAML loader mangles short forms (!GetAtt [A, Arn], !Condition,
                        # !Transform) and keeps dates; the course parses as CloudFormation does
                        stack.template_dict = sam.load(stack.template)
                    else:
                        original(stack)
                        stack.template_dict = sam.normalise(stack.template_dict)
                    region = getattr(owner, "region_name", None) or self.session.region
                    account = getattr(owner, "account_id", None) or self.session.account_id
                    stack.template_dict = prepare(stack.template_dict, getattr(stack, "parameters", None),
                                                  account, region)
                except TemplateError as exc:
                    failure = f"{exc.message} {exc.next_step}".strip()
                    if not hasattr(stack, "change_set_id"):
                        raise ValidationError(message=failure) from None
                    # a change set is created FAILED, with the reason (what `sam deploy` prints)
                    stack.template_dict = {"Resources": {}}
                    stack.lab_failure = failure
            return _parse_template

        self._patcher.replace(STACK_TEMPLATE, expand(STACK_TEMPLATE.current()))
        self._patcher.replace(CHANGE_SET_TEMPLATE, expand(CHANGE_SET_TEMPLATE.current()))
        original_create_cs = CREATE_CHANGE_SET.current()

        def create_change_set(backend: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
            change_set_id, stack_id = original_create_cs(backend, *args, **kwargs)
            cs = backend.change_sets[change_set_id]
            failure = getattr(cs, "lab_failure", None)
            if failure:
                cs.status, cs.execution_status, cs.status_reason = "FAILED", "UNAVAILABLE", failure
                cs.changes = []
            return change_set_id, stack_id

        self._patcher.replace(CREATE_CHANGE_SET, create_change_set)
        original_create_resources = CREATE_RESOURCES.current()

        def create_resources(stack: Any) -> None:
            try:
                original_create_resources(stack)
            except Exception as exc:  # noqa: BLE001 - recorded as CloudFormation does, never dropped
                _roll_back(stack, exc)

        self._patcher.replace(CREATE_RESOURCES, create_resources)
        original_execute = EXECUTE_CHANGE_SET.current()

        def execute_change_set(backend: Any, change_set_name: str, stack_name: str | None = None) -> None:
            cs = backend.change_sets.get(change_set_name) or next(
                (c for c in backend.change_sets.values() if c.change_set_name == change_set_name), None)
            if cs is not None and cs.status == "FAILED":
                raise InvalidChangeSetStatus(cs.change_set_id, cs.status)
            before = stack_wait.shift_ids()
            if cs is not None and cs.change_set_type == "CREATE":
                stack = backend.stacks[cs.stack_id]
                try:
                    original_execute(backend, change_set_name, stack_name)
                except Exception as exc:  # noqa: BLE001 - recorded as CloudFormation does, never dropped
                    cs.execution_status = "EXECUTE_FAILED"
                    _roll_back(stack, exc)
                    return
            else:
                original_execute(backend, change_set_name, stack_name)
            for stack in list(backend.stacks.values()):
                cs = next((c for c in backend.change_sets.values()
                           if c.stack_id == stack.stack_id and c.execution_status == "EXECUTE_COMPLETE"
                           and (c.change_set_id == change_set_name or c.change_set_name == change_set_name)), None)
                if cs is not None:
                    stack.template_dict = cs.template_dict
                    stack.description = cs.template_dict.get("Description")
                    stack.output_map = stack._create_output_map()
                    if cs.change_set_type == "UPDATE":
                        stack_wait.hold(stack, before)

        self._patcher.replace(EXECUTE_CHANGE_SET, execute_change_set)
        original_update = STACK_UPDATE.current()

        def update(stack: Any, template: str, role_arn: str | None = None,
                   parameters: dict[str, Any] | None = None, tags: dict[str, str] | None = None) -> None:
            before = stack_wait.shift_ids()
            original_update(stack, template, role_arn=role_arn, parameters=parameters, tags=tags)
            stack_wait.hold(stack, before)

        self._patcher.replace(STACK_UPDATE, update)
        original_delete = DELETE_STACK.current()

        def delete_stack(backend: Any, name_or_stack_id: str) -> None:
            stack = next((s for s in backend.stacks.values()
                          if name_or_stack_id in (s.name, s.stack_id)), None)
            try:
                original_delete(backend, name_or_stack_id)
            except resources.BucketNotEmpty as exc:
                if stack is None:
                    raise
                stack._add_stack_event("DELETE_FAILED", resource_status_reason=str(exc))
                stack.status = "DELETE_FAILED"
                backend.stacks[stack.stack_id] = stack

        self._patcher.replace(DELETE_STACK, delete_stack)
        original_class = RESOURCE_CLASS.current()
        self._patcher.replace(RESOURCE_MAP_UPDATE, stack_update.update)
        self._patcher.replace(RESOURCE_MAP_DELETE, stack_update.delete)
        self._patcher.replace(RESOURCE_CLASS, lambda resource_type: catalog.resource_class(resource_type, original_class))
        if self.session.options.get("s3_notifications", "sync") == "async":
            self._patcher.replace(S3_TO_LAMBDA, _invoke_async)
        self._patcher.on_import("moto.codedeploy.responses", _install_hook_status(self._patcher))
        self._patcher.replace(ROLE_FROM_TEMPLATE, classmethod(_role_with_managed_policies(ROLE_FROM_TEMPLATE.current())))
        self._patcher.replace(ROLE_DELETE, classmethod(_role_detached_first(ROLE_DELETE.current())))
        # aws-sam-translator takes about a second to import: do it while the lab gets ready
        threading.Thread(target=_prewarm, name="serverless-lab-sam-import", daemon=True).start()
        return self

    def stop(self) -> None:
        traffic.clear()
        self._patcher.undo()

    def __repr__(self) -> str:
        return f"<iac: SAM transform on; {len(self.stacks)} stack(s) deployed with deploy()>"


def _role_with_managed_policies(original: Any) -> Any:
    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        from moto.iam.models import iam_backends
        from moto.utilities.utils import get_partition

        role = original(resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = iam_backends[account_id][get_partition(region_name)]
        for arn in (cloudformation_json.get("Properties") or {}).get("ManagedPolicyArns") or []:
            backend.attach_role_policy(arn, role.name)
        return role
    return create_from_cloudformation_json


def _role_detached_first(original: Any) -> Any:
    def delete_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        from moto.iam.models import iam_backends
        from moto.utilities.utils import get_partition

        backend = iam_backends[account_id][get_partition(region_name)]
        for role in [r for r in backend.roles.values() if r.name == resource_name]:
            for arn in list(role.managed_policies):
                backend.detach_role_policy(arn, role.name)
        original(resource_name, cloudformation_json, account_id, region_name)
    return delete_from_cloudformation_json


def _install_hook_status(patcher: Patcher) -> Any:
    def install(_module: Any) -> None:
        def put_lifecycle_event_hook_execution_status(response: Any) -> Any:
            from moto.codedeploy.exceptions import DeploymentDoesNotExistException
            from moto.core.responses import ActionResult

            deployment_id = response._get_param("deploymentId")
            execution_id = response._get_param("lifecycleEventHookExecutionId")
            status = response._get_param("status")
            if not traffic.report_hook(deployment_id, execution_id, status):
                raise DeploymentDoesNotExistException(f"The deployment {deployment_id} could not be found.")
            return ActionResult({"lifecycleEventHookExecutionId": execution_id})

        def stop_deployment(response: Any) -> Any:
            from moto.codedeploy.exceptions import CodeDeployException, DeploymentDoesNotExistException
            from moto.core.responses import ActionResult

            deployment_id = response._get_param("deploymentId")
            auto_rollback = response._get_param("autoRollbackEnabled")
            shift = traffic.find(deployment_id)
            if shift is None:
                raise DeploymentDoesNotExistException(
                    f"The deployment {deployment_id} does not exist with the user or AWS account.")
            if shift.done:
                raise CodeDeployException("DeploymentAlreadyCompletedException",
                                          f"The deployment {deployment_id} is already complete ({shift.status}).")
            traffic.stop(deployment_id, auto_rollback)
            return ActionResult({"status": "Succeeded", "statusMessage": shift.error_message or ""})

        original_info = DEPLOYMENT_INFO.current()
        original_group_info = DEPLOYMENT_GROUP_INFO.current()

        def _deployment_info(deployment: Any) -> dict[str, Any]:
            return codedeploy.describe(original_info(deployment), deployment)

        def _deployment_group_info(deployment_group: Any) -> dict[str, Any]:
            return codedeploy.describe_group(original_group_info(deployment_group), deployment_group)

        patcher.replace(HOOK_STATUS, put_lifecycle_event_hook_execution_status)
        patcher.replace(STOP_DEPLOYMENT, stop_deployment)
        patcher.replace(DEPLOYMENT_INFO, _deployment_info)
        patcher.replace(DEPLOYMENT_GROUP_INFO, _deployment_group_info)
    return install


def _roll_back(stack: Any, exc: Exception) -> None:
    """A failed creation: delete what was created, ROLLBACK_COMPLETE, the reason in the events."""
    reason = _reason(exc)
    failed = next((k for k in stack.resource_map._resource_json_map
                   if k not in stack.resource_map._parsed_resources), "")
    stack._add_stack_event("CREATE_FAILED", resource_status_reason=reason)
    stack.status = "ROLLBACK_IN_PROGRESS"
    stack._add_stack_event("ROLLBACK_IN_PROGRESS", resource_status_reason=(
        f"The following resource(s) failed to create: [{failed}]. Rollback requested by user."))
    stack.resource_map.delete()
    stack.status = "ROLLBACK_COMPLETE"
    stack._add_stack_event("ROLLBACK_COMPLETE")


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    hint = getattr(exc, "next_step", "")
    return f"{message} {hint}".strip()


def InvalidChangeSetStatus(change_set_id: str, status: str) -> Exception:  # noqa: N802 - AWS's name
    """ExecuteChangeSet's InvalidChangeSetStatus error (CloudFormation API reference, ExecuteChangeSet)."""
    from moto.cloudformation.exceptions import CloudFormationError

    class InvalidChangeSetStatusError(CloudFormationError):
        code = "InvalidChangeSetStatus"

    return InvalidChangeSetStatusError(
        f"ChangeSet [{change_set_id}] cannot be executed in its current status of [{status}]")


def prepare(template: dict[str, Any], parameters: dict[str, Any] | None, account: str,
            region: str) -> dict[str, Any]:
    """A parsed template as CloudFormation processes it: includes, then the SAM transform, then checks."""
    if sam.has_include(template):
        template = sam.expand_includes(template, lambda uri: _read_s3(uri, account))
    if sam.has_sam_transform(template):
        params = _defaults(template)
        params.update(parameters or {})
        try:
            return translate(template, params, region=region)
        except TemplateError as exc:
            exc.message = f"Transform {sam.SAM_TRANSFORM} failed with: {exc.message}"
            raise
    sam.check_plain(template)
    return template


def _read_s3(uri: str, account: str) -> str:
    """The text of an ``s3://bucket/key`` object in the mocked world (an AWS::Include snippet)."""
    from moto.s3.models import s3_backends

    bucket, _, key = uri[len("s3://"):].partition("/")
    try:
        return s3_backends[account]["aws"].get_object(bucket, key).value.decode("utf-8")
    except Exception as exc:  # noqa: BLE001 - moto's MissingBucket / MissingKey: say which
        raise TemplateError(f"AWS::Include could not read {uri}: {type(exc).__name__}.",
                            "Upload the snippet first (serverless_lab.iac.deploy uploads a local "
                            "Location for you, as `sam deploy` does).") from None


def _prewarm() -> None:
    try:
        import samtranslator.parser.parser  # noqa: F401
        import samtranslator.translator.translator  # noqa: F401
    except Exception:  # noqa: BLE001 - translate() imports (and reports) it again when needed
        pass


def _invoke_async(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """S3's event notification to Lambda, as AWS sends it: an asynchronous invocation."""
    try:
        from moto.awslambda.utils import get_backend

        func = get_backend(account_id, region_name).get_function(fn_arn)
        func.invoke(json.dumps(event_body), {"x-amz-invocation-type": "Event"}, {})
    except Exception:  # noqa: BLE001 - as moto: a missing function never fails the upload
        pass


def _defaults(template: dict[str, Any]) -> dict[str, Any]:
    return {k: v["Default"] for k, v in (template.get("Parameters") or {}).items()
            if isinstance(v, dict) and "Default" in v}


def activate(session: MockSession) -> IacHandle:
    """Extension entry point (see ``serverless_lab.cloud.extensions``)."""
    handle = IacHandle(session)
    try:
        return handle.start()
    except BaseException:
        handle.stop()
        raise


@dataclass
class Deployment:
    """What ``deploy`` made: the stack, its outputs and its resources (logical → physical id)."""

    stack_name: str
    stack_id: str
    status: str
    outputs: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    resource_types: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def __repr__(self) -> str:
        lines = [f"Stack {self.stack_name}: {self.status} in {self.seconds:.2f} s, "
                 f"{len(self.resources)} resources"]
        lines += [f"  {k} = {v}" for k, v in self.outputs.items()]
        return "\n".join(lines)


def _session() -> MockSession:
    from ..cloud.session import current_session

    session = current_session()
    if session is None:
        raise LabError("No mocked world is running.", "Start one first: `aws = start_lab()`.")
    return session


def deploy(template: str | Path = "template.yaml", stack_name: str = "capstone", *,
           parameters: dict[str, str] | None = None, base_dir: str | Path | None = None) -> Deployment:
    """``sam build && sam deploy`` into the mocked world: package, change set, execute.

    ``template`` is a path (or the template's text); local ``CodeUri`` / ``ContentUri``
    folders are resolved against ``base_dir`` (default: the template's folder).
    """
    import boto3

    session = _session()
    started = time.perf_counter()
    path = Path(template) if not str(template).lstrip().startswith(("{", "AWSTemplate", "Transform")) \
        and "\n" not in str(template) else None
    if path is not None and not path.exists():
        raise LabError(f"There is no template at {path}.", "Pass the path of template.yaml.")
    text = path.read_text() if path else str(template)
    base = Path(base_dir) if base_dir else (path.parent if path else Path.cwd())
    body = sam.load(text)
    if sam.has_sam_transform(body) and not sam.has_include(body):
        sam.check(body)  # before anything is uploaded (with includes: once CloudFormation inserted them)
    s3 = boto3.client("s3", region_name=session.region)
    body = package(body, base, s3, artifacts_bucket(s3, session.account_id, session.region))
    cfn = boto3.client("cloudformation", region_name=session.region)
    exists = _stack_exists(cfn, stack_name)
    change_set = cfn.create_change_set(
        StackName=stack_name, ChangeSetName=f"deploy-{uuid.uuid4().hex[:8]}",
        ChangeSetType="UPDATE" if exists else "CREATE", TemplateBody=json.dumps(body),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in (parameters or {}).items()])
    described = cfn.describe_change_set(ChangeSetName=change_set["Id"], StackName=stack_name)
    if described["Status"] == "FAILED":
        cfn.delete_change_set(ChangeSetName=change_set["Id"], StackName=stack_name)
        if not exists:
            cfn.delete_stack(StackName=stack_name)  # the empty REVIEW_IN_PROGRESS stack: nothing is left
        raise TemplateError(f"The change set failed: {described.get('StatusReason')}",
                            "Fix the template and deploy again.")
    cfn.execute_change_set(ChangeSetName=change_set["Id"], StackName=stack_name)
    status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
    if status in ("ROLLBACK_COMPLETE", "UPDATE_FAILED"):
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
        reason = next((e.get("ResourceStatusReason") for e in events
                       if e["ResourceStatus"].endswith("_FAILED") and e.get("ResourceStatusReason")), status)
        raise LabError(f"The stack {stack_name} could not be deployed ({status}): {reason}",
                       "Fix the template, delete the stack (serverless_lab.iac.delete) and deploy again.")
    handle = session.extensions.get("iac")
    if handle is not None:
        handle.stacks[stack_name] = str(path or "<text>")
    out = describe(stack_name)
    out.seconds = time.perf_counter() - started
    return out


def _stack_exists(cfn: Any, name: str) -> bool:
    try:
        stacks = cfn.describe_stacks(StackName=name)["Stacks"]
    except cfn.exceptions.ClientError:
        return False
    return any(s["StackStatus"] not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS") for s in stacks)


def describe(stack_name: str) -> Deployment:
    """The stack as CloudFormation reports it (status, outputs, resources)."""
    import boto3

    session = _session()
    cfn = boto3.client("cloudformation", region_name=session.region)
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    listed = cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    return Deployment(
        stack_name=stack_name, stack_id=stack["StackId"], status=stack["StackStatus"],
        outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        resources={r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in listed},
        resource_types={r["LogicalResourceId"]: r["ResourceType"] for r in listed})


def delete(stack_name: str, *, empty_buckets: bool = False) -> str:
    """``sam delete``: delete the stack (and, if asked, empty its buckets first, as AWS requires)."""
    import boto3

    session = _session()
    cfn = boto3.client("cloudformation", region_name=session.region)
    if empty_buckets:
        s3 = boto3.resource("s3", region_name=session.region)
        for r in cfn.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]:
            if r["ResourceType"] == "AWS::S3::Bucket":
                s3.Bucket(r["PhysicalResourceId"]).object_versions.delete()
    stack_id = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackId"]
    cfn.delete_stack(StackName=stack_name)
    status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
    handle = session.extensions.get("iac")
    if handle is not None:
        handle.stacks.pop(stack_name, None)
    return status
