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
import gc
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from typing import IO

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
    from pathlib import Path

    from .source import source_lab

    result = JobResult(job.key, job.student, job.lab, job.notebook_name, "error", notes=job.notes + [why])
    try:
        src = source_lab(Path(job.root), job.lab) if job.lab else None
    except Exception:  # noqa: BLE001
        src = None
    if src is not None:
        result.max_score = src.max_score
        result.exercises = [ExerciseResult(e.grade_id, e.title, 0.0, e.points, "not run", hint=e.hint, idea=e.idea)
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


class Zygote:
    """A worker process that has imported the grading stack once and forks a fresh child per job.

    Importing nbformat/nbclient/nbconvert costs seconds on a busy machine; a fork costs
    milliseconds. Every job still runs in its own new process (isolation is unchanged); the
    zygote only waits for it, and as a subreaper ends whatever the job left running.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-m", "serverless_lab.grading.worker", "--serve"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
        return self.proc

    def run(self, job: Job, budget: float = 3600.0) -> JobResult:
        import threading

        token = os.urandom(16).hex()
        proc = self._start()
        t0 = time.monotonic()
        timer = threading.Timer(budget, self.kill)
        timer.daemon = True
        timer.start()
        try:
            proc.stdin.write((json.dumps({"token": token, "job": job_to_json(job)}) + "\n").encode())
            proc.stdin.flush()
            for raw in proc.stdout:
                try:
                    data = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(data, dict) and data.pop("token", None) == token:
                    if data.get("key") != job.key:
                        return _failed(job, data.get("error", "the grading process failed"))
                    result = result_from_dict(data)
                    result.seconds = time.monotonic() - t0
                    return result
        except (BrokenPipeError, OSError):
            pass
        finally:
            timer.cancel()
        self.kill()
        why = (f"grading took longer than {budget:.0f} s and was stopped" if time.monotonic() - t0 >= budget
               else "the grading process ended without a result; scored 0")
        return _failed(job, why)

    def kill(self) -> None:
        import signal

        if self.proc is not None and self.proc.poll() is None:
            import psutil

            try:
                doomed = psutil.Process(self.proc.pid).children(recursive=True)
            except psutil.Error:
                doomed = []
            for p in doomed:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        self.proc = None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
        self.proc = None


def run_parallel(jobs: list[Job], workers: int, on_done=None) -> list[JobResult]:  # noqa: ANN001
    """Up to `workers` jobs at a time, each in its own process; results in job order."""
    import queue
    import threading

    pending: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        pending.put(job)
    results: dict[str, JobResult] = {}
    lock = threading.Lock()

    def slot() -> None:
        zygote = Zygote()
        try:
            while True:
                try:
                    job = pending.get_nowait()
                except queue.Empty:
                    return
                res = zygote.run(job)
                with lock:
                    results[job.key] = res
                    if on_done:
                        on_done(res)
        finally:
            zygote.close()

    threads = [threading.Thread(target=slot, name=f"grading-{i}", daemon=True)
               for i in range(max(1, min(workers, len(jobs))))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [results[j.key] for j in jobs]


def _run_and_report(job: Job, token: str, out: IO[str]) -> None:
    """Grade one job and write its result as one JSON line (with the job's token) to ``out``."""
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


def _child(job: Job, token: str, out_fd: int) -> None:
    """In the forked child: run the job, write its JSON result, never return."""
    code = 0
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)              # the next jobs' lines are not the kernel's to read
        out = os.fdopen(out_fd, "w")
        make_subreaper()
        _run_and_report(job, token, out)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def serve() -> int:
    """The zygote: import once, then fork one child per job line on stdin.

    First of all, before any job (and its token) is read, it forks the kernel zygote
    (kernel_zygote.py) that gives each job a warm kernel.
    """
    from . import kernel_zygote
    from .sandbox import kernel_env

    env = kernel_env()
    env.pop(_TOKEN_ENV, None)
    kernel_zygote.start(env)
    import nbclient  # noqa: F401 - imported before forking, so children start warm
    import nbconvert  # noqa: F401
    import nbgrader.utils  # noqa: F401

    from .jobs import html_exporter
    from .source import source_lab

    html_exporter()
    try:  # what each job would otherwise look up (and import: ipykernel, IPython) on its own
        import psutil  # noqa: F401 - end_children
        from jupyter_client.kernelspec import KernelSpecManager

        KernelSpecManager().get_kernel_spec("python3")
    except Exception:  # noqa: BLE001 - only a speed-up
        pass
    try:  # nbgrader's ClearHiddenTests with the course's configuration, loaded once before forking
        from .course import course_root
        from .nbgrader_steps import clear_hidden_tests

        clear_hidden_tests("pass", course_root())
    except Exception:  # noqa: BLE001 - each job loads it then
        pass

    out_fd = os.dup(1)
    os.dup2(2, 1)
    make_subreaper()
    from pathlib import Path

    from .jobs import warm_feedback
    warmed: set[str] = set()
    for line in sys.stdin:
        try:
            msg = json.loads(line)
            token, job = msg["token"], job_from_json(msg["job"])
        except (ValueError, KeyError, TypeError):
            continue
        if job.lab and job.lab not in warmed:
            warmed.add(job.lab)
            try:
                source_lab(Path(job.root), job.lab)   # parsed once here, not in every child
                warm_feedback(Path(job.root), job.lab)
            except Exception:  # noqa: BLE001 - the child reports an unknown lab
                pass
        os.set_inheritable(out_fd, False)
        gc.freeze()   # the warm heap is never collected in a child: no copy-on-write of all of it
        pid = os.fork()
        if pid == 0:
            _child(job, token, os.dup(out_fd))
        _, status = os.waitpid(pid, 0)
        end_children(spare=kernel_zygote.pid())   # the job's kernel and all it started; not the zygote
        if kernel_zygote.pid() is not None and not kernel_zygote.alive():
            kernel_zygote.stop()   # killed by a submission: later jobs get ordinary kernels
        if status != 0:  # the child died before writing its result
            os.write(out_fd, ("\n" + json.dumps({"token": token, "error":
                     f"the grading process for this submission died (status {status}); scored 0"}) + "\n").encode())
    end_children(spare=kernel_zygote.pid())
    kernel_zygote.stop()
    return 0


def main() -> int:
    out = os.fdopen(os.dup(1), "w")      # private: not inherited by the kernel
    os.dup2(2, 1)                        # anything else printed (or a kernel's fd 1) goes to stderr
    token = os.environ.pop(_TOKEN_ENV, "")
    make_subreaper()
    job = job_from_json(sys.stdin.read())
    _run_and_report(job, token, out)
    return 0


if __name__ == "__main__":
    sys.exit(serve() if "--serve" in sys.argv[1:] else main())
