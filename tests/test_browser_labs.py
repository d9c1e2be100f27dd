"""Every student lab opened in JupyterLab in a real browser, as a new student sees it (issue 23).

One JupyterLab (the project's, with its shipped settings: jupyter/overrides.json installed by `make setup`, the
workspace `make lab` seeds, and fresh user-settings and workspace folders) serves a copy of labs/; headless
Chromium (Debian's, driven by Playwright) opens each lab and checks what is rendered:
- every cell renders (Markdown as HTML, code in its editor), in the notebook's order;
- every dollar amount of the Markdown shows as a dollar amount, and no cell without a formula holds MathJax output
  (lab 02's one display formula must be typeset: the control that MathJax ran at all);
- two controls appended to each lab's copy: a formula (typeset last, so the page is done) and amounts written
  `&#36;1.00` (typeset: the check sees MathJax where it happens);
- no "official Jupyter news" prompt, and the table of contents is open.
A screenshot of each lab's first screen goes to test-artifacts/browser-labs/ (gitignored; CI can keep it).

Then one solution, executed with nbclient (tests/test_notebooks.py already runs every solution and fails on any
error output), is opened with its outputs to check they render. Under CI (CI=true) a missing browser fails.
"""

from __future__ import annotations

import collections
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, need
from conftest import ROOT
from test_markdown_dollars import PROTECTED

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "browser-labs"
LABS = sorted(p for p in (ROOT / "labs").glob("lab*/lab*.ipynb"))
# Appended to each lab's copy: typeset by MathJax once every cell before it was handed to the typesetter
CONTROL = "Control for the browser test: $e^{i\\pi} + 1 = 0$"
# ...and before it, the old way of writing amounts, which JupyterLab does typeset: proves the check can see it
NEGATIVE = "Negative control for the browser test: &#36;1.00 and &#36;2.00 (an entity is no escape for MathJax)"
AMOUNT = re.compile(r"\\\\\$(\d[\d,.]*\d|\d)")

CELLS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  return Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell'))
    .map(c => ({
      type: c.classList.contains('jp-MarkdownCell') ? 'markdown' : (c.classList.contains('jp-CodeCell') ? 'code' : 'raw'),
      html: c.querySelector('.jp-RenderedMarkdown') ? c.querySelector('.jp-RenderedMarkdown').textContent : null,
      editor: c.querySelector('.cm-content') ? c.querySelector('.cm-content').textContent : '',
      math: c.querySelectorAll('mjx-container, .MathJax, .MathJax_Display').length,
      outputs: Array.from(c.querySelectorAll('.jp-OutputArea-output')).map(o => ({
        mime: o.getAttribute('data-mime-type') || '', text: o.textContent.slice(0, 300), kids: o.childElementCount})),
    }));
}"""
NEWS = """() => Array.from(document.querySelectorAll('.Toastify__toast, .jp-Notification-Toast, .jp-Dialog'))
  .map(t => t.innerText).filter(t => /news|update/i.test(t))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """The project's JupyterLab on a copy of labs/, with fresh settings and workspace folders."""
    need(Path(CHROMIUM).exists(), "Chromium is not installed; install it with `sudo apt-get install chromium` "
                                   "(Debian/Ubuntu) to run the browser test.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        need(False, "Playwright is not installed; run `make setup` (pip install -r requirements.txt).")
    settings = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    need(settings.is_file(), f"the course's JupyterLab settings are not installed at {settings}: run `make setup`")
    tmp = tmp_path_factory.mktemp("jupyterlab")
    root = tmp / "labs"
    shutil.copytree(ROOT / "labs", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for path in root.glob("lab*/lab*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nb.cells += [nbformat.v4.new_markdown_cell(NEGATIVE), nbformat.v4.new_markdown_cell(CONTROL)]
        nbformat.write(nb, path)
    workspaces = tmp / "workspaces"        # what `make lab` seeds (Makefile: WORKSPACES)
    workspaces.mkdir()
    shutil.copy(ROOT / "jupyter" / "workspace.json", workspaces / "default-37a8.jupyterlab-workspace")
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp / "config"), "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp / "user-settings"), "IPYTHONDIR": str(tmp / "ipython"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    log = open(tmp / "jupyterlab.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--ServerApp.port_retries=0",
         f"--LabApp.workspaces_dir={workspaces}", "--allow-root"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited: {(tmp / 'jupyterlab.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("JupyterLab did not answer within 90 s")
        yield url, token, root, workspaces
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _stop_kernels(url: str, token: str) -> None:
    """Shut down the kernels the opened notebooks started (two cores: one kernel at a time)."""
    import json

    sessions = json.loads(urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=30).read())
    for s in sessions:
        req = urllib.request.Request(f"{url}/api/sessions/{s['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(req, timeout=30)


def _open(page, url: str, token: str, workspaces: Path, rel: str, cells: int) -> list[dict]:
    """Open a notebook as `make lab` does, in a workspace of its own seeded like the course's (one open notebook,
    not every earlier one restored), and wait until every cell is in the page and the control cell is typeset."""
    import json

    from jupyterlab_server.workspaces_handler import slugify

    name = Path(rel).stem
    seeded = json.loads((ROOT / "jupyter" / "workspace.json").read_text())
    seeded["metadata"]["id"] = name
    (workspaces / f"{slugify(name)}.jupyterlab-workspace").write_text(json.dumps(seeded))
    page.goto(f"{url}/lab/workspaces/{name}/tree/{rel}?token={token}", timeout=180_000)
    page.wait_for_function(f"() => {{ const c = ({CELLS})(); return c && c.length === {cells}; }}", timeout=180_000)
    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer").first
    notebook.evaluate("n => n.scrollTop = n.scrollHeight")        # the control cell, at the end, into view
    page.wait_for_function(
        f"() => {{ const c = ({CELLS})(); return c && c[c.length - 1].math > 0 "
        f"&& c.every(x => x.type !== 'markdown' || x.html !== null); }}", timeout=180_000)
    shown = page.evaluate(CELLS)
    notebook.evaluate("n => n.scrollTop = 0")
    return shown


def _formula(source: str) -> bool:
    return any(m.group("display") for m in PROTECTED.finditer(source))


def _check_rendered(nb: nbformat.NotebookNode, shown: list[dict], lab: str) -> list[str]:
    problems = []
    for i, (cell, dom) in enumerate(zip(nb.cells, shown)):
        where = f"{lab} cell {i} ({cell.get('id')})"
        if dom["type"] != cell.cell_type:
            problems.append(f"{where}: shown as {dom['type']}, is {cell.cell_type}")
            continue
        if cell.cell_type == "markdown":
            text = dom["html"] or ""
            if cell.source.strip() and not text.strip():
                problems.append(f"{where}: Markdown rendered empty")
            if cell.source == CONTROL:
                continue
            if cell.source == NEGATIVE:
                if not dom["math"]:
                    problems.append(f"{where}: the negative control was not typeset: the check cannot see MathJax")
                continue
            if _formula(cell.source) and not dom["math"]:
                problems.append(f"{where}: its formula was not typeset")
            if not _formula(cell.source) and dom["math"]:
                problems.append(f"{where}: MathJax output in a cell with no formula: {text[:200]!r}")
            want = collections.Counter(AMOUNT.findall(cell.source))
            got = collections.Counter(re.findall(r"\$(\d[\d,.]*\d|\d)", text))
            missing = want - got
            if missing:
                problems.append(f"{where}: amounts not shown as dollars: {sorted(missing)}")
        elif cell.cell_type == "code" and cell.source.strip():
            first = cell.source.strip().splitlines()[0].strip()
            if first[:40] not in dom["editor"]:
                problems.append(f"{where}: code editor does not show {first[:40]!r}")
    return problems


def test_every_lab_renders_as_a_student_sees_it(jupyterlab, browser):
    url, token, root, workspaces = jupyterlab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.on("console", lambda m: m.type == "error" and print("browser console:", m.text[:300]))
    problems, news, formulas = [], [], 0
    try:
        for path in LABS:
            t0 = time.monotonic()
            lab = path.parent.name
            nb = nbformat.read(root / lab / path.name, as_version=4)
            shown = _open(page, url, token, workspaces, f"{lab}/{path.name}", len(nb.cells))
            toc = page.locator(".jp-TableOfContents")
            toc.wait_for(state="visible", timeout=60_000)
            page.wait_for_function("() => document.querySelector('.jp-TableOfContents').innerText"
                                   ".includes('Objectives')", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / f"{lab}.png"))
            problems += _check_rendered(nb, shown, lab)
            formulas += sum(1 for c in nb.cells if c.cell_type == "markdown" and _formula(c.source))
            news += page.evaluate(NEWS)
            _stop_kernels(url, token)
            print(f"{lab}: {len(nb.cells)} cells checked in {time.monotonic() - t0:.0f} s")
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "failure.png"))
        print(f"failure screenshot: {ARTIFACTS / 'failure.png'}")
        raise
    finally:
        page.close()
    assert formulas >= 1, "the control is gone: lab 02's display formula should be typeset"
    assert not problems, "\n".join(problems)
    assert not news, f"a news or update prompt showed: {news}"
    assert all((ARTIFACTS / f"{p.parent.name}.png").stat().st_size > 20_000 for p in LABS)


def test_an_executed_solution_shows_its_outputs(jupyterlab, browser):
    """Lab 00's solution, run by nbclient (as tests/test_notebooks.py runs them all), opened with its outputs."""
    from serverless_lab.grading.notebook_run import execute

    url, token, root, workspaces = jupyterlab
    source = ROOT / "solutions" / "lab00-welcome" / "lab00-welcome.ipynb"
    nb = execute(source, allow_errors=True)
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert not errors, f"the solution raised in cells {errors}"
    expected = [len(c.get("outputs", [])) if c.cell_type == "code" else 0 for c in nb.cells]
    assert sum(expected) > 0, "the solution shows outputs"
    nb.cells.append(nbformat.v4.new_markdown_cell(CONTROL))
    target = root / "lab00-welcome" / "lab00-solution-executed.ipynb"
    nbformat.write(nb, target)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        shown = _open(page, url, token, workspaces, f"lab00-welcome/{target.name}", len(nb.cells))
        first_output = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").first
        first_output.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "lab00-solution-executed.png"))
    finally:
        page.close()
        _stop_kernels(url, token)
    for i, (want, dom) in enumerate(zip(expected, shown)):
        outs = dom["outputs"]
        assert len(outs) == want, f"cell {i}: {want} outputs saved, {len(outs)} shown"
        for out in outs:
            assert out["kids"] > 0 or out["text"].strip(), f"cell {i}: an output rendered empty ({out['mime']})"
            assert "Traceback" not in out["text"], f"cell {i}: {out['text'][:200]}"
