"""Where the local runtime plugs into moto 5.2 (all undone by ``LambdaRuntime.stop()``).

* ``LambdaFunction.invoke(body, request_headers, response_headers)``: the single place every
  moto trigger ends (S3 notifications, SQS mappings, DynamoDB/Kinesis streams, SNS, CloudWatch
  Logs subscriptions) and the contract the integrations (API Gateway, EventBridge) call. It
  runs the handler synchronously and returns the payload bytes, setting
  ``response_headers["x-amz-function-error"]`` on error. An optional request header
  ``x-serverless-lab-trigger`` names the trigger; otherwise the event's shape tells.
  ``x-amz-invocation-type: Event`` queues it asynchronously and returns ``b""``. A throttle
  sets ``x-amz-function-error`` and ``x-serverless-lab-throttled: <AWS reason>``.
* ``LambdaResponse.invoke`` / ``invoke_async``: the Invoke API with AWS's status codes
  (200/202/204), 429 throttles, 413 payload limits, 400 non-JSON payloads, DryRun.
* Provisioned concurrency API (moto lacks it), ``DeadLetterConfig`` (moto drops it), and
  retirement of environments on ``update_function_code`` / ``update_function_configuration``.
"""

from __future__ import annotations

import base64
import json
import random
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import unquote

from .errors import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    InvalidParameterValueException,
    InvalidRequestContentException,
    InvalidRuntimeException,
    ProvisionedConcurrencyConfigNotFoundException,
    RequestTooLargeException,
    TooManyRequestsException,
)

if TYPE_CHECKING:
    from .service import LambdaRuntime

TRIGGER_HEADER = "x-serverless-lab-trigger"
THROTTLE_HEADER = "x-serverless-lab-throttled"
_SOURCES = {"aws:s3": "s3", "aws:sqs": "sqs", "aws:dynamodb": "dynamodb", "aws:kinesis": "kinesis",
            "aws:sns": "sns", "aws:codecommit": "codecommit", "aws:ses": "ses"}
PROVISIONED_PATH = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"


def infer_trigger(raw: bytes) -> str:
    """Name the event source from the event's shape (AWS's event formats)."""
    try:
        ev = json.loads(raw) if raw else {}
    except ValueError:
        return "invoke"
    if not isinstance(ev, dict):
        return "invoke"
    recs = ev.get("Records")
    if isinstance(recs, list) and recs and isinstance(recs[0], dict):
        src = recs[0].get("eventSource") or recs[0].get("EventSource")
        if src in _SOURCES:
            return _SOURCES[src]
    if "awslogs" in ev:
        return "logs"
    if "detail-type" in ev and "source" in ev:
        return "schedule" if ev.get("detail-type") == "Scheduled Event" else "events"
    if "requestContext" in ev and ("httpMethod" in ev or "routeKey" in ev):
        return "apigateway"
    return "invoke"


def _lower(headers: Any) -> dict[str, str]:
    try:
        return {str(k).lower(): v for k, v in dict(headers or {}).items()}
    except Exception:  # noqa: BLE001
        return {}


def _as_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def _client_context(value: str | None) -> dict | None:
    if not value:
        return None
    try:
        return json.loads(base64.b64decode(value))
    except Exception:  # noqa: BLE001
        return None


def _route_alias(backend: Any, fn: Any, label: str | None) -> Any:
    """Weighted alias routing (RoutingConfig.AdditionalVersionWeights), as AWS does for canaries."""
    if not label or label == "$LATEST" or label.isdigit():
        return fn
    try:
        alias = backend._lambdas.get_alias(label, fn.function_name)
    except Exception:  # noqa: BLE001 - not an alias
        return fn
    weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
    draw, acc = random.random(), 0.0
    for version, weight in weights.items():
        acc += float(weight)
        if draw < acc:
            return backend.get_function(fn.function_name, str(version))
    return fn


def install(rt: LambdaRuntime) -> ExitStack:
    """Apply every patch; closing the returned stack undoes them."""
    from moto.awslambda import urls as lambda_urls
    from moto.awslambda.models import LambdaBackend, LambdaFunction
    from moto.awslambda.responses import LambdaResponse
    from moto.utilities.aws_headers import amz_crc32

    stack = ExitStack()

    # -- the contract every trigger uses ---------------------------------------------------------
    def function_invoke(self, body, request_headers, response_headers):
        h = _lower(request_headers)
        raw = _as_bytes(body)
        trigger = h.get(TRIGGER_HEADER) or infer_trigger(raw)
        inv_type = h.get("x-amz-invocation-type") or "RequestResponse"
        problem = rt.check_runtime(self)
        if problem:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorMessage": problem, "errorType": "InvalidRuntimeException"}).encode()
        if inv_type == "Event":
            from .async_invoke import AsyncJob

            qualifier = None if str(self.version) == "$LATEST" else str(self.version)
            rt.async_.submit(AsyncJob(self.function_name, qualifier, raw, trigger=trigger))
            return b""
        if inv_type == "DryRun":
            return b""
        result = rt.invoke(self, raw, trigger=trigger, invocation_type=inv_type)
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

    stack.enter_context(mock.patch.object(LambdaFunction, "invoke", function_invoke))

    # -- the Invoke API --------------------------------------------------------------------------
    def api_invoke(self, function_name: str, qualifier: str | None, body: Any, headers: Any,
                   *, legacy_async: bool = False):
        h = _lower(headers)
        inv_type = "Event" if legacy_async else (h.get("x-amz-invocation-type") or "RequestResponse")
        fn = self.backend.get_function(function_name, qualifier)   # ResourceNotFoundException
        raw = _as_bytes(body)
        limit = ASYNC_PAYLOAD_LIMIT if inv_type == "Event" else SYNC_PAYLOAD_LIMIT
        if len(raw) > limit:
            raise RequestTooLargeException(limit, "InvokeAsync" if legacy_async else "Invoke")
        if raw.strip():
            try:
                json.loads(raw)
            except ValueError as exc:
                raise InvalidRequestContentException(str(exc)) from None
        problem = rt.check_runtime(fn)
        if problem:
            raise InvalidRuntimeException(problem)
        name_q = function_name.split(":")[-1] if ":" in function_name and not function_name.startswith("arn:") else None
        arn_q = function_name.split(":")[7] if function_name.startswith("arn:") and function_name.count(":") >= 7 else None
        label = qualifier or name_q or arn_q
        invoked_arn = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"
        if label:
            invoked_arn += f":{label}"
        fn = _route_alias(self.backend, fn, label)
        trigger = h.get(TRIGGER_HEADER) or infer_trigger(raw)
        if inv_type == "DryRun":
            return 204, {"status": "204"}, b""
        if inv_type == "Event":
            from .async_invoke import AsyncJob

            job = AsyncJob(fn.function_name, None if str(fn.version) == "$LATEST" else str(fn.version), raw,
                           trigger=trigger, invoked_arn=invoked_arn)
            rt.async_.submit(job)
            resp = {"status": "202", "x-amzn-RequestId": job.request_id}
            return 202, resp, (json.dumps({"Status": 202}) if legacy_async else b"")
        result = rt.invoke(fn, raw, trigger=trigger, invoked_arn=invoked_arn,
                           client_context=_client_context(h.get("x-amz-client-context")))
        if result.throttled:
            raise TooManyRequestsException(result.throttled)
        resp_headers = {"content-type": "application/json", "X-Amz-Executed-Version": result.executed_version,
                        "x-amzn-RequestId": result.record.request_id if result.record else ""}
        if result.function_error:
            resp_headers["X-Amz-Function-Error"] = result.function_error
        if (h.get("x-amz-log-type") or "None") == "Tail":
            resp_headers["X-Amz-Log-Result"] = result.log_tail
        resp_headers["Content-Length"] = str(len(result.payload))
        return 200, resp_headers, result.payload

    @amz_crc32
    def response_invoke(self):
        function_name = unquote(self.path.rsplit("/", 2)[-2])
        qualifier = self._get_param("qualifier") or self._get_param("Qualifier")
        return api_invoke(self, function_name, qualifier, self.body, self.headers)

    @amz_crc32
    def response_invoke_async(self):
        function_index = -3 if self.path.endswith("/") else -2
        function_name = unquote(self.path.rsplit("/", 3)[function_index])
        return api_invoke(self, function_name, None, self.body, self.headers, legacy_async=True)

    stack.enter_context(mock.patch.object(LambdaResponse, "invoke", response_invoke))
    stack.enter_context(mock.patch.object(LambdaResponse, "invoke_async", response_invoke_async))

    # -- provisioned concurrency API ----------------------------------------------------------------
    def _pc_view(cfg: dict, name: str, *, put: bool = False) -> dict:
        n = cfg["requested"]
        return {"RequestedProvisionedConcurrentExecutions": n,
                "AvailableProvisionedConcurrentExecutions": 0 if put else n,
                "AllocatedProvisionedConcurrentExecutions": 0 if put else n,
                "Status": "IN_PROGRESS" if put else "READY", "LastModified": cfg["last_modified"],
                "FunctionArn": f"arn:aws:lambda:{rt.region}:{rt.account_id}:function:{name}:{cfg['qualifier']}"}

    def _pc_target(self):
        name = unquote(self.path.split("/")[-2]).split(":")[-1] if self.path.split("/")[-2].startswith("arn") \
            else unquote(self.path.split("/")[-2])
        return name, self._get_param("Qualifier") or self.querystring.get("Qualifier", [None])[0]

    def put_pc(self):
        name, qualifier = _pc_target(self)
        if not qualifier or qualifier == "$LATEST":
            raise InvalidParameterValueException(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        fn = self.backend.get_function(name, qualifier)
        if str(fn.version) == "$LATEST":
            raise InvalidParameterValueException(
                "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        n = int(json.loads(self.body)["ProvisionedConcurrentExecutions"])
        cfg = rt.put_provisioned(fn, qualifier, n)
        return 202, {}, json.dumps(_pc_view(cfg, name, put=True))

    def get_pc(self):
        name, qualifier = _pc_target(self)
        self.backend.get_function(name)
        cfg = rt.get_provisioned(name, qualifier)
        if cfg is None:
            raise ProvisionedConcurrencyConfigNotFoundException("No Provisioned Concurrency Config found for this function")
        return 200, {}, json.dumps(_pc_view(cfg, name))

    def delete_pc(self):
        name, qualifier = _pc_target(self)
        self.backend.get_function(name)
        if not rt.delete_provisioned(name, qualifier):
            raise ProvisionedConcurrencyConfigNotFoundException("No Provisioned Concurrency Config found for this function")
        return 204, {}, ""

    def list_pc(self):
        name, _ = _pc_target(self)
        self.backend.get_function(name)
        configs = [_pc_view(c, name) for c in rt.list_provisioned(name)]
        return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs})

    for attr, impl in (("put_provisioned_concurrency_config", put_pc), ("get_provisioned_concurrency_config", get_pc),
                       ("delete_provisioned_concurrency_config", delete_pc),
                       ("list_provisioned_concurrency_configs", list_pc)):
        stack.enter_context(mock.patch.object(LambdaResponse, attr, impl, create=True))
    stack.enter_context(mock.patch.dict(lambda_urls.url_paths, {PROVISIONED_PATH: LambdaResponse.dispatch}))

    # -- configuration moto does not keep; environments retired on change --------------------------
    orig_create = LambdaBackend.create_function
    orig_update_code = LambdaFunction.update_function_code
    orig_update_cfg = LambdaFunction.update_configuration
    orig_get_cfg = LambdaFunction.get_configuration

    orig_delete = LambdaBackend.delete_function

    def delete_function(self, function_name, qualifier=None):
        orig_delete(self, function_name, qualifier)
        name = function_name.split(":function:")[-1].split(":")[0] if function_name.startswith("arn:") \
            else function_name.split(":")[0]
        rt.retire(name, qualifier if qualifier else None)

    def create_function(self, spec):
        fn = orig_create(self, spec)
        dlc = spec.get("DeadLetterConfig")
        if dlc:
            latest = self._lambdas._functions[spec["FunctionName"]]["latest"]
            latest.dead_letter_config = dlc
            for v in self._lambdas._functions[spec["FunctionName"]]["versions"]:
                v.dead_letter_config = dlc
            fn.dead_letter_config = dlc
        return fn

    def update_function_code(self, updated_spec):
        out = orig_update_code(self, updated_spec)
        if not updated_spec.get("DryRun"):
            rt.retire(self.function_name, str(self.version))
        return out

    def update_configuration(self, config_updates):
        out = orig_update_cfg(self, config_updates)
        if "DeadLetterConfig" in config_updates:
            self.dead_letter_config = config_updates["DeadLetterConfig"] or None
        rt.retire(self.function_name, str(self.version))
        return self.get_configuration() if "DeadLetterConfig" in config_updates else out

    def get_configuration(self, on_create: bool = False):
        config = orig_get_cfg(self, on_create)
        dlc = getattr(self, "dead_letter_config", None)
        if dlc and dlc.get("TargetArn"):
            config["DeadLetterConfig"] = {"TargetArn": dlc["TargetArn"]}
        return config

    def put_function_concurrency(self, function_name, reserved_concurrency):
        # AWS keeps at least 100 (or the whole limit, if lower) unreserved for other functions.
        # moto checks this only when MOTO_LAMBDA_CONCURRENCY_QUOTA is set; we check it against
        # the runtime's account limit. https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
        from moto.awslambda.exceptions import InvalidParameterValueException

        fn = self.get_function(function_name)
        limit = rt.account_concurrency
        minimum = min(100, limit)
        others = sum(int(f.reserved_concurrency) for f in self.list_functions()
                     if f.reserved_concurrency and f.function_name != fn.function_name)
        if limit - int(reserved_concurrency) - others < minimum:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{minimum}].")
        return orig_put_conc(self, fn.function_name, reserved_concurrency)

    orig_put_conc = LambdaBackend.put_function_concurrency
    stack.enter_context(mock.patch.object(LambdaBackend, "put_function_concurrency", put_function_concurrency))
    stack.enter_context(mock.patch.object(LambdaBackend, "create_function", create_function))
    stack.enter_context(mock.patch.object(LambdaBackend, "delete_function", delete_function))
    stack.enter_context(mock.patch.object(LambdaFunction, "update_function_code", update_function_code))
    stack.enter_context(mock.patch.object(LambdaFunction, "update_configuration", update_configuration))
    stack.enter_context(mock.patch.object(LambdaFunction, "get_configuration", get_configuration))
    _tag_step_functions(stack)
    return stack


def _tag_step_functions(stack: ExitStack) -> None:
    """Mark Step Functions' Lambda calls so the trace says ``trigger="stepfunctions"``."""
    try:
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils as leu
    except Exception:  # noqa: BLE001 - another moto layout: the trigger is then inferred
        return
    original = leu.boto_client_for

    def tag(request, **_kwargs):
        request.headers[TRIGGER_HEADER] = "stepfunctions"

    def boto_client_for(*args, **kwargs):
        client = original(*args, **kwargs)
        service = kwargs.get("service", args[1] if len(args) > 1 else None)
        if service == "lambda":
            client.meta.events.register("before-sign.lambda.Invoke", tag, unique_id="serverless-lab-sfn")
        return client

    stack.enter_context(mock.patch.object(leu, "boto_client_for", boto_client_for))
