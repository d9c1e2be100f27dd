"""A whole classroom cycle against a real JupyterHub started here (grading/jupyterhub_config.py).

JupyterHub from PyPI with its local process spawner: one instructor and three students are
real local accounts (created here, removed after), each server runs as its own account. The
test drives the Hub through its REST API (users, servers, tokens) and each student's server
through nbgrader's own Assignments API (fetch, submit, fetch feedback) and Jupyter's contents
API (the student's work); the instructor runs nbgrader's commands and `serverless-lab grade` as
the instructor's account. Lab 00 only, three students: it stays well under two minutes.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from grading_helpers import COUNT_ONE_PAGE, gid

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("jupyterhub")]
LAB = "lab00-welcome"
COURSE = "serverless-labs"


def _why_not() -> str | None:
    if not sys.platform.startswith("linux"):
        return "the Hub's local process spawner needs Linux accounts"
    if os.geteuid() != 0:
        return "creating local accounts for the class needs root (run the suite as root, as CI does)"
    if not shutil.which("useradd") or not shutil.which("userdel") or not shutil.which("runuser"):
        return "this machine has no useradd/userdel/runuser to create the class's accounts"
    try:
        import jupyterhub  # noqa: F401
    except ImportError:
        return "jupyterhub is not installed (make setup installs it from requirements.txt)"
    return None


if _why_not():
    pytest.skip(_why_not(), allow_module_level=True)


def _free_port_block() -> int:
    for _ in range(50):
        base = 20000 + secrets.randbelow(20000)
        ok = True
        for port in (base, base + 1, base + 2):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
        if ok:
            return base
    raise RuntimeError("no free ports")


class Hub:
    def __init__(self, port: int, token: str):
        self.url, self.token = f"http://127.0.0.1:{port}", token

    def call(self, method: str, path: str, data=None, token: str | None = None, form: bool = False,
             timeout: float = 60):
        body, headers = None, {"Authorization": f"token {token or self.token}"}
        if data is not None:
            if form:
                body = urllib.parse.urlencode(data).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                body = json.dumps(data).encode()
                headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
            return resp.status, (json.loads(text) if text.strip() else None)


def _as(user: str, *cmd: str, cwd: Path, py: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(py).parent}:/usr/bin:/bin", "HOME": f"/home/{user}", "USER": user, "LOGNAME": user,
           "LANG": "C.UTF-8", "JUPYTER_CONFIG_PATH": os.environ["HUB_USER_CONFIG"]}
    return subprocess.run(["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *cmd],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _kill_users_processes(users: list[str]) -> None:
    import pwd

    import psutil
    uids = set()
    for u in users:
        try:
            uids.add(pwd.getpwnam(u).pw_uid)
        except KeyError:
            pass
    for proc in psutil.process_iter(["uids"]):
        try:
            if proc.info["uids"] and proc.info["uids"].real in uids:
                proc.kill()
        except psutil.Error:
            pass


@pytest.fixture(scope="module")
def classroom():
    tag = secrets.token_hex(3)
    instructor, students = f"sl{tag}i", [f"sl{tag}s{i}" for i in (1, 2, 3)]
    users = [instructor, *students]
    import tempfile

    # The exchange and the accounts' Python live here: every account must enter it (pytest's tmp is private).
    private = next((p for p in [*reversed(ROOT.parents), ROOT] if p != Path(p.anchor) and not p.stat().st_mode & 0o001),
                   None)
    if private is not None:   # e.g. a clone inside `mktemp -d` (mode 0700): the students' Python cannot import it
        pytest.skip(f"the course checkout is inside {private}, which other accounts cannot enter; clone it into a "
                    "folder every account can read (as a classroom install would be) to run the Hub cycle")
    base = Path(tempfile.mkdtemp(prefix="serverless-lab-hub-"))
    base.chmod(0o755)
    for parent in base.parents:
        if parent != Path(parent.anchor) and not parent.stat().st_mode & 0o001:
            shutil.rmtree(base)
            pytest.skip(f"{parent} cannot be entered by other accounts; set TMPDIR to a shared folder")
    created, hub_proc = [], None
    try:
        for u in users:
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", u], check=True, capture_output=True, timeout=60)
            created.append(u)
        course = Path(f"/home/{instructor}/course")
        shutil.copytree(ROOT / "solutions" / LAB, course / "solutions" / LAB)
        (course / "grading").mkdir()
        shutil.copy(ROOT / "grading" / "nbgrader_config.py", course / "grading" / "nbgrader_config.py")
        subprocess.run(["chown", "-R", f"{instructor}:{instructor}", str(course)], check=True)

        port, token = _free_port_block(), secrets.token_hex(16)
        state, exchange = base / "state", base / "exchange"
        env = dict(os.environ, SERVERLESS_HUB_ADMIN_TOKEN=token)
        env.pop("SERVERLESS_LAB_ROOT", None)
        log = (base / "hub.log").open("w")
        hub_proc = subprocess.Popen(
            [sys.executable, "-m", "serverless_lab.cli", "hub", "--instructors", instructor,
             "--students", ",".join(students), "--port", str(port), "--ip", "127.0.0.1", "--auth", "dummy",
             "--password", secrets.token_hex(8), "--state", str(state), "--exchange", str(exchange)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        hub = Hub(port, token)
        deadline = time.monotonic() + 90
        while True:
            try:
                if hub.call("GET", "/hub/api/")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if hub_proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the Hub did not start:\n" + (base / "hub.log").read_text()[-4000:])
            time.sleep(0.5)
        os.environ["HUB_USER_CONFIG"] = str(state / "user-config")
        py = str(state / "python" / "bin" / "python")
        if not Path(py).exists():
            py = sys.executable
        yield {"hub": hub, "instructor": instructor, "students": students, "course": course, "py": py,
               "exchange": exchange, "log": base / "hub.log"}
    finally:
        if hub_proc is not None and hub_proc.poll() is None:
            os.killpg(hub_proc.pid, signal.SIGTERM)
            try:
                hub_proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(hub_proc.pid, signal.SIGKILL)
                hub_proc.wait()
        _kill_users_processes(created)
        for u in created:
            subprocess.run(["userdel", "-r", "-f", u], capture_output=True, timeout=60)
        os.environ.pop("HUB_USER_CONFIG", None)
        shutil.rmtree(base, ignore_errors=True)


def _solve(nb, how: str):
    """The student's work: the solution; exercise 3 only (2 points); nothing. The last two skip the
    guided code cells (no mocked AWS to start: quicker to grade, and the same points)."""
    src = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    answers = {gid(c): c.source for c in src.cells if (c.metadata.get("nbgrader") or {}).get("solution")}
    if how != "solution":
        nb.cells = [c for c in nb.cells if c.cell_type != "code" or gid(c)]
    if how == "blank":
        return nb
    for cell in nb.cells:
        if gid(cell) in answers:
            cell.source = answers[gid(cell)]
            if how == "partial" and gid(cell) != "lab00_request_charge":
                cell.source = COUNT_ONE_PAGE
    return nb


def test_a_whole_class_cycle_through_the_hub(classroom):
    hub, inst, students, course, py = (classroom[k] for k in ("hub", "instructor", "students", "course", "py"))
    users = [inst, *students]
    # 1. The Hub knows the class; each student's server starts, as the student's own account (the
    #    instructor works from a terminal here: nbgrader's commands in the course folder).
    known = {u["name"]: u for u in hub.call("GET", "/hub/api/users")[1]}   # the class list, from the config
    assert set(users) <= set(known) and known[inst]["admin"] and not known[students[0]]["admin"]
    tokens = {}
    for u in students:
        hub.call("POST", f"/hub/api/users/{u}/server", {})
        tokens[u] = hub.call("POST", f"/hub/api/users/{u}/tokens", {"note": "test", "expires_in": 900})[1]["token"]

    # 2. While the servers start, the instructor releases lab 00 with nbgrader, as the instructor's account.
    for cmd in (["generate_assignment", LAB, "--force"], ["release_assignment", LAB, "--force"]):
        proc = _as(inst, py, "-m", "nbgrader", *cmd, cwd=course / "grading", py=py)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    deadline = time.monotonic() + 120
    while not all(hub.call("GET", f"/hub/api/users/{u}")[1]["servers"].get("", {}).get("ready") for u in students):
        assert time.monotonic() < deadline, classroom["log"].read_text()[-4000:]
        time.sleep(1)

    # 3. Students fetch it from their own servers (nbgrader's Assignments API), work, and submit.
    work = {students[0]: "solution", students[1]: "partial", students[2]: "blank"}
    for u, how in work.items():
        base = f"/user/{u}"
        listed = hub.call("POST", f"{base}/assignments/fetch", {"course_id": COURSE, "assignment_id": LAB},
                          token=tokens[u], form=True)[1]
        assert any(a["assignment_id"] == LAB and a["status"] == "fetched" for a in listed["value"]), listed
        path = f"{base}/api/contents/{LAB}/{LAB}.ipynb"
        nb = nbformat.from_dict(hub.call("GET", path, token=tokens[u])[1]["content"])
        assert "BEGIN HIDDEN" not in json.dumps(nb) and "BEGIN SOLUTION" not in json.dumps(nb)
        nb = _solve(nb, how)
        hub.call("PUT", path, {"type": "notebook", "format": "json", "content": nb}, token=tokens[u])
        out = hub.call("POST", f"{base}/assignments/submit", {"course_id": COURSE, "assignment_id": LAB},
                       token=tokens[u], form=True)[1]
        assert out.get("success", True) is not False, out
        assert Path(f"/home/{u}/{LAB}").stat().st_uid == Path(f"/home/{u}").stat().st_uid   # their own account

    # 4. The instructor collects, grades with serverless-lab grade, releases the feedback.
    proc = _as(inst, py, "-m", "nbgrader", "collect", LAB, cwd=course / "grading", py=py)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(p.name for p in (course / "grading" / "submitted").iterdir()) == sorted(students)
    proc = _as(inst, py, "-m", "serverless_lab.cli", "grade", "submitted", "-j", "2", "-q",
               cwd=course / "grading", py=py, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    grades = {r["student_id"]: float(r["score"])
              for r in __import__("csv").DictReader((course / "grading" / "grades.csv").open())}
    assert grades == {students[0]: 8.0, students[1]: 2.0, students[2]: 0.0}, proc.stdout
    assert (course / "grading" / "canvas-grades.csv").is_file()
    proc = _as(inst, py, "-m", "nbgrader", "release_feedback", LAB, cwd=course / "grading", py=py)
    assert proc.returncode == 0, proc.stderr[-3000:]

    # 5. Students fetch their feedback from their own servers.
    released = proc.stdout + proc.stderr
    for u, how in work.items():
        got = hub.call("POST", f"/user/{u}/assignments/fetch_feedback", {"course_id": COURSE, "assignment_id": LAB},
                       token=tokens[u], form=True)[1]
        pages = list(Path(f"/home/{u}/{LAB}/feedback").glob("*/*.html"))
        assert len(pages) == 1, (u, got, released)
        want = {"solution": "Score: 8 / 8", "partial": "Score: 2 / 8", "blank": "Score: 0 / 8"}[how]
        assert want in pages[0].read_text(), (u, how)

    for u in students:
        hub.call("DELETE", f"/hub/api/users/{u}/server")


def test_a_taken_port_is_explained(classroom, capsys):
    from serverless_lab.cli import main

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        code = main(["hub", "--instructors", classroom["instructor"], "--port", str(port), "--ip", "127.0.0.1"])
    err = capsys.readouterr().err
    assert code == 1 and f"Port {port}" in err and "already taken" in err and "HUB_PORT=" in err


def test_an_account_that_cannot_create_users_is_told_what_to_do(classroom):
    student = classroom["students"][0]
    proc = _as(student, classroom["py"], "-m", "serverless_lab.cli", "hub", "--instructors", student,
               "--port", str(_free_port_block()), cwd=Path(f"/home/{student}"), py=classroom["py"])
    assert proc.returncode == 1
    assert "only root" in proc.stderr and "sudo make hub" in proc.stderr
