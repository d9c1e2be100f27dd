"""Execute a notebook in a fresh kernel and score its nbgrader test cells.

Scoring follows nbgrader: a grade cell earns its points when it ran without an error
output. Used by the tests (solutions score full marks, blank releases score 0) and by the
self-check.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class CellScore:
    grade_id: str
    points: float
    max_points: float
    error: str = ""


@dataclass
class NotebookScore:
    path: str
    cells: list[CellScore] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.cells)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.cells)


def execute(path: str | Path, timeout: int = 180, allow_errors: bool = True,
            kernel_name: str = "python3") -> nbformat.NotebookNode:
    """Run a copy of the notebook top to bottom (the file on disk is never modified)."""
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(copy.deepcopy(nb), timeout=timeout, allow_errors=allow_errors,
                            kernel_name=kernel_name, resources={"metadata": {"path": str(path.parent)}})
    return client.execute()


def _error_text(cell: nbformat.NotebookNode) -> str:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return f"{out.get('ename')}: {out.get('evalue')}"
    return ""


def score(nb: nbformat.NotebookNode, path: str = "") -> NotebookScore:
    """nbgrader-style score of an executed notebook."""
    result = NotebookScore(path=path)
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        max_points = float(meta.get("points", 0))
        err = _error_text(cell)
        result.cells.append(CellScore(meta.get("grade_id", "?"), 0.0 if err else max_points, max_points, err))
    return result
