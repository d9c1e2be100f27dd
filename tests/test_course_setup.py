"""The README's two commands: `make lab` really serves the course with lab 00, and the files
a fresh machine needs are in place."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_shows_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_requirements_and_environment_pin_the_same_versions():
    pins = dict(re.findall(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s#]+)", (ROOT / "requirements.txt").read_text(), re.M))
    env = (ROOT / "environment.yml").read_text()
    for name, version in pins.items():
        assert re.search(rf"\b{re.escape(name)}(\[[^\]]*\])?\s*[=]=?\s*{re.escape(version)}\b", env, re.I), \
            f"environment.yml does not pin {name} {version} like requirements.txt"


@pytest.mark.skipif(not os.path.exists("/usr/bin/make") and not os.path.exists("/bin/make"), reason="make is not installed")
def test_make_lab_serves_lab00(tmp_path):
    port, token = _free_port(), "serverless-labs-test"
    args = f"--no-browser --port={port} --IdentityProvider.token={token} --ServerApp.open_browser=False"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.Popen(["make", "--no-print-directory", "lab", f"JUPYTER_ARGS={args}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api/contents/lab00-welcome?token={token}"
        deadline, body = time.time() + 90, ""
        while time.time() < deadline:
            try:
                body = urllib.request.urlopen(url, timeout=5).read().decode()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"make lab exited: {proc.stdout.read().decode()[-3000:]}")
                time.sleep(0.5)
        assert "lab00-welcome.ipynb" in body, "JupyterLab should serve labs/ with lab 00"
        page = urllib.request.urlopen(
            f"http://127.0.0.1:{port}/lab/tree/lab00-welcome/lab00-welcome.ipynb?token={token}", timeout=10)
        assert page.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_shipped_jupyterlab_settings_match_the_installed_schemas():
    """jupyter/overrides.json names settings that exist in this JupyterLab, with allowed values (a renamed key
    would be ignored silently); `make setup` installed it where JupyterLab reads defaults (`jupyter lab path`)."""
    import sys

    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    if not schemas.is_dir():
        pytest.skip(f"JupyterLab's schemas are not under {schemas}")
    overrides = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        for key, value in values.items():
            prop = schema["properties"].get(key)
            assert prop is not None, f"{plugin} has no setting {key!r}"
            allowed = [c["const"] for c in prop.get("oneOf", []) if "const" in c]
            assert not allowed or value in allowed, (plugin, key, value, allowed)
            assert prop.get("type") != "boolean" or isinstance(value, bool), (plugin, key, value)
    workspace = json.loads((ROOT / "jupyter" / "workspace.json").read_text())
    assert workspace["data"]["layout-restorer:data"]["left"]["current"] == "@jupyterlab/toc:plugin"
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if installed.is_file():      # `make setup` copied it (the venv this test runs in)
        assert json.loads(installed.read_text()) == overrides
