"""`serverless-lab grade <submissions-dir>`: autograde a class in parallel, around nbgrader.

Why not `nbgrader autograde` per student in parallel processes? It needs a gradebook
database per process (SQLite does not take concurrent writers well) and a merge, it stops a
student's whole submission on a notebook it cannot parse or a kernel that dies, and its
per-run start-up (traitlets config, database, alembic) costs seconds per student. Instead
each submission is one job, run in a fresh process forked from a warm worker (worker.py; as
many at once as there are cores): the notebook's bytes are read once by this process,
rebuilt around the source's locked cells as nbgrader's OverwriteCells does (hidden tests
included, deleted test cells put back), run in a fresh kernel in a private temporary
folder with nbgrader's cell timeout, and scored with nbgrader's own `determine_grade`. The
output is nbgrader's: grades.csv with `nbgrader export`'s columns and feedback HTML in
nbgrader's feedback layout (<out>/feedback/<student>/<lab>/<notebook>.html).

Students are isolated from each other by process and folder, and grades cannot be written
by a kernel: results travel back as JSON through a private pipe, and every file is written by
this process after all kernels (and anything they started) have ended.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LabError
from .check import sibling_files
from .course import course_root, is_student_dist, lab_names
from .jobs import Job, JobResult
from .source import source_lab

NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
extras: dict[str, dict[str, bytes]] = {}   # per submission, nbgrader's own small files
CSV_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
               "raw_score", "late_submission_penalty", "score", "max_score"]


@dataclass
class ClassReport:
    results: list[JobResult]
    output_dir: Path
    csv_path: Path
    feedback: dict[str, Path] = field(default_factory=dict)
    altered: list[str] = field(default_factory=list)
    exports: dict[str, Path] = field(default_factory=dict)   # canvas, moodle, pass_rates


def _fingerprint(path: Path) -> tuple[int, int, str]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest()


def collect(submissions: Path, root: Path, timeout: int | None = None) -> tuple[list[Job], dict[str, str],
                                                                                 dict[Path, tuple]]:
    """Jobs for nbgrader's submitted layout <student>/<lab>/<notebook>.ipynb, all bytes read now."""
    known = lab_names(root)
    jobs: list[Job] = []
    stamps: dict[str, str] = {}
    prints: dict[Path, tuple] = {}
    extras.clear()
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    submitted_labs = {d.name for s in students for d in s.iterdir() if d.is_dir() and d.name in known}
    for student in students:
        lab_dirs = {d.name: d for d in student.iterdir() if d.is_dir() and not d.name.startswith(".")}
        for name, lab_dir in sorted(lab_dirs.items()):
            key = f"{student.name}/{name}"
            if name not in known:
                jobs.append(Job(key, student.name, None, str(root), None,
                                notes=[f"'{name}' is not a lab of this course (known: {', '.join(known)}); not graded"]))
                continue
            expected = source_lab(root, name).notebook_name
            notebooks = sorted(p for p in lab_dir.glob("*.ipynb") if p.is_file())
            notes: list[str] = []
            chosen: Path | None = lab_dir / expected if (lab_dir / expected).is_file() else None
            if chosen is None and len(notebooks) == 1:
                chosen = notebooks[0]
                notes.append(f"the notebook was renamed to {chosen.name!r} (expected {expected!r}); graded anyway")
            elif chosen is None and notebooks:
                notes.append(f"no {expected!r} and several notebooks ({', '.join(p.name for p in notebooks)}): "
                             "cannot tell which to grade; rename the right one to the lab's name")
            elif chosen is not None and len(notebooks) > 1:
                notes.append("other notebooks in the folder were ignored: "
                             + ", ".join(p.name for p in notebooks if p != chosen))
            if (lab_dir / "timestamp.txt").is_file():
                stamps[key] = (lab_dir / "timestamp.txt").read_text(errors="replace").strip()[:64]
            for keep in NBGRADER_FILES:  # copied next to the feedback: `nbgrader release_feedback` reads them
                if (lab_dir / keep).is_file() and (lab_dir / keep).stat().st_size < 4096:
                    extras.setdefault(key, {})[keep] = (lab_dir / keep).read_bytes()
            raw = None
            if chosen is not None:
                prints[chosen] = _fingerprint(chosen)
                raw = chosen.read_bytes()
            extra = sibling_files(lab_dir, chosen, notes) if chosen else {}
            jobs.append(Job(key, student.name, name, str(root), raw, chosen.name if chosen else expected,
                            extra_files=extra, hidden=True, timeout=timeout,
                            notes=notes, render_html=True))
        for name in sorted(submitted_labs - set(lab_dirs)):
            jobs.append(Job(f"{student.name}/{name}", student.name, name, str(root), None,
                            source_lab(root, name).notebook_name, render_html=False))
    return jobs, stamps, prints


def _run_all(jobs: list[Job], workers: int, quiet: bool) -> dict[str, JobResult]:
    """Every submission in its own worker process, `workers` at a time, with a progress bar.

    A submission whose kernel died is graded again on its own at the end, when no other
    student's code is running (a classmate's code could have killed it).
    """
    from tqdm import tqdm

    from .jobs import run_job
    from .worker import run_in_subprocess, run_parallel

    results: dict[str, JobResult] = {}
    todo = [j for j in jobs if j.raw is not None and j.lab is not None]
    for j in jobs:
        if j.raw is None or j.lab is None:
            results[j.key] = run_job(j)  # missing / unknown lab: nothing to execute
    with tqdm(total=len(todo), desc="grading", unit="nb", disable=quiet, file=sys.stderr) as bar:
        for res in run_parallel(todo, min(workers, max(1, len(todo))), on_done=lambda _r: bar.update(1)):
            results[res.key] = res
    for job in todo:
        first = results[job.key]
        if not (first.kernel_died or first.status == "error"):
            continue
        again = run_in_subprocess(job)
        if again.score >= first.score:
            again.notes.append("re-graded on its own, after its first run was cut short")
            results[job.key] = again
    return results


def _roster(root: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """Names, e-mails and due dates from nbgrader's gradebook, when there is one."""
    db = root / "grading" / "gradebook.db"
    if not db.is_file():
        return {}, {}
    try:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{db}") as gb:
            people = {s.id: {"first_name": s.first_name or "", "last_name": s.last_name or "",
                             "email": s.email or ""} for s in gb.students}
            dues = {a.name: str(a.duedate or "") for a in gb.assignments}
        return people, dues
    except Exception:  # noqa: BLE001 - the roster is a nicety
        return {}, {}


def grade(submissions_dir: str | os.PathLike[str], output_dir: str | os.PathLike[str] | None = None,
          workers: int | None = None, timeout: int | None = None, quiet: bool = False) -> ClassReport:
    """Grade every submission; write grades.csv, feedback HTML and grade-report.json."""
    root = course_root()
    if is_student_dist(root):
        raise LabError(f"{root} is a student distribution: it has no solutions/ and no hidden tests to grade with.",
                       "Grade from the instructor's course (the folder with solutions/), or set SERVERLESS_LAB_ROOT to it.")
    subs = Path(submissions_dir).resolve()
    if not subs.is_dir():
        raise LabError(f"No submissions folder at {subs}.",
                       "Give the folder in nbgrader's layout <student>/<lab>/<notebook>.ipynb, "
                       "e.g. grading/submitted after `nbgrader collect`.")
    out = Path(output_dir).resolve() if output_dir else root / "grading"
    if out == subs or subs in out.parents:
        raise LabError(f"The output folder {out} is inside the submissions {subs}: grading never writes there.",
                       "Choose another --output folder (the default is grading/).")
    jobs, stamps, prints = collect(subs, root, timeout)
    if not jobs:
        raise LabError(f"No submissions found in {subs}.", "Expected <student>/<lab>/<notebook>.ipynb folders.")
    results = _run_all(jobs, workers or os.cpu_count() or 1, quiet)
    report = ClassReport([results[j.key] for j in jobs], out, out / "grades.csv")
    for path, before in prints.items():  # the submitted files must be exactly as they were
        if not path.exists() or _fingerprint(path) != before:
            report.altered.append(str(path))
            key = f"{path.parent.parent.name}/{path.parent.name}"
            if key in results:
                results[key].notes.append("the submitted file changed on disk during grading; "
                                          "the grade is from the copy read before any code ran")
    people, dues = _roster(root)
    out.mkdir(parents=True, exist_ok=True)
    tmp = report.csv_path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, CSV_COLUMNS)
        writer.writeheader()
        for r in sorted(report.results, key=lambda r: (r.lab or "", r.student)):
            if r.lab is None:
                continue
            who = people.get(r.student, {})
            writer.writerow({"assignment": r.lab, "duedate": dues.get(r.lab, ""),
                             "timestamp": stamps.get(r.key, ""), "student_id": r.student,
                             "last_name": who.get("last_name", ""), "first_name": who.get("first_name", ""),
                             "email": who.get("email", ""), "raw_score": r.score, "late_submission_penalty": 0.0,
                             "score": r.score, "max_score": r.max_score})
    tmp.replace(report.csv_path)
    for r in report.results:
        if r.html is None:
            continue
        target = out / "feedback" / r.student / (r.lab or "unknown") / (Path(r.notebook_name).stem + ".html")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(r.html, encoding="utf-8")
        for name, data in extras.get(r.key, {}).items():
            (target.parent / name).write_bytes(data)
        report.feedback[r.key] = target
    from . import lms

    report.exports = {"canvas": lms.write_canvas(report.results, out / "canvas-grades.csv", people),
                      "moodle": lms.write_moodle(report.results, out / "moodle-grades.csv", people),
                      "pass_rates": lms.write_pass_rates(report.results, out / "exercise-pass-rates.csv")}
    lms.write_student_pages(report.results, out / "feedback", report.feedback)
    (out / "grade-report.json").write_text(json.dumps(
        {"submissions": str(subs), "altered": report.altered,
         "results": [dict(r.to_dict(), feedback=str(report.feedback.get(r.key, ""))) for r in report.results]},
        indent=1))
    return report


def summary(report: ClassReport) -> str:
    """Per lab: n, mean, median, max; per exercise: pass rate; then every reported problem."""
    from .lms import HARD, pass_rates

    lines: list[str] = []
    labs = sorted({r.lab for r in report.results if r.lab})
    rates = pass_rates(report.results)
    for lab in labs:
        rows = [r for r in report.results if r.lab == lab]
        scores = [r.score for r in rows]
        top = max(r.max_score for r in rows)
        lines.append(f"{lab}: n={len(rows)}  mean={statistics.mean(scores):.2f}  "
                     f"median={statistics.median(scores):g}  max score={top:g}")
        for ex in (x for x in rates if x.lab == lab):
            flag = "  <- hard: fewer than half pass" if ex.submitted and ex.pass_rate < HARD else ""
            lines.append(f"    {ex.grade_id:<32} pass rate {ex.pass_rate:6.0%}  ({ex.passed}/{ex.submitted}){flag}")
    problems = [r for r in report.results if r.notes or r.status != "graded"]
    if problems:
        lines += ["", "Reported per student:"]
        for r in sorted(problems, key=lambda r: r.key):
            lines.append(f"  {r.key}: {r.status}, {r.score:g}/{r.max_score:g}")
            lines += [f"      - {n}" for n in r.notes]
    if report.altered:
        lines += ["", "Submitted files that changed on disk during grading:"] + [f"  {p}" for p in report.altered]
    lines += ["", f"grades: {report.csv_path}"]
    lines += [f"{name.replace('_', ' ')}: {path}" for name, path in report.exports.items()]
    lines += [f"feedback: {report.output_dir / 'feedback'} (one index.html per student)",
              f"details: {report.output_dir / 'grade-report.json'}"]
    return "\n".join(lines)
