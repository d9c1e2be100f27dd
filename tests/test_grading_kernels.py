"""Warm kernels (grading/kernel_zygote.py): each submission still gets a new kernel process of its
own, in its own folder and environment, that holds nothing of the grader's and leaves nothing
running; a submission that kills the zygote only costs the next ones their head start."""

from __future__ import annotations

import json
import os
import time

import nbformat
import pytest

from conftest import ROOT
from grading_helpers import LAB, add_cell, lean, processes_with
from serverless_lab.grading.jobs import Job
from serverless_lab.grading.worker import Zygote

pytestmark = [pytest.mark.notebook, pytest.mark.xdist_group("grading_kernels")]

PROBE = """
import json, os, random, sys
print("PROBE" + json.dumps({
    "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "sid": os.getsid(0),
    "random": random.random(), "sibling": __import__("helper_mod").VALUE,
    "token": {k: v for k, v in os.environ.items() if "TOKEN" in k}, "aws_key": os.environ.get("AWS_ACCESS_KEY_ID"),
    "zygote_fds": sorted(os.readlink(f"/proc/{os.getppid()}/fd/{fd}") for fd in os.listdir(f"/proc/{os.getppid()}/fd")),
}))
"""


def _job(student: str, nb: nbformat.NotebookNode, extra: dict[str, bytes] | None = None) -> Job:
    return Job(f"{student}/{LAB}", student, LAB, str(ROOT), nbformat.writes(nb).encode(), f"{LAB}.ipynb",
               extra_files=extra or {}, timeout=30, render_html=True)


def _probe(result) -> dict:
    nb = nbformat.reads(result.graded_json, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "")
            if "PROBE{" in text:
                return json.loads(text.split("PROBE", 1)[1].splitlines()[0])
    raise AssertionError("the probe cell printed nothing")


@pytest.fixture(scope="module")
def runs():
    probe = lean()
    add_cell(probe, PROBE)
    daemon = lean()
    tag = f"kernel-zygote-daemon-{os.getpid()}"
    add_cell(daemon, f"import subprocess\nsubprocess.Popen(['sh', '-c', \"(setsid sh -c 'sleep 300; : {tag}' &); true\"],"
                     " start_new_session=True)")
    killer = lean()
    # SIGKILL reaches the zygote when the scheduler next runs it, and its death reaches the kernel
    # (PR_SET_PDEATHSIG) later still: the cell waits for it, so the kernel dies during this cell
    # rather than after a busy machine let the rest of the notebook finish
    add_cell(killer, "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(120)",
             after="lab00_request_charge")
    zygote = Zygote()
    try:
        first = zygote.run(_job("first", probe, {"helper_mod.py": b"VALUE = 1\n"}))
        second = zygote.run(_job("second", probe, {"helper_mod.py": b"VALUE = 2\n"}))
        left = zygote.run(_job("daemon", daemon))
        # the result is sent when the job ends; the worker then kills what the job left (before it
        # reads the next job), so give that clean-up a moment on a busy machine
        deadline = time.monotonic() + 15
        while (leftovers := processes_with(tag)) and time.monotonic() < deadline:
            time.sleep(0.1)
        killed = zygote.run(_job("killer", killer))
        after = zygote.run(_job("after", probe, {"helper_mod.py": b"VALUE = 3\n"}))
    finally:
        zygote.close()
    return {"first": first, "second": second, "daemon": left, "leftovers": leftovers, "killed": killed,
            "after": after}


def test_each_submission_gets_a_new_kernel_forked_by_the_zygote(runs):
    a, b = _probe(runs["first"]), _probe(runs["second"])
    assert a["pid"] != b["pid"] and a["ppid"] == b["ppid"]           # two kernels, one zygote
    assert a["sid"] == a["pid"]                                      # its own session, like a Popen'd kernel
    assert a["cwd"] != b["cwd"] and os.path.basename(a["cwd"]).startswith("serverless-lab-run-")
    assert (a["sibling"], b["sibling"]) == (1, 2)                    # files beside the notebook import, per student
    assert a["random"] != b["random"]                                # generators reseeded after the fork
    assert runs["first"].score == runs["second"].score == 2.0       # the lean notebook's one exercise


def test_the_kernel_sees_no_token_and_the_zygote_holds_no_pipe_to_the_grader(runs):
    a = _probe(runs["first"])
    assert a["token"] == {"AWS_SESSION_TOKEN": "testing"} and a["aws_key"] == "testing"   # kernel_env()'s fakes
    pipes = [fd for fd in a["zygote_fds"] if fd.startswith("pipe:")]
    assert pipes == [], a["zygote_fds"]                              # stdin/stdout are /dev/null, not the job pipes


def test_nothing_a_kernel_started_survives_its_submission(runs):
    assert runs["daemon"].status == "graded"
    assert runs["leftovers"] == []


def test_a_submission_that_kills_the_zygote_spoils_only_itself(runs):
    assert runs["killed"].status == "graded" and runs["killed"].kernel_died
    after = runs["after"]
    assert after.status == "graded" and after.score == 2.0
    c = _probe(after)
    assert c["sibling"] == 3 and c["ppid"] != _probe(runs["first"])["ppid"]   # an ordinary kernel from then on
