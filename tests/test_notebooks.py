"""Every lab: the solution runs top to bottom with full marks, labs/ matches solutions/, the
conventions hold, and no notebook is committed with outputs.

That a blank release scores 0 (with the hidden tests put back, as at grading) is checked in
test_grading_class.py, through the grader itself.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT, released_notebooks, solution_notebooks
from serverless_lab.grading.course import nbgrader_cmd, tool_env
from serverless_lab.grading.notebook_run import execute, score

SOLUTIONS = solution_notebooks()
RELEASED = released_notebooks()


def _id(path: Path) -> str:
    return path.parent.name


def test_every_lab_has_a_solution_and_a_release():
    assert SOLUTIONS, "no labs found under solutions/"
    assert [p.relative_to(ROOT / "solutions") for p in SOLUTIONS] == \
        [p.relative_to(ROOT / "labs") for p in RELEASED], "run `make release`"


@pytest.mark.parametrize("path", SOLUTIONS + RELEASED, ids=lambda p: f"{p.parts[-3]}/{_id(p)}")
def test_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path} has outputs in cells {dirty}: clear them before committing"


@pytest.mark.parametrize("path", SOLUTIONS, ids=_id)
def test_lab_follows_the_conventions(path):
    nb = nbformat.read(path, as_version=4)
    headings = [line[3:].strip() for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    order = ["Objectives", "Concepts", "Guided steps", "Exercises", "Interview corner", "Summary", "Clean-up"]
    positions = [next((i for i, h in enumerate(headings) if h.startswith(word)), -1) for word in order]
    assert all(p >= 0 for p in positions), f"missing '## ' sections: {[w for w, p in zip(order, positions) if p < 0]}"
    assert positions == sorted(positions), f"sections out of the order CONTRIBUTING.md gives: {headings}"
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded, "a lab needs graded test cells"
    lab = path.parent.name.split("-")[0]
    for cell in graded:
        meta = cell.metadata["nbgrader"]
        assert meta.get("locked") and meta.get("points", 0) > 0, f"{meta.get('grade_id')}: test cells are locked, with points"
        assert meta["grade_id"].startswith(lab + "_"), f"grade_id {meta['grade_id']} should start with {lab}_"
        assert "### BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"


@pytest.mark.notebook
@pytest.mark.parametrize("path", SOLUTIONS, ids=_id)
def test_solution_runs_top_to_bottom_with_full_marks(path):
    nb = execute(path, allow_errors=True)
    errors = [(i, c.outputs) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              and any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    assert not errors, f"cells raised: {errors[:1]}"
    result = score(nb, str(path))
    assert result.max_score > 0
    assert result.score == result.max_score, [c for c in result.cells if c.error]


def test_released_labs_match_solutions(tmp_path):
    """Regenerate every lab into a temporary release folder and compare with labs/."""
    cmd = nbgrader_cmd("generate_assignment", "--force", "--log-level=ERROR",
                       f"--CourseDirectory.release_directory={tmp_path / 'release'}",
                       f"--CourseDirectory.db_url=sqlite:///{tmp_path / 'gradebook.db'}")
    for lab in sorted({p.parent.name for p in SOLUTIONS}):
        proc = subprocess.run([*cmd, lab], cwd=ROOT / "grading", capture_output=True, text=True,
                              env=tool_env(), timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
    for path in SOLUTIONS:
        rel = path.relative_to(ROOT / "solutions")
        fresh = nbformat.read(tmp_path / "release" / rel, as_version=4)
        committed = nbformat.read(ROOT / "labs" / rel, as_version=4)
        assert [c.source for c in fresh.cells] == [c.source for c in committed.cells], \
            f"labs/{rel} is out of date with solutions/: run `make release` and commit labs/"
        assert [c.metadata for c in fresh.cells] == [c.metadata for c in committed.cells], \
            f"labs/{rel} metadata differs: run `make release`"
