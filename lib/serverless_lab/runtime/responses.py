"""The runtime's seams on moto's Lambda *HTTP face* (``moto/awslambda/responses.py`` and ``urls.py``).

Like moto's own ``responses.py`` this side turns requests into calls and results into status
codes and headers; behaviour lives in :mod:`.dispatch` (the one invoke path) and
:mod:`.service`. Each seam is in the inventory of docs/architecture.md ("Seams").

* ``LambdaResponse.invoke`` / ``invoke_async``: the Invoke API with AWS's status codes
  (200/202/204), 429 throttles, 413 payload limits, 400 non-JSON payloads, DryRun, weighted
  alias routing (RoutingConfig.AdditionalVersionWeights).
* The provisioned concurrency API (moto has neither the handlers nor the route).
* ``GetAccountSettings`` (moto answers 404): the account's limits and usage in the region.
* One request id per invocation: the Invoke answer's ``x-amzn-RequestId`` is the id the handler
  saw as ``context.aws_request_id`` and the logs' START/END/REPORT lines carry (moto stamps every
  answer with a random id of its own).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..arn import function_ref
from ..cloud.patching import Patcher, seam
from .dispatch import Request, as_bytes, dispatch, header_reader
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
from .headers import TRIGGER_HEADER, trigger_of_event
from .state import alias_or_none

if TYPE_CHECKING:
    from .service import LambdaRuntime

_R = "moto.awslambda.responses"
PROVISIONED_PATH = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"

RESPONSE_INVOKE = seam(
    f"{_R}:LambdaResponse.invoke", extension="lambda",
    why="the Invoke API with AWS's status codes, limits and errors, through the one invoke path")
RESPONSE_INVOKE_ASYNC = seam(
    f"{_R}:LambdaResponse.invoke_async", extension="lambda",
    why="the legacy InvokeAsync API queued like InvocationType=Event")
PUT_PC = seam(f"{_R}:LambdaResponse.put_provisioned_concurrency_config", extension="lambda", create=True,
              why="moto has no provisioned concurrency API; environments are initialised ahead of calls")
GET_PC = seam(f"{_R}:LambdaResponse.get_provisioned_concurrency_config", extension="lambda", create=True,
              why="moto has no provisioned concurrency API")
DELETE_PC = seam(f"{_R}:LambdaResponse.delete_provisioned_concurrency_config", extension="lambda", create=True,
                 why="moto has no provisioned concurrency API")
LIST_PC = seam(f"{_R}:LambdaResponse.list_provisioned_concurrency_configs", extension="lambda", create=True,
               why="moto has no provisioned concurrency API")
ACCOUNT_SETTINGS = seam(
    f"{_R}:LambdaResponse.get_account_settings", extension="lambda", create=True,
    why="moto has no GetAccountSettings (404); the account's limits and usage, consistent with the runtime's "
        "concurrency limit and reservations")
ENRICH_RESPONSE = seam(
    f"{_R}:LambdaResponse._enrich_response", extension="lambda",
    why="moto stamps every answer with a random x-amzn-RequestId; an Invoke answer carries the invocation's "
        "request id (the handler's context.aws_request_id, the id in START/END/REPORT)")
LAMBDA_ROUTES = seam(
    "moto.awslambda.urls:url_paths", extension="lambda", item=True,
    why="the routes of the provisioned concurrency API and GetAccountSettings (moto routes neither)")
ACCOUNT_SETTINGS_PATH = r"{0}/(?P<api_version>[^/]+)/account-settings/?$"
_INVOCATION_ID = "x-serverless-lab-request-id"   # set by api_invoke, moved to x-amzn-requestid below


def _client_context(value: str | None) -> dict | None:
    """The decoded ClientContext header, or None if absent or not base64 JSON (AWS passes it through)."""
    if not value:
        return None
    try:
        return json.loads(base64.b64decode(value))
    except (ValueError, binascii.Error):
        return None


def route_alias(backend: Any, fn: Any, label: str | None) -> Any:
    """Weighted alias routing (RoutingConfig.AdditionalVersionWeights), as AWS does for canaries."""
    if not label or label == "$LATEST" or label.isdigit():
        return fn
    alias = alias_or_none(backend, label, fn.function_name)
    if alias is None:
        return fn
    weights = (alias.routing_config or {}).get("AdditionalVersionWeights") or {}
    draw, acc = random.random(), 0.0
    for version, weight in weights.items():
        acc += float(weight)
        if draw < acc:
            return backend.get_function(fn.function_name, str(version))
    return fn


def install(rt: LambdaRuntime, patcher: Patcher) -> None:
    """Put the HTTP-face seams in place for ``rt``'s session (``patcher.undo()`` removes them)."""
    from moto.utilities.aws_headers import amz_crc32

    def api_invoke(self, function_name: str, qualifier: str | None, body: Any, headers: Any,
                   *, legacy_async: bool = False):
        h = header_reader(headers)
        inv_type = "Event" if legacy_async else (h("x-amz-invocation-type") or "RequestResponse")
        fn = self.backend.get_function(function_name, qualifier)   # ResourceNotFoundException
        raw = as_bytes(body)
        limit = ASYNC_PAYLOAD_LIMIT if inv_type == "Event" else SYNC_PAYLOAD_LIMIT
        if len(raw) > limit:
            raise RequestTooLargeException(limit, "InvokeAsync" if legacy_async else "Invoke")
        event = None
        if raw.strip():
            try:
                event = json.loads(raw)
            except ValueError as exc:
                raise InvalidRequestContentException(str(exc)) from None
        label = qualifier or function_ref(function_name).qualifier
        invoked_arn = fn.function_arn.split(":function:")[0] + f":function:{fn.function_name}"
        if label:
            invoked_arn += f":{label}"
        fn = route_alias(self.backend, fn, label)
        trigger = h(TRIGGER_HEADER) or trigger_of_event(event)
        done = dispatch(rt, Request(fn, raw, inv_type, trigger, invoked_arn,
                                    _client_context(h("x-amz-client-context"))))
        if done.kind == "refused":
            raise InvalidRuntimeException(str(done.problem))
        if done.kind == "dryrun":
            return 204, {"status": "204"}, b""
        if done.kind == "queued":
            resp = {"status": "202", _INVOCATION_ID: done.request_id}
            return 202, resp, (json.dumps({"Status": 202}) if legacy_async else b"")
        result = done.result
        assert result is not None
        if result.throttled:
            raise TooManyRequestsException(result.throttled)
        resp_headers = {"content-type": "application/json", "X-Amz-Executed-Version": result.executed_version,
                        _INVOCATION_ID: result.record.request_id if result.record else ""}
        if result.function_error:
            resp_headers["X-Amz-Function-Error"] = result.function_error
        if (h("x-amz-log-type") or "None") == "Tail":
            resp_headers["X-Amz-Log-Result"] = result.log_tail
        resp_headers["Content-Length"] = str(len(result.payload))
        return 200, resp_headers, result.payload

    @amz_crc32
    def invoke(self):
        function_name = unquote(self.path.rsplit("/", 2)[-2])
        # AWS reads Qualifier from the query string only; moto's _get_param also looks inside
        # the JSON payload, so a payload {"Qualifier": "1"} ran version 1
        qualifier = (self.querystring.get("Qualifier") or [None])[0]
        return api_invoke(self, function_name, qualifier, self.body, self.headers)

    @amz_crc32
    def invoke_async(self):
        function_index = -3 if self.path.endswith("/") else -2
        function_name = unquote(self.path.rsplit("/", 3)[function_index])
        return api_invoke(self, function_name, None, self.body, self.headers, legacy_async=True)

    original_enrich = ENRICH_RESPONSE.current()

    def _enrich_response(headers, body):
        # the invocation's id, not moto's random one (AWS: one request id per invocation;
        # https://docs.aws.amazon.com/lambda/latest/dg/python-context.html, aws_request_id)
        rid = headers.pop(_INVOCATION_ID, None)
        headers, body = original_enrich(headers, body)
        if rid:
            headers["x-amzn-requestid"] = rid
        return headers, body

    patcher.replace(RESPONSE_INVOKE, invoke)
    patcher.replace(RESPONSE_INVOKE_ASYNC, invoke_async)
    patcher.replace(ENRICH_RESPONSE, staticmethod(_enrich_response))
    patcher.replace(ACCOUNT_SETTINGS, _account_settings(rt))
    _install_provisioned(rt, patcher)


def _account_settings(rt: LambdaRuntime) -> Any:
    """GetAccountSettings: AWS's quotas, the runtime's concurrency limit, and what the region holds.

    https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html (response shape) and
    https://docs.aws.amazon.com/lambda/latest/dg/example_lambda_GetAccountSettings_section.html
    (a real answer: CodeSizeUnzipped 262144000, CodeSizeZipped 52428800, TotalCodeSize 80530636800).
    """
    from .. import limits
    from .state import function_groups

    def get_account_settings(self):
        functions = reserved = code = 0
        for group in list(function_groups(self.backend).values()):
            functions += 1
            latest = group.get("latest")
            if latest is not None and latest.reserved_concurrency not in (None, ""):
                reserved += int(latest.reserved_concurrency)
            # every version is stored: $LATEST and each published one
            code += sum(int(getattr(v, "code_size", 0) or 0) for v in (latest, *group.get("versions", [])) if v)
        for layer in self.backend.list_layers():
            code += sum(int(getattr(lv, "code_size", 0) or 0)
                        for lv in self.backend.list_layer_versions(layer["LayerName"]))
        limit = rt.account_concurrency
        return 200, {}, json.dumps({
            "AccountLimit": {"TotalCodeSize": limits.CODE_STORAGE_BYTES,
                             "CodeSizeUnzipped": limits.CODE_SIZE_UNZIPPED_BYTES,
                             "CodeSizeZipped": limits.CODE_SIZE_ZIPPED_BYTES,
                             "ConcurrentExecutions": limit,
                             "UnreservedConcurrentExecutions": max(limit - reserved, 0)},
            "AccountUsage": {"TotalCodeSize": code, "FunctionCount": functions}})

    return get_account_settings


def _install_provisioned(rt: LambdaRuntime, patcher: Patcher) -> None:
    """PutProvisionedConcurrencyConfig and friends: the API moto lacks, backed by the runtime."""

    def view(cfg: dict, *, put: bool = False) -> dict:
        n = cfg["requested"]
        return {"RequestedProvisionedConcurrentExecutions": n,
                "AvailableProvisionedConcurrentExecutions": 0 if put else n,
                "AllocatedProvisionedConcurrentExecutions": 0 if put else n,
                "Status": "IN_PROGRESS" if put else "READY", "LastModified": cfg["last_modified"],
                "FunctionArn": cfg["function_arn"]}

    def scope(self) -> dict:
        """The region and account of the request (the function's own, as for reserved concurrency)."""
        return {"region": self.region, "account_id": self.current_account}

    def target(self) -> tuple[str, str | None]:
        name = function_ref(unquote(self.path.split("/")[-2])).name
        return name, self._get_param("Qualifier") or self.querystring.get("Qualifier", [None])[0]

    def unpublished() -> InvalidParameterValueException:
        return InvalidParameterValueException(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")

    def put_provisioned_concurrency_config(self):
        name, qualifier = target(self)
        if not qualifier or qualifier == "$LATEST":
            raise unpublished()
        fn = self.backend.get_function(name, qualifier)
        if str(fn.version) == "$LATEST":
            raise unpublished()
        n = int(json.loads(self.body)["ProvisionedConcurrentExecutions"])
        cfg = rt.put_provisioned(fn, qualifier, n)
        return 202, {}, json.dumps(view(cfg, put=True))

    def get_provisioned_concurrency_config(self):
        name, qualifier = target(self)
        self.backend.get_function(name)
        cfg = rt.get_provisioned(name, qualifier, **scope(self))
        if cfg is None:
            raise ProvisionedConcurrencyConfigNotFoundException("No Provisioned Concurrency Config found for this function")
        return 200, {}, json.dumps(view(cfg))

    def delete_provisioned_concurrency_config(self):
        name, qualifier = target(self)
        self.backend.get_function(name)
        if not rt.delete_provisioned(name, qualifier, **scope(self)):
            raise ProvisionedConcurrencyConfigNotFoundException("No Provisioned Concurrency Config found for this function")
        return 204, {}, ""

    def list_provisioned_concurrency_configs(self):
        name, _ = target(self)
        self.backend.get_function(name)
        configs = [view(c) for c in rt.list_provisioned(name, **scope(self))]
        return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs})

    patcher.replace(PUT_PC, put_provisioned_concurrency_config)
    patcher.replace(GET_PC, get_provisioned_concurrency_config)
    patcher.replace(DELETE_PC, delete_provisioned_concurrency_config)
    patcher.replace(LIST_PC, list_provisioned_concurrency_configs)
    from moto.awslambda.responses import LambdaResponse

    patcher.replace(LAMBDA_ROUTES, {PROVISIONED_PATH: LambdaResponse.dispatch,
                                    ACCOUNT_SETTINGS_PATH: LambdaResponse.dispatch})
