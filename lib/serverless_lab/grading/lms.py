"""What an instructor takes out of a grading run: gradebooks a learning-management system imports,
per-exercise pass rates (which exercises are too hard), and one feedback page per student.

Written next to nbgrader's grades.csv by `serverless-lab grade`:

* canvas-grades.csv — Canvas's gradebook import layout (Grades → Import): the columns
  Student, ID, SIS User ID, SIS Login ID, Section, then one column per lab, and a
  "Points Possible" row first. Canvas matches a row by ID, SIS User ID or SIS Login ID; the
  JupyterHub user name goes in SIS Login ID (on a Hub that logs in through the LMS they are
  the same). A lab column Canvas does not know becomes a new assignment.
* moodle-grades.csv — for Moodle's "Import grades → CSV file": one row per student with
  Username, ID number, Email address, First name, Last name and one column per lab; on import
  map Username (or Email address) to the user field and each lab column to a grade item.
* exercise-pass-rates.csv — per lab and exercise, in the lab's order: how many submitted,
  passed, partial, failed, not attempted, the pass rate and mean points.
* feedback/<student>/index.html — every lab of that student: score, each exercise's result and
  a link to the lab's full feedback page (nbgrader's layout feedback/<student>/<lab>/).

Missing submissions count 0 in the gradebooks (as in nbgrader's export) and are left out of
the pass rates (a student who handed nothing in says nothing about an exercise).
"""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path

from .jobs import JobResult

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_FIXED = ["Username", "ID number", "Email address", "First name", "Last name"]
HARD = 0.5        # an exercise fewer than half the submitting students pass is flagged


@dataclass
class ExerciseRate:
    lab: str
    grade_id: str
    title: str
    points: float
    submitted: int
    passed: int
    partial: int
    failed: int
    not_attempted: int
    mean_points: float

    @property
    def pass_rate(self) -> float:
        return self.passed / self.submitted if self.submitted else 0.0


def _graded(results: list[JobResult]) -> list[JobResult]:
    return [r for r in results if r.lab and r.status != "unknown lab"]


def _labs(results: list[JobResult]) -> list[str]:
    return sorted({r.lab or "" for r in _graded(results)})


def _table(results: list[JobResult]) -> tuple[list[str], list[str], dict[tuple[str, str], JobResult]]:
    rows = _graded(results)
    return _labs(results), sorted({r.student for r in rows}), {(r.student, r.lab or ""): r for r in rows}


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(path)


def _max_scores(results: list[JobResult]) -> dict[str, float]:
    top: dict[str, float] = {}
    for r in _graded(results):
        lab = r.lab or ""
        top[lab] = max(top.get(lab, 0.0), r.max_score)
    return top


def write_canvas(results: list[JobResult], path: Path, people: dict[str, dict] | None = None) -> Path:
    """Canvas gradebook import CSV (see the module's docstring)."""
    people = people or {}
    labs, students, by = _table(results)
    top = _max_scores(results)
    rows: list[list] = [["Points Possible", "", "", "", ""] + [f"{top[lab]:g}" for lab in labs]]
    for s in students:
        who = people.get(s, {})
        name = ", ".join(x for x in (who.get("last_name"), who.get("first_name")) if x) or s
        rows.append([name, "", "", s, ""] + [f"{by[(s, lab)].score:g}" if (s, lab) in by else "" for lab in labs])
    _write(path, CANVAS_FIXED + labs, rows)
    return path


def write_moodle(results: list[JobResult], path: Path, people: dict[str, dict] | None = None) -> Path:
    """Moodle "Import grades → CSV file" layout (see the module's docstring)."""
    people = people or {}
    labs, students, by = _table(results)
    rows = []
    for s in students:
        who = people.get(s, {})
        rows.append([s, s, who.get("email", ""), who.get("first_name", ""), who.get("last_name", "")]
                    + [f"{by[(s, lab)].score:g}" if (s, lab) in by else "" for lab in labs])
    _write(path, MOODLE_FIXED + labs, rows)
    return path


def pass_rates(results: list[JobResult]) -> list[ExerciseRate]:
    """Per lab and exercise (in the lab's order), over the students who submitted the lab."""
    rates: list[ExerciseRate] = []
    for lab in _labs(results):
        rows = [r for r in _graded(results) if r.lab == lab]
        submitted = [r for r in rows if r.status not in ("missing",)]
        template = max(rows, key=lambda r: len(r.exercises)).exercises
        for i, ex in enumerate(template):
            got = [r.exercises[i] for r in submitted if i < len(r.exercises) and r.exercises[i].grade_id == ex.grade_id]
            count = {k: sum(1 for e in got if e.status == k) for k in ("passed", "partial", "not attempted")}
            mean = sum(e.points for e in got) / len(submitted) if submitted else 0.0
            named = f"{ex.title}: {ex.idea}" if ex.idea else ex.title
            rates.append(ExerciseRate(lab, ex.grade_id, named, ex.max_points, len(submitted), count["passed"],
                                      count["partial"], len(submitted) - sum(count.values()),
                                      count["not attempted"], mean))
    return rates


def write_pass_rates(results: list[JobResult], path: Path) -> Path:
    header = ["assignment", "grade_id", "exercise", "points", "submitted", "passed", "partial", "failed",
              "not_attempted", "pass_rate", "mean_points", "flag"]
    rows = [[r.lab, r.grade_id, r.title, f"{r.points:g}", r.submitted, r.passed, r.partial, r.failed,
             r.not_attempted, f"{r.pass_rate:.3f}", f"{r.mean_points:.3f}",
             "hard" if r.submitted and r.pass_rate < HARD else ""] for r in pass_rates(results)]
    _write(path, header, rows)
    return path


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse;margin:0.5rem 0 1.5rem}}td,th{{border:1px solid #ccc;padding:0.3rem 0.6rem;text-align:left}}
.passed{{color:#1a7f37}}.failed,.timed{{color:#c0392b}}</style></head><body>
{body}
</body></html>
"""


def write_student_pages(results: list[JobResult], feedback_dir: Path,
                        feedback: dict[str, Path] | None = None) -> dict[str, Path]:
    """feedback/<student>/index.html: every lab's score and exercises, linking to the lab's page."""
    feedback = feedback or {}
    pages: dict[str, Path] = {}
    students = sorted({r.student for r in _graded(results)})
    for s in students:
        rows = sorted((r for r in _graded(results) if r.student == s), key=lambda r: r.lab or "")
        parts = [f"<h1>Feedback for {html.escape(s)}</h1>",
                 f"<p><strong>Total: {sum(r.score for r in rows):g} / {sum(r.max_score for r in rows):g}</strong></p>"]
        for r in rows:
            link = feedback.get(r.key)
            head = html.escape(r.lab or "")
            if link is not None:
                head = f'<a href="{html.escape(str(link.relative_to(feedback_dir / s)))}">{head}</a>'
            parts.append(f"<h2>{head}: {r.score:g} / {r.max_score:g} ({html.escape(r.status)})</h2>")
            parts.append("<table><tr><th>Exercise</th><th>Result</th><th>Points</th><th>Details</th><th>Hint</th></tr>")
            for e in r.exercises:
                hint = e.hint if e.status in ("failed", "timed out", "not attempted", "partial") else ""
                named = f"{e.title}: {e.idea}" if e.idea else e.title
                parts.append(f'<tr><td>{html.escape(named)}</td><td class="{e.status.split()[0]}">'
                             f"{html.escape(e.status)}</td><td>{e.points:g} / {e.max_points:g}</td>"
                             f"<td>{html.escape(e.message)}</td><td>{html.escape(hint)}</td></tr>")
            parts.append("</table>")
            if r.notes:
                parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in r.notes) + "</ul>")
        target = feedback_dir / s / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_PAGE.format(title=f"Feedback: {html.escape(s)}", body="\n".join(parts)), encoding="utf-8")
        pages[s] = target
    return pages
