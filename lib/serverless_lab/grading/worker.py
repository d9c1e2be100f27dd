"""One grading job in its own process: `python -m serverless_lab.grading.worker` (JSON in, JSON out).

Why a fresh process per submission rather than a multiprocessing pool: a submission can kill
its parent (`os.kill(os.getppid(), 9)`), leave daemons behind, or be slow to die; with one
process per job the damage stays with that job, every job starts clean, and the process is a
Linux child subreaper, so anything a kernel started is found and ended before it exits.
Results travel as JSON, never pickle: a kernel that found the pipe could at most spoil its own
result (the parent checks a per-job token), not run code in the grader.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict

from .jobs import ExerciseResult, Job, JobResult, run_job
from .sandbox import end_children, make_subreaper

_TOKEN_ENV = "SERVERLESS_LAB_JOB_TOKEN"


def job_to_json(job: Job) -> str:
    data = asdict(job)
    data["raw"] = None if job.raw is None else base64.b64encode(job.raw).decode()
    data["extra_files"] = {k: base64.b64encode(v).decode() for k, v in job.extra_files.items()}
    return json.dumps(data)


def job_from_json(text: str) -> Job:
    data = json.loads(text)
    data["raw"] = None if data["raw"] is None else base64.b64decode(data["raw"])
    data["extra_files"] = {k: base64.b64decode(v) for k, v in data["extra_files"].items()}
    return Job(**data)


def result_from_dict(data: dict) -> JobResult:
    data = dict(data)
    data["exercises"] = [ExerciseResult(**e) for e in data.get("exercises", [])]
    return JobResult(**data)


def _failed(job: Job, why: str) -> JobResult:
    from .source import source_lab
    from pathlib import Path

    result = JobResult(job.key, job.student, job.lab, job.notebook_name, "error", notes=job.notes + [why])
    try:
        src = source_lab(Path(job.root), job.lab) if job.lab else None
    except Exception:  # noqa: BLE001
        src = None
    if src is not None:
        result.max_score = src.max_score
        result.exercises = [ExerciseResult(e.grade_id, e.title, 0.0, e.points, "not run", hint=e.hint)
                            for e in src.exercises]
    return result


def run_in_subprocess(job: Job, budget: float = 3600.0) -> JobResult:
    """Run one job in a fresh worker process; whatever happens there, return a JobResult."""
    token = os.urandom(16).hex()
    env = dict(os.environ, **{_TOKEN_ENV: token})
    t0 = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "serverless_lab.grading.worker"], input=job_to_json(job).encode(),
                              capture_output=True, timeout=budget, env=env)
    except subprocess.TimeoutExpired:
        return _failed(job, f"grading took longer than {budget:.0f} s and was stopped")
    for line in reversed(proc.stdout.decode("utf-8", "replace").splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.pop("token", None) == token and data.get("key") == job.key:
            result = result_from_dict(data)
            result.seconds = time.monotonic() - t0
            return result
    tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {proc.returncode}"]
    return _failed(job, f"the grading process ended without a result ({tail[0][:300]}); scored 0")


def run_parallel(jobs: list[Job], workers: int, on_done=None) -> list[JobResult]:  # noqa: ANN001
    """Up to `workers` worker processes at a time (threads only wait on them); results in job order."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    results: dict[str, JobResult] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="grading") as ex:
        futures = {ex.submit(run_in_subprocess, job): job for job in jobs}
        for fut in as_completed(futures):
            res = fut.result()
            results[futures[fut].key] = res
            if on_done:
                on_done(res)
    return [results[j.key] for j in jobs]


def main() -> int:
    out = os.fdopen(os.dup(1), "w")      # private: not inherited by the kernel
    os.dup2(2, 1)                        # anything else printed (or a kernel's fd 1) goes to stderr
    token = os.environ.pop(_TOKEN_ENV, "")
    make_subreaper()
    job = job_from_json(sys.stdin.read())
    try:
        result = run_job(job)
    except Exception as err:  # noqa: BLE001 - reported as the job's result
        result = _failed(job, f"the grader failed on this submission: {type(err).__name__}: {err}")
    finally:
        end_children()
    data = asdict(result)
    data["token"] = token
    out.write("\n" + json.dumps(data) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
