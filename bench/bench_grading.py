"""Grading a class: `serverless-lab grade` (parallel) against plain sequential `nbgrader autograde`.

Both grade the same N submissions of lab 00 (half blank releases, half solved), in the same
run, on this machine. nbgrader gets a private course folder (its own gradebook) built from
solutions/; `serverless-lab grade` reads the same submissions. Reported: wall times, the
speed-up (issue 26: >= 2.5x on 2 cores, with the same scores; it was 2.1-2.2x when the target
was set), notebooks per minute, CPU seconds per notebook (and their ratio, which does not depend
on what else the machine is doing), and whether both graders gave every student the same score.
The whole course for a whole class is bench_grading_class (opt-in: it takes much longer).

SERVERLESS_LAB_BENCH_N overrides N (default 20).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from bench.common import Figure
from serverless_lab.grading.course import course_root, tool_env
from serverless_lab.grading.source import is_grade, strip_hidden

LAB = "lab00-welcome"


def _student_notebooks(root: Path, lab: str = LAB) -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """(blank, solved) as a student would submit them: the release, and the release with answers."""
    blank = nbformat.read(root / "labs" / lab / f"{lab}.ipynb", as_version=4)
    sol = nbformat.read(root / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    answers = {(c.metadata.get("nbgrader") or {}).get("grade_id"): c.source for c in sol.cells
               if (c.metadata.get("nbgrader") or {}).get("solution")}
    solved = nbformat.reads(nbformat.writes(blank), as_version=4)
    for cell in solved.cells:
        gid = (cell.metadata.get("nbgrader") or {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
        elif is_grade(cell):
            cell.source = strip_hidden(cell.source)
    return blank, solved


def _course(tmp: Path, root: Path, n: int) -> Path:
    """A private nbgrader course: solutions/<lab>, grading/nbgrader_config.py, N submissions."""
    course = tmp / "course"
    shutil.copytree(root / "solutions" / LAB, course / "solutions" / LAB)
    (course / "grading").mkdir(parents=True)
    shutil.copy(root / "grading" / "nbgrader_config.py", course / "grading" / "nbgrader_config.py")
    blank, solved = _student_notebooks(root)
    for i in range(n):
        folder = course / "grading" / "submitted" / f"student{i:02d}" / LAB
        folder.mkdir(parents=True)
        nbformat.write(solved if i % 2 else blank, folder / f"{LAB}.ipynb")
        (folder / "timestamp.txt").write_text("2026-11-22 12:00:00.000000 UTC")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", LAB, "--force",
                           "--log-level=ERROR"], cwd=course / "grading", env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return course


def _nbgrader_scores(course: Path) -> dict[str, float]:
    out = course / "grading" / "nbgrader-grades.csv"
    subprocess.run([sys.executable, "-m", "nbgrader", "export", "--log-level=ERROR",
                    f"--to={out}"], cwd=course / "grading", env=tool_env(),
                   capture_output=True, text=True, timeout=600, check=True)
    return {r["student_id"]: float(r["score"]) for r in csv.DictReader(out.open())}


def _child_cpu() -> float:
    """CPU seconds used by finished child processes (kernels, workers, nbgrader), user + system."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run() -> list[Figure]:
    from serverless_lab.grading.grade import grade

    n = int(os.environ.get("SERVERLESS_LAB_BENCH_N", "20"))
    root = course_root()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        course = _course(Path(tmp), root, n)
        subs = course / "grading" / "submitted"

        load_ours = os.getloadavg()[0]
        c0, t0 = _child_cpu(), time.perf_counter()
        report = grade(subs, Path(tmp) / "ours", workers=cores, quiet=True)
        ours, ours_cpu = time.perf_counter() - t0, _child_cpu() - c0
        load_ours = max(load_ours, os.getloadavg()[0])

        load_theirs = os.getloadavg()[0]
        c0, t0 = _child_cpu(), time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", LAB, "--force", "--log-level=ERROR"],
                              cwd=course / "grading", env=tool_env(), capture_output=True, text=True, timeout=7200)
        theirs, theirs_cpu = time.perf_counter() - t0, _child_cpu() - c0
        load_theirs = max(load_theirs, os.getloadavg()[0])
        if proc.returncode:
            raise RuntimeError("nbgrader autograde failed: " + proc.stderr[-2000:])

        mine = {r.student: r.score for r in report.results}
        nbg = _nbgrader_scores(course)
        agree = sum(1 for s in mine if s in nbg and abs(mine[s] - nbg[s]) < 1e-9) / max(1, len(mine))
    ratio = theirs / ours
    return [
        Figure(f"grading: serverless-lab grade, {n} x {LAB}, {cores} cores", ours, "s"),
        Figure(f"grading: nbgrader autograde (sequential), {n} x {LAB}", theirs, "s"),
        # the two run one after the other: a machine shared with other work can load them differently
        # (each is the higher of the 1-minute load average at its start and at its end)
        Figure("grading: load average (1 min) around serverless-lab grade", load_ours, ""),
        Figure("grading: load average (1 min) around nbgrader autograde", load_theirs, ""),
        Figure("grading: speed-up over sequential nbgrader", ratio, "x", ">= 2.5x on 2 cores, same scores",
               ratio >= 2.5 and agree == 1.0 if cores >= 2 else None),
        Figure("grading: serverless-lab grade throughput", n / ours * 60, "nb/min"),
        Figure("grading: nbgrader autograde throughput", n / theirs * 60, "nb/min"),
        # CPU seconds do not depend on what else the machine is doing (wall times on a shared machine do)
        Figure("grading: CPU per notebook, serverless-lab grade", ours_cpu / n, "s"),
        Figure("grading: CPU per notebook, nbgrader autograde", theirs_cpu / n, "s"),
        Figure("grading: CPU per notebook, nbgrader / serverless-lab grade", theirs_cpu / max(ours_cpu, 1e-9), "x"),
        Figure("grading: students given the same score by both", agree, "fraction", "= 1.0", agree == 1.0),
    ]


if __name__ == "__main__":
    for fig in run():
        print(fig.row())
