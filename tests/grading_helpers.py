"""Build student notebooks (good, partial, hostile) from lab 00's release, in temporary folders."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import nbformat

from conftest import ROOT

LAB = "lab00-welcome"
RELEASE = ROOT / "labs" / LAB / f"{LAB}.ipynb"
SOLUTION = ROOT / "solutions" / LAB / f"{LAB}.ipynb"
# Exercise 3 (the batching decision) answered right, in pure Python: no mocked AWS needed to grade it
BATCH_OK = ("import math\n\n"
            "def choose_batch(readings_per_day, max_wait_seconds):\n"
            "    def charge(b):\n"
            "        return max(0, math.ceil(30 * readings_per_day / b) - 1_000_000) * 0.20 / 1_000_000\n"
            "    longest = max_wait_seconds * readings_per_day // 86_400 + 1\n"
            "    b = 1\n"
            "    while b < longest and charge(b) > charge(longest):\n"
            "        b += 1\n"
            "    return b, charge(b)\n")
# ... and wrong: one reading per request, whatever it costs
BATCH_NEVER = ("def choose_batch(readings_per_day, max_wait_seconds):\n"
               "    return 1, max(0, 30 * readings_per_day - 1_000_000) * 0.20 / 1_000_000\n")
COUNT_ONE_PAGE = ("def count_objects(bucket, prefix=''):\n"
                  "    return len(s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get('Contents', []))\n")


def gid(cell) -> str:
    return (cell.metadata.get("nbgrader") or {}).get("grade_id", "")


def index_of(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def release() -> nbformat.NotebookNode:
    return nbformat.read(RELEASE, as_version=4)


def solution() -> nbformat.NotebookNode:
    return nbformat.read(SOLUTION, as_version=4)


def answer(nb, solution_id: str, code: str) -> None:
    nb.cells[index_of(nb, solution_id)].source = code


def lean(batch: str | None = BATCH_OK) -> nbformat.NotebookNode:
    """The release without its guided code cells (no mock to start: runs in a second or two),
    with exercise 3 (pure Python) answered by `batch` (exercises 1, 2 and 4 then fail: no s3 client)."""
    nb = release()
    nb.cells = [c for c in nb.cells if c.cell_type != "code" or gid(c)]
    if batch is not None:
        answer(nb, "lab00_request_charge", batch)
    return nb


def add_cell(nb, code: str, after: str | None = None) -> None:
    cell = nbformat.v4.new_code_cell(code)
    if after is None:
        nb.cells.append(cell)
    else:
        nb.cells.insert(index_of(nb, after) + 1, cell)


def write(folder: Path, student: str, nb_or_text, lab: str = LAB, name: str | None = None) -> Path:
    path = folder / student / lab / (name or f"{lab}.ipynb")
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_text, (str, bytes)):
        path.write_bytes(nb_or_text.encode() if isinstance(nb_or_text, str) else nb_or_text)
    else:
        nbformat.write(copy.deepcopy(nb_or_text), path)
    return path


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime under folder: grading must leave them exactly as they were."""
    return {str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def processes_with(tag: str) -> list[int]:
    import psutil

    found = []
    for proc in psutil.process_iter(["cmdline", "pid"]):
        try:
            if tag in " ".join(proc.info["cmdline"] or []):
                found.append(proc.info["pid"])
        except (psutil.Error, TypeError):
            pass
    return [p for p in found if p != os.getpid()]


def grade_wrong_designs(lab: str, wrong: dict[str, tuple], folder: Path) -> dict:
    """Grade one student whose every named solution cell holds its wrong answer (``{solution_id: (code,
    tests it must fail)}``, as the wrong-design test files declare them); {test grade_id: ExerciseResult}."""
    answers = {solution_id: code for solution_id, (code, _tests) in wrong.items()}
    return grade_answers(lab, {"wrong-designs": answers}, folder)["wrong-designs"]


def grade_answers(lab: str, students: dict[str, dict[str, str]], folder: Path,
                  workers: int = 1) -> dict[str, dict]:
    """Grade, with the hidden tests, one copy of ``lab``'s solution per student in which each named solution
    cell holds the student's code instead; {student: {test grade_id: ExerciseResult}}."""
    from serverless_lab.grading.grade import grade

    source = ROOT / "solutions" / lab / f"{lab}.ipynb"
    subs, out = folder / "submitted", folder / "out"
    for student, answers in students.items():
        nb = nbformat.read(source, as_version=4)
        for solution_id, code in answers.items():
            answer(nb, solution_id, code.strip("\n"))
        write(subs, student, nb, lab=lab)
    report = grade(subs, out, workers=workers, quiet=True)
    return {r.student: {e.grade_id: e for e in r.exercises} for r in report.results}
