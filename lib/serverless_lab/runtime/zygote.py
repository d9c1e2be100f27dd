"""The kernel's handle on the zygote: a warm Python that forks one process per environment.

Starting a fresh interpreter per cold start costs a whole ``python`` start-up (tens of ms);
forking a zygote that already has the runtime's modules loaded costs about a millisecond, so
the Init Duration a lab sees is dominated by what AWS also measures: the handler's import.
The zygote dies with the kernel (PR_SET_PDEATHSIG) and takes its children with it.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import subprocess
import sys
import threading
from pathlib import Path

WORKER_SCRIPT = str(Path(__file__).with_name("worker.py"))


class ZygoteError(RuntimeError):
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
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._cond.notify_all()
                return
            msg = json.loads(data)
            if "ready" in msg:
                self._ready.set()
                continue
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
        with self._lock:
            self._closed = True
            self._kill_locked()
            if self._launcher is not None:
                self._requests.put(None)
                self._launcher.join(timeout=5)
                self._launcher = None

    def _kill_locked(self) -> None:
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
