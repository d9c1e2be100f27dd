"""X-Ray in the Lambda runtime: the tracing header, the daemon, and Lambda's own segments.

"Visualize Lambda function invocations using AWS X-Ray"
(https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html): a function whose
``TracingConfig.Mode`` is ``Active`` is traced. For each traced invocation Lambda

* gives the handler ``_X_AMZN_TRACE_ID`` (``Root=1-...;Parent=<function segment>;Sampled=1``),
  ``AWS_XRAY_DAEMON_ADDRESS`` and ``AWS_XRAY_CONTEXT_MISSING=LOG_ERROR`` ("Defined runtime
  environment variables", https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime);
* records a segment for the Lambda service (origin ``AWS::Lambda``) and one for the function
  (``AWS::Lambda::Function``) with the subsegments ``Initialization`` (cold starts),
  ``Invocation`` and ``Overhead``;
* runs an X-Ray daemon that receives what the X-Ray SDK (or Powertools Tracer, built on it)
  sends from the handler over UDP: the SDK's subsegments, ``aws`` subsegments for each boto3
  call once ``patch_all()`` (or Tracer) has patched botocore.

Here the daemon is a UDP socket on 127.0.0.1 served by a thread of the kernel; every document,
the runtime's and the SDK's, goes into moto's X-Ray backend as ``PutTraceSegments`` would put
it, so ``boto3.client("xray").batch_get_traces`` reads it (the ``xray`` extension assembles
the documents into whole segments, as X-Ray does).

What differs from AWS: every request to an ``Active`` function is traced (AWS samples the first
request each second and 5% of the others, and the rate cannot be changed for Lambda);
``PassThrough`` functions are not traced (the course's API Gateway and other triggers send no
sampled tracing header); the documents travel over UDP, as on AWS; the daemon stores what a handler
sent before its invocation's answer is returned (on AWS they reach X-Ray seconds later), and a
document sent from elsewhere (a thread the handler left running) when it arrives.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import xray_segments as X

log = logging.getLogger(__name__)

_MAX_DATAGRAM = 65535


def tracing_active(fn: Any) -> bool:
    """True when the function's ``TracingConfig.Mode`` is ``Active``."""
    config = getattr(fn, "tracing_config", None) or {}
    return isinstance(config, dict) and config.get("Mode") == "Active"


def traced(fn: Any, upstream: str | None = None) -> bool:
    """True when Lambda traces the call: an ``Active`` function, or a caller whose tracing header
    says ``Sampled=1`` (API Gateway with tracing on decides for the function)."""
    return tracing_active(fn) or X.parse_trace_header(upstream or "").get("Sampled") == "1"


@dataclass
class _Traced:
    trace_id: str
    service_id: str
    function_id: str
    account_id: str
    region: str
    arn: str
    started: float
    parent_id: str | None = None     # the caller's segment (API Gateway's), when it traced the call

    @property
    def header(self) -> str:
        return X.trace_header(self.trace_id, self.function_id, sampled=True)


class XRayDaemon:
    """The X-Ray daemon of the local Lambda service: a UDP receiver and Lambda's segments."""

    def __init__(self, account_id: str, region: str) -> None:
        # imported here, in the caller's thread: a first import of moto.xray from two threads at
        # once fails on moto's own circular import
        from moto.xray.exceptions import BadSegmentException
        from moto.xray.models import xray_backends

        self._backends, self._bad_segment = xray_backends, BadSegmentException
        self.account_id, self.region = account_id, region
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.setblocking(False)
        self._recv_lock = threading.Lock()           # one reader at a time: the thread, or finish()
        self.address = f"127.0.0.1:{self._sock.getsockname()[1]}"
        self._lock = threading.Condition()
        self._pending: dict[str, _Traced] = {}       # request id -> its trace
        self._where: dict[str, tuple[str, str]] = {}  # trace id -> (account, region)
        self.received = 0                            # documents received over UDP
        self.rejected: list[str] = []                # why a datagram was not stored
        self._docs: dict[str, int] = {}              # trace id -> documents stored
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name="serverless-lab-xray-daemon", daemon=True)
        self._thread.start()

    # -- the Lambda service's side ----------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        """The variables a traced function's environment gets."""
        return {"AWS_XRAY_DAEMON_ADDRESS": self.address, "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR"}

    def begin(self, fn: Any, request_id: str, arrival: float, upstream: str | None = None) -> str:
        """Start the trace of one invocation; returns the handler's ``_X_AMZN_TRACE_ID``.

        ``upstream`` is the caller's tracing header: its ``Root`` is the trace, its ``Parent`` the
        segment that called Lambda.
        """
        up = X.parse_trace_header(upstream or "")
        t = _Traced(up.get("Root") or X.new_trace_id(arrival), X.new_segment_id(), X.new_segment_id(),
                    fn.account_id, fn.region, fn.function_arn, arrival, up.get("Parent") or None)
        with self._lock:
            self._pending[request_id] = t
            self._where[t.trace_id] = (fn.account_id, fn.region)
        return t.header

    def finish(self, fn: Any, rec: Any) -> str | None:
        """Record Lambda's two segments for the invocation ``rec`` (a ``trace.Invocation``).

        Returns the trace id, or None when the invocation was not traced.
        """
        with self._lock:
            t = self._pending.pop(rec.request_id, None)
        if t is None:
            return None
        # the handler's SDK sent its documents before the invocation ended, and a datagram on the
        # loopback is in this socket's buffer once sendto returns: store them now, so the trace
        # is whole when Invoke answers
        self.drain()
        end = time.time()
        fault = rec.outcome != "success"
        status = 429 if rec.outcome == "throttled" else 200
        service = {"name": fn.function_name, "id": t.service_id, "trace_id": t.trace_id,
                   "start_time": t.started, "end_time": end, "origin": X.LAMBDA_SERVICE,
                   "http": {"response": {"status": status}},
                   "aws": {"request_id": rec.request_id}}
        if t.parent_id:
            service["parent_id"] = t.parent_id
        if rec.outcome == "throttled":
            service["throttle"] = service["error"] = True
        docs = [service]
        if rec.invoke_start is not None:
            subs = []
            if rec.cold and rec.init_start is not None and rec.init_end is not None:
                subs.append({"name": "Initialization", "id": X.new_segment_id(),
                             "start_time": rec.init_start, "end_time": rec.init_end})
            invoke_end = rec.invoke_end or end
            invocation = {"name": "Invocation", "id": X.new_segment_id(),
                          "start_time": rec.invoke_start, "end_time": invoke_end}
            if fault:
                invocation["fault"] = True
                invocation["cause"] = {"exceptions": [{"id": X.new_segment_id(),
                                                       "type": rec.error_type or "Unhandled",
                                                       "message": rec.error_type or "Unhandled"}]}
            subs.append(invocation)
            subs.append({"name": "Overhead", "id": X.new_segment_id(), "start_time": invoke_end, "end_time": end})
            function = {"name": fn.function_name, "id": t.function_id, "trace_id": t.trace_id,
                        "parent_id": t.service_id, "start_time": subs[0]["start_time"], "end_time": end,
                        "origin": X.LAMBDA_FUNCTION, "subsegments": subs,
                        "aws": {"function_arn": t.arn, "resource_names": [fn.function_name],
                                "account_id": fn.account_id}}
            if fault:
                function["fault"] = True
            docs.append(function)
        for doc in docs:
            self._store(doc)
        return t.trace_id

    # -- the daemon's side ------------------------------------------------------------------------
    def _store(self, doc: dict[str, Any]) -> None:
        trace_id = str(doc.get("trace_id", ""))
        with self._lock:
            account, region = self._where.get(trace_id, (self.account_id, self.region))
        # as PutTraceSegments stores it (moto's X-Ray backend)
        self._backends[account][region].process_segment(json.dumps(doc))
        with self._lock:
            self._docs[trace_id] = self._docs.get(trace_id, 0) + 1
            self._lock.notify_all()

    def _serve(self) -> None:
        import select

        while not self._stopped:
            try:
                readable, _, _ = select.select([self._sock], [], [], 0.2)
            except (OSError, ValueError):
                return
            if readable:
                self.drain()

    def drain(self) -> int:
        """Store every datagram waiting in the socket; returns how many were read."""
        n = 0
        with self._recv_lock:
            while True:
                try:
                    data, _addr = self._sock.recvfrom(_MAX_DATAGRAM)
                except (BlockingIOError, InterruptedError):
                    return n
                except OSError:
                    return n
                n += 1
                try:
                    doc = X.parse_datagram(data)
                    self._store(doc)
                except ValueError as exc:   # json.JSONDecodeError included
                    self._reject(str(exc))
                    continue
                except self._bad_segment as exc:   # what PutTraceSegments lists as unprocessed
                    self._reject(f"{exc.code}: {exc.message}")
                    continue
                with self._lock:
                    self.received += 1

    def _reject(self, why: str) -> None:
        self.rejected.append(why)
        log.warning("X-Ray daemon: a document was not stored: %s", why)

    def documents(self, trace_id: str) -> int:
        """How many documents of ``trace_id`` are stored so far."""
        with self._lock:
            return self._docs.get(trace_id, 0)

    def wait_for(self, trace_id: str, count: int, timeout: float = 30.0) -> bool:
        """Wait until ``count`` documents of ``trace_id`` are stored (UDP is asynchronous)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._docs.get(trace_id, 0) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def stop(self) -> None:
        self._stopped = True
        self._thread.join(timeout=2)
        self._sock.close()
