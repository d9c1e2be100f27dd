"""The local Lambda service: environments per function version, concurrency, logs, trace.

One :class:`LambdaRuntime` per ``mock_aws`` session (``aws.extension("lambda")``). Every
invocation, whatever triggered it, goes through :meth:`LambdaRuntime.invoke`:

1. concurrency: the function's reserved concurrency, else the account's unreserved pool
   (account limit minus all reservations); over it -> throttled (429 for synchronous calls);
2. an idle environment of that version (provisioned ones first) or a cold start: fork a
   worker from the zygote and run INIT (import the handler module);
3. INVOKE in the worker, bounded by the function timeout and memory size;
4. CloudWatch Logs (START / output / END / REPORT), the trace record, and the environment
   back to the idle pool (or discarded after a timeout, crash or out-of-memory).
"""

from __future__ import annotations

import json
import math
import os
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any

from .. import limits
from ..ids import request_id as new_request_id
from ..trace import TRACE, Invocation, Trace
from . import logs as L
from . import metrics
from .code import CodeStore, layer_paths, runtime_dir, runtime_entries
from .environment import Environment
from .errors import (
    PYTHON_RUNTIMES,
    SUPPORTED_RUNTIMES,
    SYNC_PAYLOAD_LIMIT,
    exit_error_message,
    function_error,
)
from .log_format import JsonLogs, log_group
from .xray import XRayDaemon, traced, tracing_active
from .zygote import SPARES_MAX, SPARES_MIN, Zygote

INIT_TIMEOUT_S = limits.INIT_TIMEOUT_S                          # AWS: INIT is limited to 10 seconds
DEFAULT_KEEP_ALIVE_S = limits.KEEP_ALIVE_DEFAULT_S              # idle environments: ~5-15 min on AWS
DEFAULT_ACCOUNT_CONCURRENCY = limits.ACCOUNT_CONCURRENCY_DEFAULT
RUNTIME_VERSION = "serverless-lab.local"
# this interpreter's standard library: shown where AWS's runtime keeps it, /var/lang/lib/python3.x
_STDLIB = sysconfig.get_paths()["stdlib"]
# the interpreter itself, not the course's virtual environment: what /var/lang/bin/python3.x runs
_BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def namespace_layout_possible(paths: list[str]) -> bool:
    """AWS's layout mounts the layers over /opt: refuse it when something this Python needs lives there
    (e.g. /opt/conda), so an environment never loses its own interpreter or code."""
    if not sys.platform.startswith("linux") or os.environ.get("SERVERLESS_LAB_LAMBDA_LAYOUT") == "paths":
        return False
    return not any(os.path.realpath(p) == "/opt" or os.path.realpath(p).startswith("/opt/") for p in paths)


def _lang(run_time: str | None) -> str:
    """python3.12 -> python3.12 (the folder name AWS's runtime image uses)."""
    return run_time if run_time and run_time.startswith("python") else "python3"


@dataclass
class InvokeResult:
    """What one invocation produced, for the API layer and the integrations."""

    payload: bytes
    function_error: str | None = None      # "Unhandled" when the function failed
    log_tail: str = ""                     # base64 of the last 4 KB (x-amz-log-result)
    executed_version: str = "$LATEST"
    throttled: str | None = None           # AWS reason code when throttled
    record: Invocation | None = None

    @property
    def ok(self) -> bool:
        return self.function_error is None and self.throttled is None


class LambdaRuntime:
    """Handle of the local Lambda service (returned by ``activate``; see the package docs)."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.clock = session.clock
        self.account_id = session.account_id
        self.region = session.region
        self.trace: Trace = TRACE
        opts = session.options
        self._keep_alive = float(opts.get("keep_alive_s", DEFAULT_KEEP_ALIVE_S))
        self._account_limit = int(opts.get("account_concurrency", DEFAULT_ACCOUNT_CONCURRENCY))
        self._lock = threading.RLock()
        self._idle: dict[tuple, list[Environment]] = {}
        self._envs: dict[str, Environment] = {}
        self._inflight: dict[tuple[str, str, str], int] = {}   # (account, region, name) -> running
        self._generation: dict[tuple[str, str], int] = {}
        # (account, region, name, qualifier) -> config: like reserved concurrency, provisioned
        # concurrency belongs to the function in its own account and region
        self._provisioned: dict[tuple[str, str, str, str], dict] = {}
        self._reclaim_timer = None
        self._idle_cond = threading.Condition(self._lock)
        self._tmp = tempfile.mkdtemp(prefix="serverless-lab-lambda-")
        self.code = CodeStore(os.path.join(self._tmp, "functions"))
        self._runtime_dir = runtime_dir(os.path.join(self._tmp, "runtime"))
        self._namespace_layout = namespace_layout_possible(
            [self._tmp, sys.prefix, sys.base_prefix, _STDLIB, _BASE_PYTHON, os.path.dirname(__file__)]
            + [path for _top, path in runtime_entries()])
        self.logs = L.LogWriter(self.account_id, self.region)
        self.zygote = Zygote()
        self.zygote.set_spares(SPARES_MIN)     # forked in the background once the zygote is up
        self._base_env = self._worker_base_env()
        from .async_invoke import AsyncInvoker

        self.async_ = AsyncInvoker(self)
        self._stopped = False
        self._xray: XRayDaemon | None = None
        self._warm = threading.Thread(target=self._start_zygote, name="serverless-lab-zygote-start",
                                      daemon=True)
        self._warm.start()

    def _start_zygote(self) -> None:
        try:
            self.zygote.start()
        except Exception:  # noqa: BLE001 - retried (and reported) at the first cold start
            pass

    # -- public API ----------------------------------------------------------------------------
    def set_account_concurrency(self, n: int) -> None:
        """Account-wide concurrency limit (AWS default 1,000; lower it to teach throttling)."""
        if int(n) < 0:
            raise ValueError("the account concurrency limit must be >= 0")
        with self._lock:
            self._account_limit = int(n)

    @property
    def xray(self) -> XRayDaemon:
        """The X-Ray daemon of traced functions (started at the first use)."""
        with self._lock:
            if self._xray is None:
                self._xray = XRayDaemon(self.account_id, self.region)
            return self._xray

    @property
    def account_concurrency(self) -> int:
        return self._account_limit

    def set_keep_alive(self, seconds: float) -> None:
        """How long (lab-clock seconds) an idle environment lives before it is reclaimed."""
        with self._lock:
            self._keep_alive = float(seconds)
            if self._reclaim_timer is not None:
                self._reclaim_timer.cancel()
                self._reclaim_timer = None
            self._reclaim_expired_locked()
            self._schedule_reclaim_locked()

    @property
    def keep_alive(self) -> float:
        return self._keep_alive

    def set_spare_processes(self, minimum: int, maximum: int = SPARES_MAX) -> None:
        """Processes forked ahead of demand, bound to a function at its cold start: keep at least
        ``minimum`` ready, and after a burst of cold starts as many as it took, up to ``maximum``
        (default: runtime.zygote.SPARES_MIN, SPARES_MAX). Each costs about 1.5 MB; 0 forks on demand."""
        if int(minimum) < 0 or int(maximum) < 0:
            raise ValueError("spare process counts must be >= 0")
        self.zygote.set_spares(int(minimum), int(maximum))

    def environments(self) -> list[dict]:
        """Every live environment: id, function, version, state, created, last used, invocations."""
        with self._lock:
            return [env.describe() for env in self._envs.values() if env.alive]

    def reclaim_idle(self) -> int:
        """Reclaim idle environments whose keep-alive has passed on the lab clock; return how many."""
        with self._lock:
            return self._reclaim_expired_locked()

    def clear_trace(self) -> None:
        self.trace.clear()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no invocation runs and no async event is queued (retries scheduled for later
        on the lab clock do not count: advance the clock to run them). True if idle in time."""
        deadline = time.monotonic() + timeout
        if not self.async_.wait_idle(timeout):
            return False
        with self._idle_cond:
            while sum(self._inflight.values()) > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle_cond.wait(left)
        return self.async_.wait_idle(max(deadline - time.monotonic(), 0.01))

    def stop(self) -> None:
        """Kill every environment and the zygote, and forget the temporary code folders."""
        if self._stopped:
            return
        self._stopped = True
        self.async_.stop()
        if self._xray is not None:
            self._xray.stop()
        with self._lock:
            if self._reclaim_timer is not None:
                self._reclaim_timer.cancel()
            envs = list(self._envs.values())
            self._envs.clear()
            self._idle.clear()
        for env in envs:
            env.kill()
        self._warm.join(timeout=5)
        self.zygote.stop()
        self.code.clear()
        try:
            os.rmdir(self._tmp)
        except OSError:
            pass

    # -- generation: code or configuration changed -----------------------------------------------
    def retire(self, function_name: str, version: str | None = "$LATEST", *, region: str | None = None,
               account_id: str | None = None) -> None:
        """New code/configuration (or a deleted function when ``version`` is None): idle
        environments of the old one are shut down now, busy ones when they finish. A deleted
        function's provisioned concurrency goes with it, in its own region and account only."""
        scope = (account_id or self.account_id, region or self.region)
        with self._lock:
            versions = {str(version)} if version is not None else (
                {k[1] for k in self._idle if k[0] == function_name}
                | {v for (n, v) in self._generation if n == function_name}
                | {e.version for e in self._envs.values() if e.function_name == function_name})
            for ver in versions:
                gk = (function_name, ver)
                self._generation[gk] = self._generation.get(gk, 0) + 1
            for key in [k for k in self._idle if k[0] == function_name and k[1] in versions]:
                for env in self._idle.pop(key):
                    self._discard_locked(env)
            if version is None:
                for k in [k for k in self._provisioned if k[:3] == (*scope, function_name)]:
                    self._provisioned.pop(k, None)
                for env in [e for e in self._envs.values() if e.function_name == function_name
                            and (e.account_id, e.region) == scope and e.state == "idle"]:
                    self._discard_locked(env)

    def _key(self, fn) -> tuple:
        """Pool key: the same name in two regions (or accounts) is two functions."""
        name, version = fn.function_name, str(fn.version)
        return (name, version, self._generation.get((name, version), 0), fn.region, fn.account_id)

    # -- invoke ------------------------------------------------------------------------------------
    def check_runtime(self, fn) -> str | None:
        """None if the function can run here, else AWS-style explanation."""
        if getattr(fn, "package_type", "Zip") == "Image":
            return ("Container-image functions cannot run in the local Lambda service; package the "
                    "code as a .zip with Runtime one of " + ", ".join(SUPPORTED_RUNTIMES) + ".")
        if fn.run_time not in SUPPORTED_RUNTIMES and fn.run_time not in PYTHON_RUNTIMES:
            from .errors import unsupported_runtime_message

            return unsupported_runtime_message(fn.run_time, fn.function_name)
        if not fn.handler:
            return f"Function {fn.function_name!r} has no Handler; set one like 'app.handler'."
        return None

    def invoke(self, fn, payload: bytes, *, invocation_type: str = "RequestResponse",
               trigger: str = "invoke", request_id: str | None = None, attempt: int = 1,
               invoked_arn: str | None = None, client_context: dict | None = None,
               arrival: float | None = None, trace_header: str | None = None) -> InvokeResult:
        """Run one invocation synchronously (in the calling thread) and record it."""
        rid = request_id or new_request_id()
        arrival = arrival or time.time()
        if self._stopped:
            body = function_error("Runtime.Unknown", "The local Lambda service has stopped: its mock_aws() "
                                  "session ended. Start a new session to invoke functions.")
            return InvokeResult(json.dumps(body).encode(), "Unhandled", "", str(fn.version))
        name, version = fn.function_name, str(fn.version)
        key = self._key(fn)
        slot = (fn.account_id, fn.region, name)   # concurrency is counted per account and region
        with self._lock:
            self._reclaim_expired_locked()
            reason = self._throttle_reason_locked(fn)
            if reason is None:
                env = self._take_idle_locked(key)
                self._inflight[slot] = self._inflight.get(slot, 0) + 1
            concurrent_fn = self._inflight.get(slot, 0)
            concurrent_all = sum(n for (a, r, _f), n in self._inflight.items() if (a, r) == slot[:2])
        # the invocation's trace record: built here, filled in by _run, recorded once by _record
        rec = Invocation(request_id=rid, function_name=name, version=version, trigger=trigger,
                         invocation_type=invocation_type, arrival=arrival, memory_mb=int(fn.memory_size),
                         attempt=attempt)
        if reason is not None:
            rec.outcome, rec.error_type = "throttled", "TooManyRequestsException"
            self._record(fn, rec, concurrent_fn, concurrent_all, invoked_arn)
            return InvokeResult(b"", throttled=reason, executed_version=version, record=rec)
        holder: list[Environment] = [env] if env is not None else []
        try:
            result = self._run(fn, key, holder, payload, rid, rec, invocation_type,
                               invoked_arn or fn.function_arn, client_context, trace_header)
            self._record(fn, rec, concurrent_fn, concurrent_all, invoked_arn)
            return result
        except Exception as exc:  # noqa: BLE001 - a failure of the local service, not of the handler
            for held in holder:
                with self._lock:
                    self._discard_locked(held)
            rec.outcome, rec.error_type = "crash", "Runtime.Unknown"
            self._record(fn, rec, concurrent_fn, concurrent_all, invoked_arn)
            body = function_error("Runtime.Unknown", f"The local Lambda service could not run {name}: {exc}. "
                                  "Check the deployment package (a valid .zip with the handler module at "
                                  "its root) and the function configuration.")
            return InvokeResult(json.dumps(body).encode(), "Unhandled", "", version, None, rec)
        except BaseException:  # KeyboardInterrupt in the notebook: never leave a worker behind
            for held in holder:
                with self._lock:
                    self._discard_locked(held)
            raise
        finally:
            with self._lock:
                self._inflight[slot] -= 1
                self._idle_cond.notify_all()

    def _record(self, fn, rec: Invocation, concurrent_fn: int, concurrent_all: int,
                invoked_arn: str | None = None) -> None:
        """The one place an invocation is recorded: the trace, then CloudWatch metrics (stamped
        with the lab clock's time, which alarms are evaluated on)."""
        self.trace.add(rec)
        if self._xray is not None:
            self._xray.finish(fn, rec)
        parts = (invoked_arn or "").split(":")
        qualifier = parts[7] if len(parts) > 7 else None
        metrics.emit(fn.account_id, fn.region, rec, concurrent_fn, concurrent_all,
                     qualifier=qualifier, when=self.clock.now())

    def _run(self, fn, key, holder, payload, rid, rec: Invocation, invocation_type, arn,
             client_context, trace_header: str | None = None) -> InvokeResult:
        name, version, memory = fn.function_name, str(fn.version), int(fn.memory_size)
        env = holder[0] if holder else None
        lines: list[str] = []
        json_logs = JsonLogs.of(fn)      # None: the plain-text format
        init_ms = None
        if env is None:
            env, failure = self._cold_start(fn, key, provisioned=False, lines=lines, rec=rec, holder=holder)
            if failure is not None:
                return self._init_failed(fn, env, failure, rid, rec, lines)
        if env.init_pending_report:
            init_ms = env.init_ms if not env.provisioned else None
            rec.cold = not env.provisioned
            env.init_pending_report = False
        rec.provisioned = env.provisioned
        rec.environment_id = env.id
        rec.init_duration_ms = init_ms
        if json_logs:
            lines.extend(json_logs.start(rid, version))
        else:
            lines.append(f"START RequestId: {rid} Version: {version}")
        timeout_s = float(fn.timeout or limits.TIMEOUT_DEFAULT_S)
        header = {"type": "invoke", "id": rid, "arn": arn,
                  "deadline_ms": int(time.time() * 1000 + timeout_s * 1000),
                  "trace_id": self.xray.begin(fn, rid, rec.arrival, trace_header)
                  if traced(fn, trace_header) else
                  f"Root=1-{int(time.time()):08x}-{new_request_id().replace('-', '')[:24]};Sampled=0",
                  "client_context": client_context}
        rec.invoke_start = time.time()
        ex = env.invoke(header, payload, timeout_s)
        rec.invoke_end = time.time()
        env.invocations += 1
        env.last_used = rec.invoke_end
        output = L.output_events(ex.output)
        lines.extend(json_logs.application(output) if json_logs else output)
        peak_kb = max(ex.peak_rss_kb, int(ex.header.get("maxrss_kb", 0) or 0))
        used_mb = max(1, math.ceil(peak_kb / 1024)) if peak_kb else 0
        status = error_type = None
        fn_error: str | None = None
        if ex.status == "ok" and ex.header.get("ok"):
            body = ex.body
            duration = float(ex.header.get("duration_ms", ex.wall_ms))
            rec.outcome = "success"
            if len(body) > SYNC_PAYLOAD_LIMIT and invocation_type != "Event":
                body = json.dumps({"errorMessage": "Response payload size exceeded maximum allowed payload "
                                   "size (6291556 bytes).", "errorType": "Function.ResponseSizeTooLarge"}).encode()
                fn_error, rec.outcome, rec.error_type = "Unhandled", "error", "Function.ResponseSizeTooLarge"
        elif ex.status == "ok" and ex.header.get("oom"):
            duration, rec.outcome, used_mb = ex.wall_ms, "oom", memory
            body, fn_error = self._oom_body(rid), "Unhandled"
            status, error_type = "error", "Runtime.OutOfMemory"
            env.kill()
        elif ex.status == "ok":
            body = ex.body
            duration = float(ex.header.get("duration_ms", ex.wall_ms))
            fn_error, rec.outcome = "Unhandled", "error"
            try:
                rec.error_type = json.loads(body).get("errorType")
            except (ValueError, AttributeError):
                rec.error_type = "Unhandled"
        elif ex.status == "timeout":
            duration = timeout_s * 1000.0
            rec.outcome, rec.error_type, fn_error = "timeout", "Sandbox.Timedout", "Unhandled"
            lines.append(f"{L.iso_now()} {rid} Task timed out after {timeout_s:.2f} seconds")
            body = json.dumps(function_error("Sandbox.Timedout",
                                             f"RequestId: {rid} Error: Task timed out after {timeout_s:.2f} seconds",
                                             None, None)).encode()
            status = "timeout"
        elif ex.status == "oom":
            duration, rec.outcome, used_mb = ex.wall_ms, "oom", memory
            body, fn_error = self._oom_body(rid), "Unhandled"
            status, error_type = "error", "Runtime.OutOfMemory"
            rec.error_type = error_type
            lines.append(f"{L.iso_now()} {rid} Error: Runtime exited with error: signal: killed")
        else:  # crash
            duration, rec.outcome, fn_error = ex.wall_ms, "crash", "Unhandled"
            msg = exit_error_message(rid, ex.exit_code)
            body = json.dumps({"errorType": "Runtime.ExitError", "errorMessage": msg}).encode()
            rec.error_type = status_type = "Runtime.ExitError"
            lines.append(f"{L.iso_now()} {rid} {msg.split(' ', 2)[2]}")
            status, error_type = "error", status_type
        if rec.outcome == "oom":
            rec.error_type = "Runtime.OutOfMemory"
        if json_logs:           # END has no record in the JSON format
            lines.extend(json_logs.report(rid, duration, memory, used_mb, init_ms, status, error_type))
        else:
            lines.append(f"END RequestId: {rid}")
            lines.append(L.report_line(rid, duration, memory, used_mb, init_ms, status, error_type))
        rec.duration_ms = duration
        # since 2025-08-01 AWS bills the INIT phase of on-demand environments too
        rec.billed_ms = L.billed_ms(duration + (init_ms or 0.0))
        rec.max_memory_used_mb = used_mb
        self.logs.write(name, env.log_stream, lines, region=fn.region, account_id=fn.account_id,
                        group=log_group(fn))
        self._release(env, key)
        return InvokeResult(body, fn_error, L.tail(lines), version, None, rec)

    @staticmethod
    def _oom_body(rid: str) -> bytes:
        return json.dumps({"errorType": "Runtime.OutOfMemory",
                           "errorMessage": f"RequestId: {rid} Error: Runtime exited with error: signal: killed"}).encode()

    def _init_failed(self, fn, env, failure, rid, rec, lines) -> InvokeResult:
        """INIT failed (import error, handler missing, init timeout): report as AWS and discard."""
        kind, err, init_ms = failure
        version, memory = str(fn.version), int(fn.memory_size)
        status = "timeout" if kind == "timeout" else "error"
        etype = err.get("errorType", "Runtime.Unknown")
        json_logs = JsonLogs.of(fn)
        if json_logs:
            lines.extend(json_logs.init_report(initialization_type="on-demand", status=status, duration_ms=init_ms,
                                               error_type=etype if status == "error" else None))
            lines.extend(json_logs.start(rid, version))
            lines.extend(json_logs.report(rid, init_ms, memory, 0, None, status,
                                          etype if status == "error" else None))
        else:
            lines.append(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: {status}"
                         + (f"\tError Type: {etype}" if status == "error" else ""))
            lines.append(f"START RequestId: {rid} Version: {version}")
            lines.append(f"END RequestId: {rid}")
            lines.append(L.report_line(rid, init_ms, memory, 0, None, status, etype if status == "error" else None))
        rec.environment_id = env.id if env else ""
        rec.cold = True
        rec.init_duration_ms = init_ms
        rec.outcome = "timeout" if kind == "timeout" else ("crash" if kind == "crash" else "error")
        rec.error_type = etype
        rec.duration_ms = init_ms
        rec.billed_ms = L.billed_ms(init_ms)
        if env is not None:
            self.logs.write(fn.function_name, env.log_stream, lines, region=fn.region, account_id=fn.account_id,
                            group=log_group(fn))
            with self._lock:
                self._discard_locked(env)
        # an INIT error is reported before any request exists: AWS's payload has "requestId": ""
        # (Runtime.ImportModuleError and friends; python-exceptions.html)
        return InvokeResult(json.dumps(err).encode(), "Unhandled", L.tail(lines), version, None, rec)

    # -- environments ------------------------------------------------------------------------------
    def _cold_start(self, fn, key, *, provisioned: bool, lines: list[str], rec: Invocation | None = None,
                    holder: list | None = None):
        """Fork a worker and run INIT. Returns (env, None) or (env, (kind, error_dict, init_ms))."""
        name, version = fn.function_name, str(fn.version)
        stream = L.stream_name(version)
        env = Environment(name, version, key, int(fn.memory_size), stream, provisioned=provisioned,
                          region=fn.region, account_id=fn.account_id)
        if holder is not None:
            holder.append(env)
        with self._lock:
            self._envs[env.id] = env
        task, opt = self.code.prepare(fn, self._layer_blobs(fn))
        spec = {"env": self._function_env(fn, stream, task, provisioned), "task_root": task,
                "sys_path": [task, *layer_paths(opt, _lang(fn.run_time)), self._runtime_dir], "handler": fn.handler,
                # the worker lays these out as AWS does (/var/task, /opt, /var/lang) when Linux lets it
                "layout": {"task": task, "opt": opt, "runtime_site": self._runtime_dir,
                           "bin": os.path.join(os.path.dirname(task), "bin"), "lang": _lang(fn.run_time),
                           "layer_paths": layer_paths(opt, _lang(fn.run_time)), "python": _BASE_PYTHON,
                           "namespace": self._namespace_layout},
                "path_map": [(task, "/var/task"), (opt, "/opt"),
                             (self._runtime_dir, f"/var/lang/lib/{_lang(fn.run_time)}/site-packages"),
                             (_STDLIB, f"/var/lang/lib/{_lang(fn.run_time)}")],
                "address_space_bytes": self._address_space(int(fn.memory_size))}
        runtime_version = f"{fn.run_time.replace('python', 'python:')}.{RUNTIME_VERSION}"
        runtime_arn = f"arn:aws:lambda:{fn.region}::runtime:{RUNTIME_VERSION}"
        json_logs = JsonLogs.of(fn)
        if json_logs:
            lines.extend(json_logs.init_start(
                initialization_type="provisioned-concurrency" if provisioned else "on-demand",
                runtime_version=runtime_version, runtime_version_arn=runtime_arn, function_name=name,
                function_version=version))
        else:
            lines.append(f"INIT_START Runtime Version: {runtime_version}\tRuntime Version ARN: {runtime_arn}")
        t0 = time.time()
        ex = env.start(self.zygote, spec, INIT_TIMEOUT_S)
        t1 = time.time()
        if rec is not None:
            rec.init_start, rec.init_end = t0, t1
        output = L.output_events(ex.output)
        lines.extend(json_logs.application(output) if json_logs else output)
        init_ms = float(ex.header.get("init_ms", (t1 - t0) * 1000.0))
        env.init_ms = init_ms
        env.layout = ex.header.get("layout", env.layout)
        if ex.status == "ok" and ex.header.get("ok"):
            env.state = "busy"
            return env, None
        if ex.status == "ok":
            try:
                err = json.loads(ex.body)
            except ValueError:
                err = function_error("Runtime.Unknown", "Unknown init error")
            return env, ("error", err, init_ms)
        if ex.status == "timeout":
            err = function_error("Sandbox.Timedout", f"Init phase timed out after {INIT_TIMEOUT_S:.2f} seconds")
            return env, ("timeout", err, INIT_TIMEOUT_S * 1000)
        if ex.status == "oom":
            return env, ("crash", {"errorType": "Runtime.OutOfMemory",
                                   "errorMessage": "Runtime exited with error: signal: killed"}, ex.wall_ms)
        return env, ("crash", {"errorType": "Runtime.ExitError",
                               "errorMessage": exit_error_message("init", ex.exit_code).split(" ", 2)[2]},
                     ex.wall_ms)

    def _take_idle_locked(self, key) -> Environment | None:
        pool = self._idle.get(key)
        if not pool:
            return None
        best = next((i for i in range(len(pool) - 1, -1, -1) if pool[i].provisioned), len(pool) - 1)
        env = pool.pop(best)
        env.state = "busy"
        return env

    def _release(self, env: Environment, key) -> None:
        with self._lock:
            if not env.alive:
                self._envs.pop(env.id, None)
                return
            if self._stopped or key != self._key_for(env):
                self._discard_locked(env)
                return
            env.state = "idle"
            env.last_used_lab = self.clock.now()
            self._idle.setdefault(key, []).append(env)
            self._schedule_reclaim_locked()

    def _key_for(self, env: Environment) -> tuple:
        return (env.function_name, env.version, self._generation.get((env.function_name, env.version), 0),
                env.region, env.account_id)

    def _discard_locked(self, env: Environment) -> None:
        env.kill()
        self._envs.pop(env.id, None)
        pool = self._idle.get(env.key)
        if pool and env in pool:
            pool.remove(env)

    # -- keep-alive --------------------------------------------------------------------------------
    def _reclaim_expired_locked(self) -> int:
        now = self.clock.now()
        n = 0
        for key, pool in list(self._idle.items()):
            keep = []
            for env in pool:
                if not env.provisioned and now - env.last_used_lab >= self._keep_alive:
                    env.kill()
                    self._envs.pop(env.id, None)
                    n += 1
                else:
                    keep.append(env)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        return n

    def _schedule_reclaim_locked(self) -> None:
        if self._reclaim_timer is not None and not self._reclaim_timer.cancelled:
            return
        times = [e.last_used_lab for pool in self._idle.values() for e in pool if not e.provisioned]
        if not times or self._stopped:
            return
        self._reclaim_timer = self.clock.call_at(min(times) + self._keep_alive, self._on_reclaim_timer)

    def _on_reclaim_timer(self) -> None:
        with self._lock:
            self._reclaim_timer = None
            self._reclaim_expired_locked()
            self._schedule_reclaim_locked()

    # -- concurrency -------------------------------------------------------------------------------
    def _backend(self, region: str | None = None, account_id: str | None = None):
        """moto's Lambda backend of a region (default: the session's): a function's own ARN decides."""
        from moto.awslambda.models import lambda_backends

        return lambda_backends[account_id or self.account_id][region or self.region]

    def _reserved(self, fn) -> dict[str, int]:
        """Reserved concurrency of every function in ``fn``'s account and region."""
        from .state import function_groups  # SeamError if moto moved its state: never silently unlimited

        out = {}
        groups = function_groups(self._backend(fn.region, fn.account_id))
        for name, group in list(groups.items()):
            latest = group.get("latest")
            if latest is not None and latest.reserved_concurrency not in (None, ""):
                out[name] = int(latest.reserved_concurrency)
        return out

    def _throttle_reason_locked(self, fn) -> str | None:
        reserved = self._reserved(fn)
        name, scope = fn.function_name, (fn.account_id, fn.region)
        if name in reserved:
            if self._inflight.get((*scope, name), 0) >= reserved[name]:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
            return None
        unreserved_running = sum(n for (a, r, f), n in self._inflight.items()
                                 if (a, r) == scope and f not in reserved)
        if unreserved_running >= self._account_limit - sum(reserved.values()):
            return "ConcurrentInvocationLimitExceeded"
        return None

    # -- provisioned concurrency -----------------------------------------------------------------
    # Each takes the function's account and region (from its ARN): the same name in another
    # region is another function, with its own configuration (configuration-concurrency.html).
    def put_provisioned(self, fn, qualifier: str, n: int) -> dict:
        """Initialise ``n`` environments of this version now; they serve invocations first."""
        name, version = fn.function_name, str(fn.version)
        cfg = {"qualifier": qualifier, "version": version, "requested": int(n),
               "last_modified": L.iso_now().replace("Z", "+0000"),
               "function_arn": f"{fn.function_arn.split(':function:')[0]}:function:{name}:{qualifier}"}
        with self._lock:
            self._provisioned[(fn.account_id, fn.region, name, qualifier)] = cfg
        self._ensure_provisioned(fn)
        return cfg

    def get_provisioned(self, name: str, qualifier: str, *, region: str | None = None,
                        account_id: str | None = None) -> dict | None:
        with self._lock:
            return self._provisioned.get((account_id or self.account_id, region or self.region, name, qualifier))

    def list_provisioned(self, name: str, *, region: str | None = None, account_id: str | None = None) -> list[dict]:
        scope = (account_id or self.account_id, region or self.region, name)
        with self._lock:
            return [c for k, c in self._provisioned.items() if k[:3] == scope]

    def delete_provisioned(self, name: str, qualifier: str, *, region: str | None = None,
                           account_id: str | None = None) -> bool:
        scope = (account_id or self.account_id, region or self.region)
        with self._lock:
            cfg = self._provisioned.pop((*scope, name, qualifier), None)
            if cfg is None:
                return False
            for pool in self._idle.values():
                for env in list(pool):
                    if env.function_name == name and (env.account_id, env.region) == scope \
                            and env.version == cfg["version"] and env.provisioned:
                        env.provisioned = False          # becomes an ordinary warm environment
                        env.last_used_lab = self.clock.now()
            self._schedule_reclaim_locked()
        return True

    def _ensure_provisioned(self, fn) -> None:
        name, version, scope = fn.function_name, str(fn.version), (fn.account_id, fn.region)
        with self._lock:
            want = sum(c["requested"] for k, c in self._provisioned.items()
                       if k[:3] == (*scope, name) and c["version"] == version)
            have = [e for e in self._envs.values() if e.function_name == name and e.version == version
                    and (e.account_id, e.region) == scope and e.provisioned and e.alive]
        key = self._key(fn)
        for _ in range(max(want - len(have), 0)):
            lines: list[str] = []
            env, failure = self._cold_start(fn, key, provisioned=True, lines=lines)
            self.logs.write(name, env.log_stream, lines, region=fn.region, account_id=fn.account_id,
                            group=log_group(fn))
            if failure is not None:
                with self._lock:
                    self._discard_locked(env)
                continue
            env.init_pending_report = False
            self._release(env, key)
        for env in have[want:]:
            with self._lock:
                if env.state == "idle":
                    self._discard_locked(env)

    # -- helpers -----------------------------------------------------------------------------------
    def _layer_blobs(self, fn) -> list[bytes]:
        """Each layer from the backend of the region and account its ARN names (a layer must be in
        the function's region on AWS; a missing one fails the cold start rather than vanish)."""
        from ..arn import parse

        blobs = []
        for layer in fn.layers or []:
            where = parse(layer["Arn"])
            lv = self._backend(where.region, where.account).layers_versions_by_arn(layer["Arn"])
            if lv is None:
                raise RuntimeError(f"layer {layer['Arn']} does not exist")
            blobs.append(getattr(lv, "code_bytes", b"") or b"")
        return blobs

    @staticmethod
    def _address_space(memory_mb: int) -> int:
        """RLIMIT_AS backstop: generous (virtual memory is not RSS), so the RSS watch decides."""
        return (memory_mb * 4 + 2048) * 1024 * 1024

    def _worker_base_env(self) -> dict[str, str]:
        base = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "en_US.UTF-8",
                "TZ": ":UTC", "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}
        for k in ("HOME", "TMPDIR", "SYSTEMROOT"):
            if k in os.environ:
                base[k] = os.environ[k]
        try:
            base.update(self.session.env())
        except Exception:  # noqa: BLE001 - no endpoint (tests of the runtime alone)
            pass
        return base

    def _function_env(self, fn, stream: str, task_root: str, provisioned: bool) -> dict[str, str]:
        env = dict(self._base_env)
        env.update({str(k): str(v) for k, v in (fn.environment_vars or {}).items()})
        env.update({
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": str(fn.version),
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": log_group(fn),
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency" if provisioned else "on-demand",
            "AWS_REGION": fn.region, "AWS_DEFAULT_REGION": fn.region,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "_HANDLER": fn.handler, "LAMBDA_TASK_ROOT": task_root,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(__file__),
            "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001",
        })
        json_logs = JsonLogs.of(fn)
        if json_logs:   # what the runtime reads to log JSON at the function's level (python-logging.html)
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = json_logs.application_level
        if tracing_active(fn):
            env.update(self.xray.environment())
        return env
