"""JupyterHub for a Serverless Labs class on one machine, with nbgrader's exchange.

Start it with `make hub` (that is `serverless-lab hub`, which checks the ports, the accounts and
the Python every account runs, then starts `jupyterhub -f grading/jupyterhub_config.py` with the
SERVERLESS_HUB_* settings below). docs/classroom.md walks through a whole class cycle, and says
how a class that outgrows one machine moves to Zero to JupyterHub on Kubernetes.

* Spawner: JupyterHub's LocalProcessSpawner: every student's server runs as their own local
  account, in their home folder, with nbgrader's Assignments tab (fetch, submit, feedback).
* Authenticator: PAM (the accounts' own passwords); `dummy` (one shared password) is for a
  demo and the test suite only.
* nbgrader: one course, `serverless-labs`; the exchange is a folder every account can write
  (mode 1777); instructors are admins of the Hub and members of nbgrader's formgrade group.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when JupyterHub loads this file

ROOT = Path(__file__).resolve().parents[1]
env = os.environ.get
STATE = Path(env("SERVERLESS_HUB_STATE", str(ROOT / ".serverless-lab" / "hub")))
PORT = int(env("SERVERLESS_HUB_PORT", "8000"))
PYTHON = env("SERVERLESS_HUB_PYTHON", sys.executable)
INSTRUCTORS = [u for u in env("SERVERLESS_HUB_INSTRUCTORS", "").split(",") if u]
STUDENTS = [u for u in env("SERVERLESS_HUB_STUDENTS", "").split(",") if u]
COURSE = "serverless-labs"

# Network: public port P; the proxy's API on P+1 and the Hub on P+2, both on loopback only.
c.JupyterHub.ip = env("SERVERLESS_HUB_IP", "0.0.0.0")
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 2
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [env("SERVERLESS_HUB_PROXY", str(Path(sys.executable).parent / "configurable-http-proxy"))]
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

# State: the Hub's database and cookie secret live outside the course (never committed).
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

# Who may log in: the class list; instructors are the Hub's admins.
if env("SERVERLESS_HUB_AUTH", "pam") == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = env("SERVERLESS_HUB_PASSWORD", "")
else:
    c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.Authenticator.admin_users = set(INSTRUCTORS)

# nbgrader's groups for one course on a Hub (formgrade-<course>: graders; nbgrader-<course>: everyone).
c.JupyterHub.load_groups = {
    f"formgrade-{COURSE}": {"users": INSTRUCTORS},
    f"nbgrader-{COURSE}": {"users": INSTRUCTORS + STUDENTS},
}

# Each account's server: the course's Python, JupyterLab, nbgrader's extensions and the class's exchange.
venv_config = str(Path(sys.prefix) / "etc" / "jupyter")
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": os.pathsep.join([str(STATE / "user-config"), venv_config])}
# Resource limits per student are enforced by Kubernetes (docs/classroom.md); a local process
# spawner cannot, so a single machine suits a class whose labs fit its cores and memory.

# A service token for automation (the test suite drives the whole cycle through the REST API).
if env("SERVERLESS_HUB_ADMIN_TOKEN"):
    c.JupyterHub.services = [{"name": "course-admin", "api_token": env("SERVERLESS_HUB_ADMIN_TOKEN")}]
    c.JupyterHub.load_roles = [{"name": "course-admin", "services": ["course-admin"],
                                "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:users",
                                           "read:users"]}]
