"""The whole course, timed: every solution notebook run top to bottom, one after another.

Each lab runs the way tests/test_notebooks.py runs it (``grading.notebook_run``: nbclient, the
``python3`` kernel, a fresh kernel per lab, the notebook's own folder as the working directory).
Issue #26's targets: no lab over 15 s, the whole course within 90 s.

Besides each lab's wall time the bench says where the time goes, so a figure can be read on a
loaded machine:

- kernel start: from launching the kernel to its first ``kernel_info`` reply;
- first import of serverless_lab: a silent cell run before the lab's first cell imports the
  library (the lab's own import then finds it in ``sys.modules``, so the lab's total is unchanged);
- CPU seconds of the kernel and everything it started (user + system), which machine load does
  not inflate the way it inflates wall time;
- the three slowest cells, named by cell id and first line.

``python -m bench labs`` runs this bench alone; ``BENCH_LABS=lab02,lab08`` picks labs.
Nothing is left behind: every process the kernel started is gone when a lab ends (a survivor
is ended and counted in the "left behind" figure), a file a lab leaves in its folder is counted
and named, and the notebooks on disk are never modified.
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil

from bench.common import Figure

ROOT = Path(__file__).resolve().parents[1]
LAB_TARGET = 15.0
COURSE_TARGET = 90.0

# runs first, silently: how long the library's first import takes inside the lab's kernel
PREAMBLE = """\
import json as _bench_json, time as _bench_time
_bench_t = (_bench_time.perf_counter(), _bench_time.process_time())
import serverless_lab as _bench_sl
print(_bench_json.dumps([_bench_time.perf_counter() - _bench_t[0], _bench_time.process_time() - _bench_t[1]]))
del _bench_json, _bench_time, _bench_t, _bench_sl
"""


@dataclass
class LabRun:
    lab: str
    wall: float = 0.0
    kernel_start: float = 0.0
    import_wall: float = 0.0
    import_cpu: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    left_behind: int = 0
    files_left: list[str] = field(default_factory=list)   # new files in the lab's folder after the run
    cells: list[tuple[float, str]] = field(default_factory=list)   # (seconds, "id: first line")


def solutions(only: str = "") -> list[Path]:
    paths = sorted((ROOT / "solutions").glob("lab*/lab*.ipynb"))
    picks = [p.strip() for p in only.split(",") if p.strip()]
    return [p for p in paths if not picks or any(p.parent.name.startswith(k) for k in picks)]


def _label(cell: nbformat.NotebookNode) -> str:
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"{cell.get('id', '?')}: {first[:40]}"


def _cpu(proc: psutil.Process) -> float:
    """User + system seconds of a process and of its descendants, finished (reaped) or alive."""
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def run_lab(path: Path) -> LabRun:
    from nbclient import NotebookClient

    result = LabRun(path.parent.name)
    files_before = _files(path.parent)
    nb = copy.deepcopy(nbformat.read(path, as_version=4))
    preamble = nbformat.v4.new_code_cell(PREAMBLE)
    nb.cells.insert(0, preamble)
    client = NotebookClient(nb, timeout=180, allow_errors=True, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    t0 = time.perf_counter()
    descendants: list[psutil.Process] = []
    with client.setup_kernel():
        assert client.kc is not None and client.km is not None
        client.wait_for_reply(client.kc.kernel_info())
        result.kernel_start = time.perf_counter() - t0
        kernel = psutil.Process(client.km.provisioner.process.pid)  # type: ignore[union-attr]
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            c0 = time.perf_counter()
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            seconds = time.perf_counter() - c0
            if index == 0:
                text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
                result.import_wall, result.import_cpu = json.loads(text.strip().splitlines()[-1])
                continue
            result.cells.append((seconds, _label(cell)))
            result.errors += any(o.get("output_type") == "error" for o in cell.outputs)
        result.cpu = _cpu(kernel)
        descendants = kernel.children(recursive=True)
    result.wall = time.perf_counter() - t0
    _, alive = psutil.wait_procs(descendants, timeout=5)
    for proc in alive:
        proc.kill()
    result.left_behind = len(alive)
    result.files_left = sorted(_files(path.parent) - files_before)
    return result


def figures(runs: list[LabRun]) -> list[Figure]:
    out: list[Figure] = []
    for r in runs:
        out.append(Figure(f"labs: {r.lab[:40]}", r.wall, "s", f"<= {LAB_TARGET:g} s", r.wall <= LAB_TARGET))
        out.append(Figure(f"labs:   {r.lab[:5]} CPU (kernel + children)", r.cpu, "cpu-s"))
        out.append(Figure(f"labs:   {r.lab[:5]} kernel start", r.kernel_start, "s"))
        out.append(Figure(f"labs:   {r.lab[:5]} first import of serverless_lab", r.import_wall, "s"))
        for seconds, label in sorted(r.cells, reverse=True)[:3]:
            out.append(Figure(f"labs:   {r.lab[:5]} cell {label}"[:58], seconds, "s"))
        if r.errors:
            out.append(Figure(f"labs:   {r.lab[:5]} cells that raised", r.errors, "cells", "0", False))
    total = sum(r.wall for r in runs)
    out += [
        Figure("labs: whole course (sum)", total, "s", f"<= {COURSE_TARGET:g} s", total <= COURSE_TARGET),
        Figure("labs: whole course CPU (sum)", sum(r.cpu for r in runs), "cpu-s"),
        Figure("labs: kernel starts (sum)", sum(r.kernel_start for r in runs), "s"),
        Figure("labs: first imports of serverless_lab (sum)", sum(r.import_wall for r in runs), "s"),
        Figure("labs: first imports of serverless_lab, CPU (sum)", sum(r.import_cpu for r in runs), "cpu-s"),
        Figure("labs: processes left behind", sum(r.left_behind for r in runs), "procs", "0",
               not any(r.left_behind for r in runs)),
        Figure("labs: files left in the labs' folders", sum(len(r.files_left) for r in runs), "files", "0",
               not any(r.files_left for r in runs)),
    ]
    for r in runs:
        if r.files_left:
            print(f"{r.lab} left {r.files_left[:5]}", flush=True)
    return out


def run() -> list[Figure]:
    return figures([run_lab(p) for p in solutions(os.environ.get("BENCH_LABS", ""))])


if __name__ == "__main__":
    for fig in run():
        print(fig.row())
