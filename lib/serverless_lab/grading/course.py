"""Where the course's folders are, found from the installed package or the working directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import LabError


def course_root(start: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding solutions/ (or, in a student distribution, labs/) and grading/.

    SERVERLESS_LAB_ROOT overrides the search.
    """
    env = os.environ.get("SERVERLESS_LAB_ROOT")
    candidates = [Path(env)] if env else []
    here = Path(start or os.getcwd()).resolve()
    candidates += [here, *here.parents, Path(__file__).resolve().parents[3]]
    for path in candidates:
        if (path / "grading" / "nbgrader_config.py").is_file() and \
                ((path / "solutions").is_dir() or (path / "labs").is_dir()):
            return path
    raise LabError("Could not find the course folder (one with labs/ and grading/nbgrader_config.py).",
                   "Run the command from inside the course folder, or set SERVERLESS_LAB_ROOT to it.")


def is_student_dist(root: Path) -> bool:
    """True in a course written by `serverless-lab release --student-dist` (no solutions/)."""
    return not (root / "solutions").is_dir()


def lab_source_dir(root: Path) -> Path:
    """Where the labs' reference notebooks are: solutions/ (self-paced, instructor) or labs/ (students)."""
    return root / ("labs" if is_student_dist(root) else "solutions")


def lab_names(root: Path) -> list[str]:
    """Assignment names, e.g. ['lab00-welcome', 'lab01-lambda-basics'], from solutions/ (or labs/)."""
    folder = lab_source_dir(root)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def tool_env() -> dict[str, str]:
    """os.environ with this interpreter's bin folder first on PATH.

    nbgrader runs `alembic` by name; outside an activated venv it would not be found.
    """
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    return env


def nbgrader_cmd(*args: str) -> list[str]:
    """Command line that runs nbgrader with this interpreter, minus a slow optional import.

    Same as ``python -m nbgrader ARGS`` (see serverless_lab._speedups for what it skips).
    """
    boot = ("import sys, serverless_lab._speedups as s; s.apply(); "
            "from nbgrader.apps.nbgraderapp import main; sys.exit(main())")
    return [sys.executable, "-c", boot, *args]
