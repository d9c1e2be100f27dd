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
from datetime import date, datetime, timezone

from moto.core.exceptions import JsonRESTError

from .. import limits
from ..errors import LabError

# AWS's Python runtimes and their deprecation schedule: (deprecated, block function create,
# block function update), from the AWS Lambda Developer Guide, "Lambda runtimes"
# (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html), checked 2026-11.
# python3.14 has been available since 2025-11-18. After "block create" AWS refuses
# CreateFunction (and changing a function to that runtime); after "block update" it refuses
# UpdateFunctionCode/UpdateFunctionConfiguration too. Existing functions keep running.
PYTHON_RUNTIMES: dict[str, tuple[str, str, str]] = {
    "python3.14": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.13": ("2029-06-30", "2029-07-31", "2029-08-31"),
    "python3.12": ("2028-10-31", "2028-11-30", "2029-01-10"),
    "python3.11": ("2027-06-30", "2027-07-31", "2027-08-31"),
    "python3.10": ("2026-10-31", "2027-02-01", "2027-03-03"),
    "python3.9": ("2025-12-15", "2027-02-01", "2027-03-03"),
    "python3.8": ("2024-10-14", "2027-02-01", "2027-03-03"),
    "python3.7": ("2023-12-04", "2024-01-09", "2027-03-03"),
    "python3.6": ("2022-07-18", "2022-07-18", "2022-08-29"),
    "python2.7": ("2021-07-15", "2021-07-15", "2022-05-30"),
}
LATEST_PYTHON = "python3.14"


def _today() -> date:
    return datetime.now(timezone.utc).date()


def creatable_runtimes(today: date | None = None) -> tuple[str, ...]:
    """The Python runtimes AWS lets you create a function with on ``today`` (oldest first)."""
    day = (today or _today()).isoformat()
    names = [r for r, (_dep, block_create, _bu) in PYTHON_RUNTIMES.items() if day < block_create]
    return tuple(sorted(names, key=lambda r: tuple(int(x) for x in r[6:].split("."))))


def deprecated(runtime: str, today: date | None = None) -> bool:
    dates = PYTHON_RUNTIMES.get(runtime)
    return bool(dates) and (today or _today()).isoformat() >= dates[0]


def blocked(runtime: str | None, operation: str, today: date | None = None) -> bool:
    """True if AWS refuses ``operation`` ("create" or "update") for ``runtime`` on ``today``."""
    dates = PYTHON_RUNTIMES.get(runtime or "")
    if not dates:
        return False
    return (today or _today()).isoformat() >= (dates[1] if operation == "create" else dates[2])


def runtime_blocked_message(runtime: str) -> str:
    """AWS's wording (InvalidParameterValueException) for a runtime past its block date."""
    return (f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS Lambda "
            f"functions. We recommend you use the new runtime ({LATEST_PYTHON}) while creating or updating "
            "functions.")


# Every runtime the local service runs (on this notebook's interpreter, whatever the version):
# the ones AWS still lets you create; an existing function on a deprecated one also keeps running.
SUPPORTED_RUNTIMES = creatable_runtimes()
SYNC_PAYLOAD_LIMIT = limits.SYNC_PAYLOAD_BYTES      # 6,291,456 bytes (request and response)
# 1 MB since October 2025 (was 256 KB): AWS Compute Blog, "More room to build: serverless
# services now support payloads up to 1 MB".
ASYNC_PAYLOAD_LIMIT = limits.ASYNC_PAYLOAD_BYTES    # 1,048,576 bytes


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


class ValidationException(JsonRESTError):
    """A request field outside the API's model (e.g. an enum value AWS does not know)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


def unsupported_runtime_message(runtime: str | None, function_name: str) -> str:
    return (f"The runtime {runtime!r} of function {function_name!r} cannot run in the local Lambda "
            f"service. Supported runtimes: {', '.join(SUPPORTED_RUNTIMES)} (each runs on this "
            "notebook's Python interpreter: a simulation of the runtime version). Create the "
            f"function with Runtime='{LATEST_PYTHON}' (or python3.12) and a Python handler.")


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
