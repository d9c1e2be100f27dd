"""Errors the local Lambda service returns, in AWS's codes, HTTP statuses and wording.

Service errors (the Invoke API refuses the request) are moto ``JsonRESTError`` subclasses,
so boto3 sees them exactly as from AWS: ``err.response["Error"]["Code"]`` and the HTTP
status (AWS Lambda API reference, Invoke, "Errors":
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Function errors (the
handler ran and failed) are payloads ``{"errorMessage", "errorType", ...}`` with the header
``X-Amz-Function-Error: Unhandled``.
"""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError

from ..errors import LabError

SUPPORTED_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13")
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024      # 6,291,456 bytes (request and response)
# 1 MB since October 2025 (was 256 KB): AWS Compute Blog, "More room to build: serverless
# services now support payloads up to 1 MB".
ASYNC_PAYLOAD_LIMIT = 1024 * 1024         # 1,048,576 bytes


class UnsupportedRuntimeError(LabError):
    """A function whose runtime the local service cannot run."""


class TooManyRequestsException(JsonRESTError):
    """HTTP 429 with AWS's throttling reason code."""

    code = 429

    def __init__(self, reason: str, message: str = "Rate Exceeded.") -> None:
        super().__init__("TooManyRequestsException", message)
        self.reason = reason
        self.description = json.dumps({"__type": "TooManyRequestsException", "message": message,
                                       "Reason": reason, "Type": "User"})

    def get_headers(self, *args, **kwargs):  # type: ignore[override]
        headers = dict(super().get_headers(*args, **kwargs))
        headers["Retry-After"] = "1"
        return headers


class RequestTooLargeException(JsonRESTError):
    code = 413

    def __init__(self, limit: int, operation: str = "Invoke") -> None:
        super().__init__("RequestTooLargeException",
                         f"Request must be smaller than {limit} bytes for the {operation} operation")


class InvalidRequestContentException(JsonRESTError):
    code = 400

    def __init__(self, detail: str) -> None:
        super().__init__("InvalidRequestContentException",
                         f"Could not parse request body into json: Could not parse payload into json: {detail}")


class InvalidRuntimeException(JsonRESTError):
    code = 502

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRuntimeException", message)


class ResourceNotFoundException(JsonRESTError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class ProvisionedConcurrencyConfigNotFoundException(JsonRESTError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ProvisionedConcurrencyConfigNotFoundException", message)


class InvalidParameterValueException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValueException", message)


def unsupported_runtime_message(runtime: str | None, function_name: str) -> str:
    return (f"The runtime {runtime!r} of function {function_name!r} cannot run in the local Lambda "
            f"service. Supported runtimes: {', '.join(SUPPORTED_RUNTIMES)} (each runs on this "
            "notebook's Python interpreter: a simulation of the runtime version). Create the "
            "function with Runtime='python3.12' and a Python handler.")


def function_error(error_type: str, message: str, request_id: str | None = None,
                   stack: list[str] | None = None) -> dict:
    err: dict = {"errorMessage": message, "errorType": error_type}
    if request_id is not None:
        err["requestId"] = request_id
    err["stackTrace"] = stack or []
    return err


def exit_error_message(request_id: str, exit_code: int | None) -> str:
    """AWS's wording when the runtime process dies (Runtime.ExitError / OutOfMemory)."""
    if exit_code is None or exit_code == -9:
        how = "signal: killed"
    elif exit_code < 0:
        import signal

        try:
            name = signal.Signals(-exit_code).name.lower().removeprefix("sig")
        except ValueError:
            name = str(-exit_code)
        how = f"signal: {name}"
    else:
        how = f"exit status {exit_code}"
    return f"RequestId: {request_id} Error: Runtime exited with error: {how}"
