"""Grading a whole class of the whole course: 20 students x every lab, with `serverless-lab grade`.

Opt-in, as it is long: 20 x 13 notebooks is hours on a shared 2-core machine (at a load average of
15-24, the first 10 notebooks of a 4-student run took 13 minutes; tests/test_grading_class.py
grades 36 notebooks in about 10 minutes at a load of 15). ``SERVERLESS_LAB_BENCH_CLASS=1 python -m
bench grading_class`` grades 20 students, ``SERVERLESS_LAB_BENCH_CLASS=<n>`` n students. Half the students submit every
lab's blank release, half the release with the solution's answers (bench_grading's
``_student_notebooks``); the grader must give the first 0 and the second full marks, as
tests/test_grading_class.py requires of every lab. Reported beside bench_grading's lab 00 figure:
wall time, notebooks per minute, CPU per notebook and the slowest lab's share. Sequential
``nbgrader autograde`` is not run for the whole course (it would take hours here); lab 00's
speed-up in bench_grading is the like-for-like comparison.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import nbformat

from bench.bench_grading import _student_notebooks
from bench.common import Figure
from serverless_lab.grading.course import course_root, lab_names

ENV = "SERVERLESS_LAB_BENCH_CLASS"


def _cpu() -> float:
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _submissions(subs: Path, root: Path, labs: list[str], n: int) -> None:
    for lab in labs:
        blank, solved = _student_notebooks(root, lab)
        for i in range(n):
            folder = subs / f"student{i:02d}" / lab
            folder.mkdir(parents=True)
            nbformat.write(solved if i % 2 else blank, folder / f"{lab}.ipynb")


def run() -> list[Figure]:
    flag = os.environ.get(ENV, "")
    if not flag:
        return [Figure(f"grading class: skipped (set {ENV}=1; it takes hours here)", 0, "")]
    from serverless_lab.grading.grade import grade

    n = 20 if flag.lower() in ("1", "yes", "true") else int(flag)
    root = course_root()
    labs = lab_names(root)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="bench-grading-class-") as tmp:
        subs = Path(tmp) / "submitted"
        _submissions(subs, root, labs, n)
        c0, t0 = _cpu(), time.perf_counter()
        report = grade(subs, Path(tmp) / "out", workers=cores, quiet=True)
        wall, cpu = time.perf_counter() - t0, _cpu() - c0
    graded = [r for r in report.results if r.lab]
    right = sum(1 for r in graded
                if (r.score == r.max_score > 0 if int(r.student[-2:]) % 2 else r.score == 0))
    per_lab: dict[str, float] = defaultdict(float)
    for r in graded:
        per_lab[r.lab or ""] += r.seconds
    slowest = max(per_lab, key=lambda lab: per_lab[lab])
    count = len(graded)
    return [
        Figure(f"grading class: {n} students x {len(labs)} labs, {cores} cores", wall, "s"),
        Figure("grading class: throughput", count / wall * 60, "nb/min"),
        Figure("grading class: CPU per notebook (all processes)", cpu / max(1, count), "s"),
        Figure(f"grading class: slowest lab ({slowest}), job seconds summed", per_lab[slowest], "s"),
        Figure("grading class: blank 0 and solved full marks", right / max(1, count), "fraction", "= 1.0",
               right == count),
    ]


if __name__ == "__main__":
    for fig in run():
        print(fig.row())
