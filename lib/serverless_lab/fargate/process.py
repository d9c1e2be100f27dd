"""Container processes: how a task's container command becomes a local process, and dies.

A Fargate container is an image plus a command. The course runs only the command, as a
process of this machine, so no Docker is needed. What an image would add and a local process
lacks: its own filesystem (here the task sees your files and your Python packages), the
image's default ``CMD``/``ENTRYPOINT`` (here the container definition must give ``command``),
isolation of CPU and memory (here the task may use more than its size; cost is still computed
from the size) and a private network address.

Every process gets its own process group (so a shell command's children are stopped with it)
and, on Linux, ``PR_SET_PDEATHSIG`` = SIGKILL, so it dies with the kernel that started it
even if that kernel is killed without cleaning up. The death signal reaches only that direct
child, so each process is also registered with the kernel's :mod:`.watchdog`, which kills the
whole tree (grandchildren included, even those that left the group) when the process is killed
or the kernel dies.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence

PYTHON_NAMES = {"python", "python3", "/usr/bin/python", "/usr/bin/python3", "/usr/local/bin/python",
                "/usr/local/bin/python3"}
PR_SET_PDEATHSIG = 1


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


def _die_with_parent_from(parent_pid: int):  # type: ignore[no-untyped-def]
    def preexec() -> None:
        """Runs in the child between fork and exec: SIGKILL me when my parent dies."""
        if _PRCTL is not None:
            _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)  # type: ignore[operator]
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(137)
    return preexec


class _WatchdogClient:
    """This kernel's one :mod:`.watchdog` process (started on first use, dies with the kernel)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = 0

    def _ensure(self) -> subprocess.Popen[bytes] | None:
        if self._proc is not None and self._owner == os.getpid() and self._proc.poll() is None:
            return self._proc
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "watchdog.py")
        try:
            self._proc = subprocess.Popen([sys.executable, "-I", script, str(os.getpid())], stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                          start_new_session=True)
            self._owner = os.getpid()
        except OSError:
            self._proc = None
        return self._proc

    def send(self, command: str, pid: int) -> None:
        with self._lock:
            proc = self._ensure()
            if proc is None or proc.stdin is None:
                return
            try:
                proc.stdin.write(f"{command} {pid}\n".encode())
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                self._proc = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None


WATCHDOG = _WatchdogClient()


def spawn(argv: list[str], env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    """Start a container process in its own process group, wired to die with this process.

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so callers spawn from a thread
    that lives as long as the session (the engine's launcher thread). The watchdog learns the
    new process so that its descendants die with it, and with the kernel.
    """
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=_die_with_parent_from(os.getpid()) if _PRCTL is not None else None)
    WATCHDOG.send("watch", proc.pid)
    return proc


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send ``sig`` to the process's whole group (ignore it if already gone).

    SIGKILL also goes through the watchdog, which kills descendants that left the group.
    """
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except (ProcessLookupError, OSError):
            pass
    if sig == 9:
        WATCHDOG.send("kill", proc.pid)


def exit_code(returncode: int) -> int:
    """A container's exit code as ECS reports it: a signal N becomes 128 + N (SIGKILL → 137)."""
    return 128 - returncode if returncode < 0 else returncode
