"""The registry of `serverless-lab` sub-commands.

Kept apart from cli.py so that modules defining sub-commands (grading) import it without
importing the command line itself, and `python -m serverless_lab.cli` sees one registry.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

Runner = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], Runner]]] = {}


def command(name: str, help: str):
    """Register a sub-command: the decorated function sets up its parser and returns the runner."""
    def register(setup: Callable[[argparse.ArgumentParser], Runner]):
        COMMANDS[name] = (help, setup)
        return setup
    return register
