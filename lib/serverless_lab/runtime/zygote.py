"""The kernel's handle on the zygote: a warm Python that forks one process per environment.

Starting a fresh interpreter per cold start costs a whole ``python`` start-up (tens of ms);
forking a zygote that already has the runtime's modules loaded costs about a millisecond, so
the Init Duration a lab sees is dominated by what AWS also measures: the handler's import.
The zygote also keeps *spare* processes, forked ahead of demand and not yet bound to any
function (see SPARES_MIN below): a cold start takes one and INIT begins there, so a burst of a
hundred cold starts does not wait for a hundred forks. The zygote dies with the kernel
(PR_SET_PDEATHSIG) and takes its children, spares included, with it.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))


# Spare processes: forked ahead of demand so that a burst of cold starts takes ready processes
# instead of waiting for forks (each fork and its first steps cost a few ms of CPU, which a burst
# of a hundred pays at once). A session keeps SPARES_MIN ready; after a burst that needed more,
# as many as that burst took (at most SPARES_MAX) for SPARES_MEMORY_S. Each spare is a small
# process (about 1.5 MB of its own memory) that exits with the zygote.
SPARES_MIN = 16
SPARES_MAX = 128
SPARES_MEMORY_S = 120.0   # seconds a burst's size is remembered
SPARES_QUIET_S = 0.2      # spares are replaced once no cold start has come for this long


class ZygoteError(RuntimeError):
    pass


class Spare:
    """A process forked ahead of demand: entered its sandbox, waits to be told its function."""

    __slots__ = ("pid", "ctl", "out")

    def __init__(self, pid: int, ctl: socket.socket, out: int) -> None:
        self.pid, self.ctl, self.out = pid, ctl, out

    def close(self) -> None:
        """Close our ends: the spare reads EOF and exits (it dies with the zygote anyway)."""
        try:
            self.ctl.close()
        except OSError:
            pass
        try:
            os.close(self.out)
        except OSError:
            pass


class Zygote:
    """Start lazily, spawn environments, learn their exit statuses; restart if it dies."""

    def __init__(self) -> None:
        self._lock = threading.Lock()          # one spawn conversation at a time
        self._cond = threading.Condition()     # guards the two dicts below
        self._spawned: dict[str, int] = {}     # tag -> pid
        self._exits: dict[int, int] = {}       # pid -> exit code (negative: signal)
        self._proc: subprocess.Popen | None = None
        self._sock: socket.socket | None = None
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()
        self._launcher: threading.Thread | None = None
        self._requests: queue.Queue = queue.Queue()
        self._closed = False
        self._spare_cond = threading.Condition()   # guards the spares and their counts
        self._spares: deque[Spare] = deque()
        self._spare_target = 0
        self._spare_pending = 0                # asked of the zygote, not yet received
        self._last_take = 0.0
        self._refiller: threading.Thread | None = None
        self._refiller_idle = False            # waiting for a take, not for a quiet moment
        self._spare_max = SPARES_MAX
        self._burst = 0                        # cold starts since the last quiet moment
        self._peaks: deque[tuple[float, int]] = deque()   # (when, cold starts) of recent bursts

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            return
        if self._closed:
            raise ZygoteError("The local Lambda service has stopped (its mock_aws session ended).")
        # PR_SET_PDEATHSIG fires when the *thread* that forked the zygote ends, so the zygote is
        # always started from one long-lived launcher thread, never from a short-lived caller.
        if self._launcher is None or not self._launcher.is_alive():
            self._launcher = threading.Thread(target=self._launch_loop, name="serverless-lab-zygote-launcher",
                                              daemon=True)
            self._launcher.start()
        done = threading.Event()
        errors: list[BaseException] = []
        self._requests.put((done, errors))
        done.wait()
        if errors:
            raise errors[0]

    def _launch_loop(self) -> None:
        while True:
            item = self._requests.get()
            if item is None:
                return
            done, errors = item
            try:
                self._launch()
            except BaseException as exc:  # noqa: BLE001 - reported to the waiting caller
                errors.append(exc)
            finally:
                done.set()

    def _launch(self) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self._ready.clear()
        self._proc = subprocess.Popen(
            # -S: no site-packages of the course's virtual environment (handlers see what AWS's
            # runtime ships, added per environment: see code.runtime_dir); -E: no PYTHON* variables
            [sys.executable, "-E", "-S", "-B", "-u", WORKER_SCRIPT, "--zygote", str(child.fileno()),
             str(os.getpid())],
            pass_fds=[child.fileno()], stdin=subprocess.DEVNULL, start_new_session=True, env=env,
        )
        child.close()
        self._sock = parent
        self._reader = threading.Thread(target=self._read, args=(parent,), name="serverless-lab-zygote",
                                        daemon=True)
        self._reader.start()
        if not self._ready.wait(30):
            raise ZygoteError("The Lambda runtime's zygote process did not start within 30 s.")

    def _read(self, sock: socket.socket) -> None:
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(sock, 65536, 2)
            except OSError:
                data, fds = b"", []
            if not data:
                for fd in fds:
                    os.close(fd)
                with self._spare_cond:
                    if sock is self._sock:          # this zygote is gone: its spares will not come
                        self._spare_pending = 0
                        self._spare_cond.notify_all()
                with self._cond:
                    self._cond.notify_all()
                return
            msg = json.loads(data)
            if "ready" in msg:
                self._ready.set()
                continue
            if "spare" in msg:
                with self._spare_cond:
                    if sock is self._sock:          # not a spare of a zygote killed meanwhile
                        self._spare_pending = max(self._spare_pending - 1, 0)
                        if len(fds) == 2 and not self._closed:
                            self._spares.append(Spare(msg["spare"], socket.socket(fileno=fds[0]), fds[1]))
                            continue
                for fd in fds:
                    os.close(fd)
                continue
            for fd in fds:
                os.close(fd)
            with self._cond:
                if "spawned" in msg:
                    self._spawned[msg["tag"]] = msg["spawned"]
                elif "exit" in msg:
                    self._exits[msg["exit"]] = msg["status"]
                self._cond.notify_all()

    def spawn(self, spec: dict, ctl_fd: int, out_fd: int) -> None:
        """Ask for a fork; do not wait (the environment reports its pid in its INIT reply)."""
        data = json.dumps(spec).encode()
        with self._lock:
            self._start_locked()
            try:
                socket.send_fds(self._sock, [data], [ctl_fd, out_fd])
            except OSError:
                self._kill_locked()
                self._start_locked()
                socket.send_fds(self._sock, [data], [ctl_fd, out_fd])

    # -- spares: processes forked ahead of demand -----------------------------------------------
    def set_spares(self, minimum: int, maximum: int = SPARES_MAX) -> None:
        """Keep at least ``minimum`` spare processes ready, and after a burst of cold starts as many
        as it took, up to ``maximum`` (forked in the background once cold starts pause)."""
        with self._spare_cond:
            self._spare_max = max(int(maximum), 0)
            self._spare_target = min(max(int(minimum), 0), self._spare_max)
            if self._refiller is None and self._spare_max and not self._closed:
                self._refiller = threading.Thread(target=self._refill_loop, name="serverless-lab-spares",
                                                  daemon=True)
                self._refiller.start()
            self._spare_cond.notify_all()

    @property
    def spares(self) -> int:
        """How many spare processes are ready now."""
        with self._spare_cond:
            return len(self._spares)

    def take_spare(self) -> Spare | None:
        """A ready spare process (None if there is none: the caller forks one on demand)."""
        with self._spare_cond:
            self._last_take = time.monotonic()
            self._burst += 1
            spare = self._spares.popleft() if self._spares else None
            if self._refiller_idle:          # wake the refiller once, not at every take of a burst
                self._refiller_idle = False
                self._spare_cond.notify_all()
            return spare

    def _refill_loop(self) -> None:
        cond = self._spare_cond
        while True:
            with cond:
                while True:
                    if self._closed:
                        return
                    now = time.monotonic()
                    quiet = now - self._last_take >= SPARES_QUIET_S
                    wanted = self._wanted_locked(now, quiet)
                    have = len(self._spares) + self._spare_pending
                    if quiet and have > wanted and not self._spare_pending:
                        while len(self._spares) > wanted:    # a burst long past: fewer spares
                            self._spares.pop().close()
                        continue
                    deficit = wanted - have
                    if deficit > 0:
                        if quiet:   # replace spares once a burst of cold starts is over, not during it
                            break
                        cond.wait(SPARES_QUIET_S - (now - self._last_take))
                    else:
                        self._refiller_idle = True
                        cond.wait(self._peaks[0][0] + SPARES_MEMORY_S - now if self._peaks else None)
                self._spare_pending += deficit
            try:
                with self._lock:
                    self._start_locked()
                    self._sock.send(json.dumps({"spares": deficit}).encode())  # type: ignore[union-attr]
            except (OSError, ZygoteError):   # no zygote (stopped, or it cannot start): try again
                with cond:                     # after the next cold start, not in a loop
                    self._spare_pending = 0
                    if self._closed:
                        return
                    self._refiller_idle = True
                    cond.wait()

    def _wanted_locked(self, now: float, quiet: bool) -> int:
        """How many spares to keep: the minimum, or the largest recent burst (at most the maximum)."""
        if quiet and self._burst:
            self._peaks.append((now, self._burst))
            self._burst = 0
        while self._peaks and now - self._peaks[0][0] > SPARES_MEMORY_S:
            self._peaks.popleft()
        peak = max((n for _t, n in self._peaks), default=0)
        return min(max(self._spare_target, peak), self._spare_max)

    def take_pid(self, tag: str, timeout: float = 0.0) -> int | None:
        """The pid the zygote forked for ``tag`` (waiting up to ``timeout``), forgotten after."""
        with self._cond:
            if timeout > 0:
                self._cond.wait_for(lambda: tag in self._spawned or self._dead(), timeout)
            return self._spawned.pop(tag, None)

    def _dead(self) -> bool:
        return self._proc is None or self._proc.poll() is not None

    def exit_status(self, pid: int, timeout: float = 1.0) -> int | None:
        """The exit code the zygote reaped for ``pid`` (None if not known in time)."""
        with self._cond:
            self._cond.wait_for(lambda: pid in self._exits or self._dead(), timeout)
            return self._exits.pop(pid, None)

    def forget(self, pid: int) -> None:
        with self._cond:
            self._exits.pop(pid, None)

    def stop(self) -> None:
        with self._spare_cond:
            self._closed = True
            while self._spares:
                self._spares.popleft().close()
            self._spare_cond.notify_all()
        with self._lock:
            self._closed = True
            self._kill_locked()
            if self._launcher is not None:
                self._requests.put(None)
                self._launcher.join(timeout=5)
                self._launcher = None

    def _kill_locked(self) -> None:
        with self._spare_cond:            # its spares die with it; none of those asked for will come
            self._spare_pending = 0
            while self._spares:
                self._spares.popleft().close()
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self._proc is not None:
            try:
                os.killpg(self._proc.pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
