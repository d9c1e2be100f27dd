"""nbgrader's own preprocessors, configured from the course's grading/nbgrader_config.py.

The grader and the student distribution never re-implement a step nbgrader has: hidden tests
are removed by nbgrader's ClearHiddenTests, solutions by ClearSolutions, and a release is
nbgrader's GenerateAssignment chain of preprocessors (minus SaveCells, the one step that
writes the gradebook database). All of them read the same configuration file as
`nbgrader generate_assignment`, so a delimiter or stub changed in nbgrader_config.py changes
the grader and the student distribution too.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path

import nbformat
from nbformat import NotebookNode


@functools.lru_cache(maxsize=8)
def _config(config_dir: str, mtime_ns: int):  # noqa: ANN202 - traitlets Config
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=config_dir).load_config()


def course_config(root: Path | None = None):  # noqa: ANN201 - traitlets Config
    """The traitlets Config of grading/nbgrader_config.py (an empty one if there is none)."""
    from traitlets.config import Config

    if root is None:
        from .course import course_root

        try:
            root = course_root()
        except Exception:  # noqa: BLE001 - outside a course: nbgrader's defaults
            return Config()
    path = Path(root) / "grading" / "nbgrader_config.py"
    if not path.is_file():
        return Config()
    return copy.deepcopy(_config(str(path.parent), path.stat().st_mtime_ns))


@functools.lru_cache(maxsize=8)
def _clear_hidden(root: str | None):  # noqa: ANN202
    from nbgrader.preprocessors import ClearHiddenTests

    return ClearHiddenTests(config=course_config(Path(root) if root else None))


def clear_hidden_tests(source: str, root: Path | None = None) -> str:
    """A test cell's source as released: nbgrader's ClearHiddenTests removes the hidden block(s)."""
    pre = _clear_hidden(str(root) if root else None)
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "x", "points": 0, "solution": False,
                                 "locked": True, "schema_version": 3}
    pre.preprocess_cell(cell, {}, 0)
    return cell.source


def delimiters(root: Path | None = None) -> dict[str, str]:
    """The course's solution and hidden-test delimiters, as nbgrader will use them."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    cfg = course_config(root)
    sol, hid = ClearSolutions(config=cfg), ClearHiddenTests(config=cfg)
    return {"begin_solution": sol.begin_solution_delimeter, "end_solution": sol.end_solution_delimeter,
            "begin_hidden": hid.begin_test_delimeter, "end_hidden": hid.end_test_delimeter,
            "code_stub": dict(sol.code_stub).get("python", ""), "text_stub": sol.text_stub}


def release_chain() -> list[type]:
    """nbgrader's GenerateAssignment preprocessors, without SaveCells (it writes the gradebook)."""
    from nbgrader.converters import GenerateAssignment
    from nbgrader.preprocessors import SaveCells

    return [p for p in GenerateAssignment.class_traits()["preprocessors"].default() if p is not SaveCells]


def release_notebook(nb: NotebookNode, lab: str, root: Path | None = None) -> NotebookNode:
    """The student version of a source notebook, made by nbgrader's own preprocessors."""
    cfg = course_config(root)
    out = copy.deepcopy(nb)
    resources = {"nbgrader": {"assignment": lab, "notebook": lab, "student": ".", "db_url": ""},
                 "metadata": {"path": str(root or ".")}}
    for cls in release_chain():
        out, resources = cls(config=cfg).preprocess(out, resources)
    return out
