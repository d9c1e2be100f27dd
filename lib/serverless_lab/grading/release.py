"""`make release`: regenerate labs/ from solutions/ with nbgrader, without losing anyone's work.

labs/ is generated and committed. Before overwriting a released notebook we check that it
is exactly what git has (a student who worked in labs/ directly would otherwise lose their
answers); --force overrides, after copying the edited file aside.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from ..errors import LabError
from .course import course_root, lab_names, nbgrader_cmd, tool_env


def _locally_modified(root: Path, lab: str) -> list[Path]:
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", f"labs/{lab}"], cwd=root,
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [root / line[3:].strip() for line in out.splitlines()
            if line[:2].strip() in {"M", "MM", "AM", "??"} and line.strip().endswith(".ipynb")]


def release(labs: list[str] | None = None, force: bool = False, quiet: bool = False) -> list[Path]:
    """Generate the student version of each lab; return the notebooks written."""
    root = course_root()
    wanted = labs or lab_names(root)
    unknown = sorted(set(wanted) - set(lab_names(root)))
    if unknown:
        raise LabError(f"No such lab in solutions/: {', '.join(unknown)}.",
                       f"Available: {', '.join(lab_names(root))}.")
    written: list[Path] = []
    for lab in wanted:
        edited = _locally_modified(root, lab)
        if edited and not force:
            raise LabError(
                f"labs/{lab} has changes git does not have ({', '.join(p.name for p in edited)}); "
                "releasing would overwrite them.",
                "If that is a student's work, copy it elsewhere first. Then run `make release FORCE=1` "
                "(the edited files are also backed up next to themselves as .bak-<time>).",
            )
        for path in edited:
            if path.exists():
                shutil.copy2(path, path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}"))
        cmd = nbgrader_cmd("generate_assignment", lab, "--force", "--log-level=WARN")
        proc = subprocess.run(cmd, cwd=root / "grading", capture_output=True, text=True, env=tool_env())
        if proc.returncode != 0:
            raise LabError(f"nbgrader could not release {lab}:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}",
                           "Fix the notebook in solutions/ (nbgrader names the cell), then run `make release` again.")
        written += sorted((root / "labs" / lab).glob("*.ipynb"))
        if not quiet:
            print(f"released {lab}")
    return written
