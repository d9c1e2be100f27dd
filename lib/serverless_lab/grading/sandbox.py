"""Run one notebook for grading in a fresh kernel, with bounds on time and output.

What nbclient alone does not give a grader:
* a cell that loops forever is interrupted after `timeout` seconds, and if the kernel ignores
  the interrupt (or a C loop cannot be interrupted) the kernel is killed after a short grace;
* a whole notebook has a wall-clock budget, whatever its cells do;
* output is bounded (kernel side: stdout/stderr characters; client side: every output byte),
  so `print()` in a loop cannot exhaust the grader's memory;
* a kernel that dies (`os._exit`, a crash, the OOM killer) ends the run, and what ran before
  still counts;
* every graded cell is wrapped by `guard` (restore tampered built-ins, end-of-cell marker).

Isolation is by process and folder: the kernel's working directory is a private temporary
copy. It runs as the same user as the grader, so it is not a security boundary (README: Limits).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

GUARD = "__serverless_lab_guard__"
CLIENT_OUTPUT_CAP = 50_000_000   # bytes of outputs the grader keeps per notebook
KERNEL_OUTPUT_CAP = 10_000_000   # characters of stdout/stderr the kernel may send per notebook
INTERRUPT_GRACE = 10.0           # seconds a timed-out cell gets to honour the interrupt

_SECRET_ENV = re.compile(r"^(AWS_|BOTO_|GITHUB_TOKEN|GH_TOKEN|JUPYTERHUB_API_TOKEN|JPY_API_TOKEN)")


@dataclass
class RunResult:
    nb: NotebookNode                       # executed notebook, grader instrumentation removed
    timed_out: set[int] = field(default_factory=set)
    died_at: int | None = None             # index (in nb) of the cell during which the kernel died
    died_reason: str = ""
    truncated: bool = False
    markers: dict[int, list[str]] = field(default_factory=dict)  # cell index -> tampering seen
    tampered: list[str] = field(default_factory=list)
    seconds: float = 0.0


def kernel_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's environment: no real cloud credentials or tokens, fake AWS ones instead."""
    env = {k: v for k, v in os.environ.items() if not _SECRET_ENV.match(k)}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "SERVERLESS_LAB_GRADING": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def _instrument(source: str, marker: str) -> str:
    """restore() first, done() last; a trailing expression keeps being the cell's result."""
    body = source.rstrip()
    head, tail = body, ""
    try:
        tree = ast.parse(body)
    except SyntaxError:  # magics, or a syntax error the student's run will show anyway
        tree = None
    if tree is not None and tree.body and isinstance(tree.body[-1], ast.Expr) and not body.endswith(";"):
        last = tree.body[-1]
        lines = body.splitlines()
        # the expression may share its line with earlier statements (`a(); b()`): split at its column
        # (ast's col_offset counts UTF-8 bytes)
        line = lines[last.lineno - 1].encode("utf-8")
        before, start = line[: last.col_offset].decode("utf-8"), line[last.col_offset:].decode("utf-8")
        head = "\n".join(lines[: last.lineno - 1] + ([before] if before.strip() else []))
        expr = "\n".join([start] + lines[last.lineno:])
        head += f"\n{GUARD}_last = ({expr}\n)"
        tail = f"\n{GUARD}_last"
    return f"{GUARD}.restore({marker!r})\n{head}\n{GUARD}.done({marker!r}){tail}\n"


def _msg_size(msg: dict) -> int:
    content = msg.get("content", {})
    if "text" in content:
        return len(content["text"])
    if "data" in content:
        return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in content["data"].values())
    return sum(len(x) for x in content.get("traceback", [])) + len(str(content.get("evalue", "")))


def _make_client_class():
    from nbclient import NotebookClient
    from nbclient.util import ensure_async

    class GradingClient(NotebookClient):
        """nbclient with an output budget, a kill after an ignored interrupt, and cell tracking."""

        def __init__(self, nb: NotebookNode, marker: str, cap: int, **kw):
            super().__init__(nb, **kw)
            self._marker, self._cap, self._used = marker, cap, 0
            self.truncated = False
            self.timed_out: set[int] = set()
            self.current: int | None = None
            self.on_cell_start = self._started

        def _started(self, cell: NotebookNode, cell_index: int) -> None:
            self.current = cell_index

        def create_kernel_manager(self):  # noqa: ANN202 - nbclient's signature
            km = super().create_kernel_manager()
            from . import kernel_zygote

            kernel_zygote.attach(km)   # a warm kernel forked per notebook, when the worker has a zygote
            return km

        def kernel_pid(self) -> int | None:
            prov = getattr(self.km, "provisioner", None)
            return getattr(prov, "pid", None) or getattr(getattr(prov, "process", None), "pid", None)

        def kill_kernel(self) -> None:
            pid = self.kernel_pid()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

        def output(self, outs, msg, display_id, cell_index):  # noqa: ANN001 - nbclient's signature
            size = _msg_size(msg)
            is_marker = self._marker in msg.get("content", {}).get("text", "")
            if not is_marker and self._used + size > self._cap:
                if not self.truncated:
                    outs.append(nbformat.v4.new_output(
                        "stream", name="stdout",
                        text=f"\n[output truncated by the grader after {self._cap:,} bytes]\n"))
                self.truncated = True
                return None
            self._used += size
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):  # noqa: ANN001
            index = self.current if self.current is not None else -1
            if index in self.timed_out:          # the interrupt was ignored: kill the kernel
                self.kill_kernel()
                return None
            self.timed_out.add(index)
            await ensure_async(self.km.interrupt_kernel())

            def kill_if_stuck() -> None:
                if self.current == index:
                    self.kill_kernel()
            timer = threading.Timer(min(INTERRUPT_GRACE, max(1.0, timeout)), kill_if_stuck)
            timer.daemon = True
            timer.start()
            return None

    return GradingClient


def run_notebook(nb: NotebookNode, workdir: str | Path, timeout: int, *, notebook_budget: float | None = None,
                 output_cap: int = CLIENT_OUTPUT_CAP, kernel_output_cap: int = KERNEL_OUTPUT_CAP,
                 env: dict[str, str] | None = None, kernel_name: str = "python3") -> RunResult:
    """Execute a copy of `nb` (never the caller's object) with cwd `workdir`."""
    from nbclient.exceptions import DeadKernelError

    marker = f"@@serverless-lab-{secrets.token_hex(12)}@@"
    work = copy.deepcopy(nb)
    graded = {}
    for i, cell in enumerate(work.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {}) or {}
        if cell.cell_type == "code" and meta.get("grade"):
            graded[i] = cell.source
            cell.source = _instrument(cell.source, f"{marker}{i}:")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    # Loaded by path: importing the serverless_lab package would import moto before the first cell.
    guard_path = str(Path(__file__).with_name("guard.py"))
    prelude = nbformat.v4.new_code_cell(
        "import importlib.util as _u\n"
        f"_s = _u.spec_from_file_location('serverless_lab_grading_guard', {guard_path!r})\n"
        f"{GUARD} = _u.module_from_spec(_s)\n_s.loader.exec_module({GUARD})\ndel _u, _s\n"
        f"{GUARD}.snapshot({kernel_output_cap})")
    work.cells.insert(0, prelude)

    # shutdown_kernel="immediate": every output is in `work` once the last cell has run, so the kernel
    # is killed (it and all it started; end_children reaps the rest) instead of asked to exit. A
    # graceful shutdown sends shutdown_request and waits, polling, for the kernel to exit on its own
    # (jupyter_client's finish_shutdown: SIGTERM after half of shutdown_wait_time, 5 s): 1.3-3.3 s per
    # notebook on a loaded 2-core machine, even for one that only prints. The cell outputs, hence
    # the scores, are the same either way.
    client = _make_client_class()(work, marker, output_cap, timeout=timeout, allow_errors=True,
                                  interrupt_on_timeout=True, kernel_name=kernel_name, record_timing=False,
                                  shutdown_kernel="immediate", resources={"metadata": {"path": str(workdir)}})
    result = RunResult(nb=work)
    budget_timer = None
    if notebook_budget:
        budget_timer = threading.Timer(notebook_budget, client.kill_kernel)
        budget_timer.daemon = True
    t0 = time.monotonic()
    try:
        if budget_timer:
            budget_timer.start()
        client.execute(env=kernel_env(env))
    except DeadKernelError:
        result.died_at = (client.current or 1) - 1
        over = notebook_budget and time.monotonic() - t0 >= notebook_budget
        result.died_reason = (f"the notebook ran longer than its {notebook_budget:.0f} s budget and was stopped"
                              if over else "the kernel died (os._exit, a crash, or out of memory)")
    except Exception as err:  # noqa: BLE001 - any failure of the run is reported, never raised
        result.died_at = (client.current or 1) - 1
        result.died_reason = f"the run stopped: {type(err).__name__}: {err}"
    finally:
        if budget_timer:
            budget_timer.cancel()
        client.current = None
    result.seconds = time.monotonic() - t0
    result.truncated = client.truncated
    result.timed_out = {i - 1 for i in client.timed_out if i > 0}
    work.cells.pop(0)
    for i, cell in enumerate(work.cells):
        if i in graded:
            cell.source = graded[i]
            kept = []
            pattern = re.compile(r"\n?" + re.escape(marker) + r"\d+:([TD]):([^\n]*)\n?")
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and marker in out.get("text", ""):
                    for kind, found in pattern.findall(out["text"]):
                        try:
                            names = [str(x) for x in json.loads(found)]
                        except ValueError:
                            names = []
                        if kind == "D":
                            result.markers[i] = names
                        result.tampered += [x for x in names if x not in result.tampered]
                    out["text"] = pattern.sub("", out["text"])
                    if not out["text"]:
                        continue
                kept.append(out)
            cell.outputs = kept
    if not result.truncated:
        result.truncated = any("[output truncated by the grader" in str(o.get("text", ""))
                               for c in work.cells for o in c.get("outputs", []))
    return result


def make_subreaper() -> None:
    """Linux: orphans of a kernel (a student's daemon) become our children, so we can end them."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
        except (OSError, AttributeError):
            pass


def end_children(spare: int | None = None) -> int:
    """Kill every process this (dedicated worker) process still has below it; return how many.

    `spare`: one descendant to keep (the warm kernel zygote); what runs below it is killed.
    """
    import psutil

    def alive_below() -> list:
        try:
            kids = [p for p in psutil.Process().children(recursive=True) if p.pid != spare]
        except psutil.Error:
            return []
        out = []
        for proc in kids:
            try:
                if proc.status() != psutil.STATUS_ZOMBIE:   # a zombie has exited; its parent reaps it
                    out.append(proc)
            except psutil.Error:
                pass
        return out

    # A process can fork between the listing and the kill (a daemon's double fork on a busy
    # machine): its child is adopted by a subreaper below us, so list and kill again until none is left.
    total = 0
    for _round in range(20):
        kids = alive_below()
        if not kids:
            break
        for proc in kids:
            try:
                proc.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(kids, timeout=5)
        total += len(kids)
    return total
