"""One execution environment as the kernel sees it: a worker process, its pipes, its state.

The kernel talks to the worker over a control socket (length-prefixed JSON frames) and
reads everything the worker writes to stdout/stderr from a pipe, so a handler that prints
gigabytes, hangs, forks or exits can be bounded, timed out and killed without touching the
notebook. Memory is enforced by watching the worker's resident set size (/proc/<pid>/statm)
while it runs, as Lambda counts it (with RLIMIT_AS as a generous backstop).
"""

from __future__ import annotations

import itertools
import json
import os
import select
import signal
import socket
import struct
import time
from dataclasses import dataclass, field

from ..ids import random_hex
from .zygote import Zygote

_HDR = struct.Struct("!II")
OUTPUT_LIMIT = 1 << 20          # bytes of handler output kept per invocation (the rest is counted)
RSS_POLL_S = 0.01               # first sample of a running worker's memory after 10 ms,
RSS_POLL_MAX_S = 0.05           # then less and less often, at least every 50 ms
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_ids = itertools.count(1)


@dataclass
class Exchange:
    """What came back from one conversation with the worker (INIT or INVOKE)."""

    status: str                      # ok, error, timeout, crash, oom
    header: dict = field(default_factory=dict)
    body: bytes = b""
    output: str = ""                 # what the worker printed meanwhile
    wall_ms: float = 0.0
    exit_code: int | None = None
    peak_rss_kb: int = 0


class Environment:
    """A worker process bound to one function version's code and configuration."""

    def __init__(self, function_name: str, version: str, key: tuple, memory_mb: int,
                 log_stream: str, provisioned: bool = False, region: str = "", account_id: str = "") -> None:
        self.id = f"env-{next(_ids):04d}-{random_hex(6)}"
        self.function_name = function_name
        self.version = version
        self.key = key
        self.memory_mb = memory_mb
        self.log_stream = log_stream
        self.provisioned = provisioned
        self.layout = "paths"   # "namespace": /var/task, /opt, /var/lang as on AWS (runtime/worker.py)
        self.region = region
        self.account_id = account_id
        self.state = "initializing"
        self.created = time.time()
        self.last_used = self.created       # real time, for display
        self.last_used_lab = 0.0            # lab-clock time, for keep-alive
        self.invocations = 0
        self.pid: int | None = None
        self.init_ms: float | None = None
        self.init_pending_report = True     # the first invoke after a cold INIT reports it
        self._ctl: socket.socket | None = None
        self._out: int | None = None
        self._zygote: Zygote | None = None

    # -- start ---------------------------------------------------------------------------------
    def start(self, zygote: Zygote, spec: dict, init_timeout_s: float) -> Exchange:
        """Fork the worker and run INIT (import of the handler module)."""
        self._zygote = zygote
        sentinel = f"\x00SL-INIT-{self.id}\x00"
        spec = {**spec, "tag": self.id, "sentinel": sentinel}
        while (spare := zygote.take_spare()) is not None:
            # a process forked ahead of demand: INIT starts when it learns its function
            h = json.dumps({"type": "init", "spec": spec}).encode()
            try:
                spare.ctl.sendall(_HDR.pack(len(h), 0) + h)
            except OSError:          # it died meanwhile (killed from outside): try the next
                spare.close()
                continue
            self.pid, self._ctl, self._out = spare.pid, spare.ctl, spare.out
            os.set_blocking(spare.out, False)
            return self._converse(None, sentinel, init_timeout_s)
        k_ctl, w_ctl = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        r_out, w_out = os.pipe()
        try:
            zygote.spawn(spec, w_ctl.fileno(), w_out)
        finally:
            w_ctl.close()
            os.close(w_out)
        self._ctl = k_ctl
        self._out = r_out
        os.set_blocking(r_out, False)
        result = self._converse(None, sentinel, init_timeout_s)
        pid = result.header.get("pid") if result.header else None
        if self.pid is None:
            self.pid = pid or zygote.take_pid(self.id, timeout=1.0)
        else:
            zygote.take_pid(self.id)
        return result

    # -- invoke --------------------------------------------------------------------------------
    def invoke(self, header: dict, body: bytes, timeout_s: float) -> Exchange:
        sentinel = f"\x00SL-END-{header['id']}\x00"
        header = {**header, "sentinel": sentinel}
        h = json.dumps(header).encode()
        try:
            self._ctl.sendall(_HDR.pack(len(h), len(body)) + h + body)  # type: ignore[union-attr]
        except OSError:
            return self._crashed(Exchange("crash"), time.perf_counter())
        return self._converse(header, sentinel, timeout_s)

    def _converse(self, header: dict | None, sentinel: str, timeout_s: float) -> Exchange:
        """Wait for the worker's reply while draining its output and watching its memory."""
        t0 = time.perf_counter()
        deadline = t0 + timeout_s
        ctl, out = self._ctl, self._out
        poller = select.poll()
        poller.register(ctl.fileno(), select.POLLIN)  # type: ignore[union-attr]
        poller.register(out, select.POLLIN)
        chunks: list[bytes] = []
        kept = dropped = 0
        reply: tuple[dict, bytes] | None = None
        sent = sentinel.encode()
        seen_sentinel = False
        out_open = True
        interval = RSS_POLL_S
        next_rss = t0 + interval
        peak = 0
        limit_kb = self.memory_mb * 1024
        result = Exchange("ok")
        while result.status == "ok":
            now = time.perf_counter()
            if reply is not None and (seen_sentinel or not out_open):
                break
            if now >= deadline:
                result.status = "timeout"
                break
            if reply is None and now >= next_rss:
                rss = self._rss_kb()
                peak = max(peak, rss)
                if rss > limit_kb:
                    result.status = "oom"
                    break
                interval = min(interval * 1.5, RSS_POLL_MAX_S)   # short handlers pay nothing,
                next_rss = now + interval                          # long ones little
            wait = min(deadline, next_rss if reply is None else deadline) - now
            if reply is not None:
                wait = min(wait, 1.0)  # the sentinel follows the reply almost at once
            events = poller.poll(max(wait, 0) * 1000)
            if not events and reply is not None:
                break
            for fd, _ev in events:
                if fd == out:
                    try:
                        data = os.read(out, 65536)
                    except BlockingIOError:
                        continue
                    if not data:
                        out_open = False
                        poller.unregister(out)
                        continue
                    if sent in data or (chunks and sent in (chunks[-1][-len(sent):] + data)):
                        seen_sentinel = True
                        data = data.replace(sent, b"")
                    if kept < OUTPUT_LIMIT:
                        take = data[: OUTPUT_LIMIT - kept]
                        chunks.append(take)
                        kept += len(take)
                        dropped += len(data) - len(take)
                    else:
                        dropped += len(data)
                else:
                    try:
                        reply = self._recv_frame()
                    except (EOFError, OSError):
                        result.status = "crash"
                        poller.unregister(ctl.fileno())  # type: ignore[union-attr]
                        break
                    if reply is not None:
                        poller.unregister(ctl.fileno())  # type: ignore[union-attr]
        result.wall_ms = (time.perf_counter() - t0) * 1000.0
        if reply is not None and result.status == "ok":
            result.header, result.body = reply
        output = b"".join(chunks).replace(sent, b"")
        text = output.decode("utf-8", "backslashreplace")
        if dropped:
            text += (f"\n[serverless-lab] output truncated: {dropped} more bytes were written than the "
                     f"{OUTPUT_LIMIT} kept per invocation; write less, or log a summary.\n")
        result.output = text
        result.peak_rss_kb = peak
        if self.pid is None and result.status != "ok" and self._zygote is not None:
            self.pid = self._zygote.take_pid(self.id, timeout=1.0)
        if result.status in ("timeout", "oom"):
            self.kill()
        if result.status == "crash":
            return self._crashed(result, t0)
        return result

    def _crashed(self, result: Exchange, t0: float) -> Exchange:
        result.status = "crash"
        if self.pid is not None and self._zygote is not None:
            result.exit_code = self._zygote.exit_status(self.pid, timeout=1.0)
        # drain what is left of the output
        try:
            while self._out is not None:
                data = os.read(self._out, 65536)
                if not data or len(result.output) > OUTPUT_LIMIT:
                    break
                result.output += data.decode("utf-8", "backslashreplace")
        except (BlockingIOError, OSError):
            pass
        self.kill()
        result.wall_ms = (time.perf_counter() - t0) * 1000.0
        return result

    def _recv_frame(self) -> tuple[dict, bytes]:
        ctl = self._ctl
        hlen, blen = _HDR.unpack(_recv_exact(ctl, _HDR.size))  # type: ignore[arg-type]
        header = json.loads(_recv_exact(ctl, hlen)) if hlen else {}  # type: ignore[arg-type]
        body = _recv_exact(ctl, blen) if blen else b""  # type: ignore[arg-type]
        return header, body

    def _rss_kb(self) -> int:
        if self.pid is None and self._zygote is not None:
            self.pid = self._zygote.take_pid(self.id)   # known once the zygote has forked
            if self.pid is None:
                return 0
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as fh:
                return int(fh.read().split()[1]) * _PAGE // 1024
        except (OSError, ValueError, IndexError):
            return 0

    # -- end -----------------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.state not in ("dead",)

    def kill(self) -> None:
        """SHUTDOWN: kill the worker's whole process group (its forks die with it)."""
        self.state = "dead"
        if self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        for closer in (self._close_ctl, self._close_out):
            closer()

    def _close_ctl(self) -> None:
        if self._ctl is not None:
            try:
                self._ctl.close()
            except OSError:
                pass
            self._ctl = None

    def _close_out(self) -> None:
        if self._out is not None:
            try:
                os.close(self._out)
            except OSError:
                pass
            self._out = None

    def describe(self) -> dict:
        return {"id": self.id, "function": self.function_name, "version": self.version,
                "state": self.state, "provisioned": self.provisioned, "created": self.created,
                "last_used": self.last_used, "invocations": self.invocations, "pid": self.pid,
                "init_ms": self.init_ms, "log_stream": self.log_stream, "layout": self.layout}


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError
        got += k
    return bytes(buf)
