"""The runtime's seams on moto's Lambda *models* (``moto/awslambda/models.py``): state and triggers.

Like moto's own ``models.py`` this side holds behaviour, not HTTP: the seams below are where
moto's model objects are changed (each is in the inventory of docs/architecture.md, "Seams"),
and :func:`install` puts them in place for one session. The HTTP face (the Invoke API,
provisioned concurrency routes) is :mod:`.responses`.

* ``LambdaFunction.invoke(body, request_headers, response_headers)``: the single place every
  moto trigger ends (S3 notifications, SQS mappings, DynamoDB/Kinesis streams, SNS, CloudWatch
  Logs subscriptions) and the contract the integrations (API Gateway, EventBridge) call. It runs
  the handler synchronously and returns the payload bytes (contract in :mod:`.headers`).
* ``DeadLetterConfig`` (moto drops it), reserved concurrency's unreserved minimum, and
  retirement of environments on code/configuration change or deletion.
* Step Functions' Lambda client is tagged so its calls are traced as ``stepfunctions``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .. import limits
from ..cloud.patching import Patcher, seam
from . import log_format, public_layers
from .dispatch import Request, as_bytes, dispatch, lower_headers, trigger_of
from .headers import THROTTLE_HEADER, TRIGGER_HEADER
from .state import function_groups

if TYPE_CHECKING:
    from .service import LambdaRuntime

_M = "moto.awslambda.models"

FUNCTION_INVOKE = seam(
    f"{_M}:LambdaFunction.invoke", extension="lambda",
    why="moto echoes the payload without Docker; every trigger ends here, so the local runtime runs the handler")
CREATE_FUNCTION = seam(
    f"{_M}:LambdaBackend.create_function", extension="lambda",
    why="moto drops DeadLetterConfig and LoggingConfig on create; async failures need the DLQ, the runtime "
        "the log format")
DELETE_FUNCTION = seam(
    f"{_M}:LambdaBackend.delete_function", extension="lambda",
    why="a deleted function's execution environments (worker processes) must be shut down")
PUT_FUNCTION_CONCURRENCY = seam(
    f"{_M}:LambdaBackend.put_function_concurrency", extension="lambda",
    why="AWS keeps 100 (or the whole limit) unreserved; moto checks it only with MOTO_LAMBDA_CONCURRENCY_QUOTA")
UPDATE_FUNCTION_CODE = seam(
    f"{_M}:LambdaFunction.update_function_code", extension="lambda",
    why="new code retires the version's warm environments (the next call is a cold start)")
UPDATE_CONFIGURATION = seam(
    f"{_M}:LambdaFunction.update_configuration", extension="lambda",
    why="new configuration retires warm environments; moto drops DeadLetterConfig and LoggingConfig on update")
GET_CONFIGURATION = seam(
    f"{_M}:LambdaFunction.get_configuration", extension="lambda",
    why="a function's configuration as AWS answers it: CreateFunction says State Pending, every answer has "
        "RevisionId, the LoggingConfig the function asked for and RuntimeVersionConfig, keeps an empty "
        "Environment.Variables and the DeadLetterConfig moto does not keep, and has no Layers when there are none")
SFN_LAMBDA_CLIENT = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils:boto_client_for",
    extension="lambda", lazy=True,
    why="Step Functions' Lambda tasks call Invoke through boto3; tag them so the trace says stepfunctions")

def install(rt: LambdaRuntime, patcher: Patcher) -> None:
    """Put the model seams in place for ``rt``'s session (``patcher.undo()`` removes them)."""

    def invoke(self, body, request_headers, response_headers):
        h = lower_headers(request_headers)
        raw = as_bytes(body)
        req = Request(self, raw, h.get("x-amz-invocation-type") or "RequestResponse", trigger_of(h, raw),
                      trace_header=h.get("x-amzn-trace-id"))
        done = dispatch(rt, req)
        if done.kind == "refused":
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": done.problem, "errorType": "InvalidRuntimeException"}).encode()
        if done.kind in ("dryrun", "queued"):
            return b""
        result = done.result
        assert result is not None
        response_headers["x-amz-executed-version"] = result.executed_version
        if result.throttled:
            response_headers["x-amz-function-error"] = "Unhandled"
            response_headers[THROTTLE_HEADER] = result.throttled
            return json.dumps({"errorMessage": "Rate Exceeded.", "errorType": "TooManyRequestsException",
                               "Reason": result.throttled}).encode()
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
        response_headers["x-amz-log-result"] = result.log_tail
        return result.payload

    orig_create = CREATE_FUNCTION.current()
    orig_delete = DELETE_FUNCTION.current()
    orig_put_conc = PUT_FUNCTION_CONCURRENCY.current()
    orig_update_code = UPDATE_FUNCTION_CODE.current()
    orig_update_cfg = UPDATE_CONFIGURATION.current()
    orig_get_cfg = GET_CONFIGURATION.current()

    def create_function(self, spec):
        _refuse_blocked_runtime(spec.get("Runtime"), "create")
        logging_config = log_format.resolve(spec["LoggingConfig"]) if "LoggingConfig" in spec else None
        fn = orig_create(self, spec)
        _new_revision(fn, spec)
        if logging_config is not None:
            group = function_groups(self)[spec["FunctionName"]]
            for v in (group["latest"], *group["versions"], fn):
                log_format.store(v, logging_config)
        dlc = spec.get("DeadLetterConfig")
        if dlc:
            group = function_groups(self)[spec["FunctionName"]]
            for v in (group["latest"], *group["versions"], fn):
                v.dead_letter_config = dlc
        return fn

    def delete_function(self, function_name, qualifier=None):
        orig_delete(self, function_name, qualifier)
        name = function_name.split(":function:")[-1].split(":")[0] if function_name.startswith("arn:") \
            else function_name.split(":")[0]
        rt.retire(name, qualifier if qualifier else None, region=self.region_name, account_id=self.account_id)

    def put_function_concurrency(self, function_name, reserved_concurrency):
        # AWS keeps at least 100 (or the whole limit, if lower) unreserved for other functions.
        # https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        from moto.awslambda.exceptions import InvalidParameterValueException

        fn = self.get_function(function_name)
        limit = rt.account_concurrency
        minimum = limits.unreserved_minimum(limit)
        others = sum(int(f.reserved_concurrency) for f in self.list_functions()
                     if f.reserved_concurrency and f.function_name != fn.function_name)
        if limit - int(reserved_concurrency) - others < minimum:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{minimum}].")
        return orig_put_conc(self, fn.function_name, reserved_concurrency)

    def update_function_code(self, updated_spec):
        _refuse_blocked_runtime(self.run_time, "update")
        out = orig_update_code(self, updated_spec)
        if not updated_spec.get("DryRun"):
            _new_revision(self)
            rt.retire(self.function_name, str(self.version))
            out = self.get_configuration()
        return out

    def update_configuration(self, config_updates):
        _refuse_blocked_runtime(self.run_time, "update")
        if config_updates.get("Runtime") not in (None, self.run_time):
            _refuse_blocked_runtime(config_updates["Runtime"], "create")
        logging_config = None
        if "LoggingConfig" in config_updates:
            logging_config = log_format.resolve(config_updates["LoggingConfig"], log_format.stored(self))
        orig_update_cfg(self, config_updates)
        if logging_config is not None:
            log_format.store(self, logging_config)
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = config_updates["DeadLetterConfig"] or None
        _new_revision(self, config_updates if "Environment" in config_updates else None)
        rt.retire(self.function_name, str(self.version))
        return self.get_configuration()

    def get_configuration(self, on_create=False):
        config = orig_get_cfg(self, on_create)
        dlc = getattr(self, "dead_letter_config", None)
        if dlc and dlc.get("TargetArn"):
            config["DeadLetterConfig"] = {"TargetArn": dlc["TargetArn"]}
        return _as_aws_answers(self, config, on_create)

    patcher.replace(FUNCTION_INVOKE, invoke)
    patcher.replace(CREATE_FUNCTION, create_function)
    patcher.replace(DELETE_FUNCTION, delete_function)
    patcher.replace(PUT_FUNCTION_CONCURRENCY, put_function_concurrency)
    patcher.replace(UPDATE_FUNCTION_CODE, update_function_code)
    patcher.replace(UPDATE_CONFIGURATION, update_configuration)
    patcher.replace(GET_CONFIGURATION, get_configuration)
    public_layers.install(patcher)
    # Step Functions' interpreter is slow to import: tag its Lambda client when moto loads it
    patcher.on_import(SFN_LAMBDA_CLIENT.module, lambda _m: _tag_step_functions(patcher))


# What AWS adds to a function's configuration (API_FunctionConfiguration.html):
_REVISION = "_serverless_lab_revision"
_ENV_GIVEN = "_serverless_lab_environment_given"


def _new_revision(fn, spec: dict | None = None) -> None:
    """Every change to a version's code or configuration gives it a new RevisionId (a UUID)."""
    from ..ids import request_id

    setattr(fn, _REVISION, request_id())
    if spec is not None:
        env = spec.get("Environment")
        setattr(fn, _ENV_GIVEN, isinstance(env, dict) and "Variables" in env)


def _as_aws_answers(fn, config: dict, on_create: bool) -> dict:
    """CreateFunction / GetFunction(Configuration) / Update* answers in AWS's shape.

    * CreateFunction answers ``State: Pending`` (StateReasonCode ``Creating``): the function is
      being created (https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html). Here it is
      ready once the call returns, so every later GetFunction says ``Active`` (boto3's
      ``function_active_v2`` waiter passes on its first poll; README, "What differs from AWS").
    * ``LoggingConfig``: the one the function asked for (:mod:`.log_format`), Text and
      ``/aws/lambda/<name>`` by default
      (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html).
    * ``RuntimeVersionConfig``: the runtime version ARN the INIT_START log line names.
    * ``Environment: {"Variables": {}}`` when the caller gave it empty; no ``Layers`` when there are none.
    """
    if on_create:
        config.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        config.pop("LastUpdateStatus", None)
    if not getattr(fn, _REVISION, None):
        _new_revision(fn)
    config["RevisionId"] = getattr(fn, _REVISION)
    if not config.get("Layers"):
        config.pop("Layers", None)
    if "Environment" not in config and getattr(fn, _ENV_GIVEN, False):
        config["Environment"] = {"Variables": {}}
    if getattr(fn, "package_type", "Zip") != "Image":
        from .service import RUNTIME_VERSION  # the INIT_START log line names the same ARN

        config["RuntimeVersionConfig"] = {
            "RuntimeVersionArn": f"arn:aws:lambda:{fn.region}::runtime:{RUNTIME_VERSION}"}
    config["LoggingConfig"] = log_format.answer(fn)
    return config


def _refuse_blocked_runtime(runtime: str | None, operation: str) -> None:
    """AWS refuses to create (or update) functions on a runtime past its block date."""
    from .errors import InvalidParameterValueException, blocked, runtime_blocked_message

    if runtime and blocked(runtime, operation):
        raise InvalidParameterValueException(runtime_blocked_message(runtime))


def _tag_step_functions(patcher: Patcher) -> None:
    """Mark Step Functions' Lambda calls so the trace says ``trigger="stepfunctions"``."""
    original = SFN_LAMBDA_CLIENT.current()

    def tag(request, **_kwargs):
        request.headers[TRIGGER_HEADER] = "stepfunctions"

    def boto_client_for(region, service, state_credentials=None):
        client = original(region, service, state_credentials)
        if service == "lambda":
            client.meta.events.register("before-sign.lambda.Invoke", tag, unique_id="serverless-lab-sfn")
        return client

    patcher.replace(SFN_LAMBDA_CLIENT, boto_client_for)
