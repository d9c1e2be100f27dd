"""Container processes: how a task's container command becomes a local process, and dies.

A Fargate container is an image plus a command. The course runs only the command, as a
process of this machine, so no Docker is needed. What an image would add and a local process
lacks: its own filesystem (here the task sees your files and your Python packages), the
image's default ``CMD``/``ENTRYPOINT`` (here the container definition must give ``command``),
isolation of CPU and memory (here the task may use more than its size; cost is still computed
from the size) and a private network address.

Every process gets its own session and process group (so a shell command's children are
stopped with it), and on Linux it does not run its command before the kernel's :mod:`.watchdog`
has registered it: from its first instruction, something kills it and everything it starts when
the kernel dies, even by SIGKILL. It is a child subreaper, so its workers stay in its tree even if
they double-fork into new sessions, and the watchdog kills the whole tree before the process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

PYTHON_NAMES = {"python", "python3", "/usr/bin/python", "/usr/bin/python3", "/usr/local/bin/python",
                "/usr/local/bin/python3"}
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
WATCH_TIMEOUT_S = 10.0   # the longest a new task waits for the watchdog (its start-up included) to register it


class CannotStartContainer(Exception):
    """The command cannot run here (reported as Docker does, in the task's stoppedReason)."""


def resolve_argv(entry_point: Sequence[str] | None, command: Sequence[str] | None) -> list[str]:
    """The argv a container runs: entryPoint + command, ``python``/``python3`` → this interpreter."""
    argv = [*(entry_point or []), *(command or [])]
    if not argv:
        raise CannotStartContainer(
            "CannotStartContainerError: the container has no command. The course runs the "
            "container's command as a local process and cannot read an image's default CMD: "
            "set \"command\" (e.g. [\"python\", \"job.py\"]) in the container definition or in "
            "containerOverrides.")
    exe = argv[0]
    if exe in PYTHON_NAMES or (os.path.basename(exe).startswith("python3.") and "/" not in exe):
        argv[0] = sys.executable
    elif shutil.which(exe) is None:
        raise CannotStartContainer(
            f"CannotStartContainerError: failed to create task container: exec: \"{exe}\": "
            "executable file not found in $PATH. (The course runs container commands as local "
            "processes; use a Python entry point such as [\"python\", \"job.py\"].)")
    else:
        argv[0] = shutil.which(exe) or exe
    return argv


def _load_prctl() -> object | None:
    # Loaded once in the parent: the child (between fork and exec) must not load libraries.
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def _registered_child(parent_pid: int, hello_w: int, go_r: int):  # type: ignore[no-untyped-def]
    def preexec() -> None:
        """Runs in the child between fork and exec (after setsid): nothing of the task runs before the
        watchdog owns it.

        1. PR_SET_PDEATHSIG = SIGKILL: until the watchdog knows me, my parent's death kills me.
        2. PR_SET_CHILD_SUBREAPER (kept across exec): a descendant whose parent exits is re-parented to
           me, not to PID 1, so it stays in the tree the watchdog walks, whatever session it moved to.
        3. Say my pid and block until the kernel answers: ``S`` once the watchdog has registered me,
           ``K`` if there is no watchdog. With a watchdog, my parent's death *stops* me (SIGSTOP)
           instead of killing me: frozen, I start nothing new and keep my descendants, until the
           watchdog has killed the whole tree, then me.
        """
        prctl = _PRCTL
        assert prctl is not None
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)  # type: ignore[operator]
        if os.getppid() != parent_pid:
            os._exit(137)
        prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)  # type: ignore[operator]
        os.write(hello_w, b"%d\n" % os.getpid())
        verdict = os.read(go_r, 1)
        if verdict == b"S":
            prctl(PR_SET_PDEATHSIG, int(signal.SIGSTOP), 0, 0, 0)  # type: ignore[operator]
        elif verdict != b"K":
            os._exit(137)  # no answer: the kernel is gone
        if os.getppid() != parent_pid:
            os._exit(137)
    return preexec


def _read_line(fd: int) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.strip()


class _WatchdogClient:
    """This kernel's one :mod:`.watchdog` process (started on first use, dies with the kernel)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0
        self._replies = b""
        self._roots: list[subprocess.Popen[bytes]] = []   # live task processes, told again to a new watchdog

    def _ensure(self) -> subprocess.Popen[bytes] | None:
        if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
            return self._proc
        if self._owner != os.getpid():
            self._roots = []   # a forked copy of a kernel: its parent's tasks are not its own
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "watchdog.py")
        try:
            self._proc = subprocess.Popen([sys.executable, "-I", script, str(os.getpid())], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                          start_new_session=True)
            self._owner = os.getpid()
            self._replies = b""
        except OSError:
            self._proc = None
            return None
        # a new watchdog (the last one died): it must know the task processes still alive
        self._roots = [p for p in self._roots if p.poll() is None]
        for root in self._roots:
            self._write(f"watch {root.pid}\n")
        return self._proc

    def _write(self, line: str) -> bool:
        proc = self._proc
        if proc is None or proc.stdin is None:
            return False
        try:
            proc.stdin.write(line.encode())
            proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            self._proc = None
            return False

    def send(self, command: str, pid: int) -> None:
        with self._lock:
            if self._ensure() is not None:
                self._write(f"{command} {pid}\n")

    def watch(self, pid: int, timeout: float = WATCH_TIMEOUT_S) -> bool:
        """Register a process and wait until the watchdog says it has it (False: no watchdog)."""
        return self._request("register", pid, timeout)

    def kill(self, pid: int, timeout: float = WATCH_TIMEOUT_S) -> bool:
        """Have the watchdog kill a task process's whole tree, and wait until it has (False: no watchdog).

        Asked twice if the first watchdog fails to answer (it died, or a replacement started on a
        busy machine lost its pipe): the second request starts a new one, told of every live task."""
        deadline = time.monotonic() + timeout
        if self._request("reap", pid, timeout):
            return True
        return self._request("reap", pid, max(1.0, deadline - time.monotonic()))

    def _request(self, command: str, pid: int, timeout: float) -> bool:
        with self._lock:
            proc = self._ensure()
            if proc is None or proc.stdout is None or not self._write(f"{command} {pid}\n"):
                return False
            fd = proc.stdout.fileno()
            deadline = time.monotonic() + timeout
            want = f"ok {pid}".encode()
            while True:
                lines = self._replies.split(b"\n")
                self._replies = lines.pop()
                if want in lines:
                    return True
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([fd], [], [], left)[0]:
                    return False
                chunk = os.read(fd, 4096)
                if not chunk:  # the watchdog died
                    self._proc = None
                    return False
                self._replies += chunk

    def adopt(self, proc: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._roots = [p for p in self._roots if p.poll() is None] + [proc]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


WATCHDOG = _WatchdogClient()


def spawn(argv: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    """Start a container process in its own session and process group, owned by the watchdog from the start.

    On Linux the child does not exec the command before the watchdog has registered it (see
    :func:`_registered_child`): there is no instant in which the task, or a process it starts, runs
    without something that kills it when the kernel dies. PR_SET_PDEATHSIG fires when the *thread*
    that forked exits, so callers spawn from a thread that lives as long as the session (the
    engine's launcher thread).
    """
    common: dict[str, Any] = dict(env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, start_new_session=True)
    if _PRCTL is None:  # no prctl (macOS): register after the fact
        proc = subprocess.Popen(argv, **common)
        WATCHDOG.send("watch", proc.pid)
        WATCHDOG.adopt(proc)
        return proc
    hello_r, hello_w = os.pipe()   # child -> kernel: my pid
    go_r, go_w = os.pipe()         # kernel -> child: S (watched: stop me if you die) or K (no watchdog)

    def registrar() -> None:
        # Runs while this thread is inside Popen (which waits for the exec the child is holding back).
        verdict = b"K"
        try:
            line = _read_line(hello_r)
            if line.isdigit() and WATCHDOG.watch(int(line)):
                verdict = b"S"
        finally:
            try:
                os.write(go_w, verdict)
            except OSError:
                pass

    helper = threading.Thread(target=registrar, name="serverless-lab-fargate-register", daemon=True)
    helper.start()
    try:
        proc = subprocess.Popen(argv, preexec_fn=_registered_child(os.getpid(), hello_w, go_r), **common)
    except subprocess.SubprocessError as exc:  # the set-up before exec failed: the container cannot start
        raise OSError(f"cannot start the container's process: {exc}") from exc
    finally:
        os.close(hello_w)   # a child that failed before saying its pid: the registrar reads end-of-file
        helper.join(timeout=WATCH_TIMEOUT_S + 5)
        for fd in (hello_r, go_r, go_w):
            os.close(fd)
    WATCHDOG.adopt(proc)
    return proc


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig`` to the process's whole group (ignore it if already gone).

    SIGKILL goes to the watchdog first, which stops the process, kills every descendant (those
    that left the group included) while the process still holds them, then the process; the
    group is killed here too, in case there is no watchdog.
    """
    reaped = sig == 9 and proc.poll() is None and WATCHDOG.kill(proc.pid)
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except (ProcessLookupError, OSError):
            pass
    if sig == 9 and not reaped:
        WATCHDOG.send("kill", proc.pid)  # what the process left behind if it had already exited


def catches(pid: int, sig: int) -> bool | None:
    """Whether the process has a handler of its own for ``sig`` (None: this system cannot tell).

    Read from ``SigCgt`` in ``/proc/<pid>/status`` (the caught-signals mask), the fact the kernel
    looks at when a signal is sent to a PID namespace's init (see :func:`deliver_stop_signal`).
    """
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    except (OSError, ValueError):
        return None
    return None


def deliver_stop_signal(proc: subprocess.Popen[bytes], init_process: bool, sig: int = 15) -> bool:
    """Send StopTask's SIGTERM as Docker does; False when the container's process never gets it.

    Docker signals the container's PID 1 only, and the kernel discards a signal sent to a PID
    namespace's init for which init has no handler of its own ("Only signals for which the init
    process has established a signal handler can be sent to the init process", pid_namespaces(7)):
    the command runs as PID 1 unless ``linuxParameters.initProcessEnabled`` puts an init (tini,
    Docker's ``--init``) in front of it, which forwards the signal to the command, whose default
    action then applies (Python: killed by SIGTERM, exit code 143). Without the init, a Python
    program with no SIGTERM handler carries on and is killed with SIGKILL after ``stopTimeout``
    (exit code 137); a program that installs a handler gets its handler called either way.

    Here the command is an ordinary process, so the mock drops SIGTERM itself when the command
    runs as PID 1 and has no handler at that moment (on systems without ``/proc`` it cannot tell,
    and sends it).
    """
    if proc.poll() is not None:
        return False
    if not init_process and catches(proc.pid, sig) is False:
        return False
    try:
        proc.send_signal(sig)
    except (ProcessLookupError, OSError):
        return False
    return True


def exit_code(returncode: int) -> int:
    """A container's exit code as ECS reports it: a signal N becomes 128 + N (SIGKILL → 137)."""
    return 128 - returncode if returncode < 0 else returncode
