"""The `serverless-lab` command: doctor, release, server (and check/grade/progress for grading)."""

from __future__ import annotations

import argparse
import sys

from .errors import LabError
from .subcommands import COMMANDS, command


@command("doctor", "check this machine: versions, extensions, a mock round-trip, stray credentials")
def _doctor(p: argparse.ArgumentParser):
    def run(args: argparse.Namespace) -> int:
        from .doctor import run_doctor

        return run_doctor()
    return run


@command("release", "regenerate labs/ from solutions/ with nbgrader (or write a student distribution)")
def _release(p: argparse.ArgumentParser):
    p.add_argument("labs", nargs="*", help="lab names (default: all)")
    p.add_argument("--force", action="store_true", help="overwrite edited released notebooks (backed up first); "
                   "with --student-dist: replace the contents of a non-empty DIR")
    p.add_argument("--student-dist", metavar="DIR", default=None,
                   help="write a course a class can clone into DIR: no solution, hidden test or grading secret")
    p.add_argument("--git", action="store_true", help="with --student-dist: make DIR a git repository (one commit)")

    def run(args: argparse.Namespace) -> int:
        if args.student_dist:
            from .grading.student_dist import student_dist

            student_dist(args.student_dist, force=args.force, git=args.git, labs=args.labs or None)
            return 0
        from .grading.release import release

        release(args.labs or None, force=args.force)
        return 0
    return run


@command("server", "run a standalone mocked AWS endpoint (a classroom's shared world, or for a terminal)")
def _server(p: argparse.ArgumentParser):
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)

    def run(args: argparse.Namespace) -> int:
        import threading

        from .cloud import mock_aws

        with mock_aws(host=args.host, port=args.port) as aws:
            print(f"Mocked AWS is serving at {aws.endpoint_url} (Ctrl-C stops it).")
            print("In a terminal:  " + " ".join(f"export {k}={v};" for k, v in aws.env().items()))
            print(f"In a notebook:  mock_aws(backend='server', endpoint_url='{aws.endpoint_url}')")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                print("stopping")
        return 0
    return run


def _load_plugins() -> None:
    """Sub-commands defined elsewhere (grading, drills) register themselves on import."""
    import importlib

    for name in ("serverless_lab.grading.commands", "serverless_lab.drills.commands"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main(argv: list[str] | None = None) -> int:
    _load_plugins()
    parser = argparse.ArgumentParser(prog="serverless-lab", description="Serverless Labs course tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners = {}
    for name, (help_text, setup) in COMMANDS.items():
        runners[name] = setup(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        return int(runners[args.command](args) or 0)
    except LabError as err:
        print(f"error: {err.message}", file=sys.stderr)
        if err.next_step:
            print(f"  → {err.next_step}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
