"""CloudWatch Logs lines exactly as Lambda writes them.

Formats follow the AWS Lambda Developer Guide ("Monitoring > Logs",
https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html and
python-logging.html): one log group ``/aws/lambda/<name>``, one stream per execution
environment named ``YYYY/MM/DD/[<version>]<32 hex>``, and per invocation::

    START RequestId: <id> Version: $LATEST
    <handler output>
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 8.40 ms\tBilled Duration: 179 ms\tMemory Size: 128 MB\t
        Max Memory Used: 66 MB\tInit Duration: 170.13 ms      (one line; wrapped here)

``Init Duration`` only after a cold start, whose Billed Duration includes it (AWS bills Init since
2025-08-01); a timeout adds
``<timestamp> <id> Task timed out after 3.00 seconds`` and ``Status: timeout``.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from datetime import datetime, timezone

from ..ids import random_hex

TAIL_BYTES = 4096  # LogType=Tail returns the last 4 KB of the execution log
MAX_RECURSION = 16
_local = threading.local()


def stream_name(version: str) -> str:
    day = datetime.now(timezone.utc)
    return f"{day:%Y/%m/%d}/[{version}]{random_hex(32)}"


def iso_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def billed_ms(duration_ms: float) -> int:
    """Lambda bills duration rounded up to the nearest millisecond (minimum 1 ms)."""
    return max(1, math.ceil(duration_ms - 1e-9))


def report_line(request_id: str, duration_ms: float, memory_mb: int, max_used_mb: int,
                init_ms: float | None = None, status: str | None = None,
                error_type: str | None = None) -> str:
    # since 2025-08-01 the INIT phase of on-demand environments is billed too, and the REPORT
    # line's Billed Duration includes it (https://aws.amazon.com/lambda/pricing/)
    billed = billed_ms(duration_ms + (init_ms or 0.0))
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms"
            f"\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_used_mb} MB")
    if init_ms is not None:
        line += f"\tInit Duration: {init_ms:.2f} ms"
    if status:
        line += f"\tStatus: {status}"
        if error_type:
            line += f"\tError Type: {error_type}"
    return line


def output_events(text: str) -> list[str]:
    """Handler output -> log messages: one per line; a logging record's CRs become newlines."""
    if not text:
        return []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.replace("\r", "\n") for line in lines]


def tail(lines: list[str]) -> str:
    """The base64 ``x-amz-log-result`` header: last 4 KB of this invocation's log."""
    raw = ("\n".join(lines) + "\n").encode("utf-8")[-TAIL_BYTES:]
    return base64.b64encode(raw).decode("ascii")


class LogWriter:
    """Writes to moto's CloudWatch Logs backend directly (same state boto3 reads)."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region

    def write(self, function_name: str, stream: str, messages: list[str], *, region: str | None = None,
              account_id: str | None = None, group: str | None = None) -> None:
        """Append to ``/aws/lambda/<name>`` (or the function's ``LoggingConfig.LogGroup``) in the
        function's own region and account (default: the session's), as Lambda does."""
        if not messages:
            return
        # A function subscribed to its own log group would call itself forever; AWS stops such
        # recursive loops after about 16 invocations, and so do we (the logs are dropped).
        depth = getattr(_local, "depth", 0)
        if depth >= MAX_RECURSION:
            return
        _local.depth = depth + 1
        try:
            self._write(group or f"/aws/lambda/{function_name}", stream, messages, region, account_id)
        finally:
            _local.depth = depth

    def _write(self, group: str, stream: str, messages: list[str], region: str | None,
               account_id: str | None) -> None:
        from ..cloud import logs as cloud_logs  # the one CloudWatch Logs writer

        now = int(time.time() * 1000)
        cloud_logs.append(account_id or self.account_id, region or self.region, group, stream,
                          [{"timestamp": now, "message": m} for m in messages])
