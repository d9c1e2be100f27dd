"""One grading job (a notebook, in bytes) → per-exercise results; shared by check, progress, grade.

A job carries the notebook's bytes, read once by the parent process before any student code
runs: nothing a kernel does later to files on disk (its own or a classmate's submission)
changes what is graded. Each job runs in its own worker process (worker.py), which reaps
every process a kernel leaves behind.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat

from .sandbox import run_notebook
from .source import SourceLab, assemble, exercises_of, source_lab

DEFAULT_TIMEOUT = 30          # nbgrader's default per-cell timeout
MOTO_TIMEOUT = 180            # labs that start moto (and worker processes) get more: nbgrader #915/#931
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STARTS_MOTO = re.compile(r"\b(start_lab|mock_aws)\s*\(")


def cell_timeout(nb: nbformat.NotebookNode, configured: int | None = None) -> int:
    """Per-cell timeout: an explicit value, else 180 s for labs that start the mock, else 30 s."""
    if configured:
        return int(configured)
    starts = any(c.cell_type == "code" and _STARTS_MOTO.search(c.source) for c in nb.cells)
    return MOTO_TIMEOUT if starts else DEFAULT_TIMEOUT


@dataclass
class ExerciseResult:
    grade_id: str
    title: str
    points: float
    max_points: float
    status: str           # passed | failed | not attempted | timed out | not run
    message: str = ""
    hint: str = ""
    idea: str = ""        # the test cell's readable name (its first comment line); title is its exercise's


@dataclass
class Job:
    key: str
    student: str
    lab: str | None
    root: str
    raw: bytes | None                     # the notebook's bytes; None when missing
    notebook_name: str = ""
    extra_files: dict[str, bytes] = field(default_factory=dict)
    hidden: bool = True
    timeout: int | None = None
    notes: list[str] = field(default_factory=list)
    render_html: bool = False


@dataclass
class JobResult:
    key: str
    student: str
    lab: str | None
    notebook_name: str
    status: str                           # graded | missing | invalid | unknown lab | error
    score: float = 0.0
    max_score: float = 0.0
    exercises: list[ExerciseResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    html: str | None = None
    graded_json: str | None = None
    kernel_died: bool = False

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("html"), data.pop("graded_json")
        return data


def _error_of(cell: nbformat.NotebookNode) -> dict | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out
    return None


def _failure_text(err: dict) -> str:
    ename, evalue = err.get("ename", "Error"), str(err.get("evalue", ""))
    if evalue:
        return f"{ename}: {evalue}"
    lines = [_ANSI.sub("", x) for x in err.get("traceback", [])]
    arrows = [m.group(1).strip() for ln in lines for m in re.finditer(r"^-*> *\d+ (.*)$", ln, re.M)]
    return f"{ename} at: {arrows[-1]}" if arrows else ename


def score_run(src: SourceLab, nb: nbformat.NotebookNode, run, timeout: int) -> list[ExerciseResult]:
    """nbgrader's rule (nbgrader.utils.determine_grade) plus what the grader saw happen."""
    from nbgrader.utils import determine_grade

    by_id = {}
    for i, cell in enumerate(nb.cells):
        gid = (cell.get("metadata", {}).get("nbgrader", {}) or {}).get("grade_id")
        if gid and gid not in by_id:
            by_id[gid] = (i, cell)
    results = []
    for ex in src.exercises:
        res = ExerciseResult(ex.grade_id, ex.title, 0.0, ex.points, "failed", hint=ex.hint, idea=ex.idea)
        results.append(res)
        if ex.grade_id not in by_id:
            res.status, res.message = "not run", "the test cell is missing"
            continue
        i, cell = by_id[ex.grade_id]
        sol = by_id.get(ex.solution_id or "")
        sol_err = _error_of(sol[1]) if sol else None
        err = _error_of(cell)
        if run.died_at is not None and i > run.died_at:
            res.status, res.message = "not run", f"not run: {run.died_reason} in an earlier cell"
            continue
        if i in run.timed_out or (sol and sol[0] in run.timed_out and err):
            res.status = "timed out"
            res.message = f"stopped after {timeout} s (an infinite loop, or a call that never returns?)"
            continue
        if run.died_at == i:
            res.status, res.message = "failed", f"{run.died_reason} while this test ran"
            continue
        if (err and err.get("ename") == "NotImplementedError") or (sol_err and sol_err.get("ename") == "NotImplementedError"):
            res.status, res.message = "not attempted", "the solution cell still raises NotImplementedError"
            continue
        if err:
            res.message = _failure_text(err)
            if sol_err:
                res.message += f" (the solution cell above raised {_failure_text(sol_err)})"
            continue
        if cell.get("execution_count") is None and i not in run.markers:
            res.status, res.message = "not run", "the test cell was not executed"
            continue
        if i not in run.markers:
            res.message = "the test cell did not run to its end (its error was hidden): counted as failed"
            continue
        points, _ = determine_grade(cell)
        res.points = float(points or 0.0)
        if res.points >= ex.points:
            res.status = "passed"
        elif res.points > 0:
            res.status, res.message = "partial", f"{res.points:g} of {ex.points:g} points"
        else:
            res.message = "the test wrote to stderr (nbgrader counts that as a failure)"
    return results


_EXPORTER = None


def _memo(fn, size: int = 8192):  # noqa: ANN001, ANN202
    """A pure one-argument filter, remembered by its input.

    Sanitising HTML (bleach) is most of what rendering feedback costs, and most cells are the
    same for every student (markdown, test cells, guided code): the warm worker renders each
    lab's source once (`warm_feedback`), so its children only sanitise what a student wrote.
    """
    cache: dict[str, object] = {}

    def remembered(text, *args, **kwargs):  # noqa: ANN001, ANN202
        if args or kwargs or not isinstance(text, str):
            return fn(text, *args, **kwargs)
        if text not in cache:
            if len(cache) >= size:
                return fn(text)
            cache[text] = fn(text)
        return cache[text]

    return remembered


def warm_feedback(root: Path, lab: str) -> None:
    """Render a lab's source notebook once (in the warm worker, before it forks a job)."""
    try:
        html_exporter().from_notebook_node(source_lab(root, lab).nb)
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def html_exporter():  # noqa: ANN201
    """One HTMLExporter per process (its templates load once; the warm worker makes it before forking)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        _EXPORTER = HTMLExporter()
        clean = dict(_EXPORTER.default_filters())["clean_html"]
        _EXPORTER.filters = dict(_EXPORTER.filters, clean_html=_memo(clean))
        # a code cell with an output, as a kernel reports them: loads the IPython lexer and the sanitizer too
        code = nbformat.v4.new_code_cell("print('warm')", outputs=[nbformat.v4.new_output("stream", text="warm\n")])
        warm = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("**warm**"), code])
        warm.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
        _EXPORTER.from_notebook_node(warm)
    return _EXPORTER


def _render_html(nb: nbformat.NotebookNode, result: JobResult) -> str:

    rows = "\n".join(f"| {e.title}{': ' + e.idea if e.idea else ''} | {e.status} | {e.points:g} / {e.max_points:g} | {e.message.replace('|', '/')} |"
                     for e in result.exercises)
    notes = "".join(f"\n- {n}" for n in result.notes)
    head = nbformat.v4.new_markdown_cell(
        f"# Feedback — {result.lab}, {result.student}\n\n**Score: {result.score:g} / {result.max_score:g}**\n\n"
        f"| Exercise | Result | Points | Details |\n|---|---|---|---|\n{rows}\n" + (f"\n**Notes**{notes}\n" if notes else ""))
    shown = nbformat.from_dict(json.loads(json.dumps(nb)))
    shown.cells.insert(0, head)
    body, _ = html_exporter().from_notebook_node(shown)
    return body


def run_job(job: Job) -> JobResult:
    """Grade (or self-check) one notebook; never raises for anything a submission does."""
    t0 = time.monotonic()
    result = JobResult(job.key, job.student, job.lab, job.notebook_name, "error", notes=list(job.notes))
    root = Path(job.root)
    if job.lab is None:
        result.status = "unknown lab"
        return result
    src = source_lab(root, job.lab)
    result.max_score = src.max_score
    result.exercises = [ExerciseResult(e.grade_id, e.title, 0.0, e.points, "not run", hint=e.hint, idea=e.idea)
                        for e in src.exercises]
    if job.raw is None:
        result.status = "missing"
        result.notes.append("no notebook was submitted for this lab")
        return result
    try:
        sub = nbformat.reads(job.raw.decode("utf-8"), as_version=4)
        if not isinstance(sub.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # noqa: BLE001 - any unreadable file is reported, not raised
        result.status = "invalid"
        result.notes.append(f"the notebook is not a valid .ipynb file ({type(err).__name__}: {str(err)[:200]}); "
                            "it could not be graded")
        return result
    nb, notes = assemble(sub, src.nb, hidden=job.hidden, root=root)
    result.notes += notes
    timeout = cell_timeout(nb, job.timeout)
    work = Path(tempfile.mkdtemp(prefix="serverless-lab-run-")).resolve()
    try:
        os.chmod(work, 0o700)
        for name, data in job.extra_files.items():
            target = (work / name).resolve()
            if work in target.parents:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        (work / (job.notebook_name or f"{job.lab}.ipynb")).write_bytes(job.raw)
        n_code = sum(c.cell_type == "code" for c in nb.cells)
        run = run_notebook(nb, work, timeout, notebook_budget=max(600, timeout * 4) + 10 * n_code)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.status = "graded"
    result.kernel_died = run.died_at is not None
    if run.died_at is not None:
        result.notes.append(f"{run.died_reason} (cell {run.died_at + 1}); later cells were not run")
    if run.timed_out:
        result.notes.append(f"cell(s) {', '.join(str(i + 1) for i in sorted(run.timed_out))} ran longer than "
                            f"{timeout} s and were interrupted")
    if run.truncated:
        result.notes.append("the notebook printed too much: output was truncated")
    if run.tampered:
        result.notes.append("the notebook replaced objects the tests rely on; the grader restored them: "
                            + ", ".join(run.tampered[:12]))
    result.exercises = score_run(src, run.nb, run, timeout)
    result.score = sum(e.points for e in result.exercises)
    result.seconds = time.monotonic() - t0
    if job.render_html:
        try:
            result.html = _render_html(run.nb, result)
        except Exception as err:  # noqa: BLE001
            result.notes.append(f"feedback HTML could not be rendered: {err}")
        result.graded_json = nbformat.writes(run.nb)
    return result


__all__ = ["Job", "JobResult", "ExerciseResult", "run_job", "cell_timeout", "exercises_of"]
