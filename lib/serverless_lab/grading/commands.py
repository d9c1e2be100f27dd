"""The grading sub-commands of `serverless-lab`: check, progress, grade (registered on import)."""

from __future__ import annotations

import argparse
import sys

from ..subcommands import command


@command("check", "run your lab notebook the way the grader will (visible tests only); never modifies it")
def _check(p: argparse.ArgumentParser):
    p.add_argument("notebook", help="e.g. labs/lab00-welcome/lab00-welcome.ipynb")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds per cell (default: 180 for labs that start the mock, else 30)")

    def run(args: argparse.Namespace) -> int:
        from .check import check_notebook, format_check

        result = check_notebook(args.notebook, timeout=args.timeout)
        print(format_check(result, args.notebook))
        return 0 if result.status == "graded" else 1
    return run


@command("progress", "a table of your progress across all labs (cached: quick when nothing changed)")
def _progress(p: argparse.ArgumentParser):
    p.add_argument("folder", nargs="?", default=None, help="folder holding <lab>/<notebook>.ipynb (default: labs/)")
    p.add_argument("--no-cache", action="store_true", help="re-run every lab")
    p.add_argument("--workers", type=int, default=None)

    def run(args: argparse.Namespace) -> int:
        from .progress import format_progress, progress

        print(format_progress(progress(args.folder, workers=args.workers, use_cache=not args.no_cache)))
        return 0
    return run


@command("grade", "autograde a folder of submissions (<student>/<lab>/<notebook>.ipynb) in parallel")
def _grade(p: argparse.ArgumentParser):
    p.add_argument("submissions", help="nbgrader's submitted layout, e.g. grading/submitted")
    p.add_argument("--output", "-o", default=None,
                   help="where grades.csv, feedback/ and grade-report.json go (default: grading/)")
    p.add_argument("--workers", "-j", type=int, default=None, help="parallel kernels (default: CPU count)")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds per cell (default: 180 for labs that start the mock, else 30)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    def run(args: argparse.Namespace) -> int:
        from .grade import grade, summary

        report = grade(args.submissions, args.output, workers=args.workers, timeout=args.timeout, quiet=args.quiet)
        print(summary(report))
        sys.stdout.flush()
        return 0
    return run


@command("hub", "start a JupyterHub for a class on this machine (nbgrader exchange, one account per student)")
def _hub(p: argparse.ArgumentParser):
    p.add_argument("--instructors", required=True, help="comma-separated local account names")
    p.add_argument("--students", default="", help="comma-separated local account names")
    p.add_argument("--port", type=int, default=8000, help="public port (the proxy API and the Hub use the next two)")
    p.add_argument("--ip", default="0.0.0.0")
    p.add_argument("--auth", choices=["pam", "dummy"], default="pam",
                   help="pam: the accounts' passwords; dummy: one shared password (demos and tests only)")
    p.add_argument("--password", default="", help="the shared password of --auth dummy")
    p.add_argument("--state", default=None, help="folder for the Hub's database (default .serverless-lab/hub)")
    p.add_argument("--exchange", default="/srv/nbgrader/exchange", help="nbgrader's exchange folder")
    p.add_argument("--python", default=None, help="the Python every account runs (default: found or made)")
    p.add_argument("--create-users", action="store_true", help="create missing local accounts (useradd)")

    def run(args: argparse.Namespace) -> int:
        import os
        from pathlib import Path

        from .hub import HubSettings, run_hub

        split = lambda text: [x.strip() for x in text.split(",") if x.strip()]  # noqa: E731
        settings = HubSettings(split(args.instructors), split(args.students), args.port, args.ip, args.auth,
                               args.password, Path(args.state) if args.state else None, Path(args.exchange),
                               args.python, args.create_users,
                               admin_token=os.environ.get("SERVERLESS_HUB_ADMIN_TOKEN", ""))
        return run_hub(settings)
    return run
