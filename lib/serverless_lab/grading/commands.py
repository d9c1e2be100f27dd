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
