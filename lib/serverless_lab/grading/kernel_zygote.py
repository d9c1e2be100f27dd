"""Warm kernels for grading: a zygote process that imports the kernel's stack once and forks a
fresh IPython kernel per submission.

A new kernel costs about a second of CPU before the first cell runs (the interpreter, then
ipykernel, IPython, zmq, and in every lab boto3, moto and this library), as much as a small
lab's own cells. Each grading slot therefore keeps one zygote: a process that has imported all
that, holds no secret and no student's state, and forks a child per submission. The child
becomes an ordinary ipykernel (`python -m ipykernel_launcher -f <connection file>`, the same
arguments jupyter_client would run) in its own session, working folder and environment;
nbclient talks to it over ZMQ as to any kernel. jupyter_client's plug-in point for how a kernel
is launched is a kernel provisioner: `ZygoteProvisioner` is the default `LocalProvisioner` whose
launch asks the zygote for a child instead of running a command, and whose signals go to the
child's process group (through a pidfd, so a recycled pid is never hit).

Why a separate process rather than forking the grading worker: the worker holds the job's
result token; a kernel forked from it would inherit it. The zygote is forked by the worker
zygote (worker.serve) before it has read any job, so no token ever exists in its memory, and
it keeps no pipe to the grading parent (its stdin and stdout are /dev/null).
Isolation per submission is unchanged: every kernel is a new process (copy-on-write memory of
a zygote that never ran student code), random generators are reseeded in the child, and the
zygote is a Linux child subreaper: whatever a kernel leaves running is re-parented to it and
ended by the worker after the submission (worker.serve -> sandbox.end_children).

Off unless the worker zygote starts it (`start()`); with no zygote, or a kernel spec that is
not this interpreter's ipykernel, kernels are launched the usual way.
SERVERLESS_LAB_WARM_KERNELS=0 turns it off.
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import sys
import time
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

# imported by the zygote before it forks: what every kernel of the course imports anyway
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.comm", "ipykernel.debugger",
           "IPython.core.interactiveshell", "IPython.core.completer", "jedi",
           "boto3", "botocore.session", "botocore.exceptions", "botocore.client",
           "moto", "moto.core.models", "moto.backends", "serverless_lab", "serverless_lab.cloud.session")
WARM_SERVICES = ("s3", "lambda", "dynamodb", "iam", "logs", "sqs")
_LAUNCHER = ["-m", "ipykernel_launcher"]
_MAX_MSG = 1 << 20

_channel: socket.socket | None = None
_pid: int | None = None


def enabled() -> bool:
    return os.environ.get("SERVERLESS_LAB_WARM_KERNELS", "1") != "0" and hasattr(os, "pidfd_open") \
        and hasattr(socket, "send_fds") and sys.platform.startswith("linux")


def pid() -> int | None:
    """The running zygote's pid (None when there is none)."""
    return _pid


def available() -> bool:
    return _channel is not None


def start(env: dict[str, str]) -> int | None:
    """Fork the zygote (call before any secret exists in this process); return its pid.

    `env` is the environment the zygote runs with (kernel_env(): no credentials, no tokens).
    """
    global _channel, _pid
    if not enabled():
        return None
    import threading

    if threading.active_count() != 1:  # forking a threaded process is unsafe: launch kernels normally
        return None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    child = os.fork()
    if child == 0:  # the zygote
        code = 1
        try:
            ours.close()
            code = _zygote_main(theirs, env)
        finally:
            os._exit(code)
    theirs.close()
    ours.set_inheritable(False)
    _channel, _pid = ours, child
    return child


def stop() -> None:
    """Close the channel, kill the zygote and reap it (its kernels die with it: PR_SET_PDEATHSIG)."""
    global _channel, _pid
    if _channel is not None:
        _channel.close()
    if _pid is not None:
        try:
            os.kill(_pid, signal.SIGKILL)
            os.waitpid(_pid, 0)
        except (OSError, ChildProcessError):
            pass
    _channel, _pid = None, None


def alive() -> bool:
    if _pid is None:
        return False
    try:
        done, _ = os.waitpid(_pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == 0


def _request(msg: dict[str, Any], timeout: float = 120.0) -> tuple[dict[str, Any], list[int]]:
    """Send one request; return the zygote's answer to it (and the fds it sent).

    Each request has an id: an answer that comes too late for an earlier request (which then
    fell back to an ordinary kernel) is recognised, and the kernel it announces is killed.
    """
    assert _channel is not None
    msg = dict(msg, id=os.urandom(8).hex())
    _channel.sendall(json.dumps(msg).encode())
    deadline = time.monotonic() + timeout
    while True:
        ready, _, _ = select.select([_channel], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise RuntimeError("the kernel zygote did not answer")
        data, fds, _flags, _addr = socket.recv_fds(_channel, _MAX_MSG, 4)
        if not data:
            raise RuntimeError("the kernel zygote has exited")
        reply = json.loads(data)
        if reply.get("id") == msg["id"]:
            return reply, fds
        for fd in fds:   # a stale answer: its kernel has no client and never will
            try:
                signal.pidfd_send_signal(fd, signal.SIGKILL)
            except OSError:
                pass
            os.close(fd)


# --------------------------------------------------------------------------------- the zygote

def _set_prctl(option: int, value: int) -> None:
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _zygote_main(chan: socket.socket, env: dict[str, str]) -> int:
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)   # never the worker's job pipe
    os.dup2(devnull, 1)   # never the worker's result pipe
    os.close(devnull)
    keep = {0, 1, 2, chan.fileno()}
    for fd in _open_fds():
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    _set_prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG: end with the worker that forked it
    _set_prctl(36, 1)               # PR_SET_CHILD_SUBREAPER: a kernel's orphans stay below us
    os.environ.clear()
    os.environ.update(env)
    sys.dont_write_bytecode = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import importlib

    from .guard import WATCH  # the grader's guard imports these in every kernel before the first cell

    for name in (*PRELOAD, *WATCH):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional import: the kernel imports it later, or never
            pass
    _warm_service_models()
    start_dir = os.getcwd()
    while True:
        ready, _, _ = select.select([chan], [], [], 0.2)
        _reap()
        if not ready:
            continue
        try:
            data = chan.recv(_MAX_MSG)
        except OSError:
            data = b""
        if not data:
            return 0
        msg = None
        try:
            msg = json.loads(data)
            if msg.get("op") != "kernel":
                raise ValueError("unknown request")
            gc.freeze()   # objects made so far are never collected in a child: no copy-on-write of them
            kid = os.fork()
            if kid == 0:
                _become_kernel(chan, msg, start_dir)   # never returns
            fd = os.pidfd_open(kid)
            try:
                socket.send_fds(chan, [json.dumps({"id": msg.get("id"), "pid": kid}).encode()], [fd])
            finally:
                os.close(fd)
        except Exception as err:  # noqa: BLE001 - reported to the worker, which falls back
            try:
                chan.sendall(json.dumps({"id": msg.get("id") if isinstance(msg, dict) else None,
                                         "error": f"{type(err).__name__}: {err}"}).encode())
            except OSError:
                return 0


def _warm_service_models() -> None:
    """Read botocore's models of the services most labs call, where a kernel would read them.

    Inside a mocked world every client comes from one boto3 session per region that the library
    keeps for the whole process (serverless_lab.cloud.session), and moto's responses read the
    same models again through its own cache (moto.core.utils.get_service_model): a new kernel
    reads the S3 model twice, about half a second of CPU. The zygote reads them once; each
    kernel gets its own copy-on-write copy (nothing of it is shared at run time).
    """
    try:
        import boto3

        from ..cloud import session as lab_session

        lab_session._reuse_boto3_session(lab_session.DEFAULT_REGION)
        boto3.DEFAULT_SESSION = None          # as in a new interpreter: the mock sets it when it starts
        shared = lab_session._boto_sessions[lab_session.DEFAULT_REGION]
        from moto.core.utils import get_service_model  # moto's own cached copy, for its responses

        for service in WARM_SERVICES:
            # explicit keys: the session itself resolves (and caches) no credentials here
            shared.client(service, aws_access_key_id="warm", aws_secret_access_key="warm")
            get_service_model(service)
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def _reap() -> None:
    while True:
        try:
            done, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if done == 0:
            return


def _open_fds() -> list[int]:
    try:
        return [int(x) for x in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))


def _reseed() -> None:
    """Every random generator a module made before the fork gets fresh entropy (as in a new process)."""
    import random

    for mod in list(sys.modules.values()):
        for value in list(getattr(mod, "__dict__", {}).values()):
            if isinstance(value, random.Random) and not isinstance(value, random.SystemRandom):
                try:
                    value.seed()
                except Exception:  # noqa: BLE001
                    pass


def _become_kernel(chan: socket.socket, msg: dict[str, Any], start_dir: str) -> None:
    """In the forked child: turn into `python -m ipykernel_launcher ARGV` run in msg['cwd']."""
    code = 0
    try:
        chan.close()
        os.setsid()                                   # own session and process group, like Popen(start_new_session)
        _set_prctl(1, signal.SIGKILL)                 # end if the zygote is killed
        signal.signal(signal.SIGINT, signal.default_int_handler)   # as in a new interpreter
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(msg["cwd"])
        os.environ.clear()
        os.environ.update(msg["env"])
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        # `python -m` put the zygote's folder first on sys.path; ipykernel_launcher removes the
        # working directory and IPython's init_path() adds '' (the kernel's cwd) back
        if sys.path and (sys.path[0] in ("", start_dir)):
            del sys.path[0]
        import ipykernel_launcher

        sys.argv = [ipykernel_launcher.__file__, *msg["argv"]]
        _reseed()
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=msg["argv"])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()   # what a normal interpreter exit would run (e.g. stop the mock)
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)


# ------------------------------------------------------------------------ the jupyter side

class ZygoteProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, with the kernel forked by the zygote when there is one."""

    pidfd: int | None = None
    exit_code: int | None = None

    @property
    def has_process(self) -> bool:
        return self.pidfd is not None or super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        if not available() or list(cmd[1:3]) != _LAUNCHER or \
                os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
        try:
            reply, fds = _request({"op": "kernel", "argv": list(cmd[3:]), "cwd": cwd, "env": env})
        except (OSError, RuntimeError, ValueError):
            return await super().launch_kernel(cmd, **kwargs)
        if "pid" not in reply or not fds:
            for fd in fds:
                os.close(fd)
            return await super().launch_kernel(cmd, **kwargs)
        for extra in fds[1:]:
            os.close(extra)
        self.pidfd, self.pid, self.pgid, self.cwd = fds[0], int(reply["pid"]), int(reply["pid"]), cwd
        self.exit_code = None
        return self.connection_info

    def _exited(self) -> bool:
        assert self.pidfd is not None
        ready, _, _ = select.select([self.pidfd], [], [], 0)
        return bool(ready)

    async def poll(self) -> int | None:
        if self.pidfd is None:
            return await super().poll()
        if self.exit_code is None and self._exited():
            self.exit_code = -1   # not our child: the zygote reaps it; the code is not needed
        return self.exit_code

    async def wait(self) -> int | None:
        if self.pidfd is None:
            return await super().wait()
        import asyncio

        while await self.poll() is None:
            await asyncio.sleep(0.05)
        self._close()
        return self.exit_code

    async def send_signal(self, signum: int) -> None:
        if self.pidfd is None:
            return await super().send_signal(signum)
        if self._exited():
            return None
        if self.pgid:
            try:
                os.killpg(self.pgid, signum)   # the kernel and whatever it started, as LocalProvisioner
                return None
            except OSError:
                pass
        signal.pidfd_send_signal(self.pidfd, signum)
        return None

    async def kill(self, restart: bool = False) -> None:
        if self.pidfd is None:
            return await super().kill(restart)
        try:
            await self.send_signal(signal.SIGKILL)
        except OSError:
            pass
        return None

    async def terminate(self, restart: bool = False) -> None:
        if self.pidfd is None:
            return await super().terminate(restart)
        try:
            await self.send_signal(signal.SIGTERM)
        except OSError:
            pass
        return None

    async def cleanup(self, restart: bool = False) -> None:
        await super().cleanup(restart)
        if not restart:
            self._close()

    def _close(self) -> None:
        if self.pidfd is not None:
            try:
                os.close(self.pidfd)
            except OSError:
                pass
            self.pidfd = None


def attach(km: Any) -> None:
    """Give a jupyter_client KernelManager the zygote provisioner (before start_kernel)."""
    if not available() or getattr(km, "provisioner", None) is not None:
        return
    import uuid

    km.kernel_id = km.kernel_id or str(uuid.uuid4())
    km.provisioner = ZygoteProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
