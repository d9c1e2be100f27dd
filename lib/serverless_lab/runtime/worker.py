"""The execution environment's side: a zygote that forks one process per environment.

This file runs as a *script* in a separate Python process (never imported by the notebook),
so it imports only the standard library: the cold start of an environment is the cost of a
``fork()`` from this warm zygote plus the import of the handler module, as on AWS where the
runtime itself is already loaded when your code's INIT begins.

Protocols (all local, no network):

* kernel <-> zygote: an AF_UNIX SOCK_SEQPACKET socket. The kernel sends a JSON spawn spec with
  two file descriptors attached (SCM_RIGHTS): the environment's control socket and the write
  end of its output pipe. The zygote forks and answers ``{"spawned": pid}``; when a child
  exits it answers ``{"exit": pid, "status": <exit code or -signal>}`` (it reaps them).
  ``{"spares": n}`` asks for n more spare processes, forked one per turn of the zygote's loop
  (a spawn request never waits behind them); each is answered ``{"spare": pid}`` with the
  kernel's ends of its control socket and output pipe attached.
* a spare enters its sandbox and waits; its first frame, ``{"type": "init", "spec":
  {...}}``, makes it that function's environment (INIT, timed from that frame).
* kernel <-> environment: length-prefixed frames on the control socket:
  ``!II`` (header length, body length), a JSON header, raw body bytes (the event / result).
* the environment's fds 1 and 2 go to the output pipe: everything the handler prints (and
  what its subprocesses print) reaches CloudWatch Logs, like on AWS.

The AWS Python runtime's behaviour reproduced here (see the AWS Lambda Developer Guide,
"Working with Python", https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html):
handler string ``module.function``, the context object, the root logger's format
``[LEVEL]\\t<UTC timestamp>\\t<request id>\\t<message>`` (python-logging.html), error
payloads ``{"errorMessage","errorType","requestId","stackTrace"}`` (python-exceptions.html),
``Runtime.ImportModuleError`` / ``Runtime.HandlerNotFound`` / ``Runtime.MarshalError``.
"""

import ctypes
import importlib
import io
import json
import logging
import os
import resource
import select
import signal
import socket
import struct
import sys
import time
import traceback

_HDR = struct.Struct("!II")
# The interpreter's own paths (standard library only: the zygote runs with -S), not this folder.
_BASE_PATH = [p for p in sys.path[1:] if p and "site-packages" not in p]
PR_SET_PDEATHSIG = 1


try:
    _LIBC = ctypes.CDLL(None, use_errno=True)   # loaded once in the zygote, inherited by forks
except OSError:
    _LIBC = None


def die_with_parent(expected_parent: int) -> None:
    """Ask Linux to SIGKILL us when our parent dies (no orphaned environments)."""
    try:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - not Linux: the kernel's stop()/atexit still kill us
        pass
    if os.getppid() != expected_parent:  # the parent died before prctl took effect
        os._exit(1)


# -- framing ------------------------------------------------------------------------------
def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise EOFError
        got += k
    return bytes(buf)


def recv_frame(sock: socket.socket):
    hlen, blen = _HDR.unpack(recv_exact(sock, _HDR.size))
    header = json.loads(recv_exact(sock, hlen)) if hlen else {}
    body = recv_exact(sock, blen) if blen else b""
    return header, body


def send_frame(sock: socket.socket, header: dict, body: bytes = b"") -> None:
    h = json.dumps(header).encode()
    sock.sendall(_HDR.pack(len(h), len(body)) + h + body)


# -- the context object ----------------------------------------------------------------------
class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, identity_id=None, pool_id=None):
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data):
        self.client = data.get("client")
        self.custom = data.get("custom")
        self.env = data.get("env")


class LambdaContext:
    """The ``context`` argument, with the attributes the AWS Python runtime gives it.

    ``memory_limit_in_mb`` is a string, as in the AWS runtime (it reads the environment
    variable ``AWS_LAMBDA_FUNCTION_MEMORY_SIZE``).
    """

    def __init__(self, request_id, deadline_ms, invoked_function_arn, identity=None, client_context=None):
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = CognitoIdentity(**identity) if identity else CognitoIdentity()
        self.client_context = ClientContext(client_context) if client_context else None
        self.tenant_id = None

    def get_remaining_time_in_millis(self) -> int:
        return max(int(self._deadline_ms - time.time() * 1000), 0)

    def __repr__(self):
        return (f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
                f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
                f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
                f"invoked_function_arn={self.invoked_function_arn}])")


# -- logging as the AWS Python runtime sets it up --------------------------------------------
_request_id = ""


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


class _LambdaLoggerHandler(logging.Handler):
    """One log record = one CloudWatch event: newlines become carriage returns, as on AWS."""

    def emit(self, record):
        try:
            msg = self.format(record)
            sys.stdout.write(msg.replace("\n", "\r") + "\n")
        except Exception:  # noqa: BLE001
            self.handleError(record)


# The JSON log format (LoggingConfig.LogFormat=JSON; Lambda sets AWS_LAMBDA_LOG_FORMAT): each logging
# record is one JSON object with the fields AWS's Python runtime writes (python-logging.html,
# "Using Lambda advanced logging controls with Python"; the runtime interface client awslambdaric,
# lambda_runtime_log_utils.py): timestamp (UTC, whole seconds), level, message, logger, requestId,
# and for an exception errorType, errorMessage, stackTrace and location; extra= fields as keys.
_JSON_LOGGING = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
_RECORD_FIELDS = frozenset((
    "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module", "exc_info", "exc_text",
    "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated", "thread", "threadName",
    "processName", "process", "aws_request_id", "tenant_id"))


class _JsonFormatter(logging.Formatter):
    def __init__(self):
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%SZ")

    def format(self, record):
        record.levelno = min(50, max(0, record.levelno)) // 10 * 10   # custom levels fall to a standard one
        record.levelname = logging.getLevelName(record.levelno)
        exc = record.exc_info
        entry = {
            "timestamp": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        for key, value in vars(record).items():     # logger.info("...", extra={...})
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


def _setup_logging() -> None:
    global _JSON_LOGGING
    _JSON_LOGGING = os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"
    if _JSON_LOGGING:
        fmt = _JsonFormatter()
    else:
        fmt = logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
                                "%Y-%m-%dT%H:%M:%S")
    fmt.converter = time.gmtime
    handler = _LambdaLoggerHandler()
    handler.setFormatter(fmt)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level and level.upper() == "TRACE":      # Python's logging has no TRACE: the runtime uses DEBUG
        level = "DEBUG"
    root.setLevel(getattr(logging, level.upper(), logging.WARNING) if level else logging.WARNING)


# -- errors ---------------------------------------------------------------------------------
_SHOWN_PATHS: list = []   # (real folder + sep, AWS's folder + "/"), set at INIT from the spec's path_map


def _aws_path(path):
    """The path AWS's runtime would show for ``path`` (None if it is not in a mapped folder)."""
    for real, alias in _SHOWN_PATHS:
        if path and path.startswith(real):
            return alias + path[len(real):].replace(os.sep, "/")
    return None


def _stack(tb) -> list:
    """Stack frames as AWS's runtime writes them: /var/task, /opt, /var/lang/lib/python3.x (the
    standard library, boto3), never this machine's folders."""
    frames = traceback.extract_tb(tb)
    for frame in frames:
        alias = _aws_path(frame.filename)
        if alias:
            frame.filename = alias
    return traceback.format_list(frames)


def _error(error_type: str, message: str, stack=None) -> dict:
    return {"errorMessage": message, "errorType": error_type, "requestId": _request_id,
            "stackTrace": stack or []}


def _log_error(err: dict) -> None:
    """What the runtime writes to the log for an error: one event, lines joined by CR (in the JSON
    format, one JSON object: the error payload with a timestamp and ``"log_level": "ERROR"``)."""
    if _JSON_LOGGING:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        sys.stdout.write(json.dumps({"timestamp": stamp, "log_level": "ERROR", **err}) + "\n")
        return
    lines = [f"[ERROR] {err['errorType']}: {err['errorMessage']}", "Traceback (most recent call last):"]
    lines += [s.rstrip("\n") for s in err.get("stackTrace", [])]
    sys.stdout.write("\r".join(lines) + "\n")


# -- one environment --------------------------------------------------------------------------
def _reset_stdio(out_fd: int) -> None:
    os.dup2(out_fd, 1)
    os.dup2(out_fd, 2)
    os.close(out_fd)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    sys.__stdout__, sys.__stderr__ = sys.stdout, sys.stderr


def _load_handler(handler: str):
    """INIT: import the handler module and find the function (errors as the AWS runtime)."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError:
        return None, _error("Runtime.MalformedHandlerName",
                            f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)")
    modname = modname.replace("/", ".")
    try:
        module = importlib.import_module(modname)
    except ImportError as exc:
        return None, _error("Runtime.ImportModuleError", f"Unable to import module '{modname}': {exc}")
    except SyntaxError as exc:
        # AWS's stack for a syntax error is the offending line only
        line = (exc.text or "").strip()
        return None, _error("Runtime.UserCodeSyntaxError", f"Syntax error in module '{modname}': {exc}",
                            [f'  File "{exc.filename}" Line {exc.lineno}\n        {line}\n'])
    except Exception as exc:  # noqa: BLE001 - an error in the module's top-level code
        return None, _error(type(exc).__name__, str(exc), _stack(exc.__traceback__.tb_next))
    func = getattr(module, fname, None)
    if func is None:
        return None, _error("Runtime.HandlerNotFound", f"Handler '{fname}' missing on module '{modname}'")
    return func, None


def _show_paths_as_on_aws(path_map) -> None:
    """Name code by where AWS puts it (/var/task, /opt, ...), not by our temporary folders.

    Every module loaded from a mapped folder gets its code objects' file names rewritten, so
    tracebacks, error payloads' ``stackTrace`` and ``logging.exception`` show ``/var/task/app.py``
    as on AWS; the source lines still come from the real file (through the module's loader).
    """
    if not path_map:
        return
    import _imp
    from importlib import _bootstrap_external as be

    _SHOWN_PATHS[:] = sorted(((real.rstrip(os.sep) + os.sep, shown.rstrip("/") + "/") for real, shown in path_map),
                             key=lambda pair: -len(pair[0]))    # the longest (most specific) folder first
    shown = _aws_path

    original = be.SourceLoader.get_code

    def get_code(self, fullname):
        try:
            code = original(self, fullname)
        except SyntaxError as exc:
            alias = shown(exc.filename)
            if alias:
                exc.filename = alias
            raise
        alias = shown(getattr(code, "co_filename", None))
        if alias:
            _imp._fix_co_filename(code, alias)
        return code

    be.SourceFileLoader.get_code = get_code


# -- the file system as AWS lays it out (/var/task, /opt, /var/lang) ------------------------------
# An environment gets its own mount namespace inside an unprivileged user namespace (Linux, no root,
# no Docker): its zip is mounted read-only at /var/task, its layers at /opt, the runtime's packages at
# /var/lang/lib/python3.x/site-packages and a python launcher at /var/lang/bin, under a tmpfs that
# replaces /var (the machine's own /var entries are bound back into it). Where the kernel refuses
# user namespaces (e.g. Ubuntu's AppArmor restriction) the environment keeps the real folders and
# LAMBDA_TASK_ROOT names them ("paths" layout; tracebacks still show /var/task). README, "Lambda".
_CLONE_NEWNS, _CLONE_NEWUSER = 0x00020000, 0x10000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
_AWS_DIRS = ("task", "lang", "runtime")     # under /var: AWS's own folders, never the machine's


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda v: v.encode() if v is not None else None)
    if _LIBC.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _mount_aws_layout(lay: dict, aws: dict) -> bool:
    """Enter a private mount namespace with AWS's folders; False (nothing changed that matters) if the
    kernel does not allow it. Must run while the process has one thread (a forked environment does)."""
    if _LIBC is None or not sys.platform.startswith("linux") or not os.path.isdir("/opt"):
        return False
    uid, gid = os.getuid(), os.getgid()
    if _LIBC.unshare(_CLONE_NEWUSER | _CLONE_NEWNS) != 0:
        return False
    var_mounted = False
    try:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
        old_var = os.open("/var", os.O_RDONLY | os.O_DIRECTORY)
        entries = [e for e in os.listdir(old_var) if e not in _AWS_DIRS]
        _mount("tmpfs", "/var", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=755,size=64k")
        var_mounted = True
        for entry in entries:        # the machine's /var/tmp, /var/lib, ... stay where they were
            src, dst = f"/proc/self/fd/{old_var}/{entry}", f"/var/{entry}"
            if os.path.islink(src):
                os.symlink(os.readlink(src), dst)
                continue
            if os.path.isdir(src):
                os.mkdir(dst)
            else:
                open(dst, "w").close()
            _mount(src, dst, None, _MS_BIND | _MS_REC)
        os.close(old_var)
        binds = [(lay["task"], aws["task"]), (lay["runtime_site"], aws["runtime_site"]), (lay["opt"], aws["opt"])]
        for _real, shown in binds:
            if shown.startswith("/var/"):
                os.makedirs(shown, exist_ok=True)
        os.makedirs(aws["bin"], exist_ok=True)
        os.makedirs("/var/runtime", exist_ok=True)
        _write_launchers(aws, lay)
        for real, shown in binds:    # read-only, as on AWS (only /tmp is writable)
            _mount(real, shown, None, _MS_BIND | _MS_REC)
            _mount(None, shown, None, _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        _mount(None, "/var", None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV, "mode=755")
        return True
    except OSError:
        # the kernel allowed the user namespace but not every mount (no capabilities in it): undo
        # the /var tmpfs so the machine's file system is as it was, and use the real folders
        if var_mounted:
            _LIBC.umount2(b"/var", 2)   # MNT_DETACH
        return False


def _write_launchers(where: dict, lay: dict) -> None:
    """/var/lang/bin/python3.x, python3 and python: the interpreter without the course's virtual
    environment, with the handler's own import path (its zip, its layers, the runtime's boto3)."""
    path = ":".join(where["python_path"])
    script = ("#!/bin/sh\n"
              f'PYTHONPATH="{path}${{PYTHONPATH:+:$PYTHONPATH}}" exec "{lay["python"]}" -S "$@"\n')
    for name in (lay["lang"], "python3", "python"):
        target = os.path.join(where["bin"], name)
        tmp = f"{target}.{os.getpid()}"
        _write(tmp, script)
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)


def _enter_layout(spec: dict) -> str:
    """Lay the environment out as AWS does; return "namespace" (AWS's paths) or "paths" (real ones).

    Rewrites the spec's task root, sys.path and environment to the paths the handler will see."""
    lay = spec.get("layout")
    if not lay:
        return "paths"
    lang = lay["lang"]
    aws = {"task": "/var/task", "opt": "/opt", "runtime_site": f"/var/lang/lib/{lang}/site-packages",
           "bin": "/var/lang/bin"}
    real = {k: lay[k] for k in ("task", "opt", "runtime_site", "bin")}

    def python_path(where):
        return [where["task"], *[p.replace(lay["opt"], where["opt"], 1) for p in lay["layer_paths"]],
                where["runtime_site"]]

    aws["python_path"], real["python_path"] = python_path(aws), python_path(real)
    used, kind = real, "paths"
    if lay.get("namespace") and _mount_aws_layout(lay, aws):
        used, kind = aws, "namespace"
    else:
        os.makedirs(real["bin"], exist_ok=True)
        _write_launchers(real, lay)
    spec["task_root"] = used["task"]
    spec["sys_path"] = list(used["python_path"])
    env = spec["env"]
    env["LAMBDA_TASK_ROOT"] = used["task"]
    # AWS's PATH and LD_LIBRARY_PATH (the runtime's base image), with this layout's folders
    env["PATH"] = f"{used['bin']}:/usr/local/bin:/usr/bin/:/bin:{used['opt']}/bin"
    if kind == "namespace":
        env["LAMBDA_RUNTIME_DIR"] = "/var/runtime"
        env["LD_LIBRARY_PATH"] = ("/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:"
                                  "/var/task:/var/task/lib:/opt/lib")
    sys.executable = os.path.join(used["bin"], lang)
    return kind


def _maxrss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _enter_sandbox(ctl: socket.socket, out_fd: int, zygote_pid: int) -> None:
    """What every environment process does first, whatever function it will run."""
    os.setsid()  # own process group: the kernel kills the handler's forks with it
    die_with_parent(zygote_pid)
    _reset_stdio(out_fd)


def run_environment(spec: dict, ctl_fd: int, out_fd: int, zygote_pid: int) -> None:
    """Body of an environment forked for one function at once; never returns."""
    ctl = socket.socket(fileno=ctl_fd)
    _enter_sandbox(ctl, out_fd, zygote_pid)
    _specialise(spec, ctl, time.perf_counter())


def run_spare(ctl: socket.socket, out_fd: int, zygote_pid: int) -> None:
    """Body of a spare process, forked ahead of demand; never returns.

    It enters its sandbox and waits. The first frame on its control socket names the function:
    INIT (and its Init Duration) starts only then, as on AWS where the INIT phase of an environment
    begins when a function is assigned to it.
    """
    _enter_sandbox(ctl, out_fd, zygote_pid)
    try:
        header, _body = recv_frame(ctl)
    except (EOFError, OSError):
        os._exit(0)
    started = time.perf_counter()
    if header.get("type") != "init":
        os._exit(0)
    _specialise(header["spec"], ctl, started)


def _specialise(spec: dict, ctl: socket.socket, started: float) -> None:
    """INIT: become this function's environment and import its handler, then serve invokes."""
    limit = spec.get("address_space_bytes")
    if limit:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass
    layout = _enter_layout(spec)
    os.environ.clear()
    os.environ.update(spec["env"])
    os.chdir(spec["task_root"])
    sys.path[:] = spec["sys_path"] + _BASE_PATH
    sys.argv = [spec.get("argv0", "/var/runtime/bootstrap.py")]
    importlib.invalidate_caches()
    _show_paths_as_on_aws(spec.get("path_map"))
    _setup_logging()
    t_setup = time.perf_counter()
    func, err = _load_handler(spec["handler"])
    init_ms = (time.perf_counter() - started) * 1000.0
    if err is not None:
        _log_error(err)
        sys.stdout.flush()
        os.write(1, spec["sentinel"].encode())
        send_frame(ctl, {"type": "init", "ok": False, "pid": os.getpid(), "init_ms": init_ms,
                         "maxrss_kb": _maxrss_kb(), "layout": layout},
                   json.dumps(err).encode())
        os._exit(0)
    sys.stdout.flush()
    os.write(1, spec["sentinel"].encode())
    send_frame(ctl, {"type": "init", "ok": True, "pid": os.getpid(), "init_ms": init_ms,
                     "setup_ms": (t_setup - started) * 1000.0, "maxrss_kb": _maxrss_kb(), "layout": layout})
    _serve(func, ctl)


def _serve(func, ctl: socket.socket) -> None:
    """INVOKE, again and again, until the kernel closes the control socket or says shutdown."""
    global _request_id
    dumps, loads, perf = json.dumps, json.loads, time.perf_counter
    while True:
        try:
            header, body = recv_frame(ctl)
        except (EOFError, OSError):
            os._exit(0)
        if header.get("type") == "shutdown":
            os._exit(0)
        _request_id = header["id"]
        os.environ["_X_AMZN_TRACE_ID"] = header.get("trace_id", "")
        ctx = LambdaContext(_request_id, header["deadline_ms"], header["arn"], header.get("identity"),
                            header.get("client_context"))
        ok, oom = True, False
        t0 = perf()
        try:
            event = loads(body) if body else {}
            result = func(event, ctx)
            try:
                payload = dumps(result).encode()
            except (TypeError, ValueError) as exc:
                ok = False
                payload = dumps(_error("Runtime.MarshalError", f"Unable to marshal response: {exc}")).encode()
                _log_error(loads(payload))
        except MemoryError:
            ok, oom = False, True
            payload = dumps(_error("Runtime.OutOfMemory", "MemoryError")).encode()
        except Exception as exc:  # noqa: BLE001 - the handler's unhandled exception
            ok = False
            err = _error(type(exc).__name__, str(exc), _stack(exc.__traceback__.tb_next))
            _log_error(err)
            payload = dumps(err).encode()
        duration_ms = (perf() - t0) * 1000.0
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:  # noqa: BLE001
            pass
        os.write(1, header["sentinel"].encode())
        send_frame(ctl, {"ok": ok, "oom": oom, "duration_ms": duration_ms, "maxrss_kb": _maxrss_kb()},
                   payload)


# -- the zygote -------------------------------------------------------------------------------
def zygote_main(sock_fd: int, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    sock = socket.socket(fileno=sock_fd)
    rfd, wfd = os.pipe()
    os.set_blocking(wfd, False)
    os.set_blocking(rfd, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wfd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the notebook is for the kernel
    me = os.getpid()
    _warm_up()
    import gc

    gc.collect()
    gc.freeze()  # keep the zygote's objects out of the children's GC: fewer copy-on-write pages
    send_frame_seq(sock, {"ready": me})
    spares_wanted = 0
    while True:
        try:
            # spares are forked one per turn, so a request for an environment never waits behind them
            readable, _, _ = select.select([sock, rfd], [], [], 0 if spares_wanted else None)
        except InterruptedError:
            continue
        if rfd in readable:
            try:
                while os.read(rfd, 512):
                    pass
            except BlockingIOError:
                pass
            _reap(sock)
        if sock in readable:
            try:
                msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 20, 2)
            except OSError:
                os._exit(0)
            if not msg:
                os._exit(0)  # the kernel went away: children die with us (PDEATHSIG)
            spec = json.loads(msg)
            if "spares" in spec:
                spares_wanted += max(int(spec["spares"]), 0)
                continue
            pid = _fork_child(sock, rfd, wfd, run_environment, spec, fds[0], fds[1], me)
            for fd in fds:
                os.close(fd)
            send_frame_seq(sock, {"spawned": pid, "tag": spec.get("tag")})
            _reap(sock)
        elif spares_wanted:
            spares_wanted -= 1
            _fork_spare(sock, rfd, wfd, me)


def _fork_spare(sock: socket.socket, rfd: int, wfd: int, me: int) -> None:
    """Fork a spare process and hand the kernel its control socket and output pipe."""
    kernel_ctl, spare_ctl = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r_out, w_out = os.pipe()
    pid = _fork_child(sock, rfd, wfd, _spare_body, kernel_ctl, r_out, spare_ctl, w_out, me)
    spare_ctl.close()
    os.close(w_out)
    try:
        socket.send_fds(sock, [json.dumps({"spare": pid}).encode()], [kernel_ctl.fileno(), r_out])
    except OSError:
        os._exit(0)
    finally:
        kernel_ctl.close()
        os.close(r_out)


def _spare_body(kernel_ctl: socket.socket, r_out: int, spare_ctl: socket.socket, w_out: int, me: int) -> None:
    kernel_ctl.close()
    os.close(r_out)
    run_spare(spare_ctl, w_out, me)


def _fork_child(sock: socket.socket, rfd: int, wfd: int, body, *args) -> int:
    """Fork; the child drops the zygote's own descriptors and signal set-up, then runs ``body(*args)``
    (and never returns)."""
    pid = os.fork()
    if pid == 0:
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.close(rfd)
            os.close(wfd)
            sock.close()
            body(*args)
        except SystemExit as exc:  # sys.exit() in a handler ends the runtime process
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            _flush_and_exit(code)
        except BaseException:  # noqa: BLE001
            traceback.print_exc()
        _flush_and_exit(1)
    return pid


def _flush_and_exit(code: int) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(code)


def _warm_up() -> None:
    """Run once what every environment runs (the compiler, json, logging), as AWS's runtime has
    by the time your INIT starts, so each forked environment does not pay for it again."""
    code = compile("import os\nclass A:\n    x: int = 1\n\n    def f(self, a, b=1, *c, **d):\n"
                   "        return [i for i in a if i], {k: v for k, v in d.items()}, f'{b!r}'\n",
                   "<warm-up>", "exec")
    exec(code, {})
    json.loads(json.dumps({"a": [1, 2.5, "x", None, True]}))
    record = logging.LogRecord("warm", logging.INFO, __file__, 1, "m %s", ("x",), None)
    record.aws_request_id = ""
    logging.Formatter("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s").format(record)
    traceback.format_list(traceback.extract_stack(limit=2))


def send_frame_seq(sock: socket.socket, msg: dict) -> None:
    try:
        sock.send(json.dumps(msg).encode())
    except OSError:
        os._exit(0)


def _reap(sock: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        send_frame_seq(sock, {"exit": pid, "status": code})


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--zygote":
        zygote_main(int(sys.argv[2]), int(sys.argv[3]))
