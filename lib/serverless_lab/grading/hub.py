"""`serverless-lab hub` (`make hub`): a JupyterHub for one class on one machine, with nbgrader's exchange.

The configuration is grading/jupyterhub_config.py (JupyterHub from PyPI, its local process
spawner: every student's server runs as that student's own account). This module checks
what would make the Hub fail with an obscure traceback, says why and what to do, then starts
`jupyterhub` with the settings in SERVERLESS_HUB_* environment variables that the
configuration file reads:

* the ports (public, proxy API, Hub) must be free;
* the local process spawner starts servers as other accounts: only root can;
* every instructor and student must be a local account (--create-users adds missing ones);
* every account must be able to run the course's Python: a Python under /root (pyenv) is not
  readable by them, so a copy of the interpreter and its standard library is made in the
  Hub's state folder, loading the course's packages from where they are (or give --python).

A class that outgrows one machine moves to Zero to JupyterHub on Kubernetes (docs/classroom.md),
with the same nbgrader configuration; nothing here is meant to scale.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LabError
from .course import course_root

COURSE_ID = "serverless-labs"


@dataclass
class HubSettings:
    instructors: list[str]
    students: list[str]
    port: int = 8000
    ip: str = "0.0.0.0"
    auth: str = "pam"                  # pam (the accounts' passwords) | dummy (one shared password: demos, tests)
    password: str = ""
    state: Path | None = None          # Hub database, cookie secret, users' nbgrader config
    exchange: Path = Path("/srv/nbgrader/exchange")
    python: str | None = None          # the Python every account runs its server and nbgrader with
    create_users: bool = False
    admin_token: str = ""              # a service token with admin:users / admin:servers (automation, tests)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def ports(self) -> dict[str, int]:
        return {"public": self.port, "proxy API": self.port + 1, "Hub": self.port + 2}


def _port_free(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip if ip != "0.0.0.0" else "", port))
        except OSError:
            return False
    return True


def _who_listens(port: int) -> str:
    try:
        import psutil

        for conn in psutil.net_connections("tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                return f" by {proc.name()} (pid {conn.pid})"
    except Exception:  # noqa: BLE001 - only a nicer message
        pass
    return ""


def check_ports(settings: HubSettings) -> None:
    for what, port in settings.ports.items():
        ip = settings.ip if what == "public" else "127.0.0.1"
        if not _port_free(ip, port):
            raise LabError(f"Port {port} ({what} port of the Hub) is already taken{_who_listens(port)}.",
                           f"Stop that program, or start the Hub on other ports: make hub HUB_PORT={settings.port + 10} "
                           f"(uses {settings.port + 10}, {settings.port + 11} and {settings.port + 12}).")


def _readable_by_all(path: Path) -> Path | None:
    """The first folder on the way to `path` other accounts cannot enter, or None."""
    for part in [*reversed(path.parents), path]:
        try:
            mode = part.stat().st_mode
        except OSError:
            return part
        if part.is_dir() and not mode & stat.S_IXOTH:
            return part
    return None


def shared_python(state: Path) -> str:
    """A Python every account can run, with the course's packages.

    This interpreter if other accounts can reach it. Otherwise (a pyenv Python under /root) a
    copy of this very interpreter and its standard library in the Hub's state folder, whose
    site-packages loads this environment's packages (same version, same compiled packages),
    started through a small `python` script that points the loader at its libpython.
    """
    here = Path(sys.executable)
    blocked = _readable_by_all(here.resolve())
    if blocked is None:
        return str(here)
    real = here.resolve()
    base = Path(sys.base_prefix)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    copy = state / "python"
    py = copy / "bin" / "python"
    try:
        if not (copy / "bin" / real.name).exists():
            (copy / "bin").mkdir(parents=True, exist_ok=True)
            shutil.copy2(real, copy / "bin" / real.name)
            (copy / "lib").mkdir(exist_ok=True)
            for lib in (base / "lib").glob("libpython*.so*"):
                shutil.copy2(lib, copy / "lib" / lib.name)
            shutil.copytree(base / "lib" / version, copy / "lib" / version, symlinks=True,
                            ignore=shutil.ignore_patterns("site-packages", "test", "idlelib", "tkinter", "turtledemo"))
            (copy / "lib" / version / "site-packages").mkdir(exist_ok=True)
        py.write_text(f'#!/bin/sh\nexport LD_LIBRARY_PATH="{copy / "lib"}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}"\n'
                      f'exec "{copy / "bin" / real.name}" "$@"\n')
        py.chmod(0o755)
    except OSError as err:
        raise LabError(f"The course's Python ({real}) is inside {blocked}, which students' accounts cannot enter, "
                       f"and it could not be copied to {copy}: {err}",
                       "Install the course where every account can read it (python3 -m venv /opt/serverless-labs; "
                       "/opt/serverless-labs/bin/pip install -r requirements.txt) and start the Hub from there, "
                       "or give --python.") from err
    ours = sysconfig.get_paths()["purelib"]
    private = _readable_by_all(Path(ours).resolve()) or _readable_by_all(Path(__file__).resolve().parent)
    if private is not None:
        raise LabError(f"The course's packages ({ours}) are inside {private}, which students' accounts cannot enter.",
                       "Clone and install the course where every account can read it (e.g. /srv/serverless-labs, "
                       "then `make setup` there) and start the Hub from that folder.")
    (copy / "lib" / version / "site-packages" / "serverless_labs_course.pth").write_text(
        f"import site; site.addsitedir({ours!r})\n")
    # Jupyter's data (kernel spec, nbconvert's templates) and config (nbgrader's server extensions) by prefix.
    for sub in ("share/jupyter", "etc/jupyter"):
        link = copy / sub
        if not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(Path(sys.prefix) / sub, target_is_directory=True)
    # The course's commands (nbgrader, alembic which nbgrader runs by name, jupyter, serverless-lab), for this Python.
    for script in here.parent.iterdir():
        target = copy / "bin" / script.name
        if target.exists() or not script.is_file():
            continue
        try:
            head, _, rest = script.read_text().partition("\n")
        except (UnicodeDecodeError, OSError):
            continue
        if head.startswith("#!") and "python" in head:
            target.write_text(f"#!{py}\n{rest}")
            target.chmod(0o755)
    for path in [copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    return str(py)


def check_accounts(settings: HubSettings) -> None:
    if os.geteuid() != 0:
        raise LabError("The Hub starts each student's server as that student's own account, and only root can "
                       f"do that (you are {pwd.getpwuid(os.geteuid()).pw_name}).",
                       "Run it as root: sudo make hub. For a class larger than one machine, see docs/classroom.md "
                       "(Zero to JupyterHub on Kubernetes).")
    missing = []
    for name in settings.instructors + settings.students:
        try:
            pwd.getpwnam(name)
        except KeyError:
            missing.append(name)
    if missing and not settings.create_users:
        raise LabError(f"No local account for: {', '.join(missing)}.",
                       "Create them (sudo useradd -m NAME; sudo passwd NAME), or add --create-users "
                       "(make hub HUB_ARGS=--create-users).")
    for name in missing:
        if not shutil.which("useradd"):
            raise LabError("Cannot create local accounts: there is no useradd on this machine.",
                           "Create the accounts with this system's tools, then start the Hub again.")
        proc = subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], capture_output=True, text=True, timeout=60)
        if proc.returncode:
            raise LabError(f"Could not create the account {name!r}: {proc.stderr.strip()}",
                           "Create it with this system's tools (or as root), then start the Hub again.")


def prepare(settings: HubSettings) -> dict[str, str]:
    """Check everything, make the state folder and the exchange; return the Hub's environment."""
    if not settings.instructors:
        raise LabError("The Hub needs at least one instructor.", "Give --instructors NAME[,NAME].")
    try:
        import jupyterhub  # noqa: F401
    except ImportError as err:
        raise LabError("JupyterHub is not installed in this environment.",
                       "Run `make setup` (requirements.txt pins jupyterhub).") from err
    check_ports(settings)
    check_accounts(settings)
    root = course_root()
    state = (settings.state or root / ".serverless-lab" / "hub").resolve()
    state.mkdir(parents=True, exist_ok=True)
    state.chmod(0o755)
    python = settings.python or shared_python(state)
    settings.exchange.mkdir(parents=True, exist_ok=True)
    settings.exchange.chmod(0o1777)          # nbgrader's exchange: everyone writes, the sticky bit protects
    user_config = state / "user-config"
    user_config.mkdir(exist_ok=True)
    user_config.chmod(0o755)
    (user_config / "nbgrader_config.py").write_text(
        "# Written by `serverless-lab hub`: every account's nbgrader uses the class's exchange.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(settings.exchange)!r}\n")
    (user_config / "nbgrader_config.py").chmod(0o644)
    env = dict(os.environ, **settings.extra_env)
    env.update({"SERVERLESS_HUB_STATE": str(state), "SERVERLESS_HUB_PORT": str(settings.port),
                "SERVERLESS_HUB_IP": settings.ip, "SERVERLESS_HUB_AUTH": settings.auth,
                "SERVERLESS_HUB_INSTRUCTORS": ",".join(settings.instructors),
                "SERVERLESS_HUB_STUDENTS": ",".join(settings.students),
                "SERVERLESS_HUB_PYTHON": python, "SERVERLESS_HUB_EXCHANGE": str(settings.exchange),
                "SERVERLESS_HUB_PROXY": str(Path(sys.executable).parent / "configurable-http-proxy")})
    if settings.password:
        env["SERVERLESS_HUB_PASSWORD"] = settings.password
    if settings.admin_token:
        env["SERVERLESS_HUB_ADMIN_TOKEN"] = settings.admin_token
    return env


def hub_command(root: Path) -> list[str]:
    return [sys.executable, "-m", "jupyterhub", "-f", str(root / "grading" / "jupyterhub_config.py")]


def run_hub(settings: HubSettings) -> int:
    root = course_root()
    env = prepare(settings)
    print(f"JupyterHub for {COURSE_ID} on http://{settings.ip}:{settings.port}/ "
          f"(instructors: {', '.join(settings.instructors)}; {len(settings.students)} students; "
          f"exchange {settings.exchange}). Ctrl-C stops it.", flush=True)
    proc = subprocess.Popen(hub_command(root), env=env, cwd=env["SERVERLESS_HUB_STATE"])
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
