"""`serverless-lab progress [folder]`: which exercises pass, across every lab, in one table.

Running a lab takes seconds, so results are cached in .serverless-lab/progress.json (outside
the notebooks, gitignored) under a key made of the notebook's bytes, the lab source's bytes
and the grader's version: nothing changed, nothing re-runs. A notebook whose answer cells are
still the released stubs is reported "not started" without starting a kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .check import exercise_summary, make_job
from .course import course_root, lab_names
from .jobs import ExerciseResult
from .source import source_lab

CACHE_VERSION = "2"   # 2: results carry each test cell's idea; passed/total count exercises


@dataclass
class LabProgress:
    lab: str
    path: Path | None
    passed: int
    total: int
    score: float
    max_score: float
    state: str            # not started | in progress | complete | no notebook | cannot run
    cached: bool = False
    exercises: list[ExerciseResult] | None = None


def _notebook_for(folder: Path, lab: str) -> Path | None:
    lab_dir = folder / lab
    path = lab_dir / f"{lab}.ipynb"
    if path.is_file():
        return path
    found = sorted(lab_dir.glob("*.ipynb")) if lab_dir.is_dir() else []
    return found[0] if len(found) == 1 else None


def _untouched(raw: bytes, root: Path, lab: str) -> bool:
    """True when every answer cell still holds the released stub (nothing to run)."""
    release = _notebook_for(root / "labs", lab)
    if release is None:
        return False
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        rel = nbformat.read(release, as_version=4)
    except Exception:  # noqa: BLE001
        return False

    def answers(n):  # noqa: ANN001
        return {(c.metadata.get("nbgrader") or {}).get("grade_id"): c.source.strip() for c in n.cells
                if (c.metadata.get("nbgrader") or {}).get("solution")}
    return answers(nb) == answers(rel)


def _cache_file(root: Path) -> Path:
    return root / ".serverless-lab" / "progress.json"


def progress(folder: str | os.PathLike[str] | None = None, workers: int | None = None,
             use_cache: bool = True, timeout: int | None = None,
             cache_dir: str | os.PathLike[str] | None = None) -> list[LabProgress]:
    """Per lab: exercises passed / total and points, from the visible tests."""
    root = course_root()
    folder = Path(folder) if folder else root / "labs"
    cache_path = Path(cache_dir) / "progress.json" if cache_dir else _cache_file(root)
    try:
        cache = json.loads(cache_path.read_text()) if use_cache and cache_path.is_file() else {}
    except (OSError, ValueError):
        cache = {}
    rows: dict[str, LabProgress] = {}
    jobs, keys = [], {}
    for lab in lab_names(root):
        src = source_lab(root, lab)
        total = src.exercise_count
        path = _notebook_for(folder, lab)
        if path is None:
            rows[lab] = LabProgress(lab, None, 0, total, 0.0, src.max_score, "no notebook")
            continue
        raw = path.read_bytes()
        if _untouched(raw, root, lab):
            rows[lab] = LabProgress(lab, path, 0, total, 0.0, src.max_score, "not started")
            continue
        key = hashlib.sha256(raw + src.digest.encode() + CACHE_VERSION.encode()).hexdigest()
        if key in cache:
            rows[lab] = _row(lab, path, cache[key], cached=True)
            continue
        job = make_job(path.resolve(), root, timeout=timeout)
        job.lab = lab
        jobs.append(job)
        keys[job.key] = (lab, path, key)
    if jobs:
        from .worker import run_parallel

        if True:
            for result in run_parallel(jobs, min(len(jobs), workers or os.cpu_count() or 1)):
                lab, path, key = keys[result.key]
                data = result.to_dict()
                if result.status == "graded":
                    cache[key] = data
                rows[lab] = _row(lab, path, data)
        if use_cache:
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            live = {r.path and hashlib.sha256(r.path.read_bytes() + source_lab(root, r.lab).digest.encode()
                                              + CACHE_VERSION.encode()).hexdigest() for r in rows.values()}
            cache = {k: v for k, v in cache.items() if k in live}  # keep the cache small
            tmp = cache_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(cache))
            tmp.replace(cache_path)
    return [rows[lab] for lab in lab_names(root)]


def _row(lab: str, path: Path, data: dict, cached: bool = False) -> LabProgress:
    exercises = [ExerciseResult(**e) for e in data.get("exercises", [])]
    passed, total = exercise_summary(exercises)
    if data.get("status") != "graded":
        state = "cannot run"
    elif passed == total:
        state = "complete"
    else:
        state = "in progress"
    return LabProgress(lab, path, passed, total, data.get("score", 0.0), data.get("max_score", 0.0),
                       state, cached, exercises)


def format_progress(rows: list[LabProgress]) -> str:
    width = max([len(r.lab) for r in rows] + [3])
    lines = [f"{'Lab':<{width}}  {'Passed':>8}  {'Points':>9}  State", "-" * (width + 36)]
    for r in rows:
        lines.append(f"{r.lab:<{width}}  {f'{r.passed} / {r.total}':>8}  {f'{r.score:g} / {r.max_score:g}':>9}  "
                     f"{r.state}{' (cached)' if r.cached else ''}")
        for e in r.exercises or []:
            if e.status != "passed":
                lines.append(f"{'':<{width}}    {e.status}: {e.title}{' — ' + e.idea if e.idea else ''}")
    total, top = sum(r.score for r in rows), sum(r.max_score for r in rows)
    lines += ["-" * (width + 36), f"{'Total':<{width}}  {'':>8}  {f'{total:g} / {top:g}':>9}"]
    return "\n".join(lines)
