"""Lambda Task states hand their Invoke request straight to the Lambda API handler.

moto's interpreter calls Lambda through boto3 for every Lambda Task (``_invoke_lambda_function``):
botocore serialises and signs the request, moto normalises it, routes it, builds a response
object, and botocore parses the answer back. That round trip costs about as much as the
invocation it carries (the handler in its warm worker), so in a workflow of ten Lambda tasks it
was half of the time.

When boto3 is intercepted in-process (the default ``mock_aws()``), the course skips the wire:
it hands the request to the very handler moto would route it to (``LambdaResponse.invoke``, the
Lambda runtime's Invoke API: docs/architecture.md, "How a call travels") with the same function
name, payload and headers, wraps the answer or the error as moto's request handling does, and
parses it with botocore's own converter and parser for the Invoke operation. The Task gets the
same response, or the same ``ClientError`` class with the same fields, that boto3 would have
returned; the runtime runs, logs, traces (``trigger="stepfunctions"``) and meters the call as
before; history events, Retry and Catch see no difference.

Anything else takes the boto3 path unchanged: a server backend (moto not intercepting boto3), the
Lambda runtime not installed, IAM access control or moto's request recorder switched on, a
service moto passes through or does not allow, a region outside the ``aws`` partition, Task
parameters other than ``FunctionName`` and ``Payload`` (``Qualifier``, ``ClientContext``,
``LogType``...), a function name outside ``[A-Za-z0-9_:-]``, a payload that is empty or not
UTF-8, or one moto might read a request parameter from (moto reads the body as a form for its
query string, where ``AWSAccessKeyId`` names the caller's account; the runtime's Invoke handler
reads ``Qualifier`` from the query string only, as AWS does, but the short cut stays on the safe
side and steps aside for such payloads).

``aws.extension("stepfunctions").lambda_tasks.enabled = False`` switches the short cut off (for
comparing the two paths).
"""

from __future__ import annotations

import os
import re
import threading
from typing import Any

from ..cloud.patching import LIVE, Patcher, private, seam

INVOKE_SEAM = seam(
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils:_invoke_lambda_function",
    why="every Lambda Task goes through boto3 and moto's HTTP layer (as much work as the warm invoke it "
        "carries); in-process the course hands the request to the same Invoke handler and parses its "
        "answer with botocore, for the same response or ClientError",
    extension="stepfunctions")
RECORDER_ENABLED = private(
    "moto.moto_api._internal.recorder.models:Recorder", "_user_enabled",
    why="a request recorded by moto's recorder must go through moto's HTTP layer (the Lambda task short cut "
        "steps aside while recording is on)")

# Seams of the Lambda runtime the short cut relies on (their targets, as patching.LIVE names them)
_RUNTIME_INVOKE = "moto.awslambda.responses:LambdaResponse.invoke"
_TRIGGER_TAG = "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils:boto_client_for"
_TRIGGER_HEADER = "x-serverless-lab-trigger"

_NAME = re.compile(r"[A-Za-z0-9_:-]+")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")
_API_VERSION = "2015-03-31"
# a payload in which moto might find a request parameter (a JSON key, a form field, or an escaped
# one): only those are looked at closely (_moto_reads_body)
_MAYBE_PARAMETER = re.compile(rb"ualifier|AccessKeyId|%|\\u|\+", re.IGNORECASE)


def _moto_reads_body(body: str) -> bool:
    """moto's request object would take a parameter from this Lambda payload: it reads the body as
    a form (``parse_qsl``) for its query string, where ``_get_param("Qualifier")`` looks first and
    ``AWSAccessKeyId`` names the caller's account, then ``_get_param`` reads the body as JSON."""
    import json
    from urllib.parse import parse_qsl

    try:
        form = dict(parse_qsl(body, keep_blank_values=True))
    except (UnicodeEncodeError, UnicodeDecodeError, AttributeError):
        form = {}
    if {"qualifier", "Qualifier", "AWSAccessKeyId"} & form.keys():
        return True
    try:
        doc = json.loads(body)
    except ValueError:
        return False
    return isinstance(doc, dict) and ("qualifier" in doc or "Qualifier" in doc)


class _InvokeRequest:
    """What the Invoke API handler reads of moto's request object (``LambdaResponse``)."""

    automated_parameter_parsing = False
    uri_match: dict[str, Any] = {}
    querystring: dict[str, Any] = {}

    def __init__(self, backend: Any, name: str, body: str, headers: dict[str, str], account: str,
                 region: str) -> None:
        self.backend = backend
        self.path = f"/{_API_VERSION}/functions/{name}/invocations"
        self.body = body
        self.headers = headers
        self.current_account = account
        self.region = region

    def _get_param(self, name: str, if_none: Any = None) -> Any:
        return if_none   # no query string, and a body that holds no "Qualifier" (_moto_reads_body)


class _Region:
    """Per region: where moto routes the call, and botocore's model and parser for Invoke."""

    def __init__(self, region: str, url: str) -> None:
        self.region = region
        self.url = url
        self.client: Any = None
        self.operation: Any = None
        self.parser: Any = None


class DirectInvoke:
    """The short cut of one session (``aws.extension("stepfunctions").lambda_tasks``)."""

    def __init__(self) -> None:
        self.enabled = True
        self.direct = 0      # Lambda task calls that took the short cut
        self.via_boto3 = 0   # Lambda task calls that went through boto3 and moto's HTTP layer
        self._regions: dict[str, _Region | None] = {}
        self._lock = threading.Lock()

    # -- deciding ---------------------------------------------------------------------------
    def _region(self, region: Any) -> _Region | None:
        found = self._regions.get(region, False)
        if found is not False:
            return found  # type: ignore[return-value]
        out = None
        if isinstance(region, str) and _REGION.fullmatch(region):
            from moto.utilities.utils import get_partition

            if get_partition(region) == "aws":
                url = f"https://lambda.{region}.amazonaws.com/{_API_VERSION}/functions/f/invocations"
                if self._routed_to_lambda(url):
                    out = _Region(region, url)
        with self._lock:
            self._regions[region] = out
        return out

    @staticmethod
    def _routed_to_lambda(url: str) -> bool:
        """moto's request interception would hand ``url`` to its Lambda backend."""
        import moto.backend_index as backend_index
        from moto.core.config import passthrough_service, passthrough_url, service_whitelisted

        if passthrough_url(url):
            return False
        for service, pattern in backend_index.backend_url_patterns:
            if pattern.match(url):
                return service == "awslambda" and not passthrough_service(service) and service_whitelisted(service)
        return False

    def _usable(self, parameters: Any, region: Any) -> tuple[_Region, str, str] | None:
        if not self.enabled or _RUNTIME_INVOKE not in LIVE:
            return None
        from moto import settings
        from moto.core.models import botocore_stubber
        from moto.moto_api import recorder

        if not botocore_stubber.enabled or settings.INITIAL_NO_AUTH_ACTION_COUNT != float("inf") \
                or RECORDER_ENABLED.read(recorder):
            return None
        if not isinstance(parameters, dict) or set(parameters) != {"FunctionName", "Payload"}:
            return None
        name, payload = parameters["FunctionName"], parameters["Payload"]
        if not isinstance(name, str) or not _NAME.fullmatch(name) or not isinstance(payload, bytes) or not payload:
            return None
        try:
            body = payload.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if _MAYBE_PARAMETER.search(payload) and _moto_reads_body(body):
            return None
        where = self._region(region)
        if where is None:
            return None
        return where, name, body

    # -- calling ----------------------------------------------------------------------------
    def _models(self, where: _Region, state_credentials: Any) -> _Region:
        if where.parser is None:
            from botocore.parsers import create_parser
            from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

            # the client the boto3 path would use (shared per session): its model and error classes
            client = lambda_eval_utils.boto_client_for(region=where.region, service="lambda",
                                                       state_credentials=state_credentials)
            service_model = client.meta.service_model
            where.client = client
            where.operation = service_model.operation_model("Invoke")
            where.parser = create_parser(getattr(service_model, "resolved_protocol", None)
                                         or service_model.metadata["protocol"])
        return where

    def invoke(self, where: _Region, name: str, body: str, state_credentials: Any) -> dict[str, Any]:
        """What ``lambda_client.invoke(FunctionName=name, Payload=body)`` returns or raises."""
        import moto.backends as backends
        from botocore.awsrequest import AWSResponse
        from botocore.endpoint import convert_to_response_dict
        from moto.awslambda.responses import LambdaResponse
        from moto.awslambda.utils import get_backend
        from moto.core.botocore_stubber import MockRawResponse
        from moto.core.utils import utcnow
        from moto.iam.models import get_account_id_from
        from moto.utilities.aws_headers import gen_amzn_requestid_long
        from werkzeug.exceptions import HTTPException
        from werkzeug.http import http_date

        self._models(where, state_credentials)
        backends.get_backend("awslambda")   # as moto's interception does (activates the Lambda extensions)
        account = os.environ.get("MOTO_ACCOUNT_ID") or get_account_id_from("AKIAEXAMPLE")  # key "ak" is no IAM key
        headers = {_TRIGGER_HEADER: "stepfunctions"} if _TRIGGER_TAG in LIVE else {}
        request = _InvokeRequest(get_backend(account, where.region), name, body, headers, account, where.region)
        # moto's BaseResponse.call_action, _transform_response and _enrich_response
        out_headers: dict[str, Any] = {"server": "amazon.com", "date": http_date(utcnow())}
        try:
            _status, new_headers, out_body = LambdaResponse.invoke(request)
        except HTTPException as error:
            new_headers = dict(error.get_headers() or [])   # type: ignore[attr-defined]
            new_headers["status"] = error.code
            out_body = error.description
        status = int(new_headers.get("status", 200))
        out_headers.update(new_headers)
        if "status" in out_headers:
            out_headers["status"] = str(out_headers["status"])
        gen_amzn_requestid_long(out_headers)
        # botocore: the stubbed HTTP response, converted and parsed as for any Invoke
        http = AWSResponse(where.url, status, out_headers, MockRawResponse(out_body))  # type: ignore[arg-type]
        response_dict = convert_to_response_dict(http, where.operation)
        parsed = where.parser.parse(response_dict, where.operation.output_shape)
        if status >= 300:
            code = parsed.get("Error", {}).get("Code")
            shape = where.operation.service_model.shape_for_error_code(code) if code is not None else None
            if shape is not None:
                parsed.update(where.parser.parse(response_dict, shape))
        if "ResponseMetadata" in parsed:
            parsed["ResponseMetadata"]["RetryAttempts"] = 0
        if status >= 300:
            error_code = parsed.get("Error", {}).get("QueryErrorCode") or parsed.get("Error", {}).get("Code")
            raise where.client.exceptions.from_code(error_code)(parsed, "Invoke")
        return parsed


def install(patcher: Patcher) -> DirectInvoke:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils import _from_payload

    original = INVOKE_SEAM.current()
    direct = DirectInvoke()

    def invoke_lambda_function(parameters: dict, region: str, state_credentials: Any) -> Any:
        usable = direct._usable(parameters, region)
        with direct._lock:
            if usable is None:
                direct.via_boto3 += 1
            else:
                direct.direct += 1
        if usable is None:
            return original(parameters, region, state_credentials)
        where, name, body = usable
        response = direct.invoke(where, name, body, state_credentials)
        response["Payload"] = _from_payload(response["Payload"])   # as moto's _invoke_lambda_function
        return response

    patcher.replace(INVOKE_SEAM, invoke_lambda_function)
    return direct
