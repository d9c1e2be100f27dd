"""The lab as the instructor wrote it (solutions/), and a submission rebuilt around it.

Grading must not trust the student's copy of a test cell: nbgrader's autograde overwrites
every locked cell with the source version (OverwriteCells) and can add deleted grade cells
back. `assemble()` does the same without a gradebook database, so it can run in many
processes at once: locked cells come from solutions/ (with or without the hidden tests),
solution cells keep the student's code, duplicated or invented nbgrader cells lose their
metadata (they cannot earn points), and deleted test cells are put back after the cell
that preceded them in the source.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from ..errors import LabError
from .course import lab_names, lab_source_dir


@dataclass(frozen=True)
class Exercise:
    """One graded test cell (one idea of an exercise) and what a student needs to read about it.

    ``title`` is the exercise's (its ``### Exercise N — …`` heading, without the points), the same for every test
    cell of that exercise; ``idea`` is the test cell's own name, its first line when that is a comment.
    """

    grade_id: str
    points: float
    title: str
    hint: str
    solution_id: str | None
    idea: str = ""


@dataclass
class SourceLab:
    name: str
    path: Path
    nb: NotebookNode
    exercises: list[Exercise] = field(default_factory=list)
    digest: str = ""

    @property
    def max_score(self) -> float:
        return sum(e.points for e in self.exercises)

    @property
    def notebook_name(self) -> str:
        return self.path.name

    @property
    def exercise_count(self) -> int:
        return len(group_by_exercise(self.exercises))


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_grade(cell: NotebookNode) -> bool:
    return bool(_meta(cell).get("grade"))


def is_locked(cell: NotebookNode) -> bool:
    """nbgrader locks grade cells and cells marked locked; both are restored from the source."""
    m = _meta(cell)
    return bool(m.get("locked") or (m.get("grade") and not m.get("solution")))


def strip_hidden(source: str, root: Path | None = None) -> str:
    """The released form of a test cell, made by nbgrader's ClearHiddenTests with the course's
    configuration (grading/nbgrader_config.py: a changed delimiter changes the grader too)."""
    from .nbgrader_steps import clear_hidden_tests

    try:
        return clear_hidden_tests(source, root)
    except RuntimeError:  # an unmatched or nested delimiter (a student's edit): nothing is hidden
        return source


# "(2 points)", "(3 points: the rules 2, the runtime agrees 1)", "(1 point)": the points are printed beside the title
_POINTS = re.compile(r"\s*\(\s*\d+(?:\.\d+)?\s+points?\b[^)]*\)\s*$", re.I)


def plain_text(markdown: str) -> str:
    """Markdown's escaped dollars (`\\\\$0.20`, written so JupyterLab does not typeset them) as a terminal shows them."""
    return re.sub(r"\\\\\$|\\\$|&#0*36;|&dollar;", "$", markdown)


def idea_name(cell: NotebookNode) -> str:
    """A test cell's readable name: its first line, when that line is a comment (CONTRIBUTING.md)."""
    lines = cell.source.strip().splitlines()
    first = lines[0].strip() if lines else ""
    if first.startswith("#") and not first.startswith("##"):
        return first.lstrip("#").strip()
    return ""


def group_by_exercise(items: list) -> list[tuple[str, list]]:
    """Test cells (``Exercise`` or ``ExerciseResult``) grouped into exercises: consecutive cells with one title."""
    groups: list[tuple[str, list]] = []
    for item in items:
        if groups and groups[-1][0] == item.title:
            groups[-1][1].append(item)
        else:
            groups.append((item.title, [item]))
    return groups


def _hint_and_title(md_cells: list[NotebookNode]) -> tuple[str, str]:
    """The exercise's title and hint, from its Markdown: the cells from its last `###` heading on (or the last three)."""
    marks = [i for i, c in enumerate(md_cells) if any(ln.startswith("###") for ln in c.source.splitlines())]
    md_cells = md_cells[marks[-1]:] if marks else md_cells[-3:]
    title, hint = "", ""
    for cell in reversed(md_cells):
        text = plain_text(cell.source)
        if not title:
            heads = [ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("###")]
            if heads:
                title = _POINTS.sub("", heads[-1])
        if not hint:
            m = re.search(r"\*?Hint:?\*?:?\s*(.+?)(?:\n\s*\n|\Z)", text, re.S | re.I)
            if m:
                hint = " ".join(m.group(1).split())
        if title and hint:
            break
    if not hint and md_cells:  # no explicit hint: point back at the exercise's own words
        body = "\n".join(ln for ln in plain_text(md_cells[-1].source).splitlines() if not ln.lstrip().startswith("#"))
        paras = [p.strip() for p in body.split("\n\n") if p.strip()]
        if paras:
            text = " ".join(paras[0].split())
            hint = "re-read the exercise: " + (text if len(text) <= 240 else text[:237] + "...")
    return title, hint


def exercises_of(nb: NotebookNode) -> list[Exercise]:
    """Graded code cells in order, each with its exercise title, hint, solution cell and readable name.

    An exercise is a solution cell and the test cells after it, up to the next solution cell; its title and hint
    come from the Markdown before the solution cell (the ``### Exercise N — …`` heading). Markdown between two test
    cells starts a new exercise only when it has a heading of its own.
    """
    result: list[Exercise] = []
    markdown: list[NotebookNode] = []
    solution_id: str | None = None
    title = hint = ""
    for cell in nb.cells:
        m = _meta(cell)
        if cell.cell_type == "markdown":
            markdown.append(cell)
            continue
        if m.get("solution") and not m.get("grade"):
            solution_id = m.get("grade_id")
            title, hint = _hint_and_title(markdown)
            title = title or solution_id or ""
            markdown = []
        if cell.cell_type == "code" and m.get("grade"):
            heading, own_hint = _hint_and_title(markdown) if markdown else ("", "")
            if heading or not title:
                title, hint, solution_id = heading or m["grade_id"], own_hint, None
            markdown = []
            result.append(Exercise(m["grade_id"], float(m.get("points", 0)), title, hint, solution_id,
                                   idea_name(cell) or m["grade_id"]))
    return result


@functools.lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int) -> SourceLab:
    raw = Path(path).read_bytes()
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    return SourceLab(Path(path).parent.name, Path(path), nb, exercises_of(nb), hashlib.sha256(raw).hexdigest())


def source_lab(root: Path, lab: str) -> SourceLab:
    """The source notebook of a lab (solutions/<lab>/<lab>.ipynb, or the only notebook there).

    In a student distribution there is no solutions/: the released notebook (labs/) is the
    reference, which is all a self-check needs (it runs the visible tests only).
    """
    base = lab_source_dir(root)
    if lab not in lab_names(root):
        raise LabError(f"Unknown lab {lab!r}: there is no {base.name}/{lab}/.",
                       f"Known labs: {', '.join(lab_names(root))}.")
    folder = base / lab
    path = folder / f"{lab}.ipynb"
    if not path.is_file():
        path = sorted(folder.glob("*.ipynb"))[0]
    return _load(str(path), path.stat().st_mtime_ns)


def identify_lab(root: Path, nb: NotebookNode | None, path: Path) -> str | None:
    """Which lab a notebook belongs to: its folder's name, its file name, or its grade ids."""
    names = lab_names(root)
    for guess in (path.parent.name, path.stem):
        if guess in names:
            return guess
    if nb is not None:
        ids = {(_meta(c).get("grade_id") or "") for c in nb.get("cells", [])}
        prefixes = {i.split("_")[0] for i in ids if "_" in i}
        for name in names:
            if name.split("-")[0] in prefixes:
                return name
    return None


def assemble(sub: NotebookNode, source: NotebookNode, hidden: bool,
             root: Path | None = None) -> tuple[NotebookNode, list[str]]:
    """The notebook to execute: the student's answers inside the source's locked cells.

    Returns the new notebook and a list of human-readable notes on what was restored.
    """
    notes: list[str] = []
    src_cells = source.cells
    src_by_id = {_meta(c)["grade_id"]: c for c in src_cells if _meta(c).get("grade_id")}
    order = [_meta(c).get("grade_id") for c in src_cells]
    out = copy.deepcopy(sub)
    cells: list[NotebookNode] = []
    seen: set[str] = set()
    for cell in out.cells:
        gid = _meta(cell).get("grade_id")
        if not gid:
            cells.append(cell)
            continue
        src = src_by_id.get(gid)
        if gid in seen or src is None:
            notes.append(f"cell {gid!r} {'is a duplicate' if src is not None else 'is not in the lab'}: "
                         "it was kept as an ordinary cell and cannot earn points")
            cell.metadata.pop("nbgrader", None)
            cells.append(cell)
            continue
        seen.add(gid)
        if is_locked(src):
            want = src.source if hidden else strip_hidden(src.source, root)
            if cell.cell_type != src.cell_type or \
                    strip_hidden(cell.source, root).strip() != strip_hidden(src.source, root).strip():
                if is_grade(src):
                    notes.append(f"test cell {gid!r} was edited: the original was restored")
            new = nbformat.v4.new_code_cell(want) if src.cell_type == "code" else nbformat.v4.new_markdown_cell(want)
            new.metadata = copy.deepcopy(src.metadata)
            if "id" in cell:
                new["id"] = cell["id"]
            cells.append(new)
        else:
            cell.metadata["nbgrader"] = copy.deepcopy(_meta(src))  # a solution cell cannot become a grade cell
            if cell.cell_type != src.cell_type:
                cell = nbformat.v4.new_code_cell(cell.source) if src.cell_type == "code" else cell
                cell.metadata["nbgrader"] = copy.deepcopy(_meta(src))
            cells.append(cell)
    # Put back deleted grade (and locked code) cells after the cell that preceded them in the source.
    for idx, src in enumerate(src_cells):
        gid = _meta(src).get("grade_id")
        if not gid or gid in seen or not (is_grade(src) or (is_locked(src) and src.cell_type == "code")):
            continue
        want = src.source if hidden else strip_hidden(src.source, root)
        new = nbformat.v4.new_code_cell(want) if src.cell_type == "code" else nbformat.v4.new_markdown_cell(want)
        new.metadata = copy.deepcopy(src.metadata)
        pos = 0
        for prev in reversed(order[:idx]):
            hits = [i for i, c in enumerate(cells) if _meta(c).get("grade_id") == prev]
            if prev and hits:
                pos = hits[0] + 1
                break
        cells.insert(pos, new)
        seen.add(gid)
        if is_grade(src):
            notes.append(f"test cell {gid!r} was missing: the original was put back")
    out.cells = cells
    return out, notes
