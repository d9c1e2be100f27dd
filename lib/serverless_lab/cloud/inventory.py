"""The seam inventory as docs/architecture.md shows it, generated from the declarations.

``python -m serverless_lab.cloud.inventory`` prints it; ``--write docs/architecture.md``
replaces the part between the ``seams:begin`` / ``seams:end`` markers. tests/test_seams.py fails
when the document and the code disagree (a new seam must be documented: run the command).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from .. import doc_sections
from . import extensions, patching

BEGIN, END = "<!-- seams:begin (generated: python -m serverless_lab.cloud.inventory --write docs/architecture.md) -->", \
    "<!-- seams:end -->"


def declare_all() -> None:
    """Import every module of every registered extension: seams are declared at import time."""
    for ext in extensions.REGISTRY.values():
        package = importlib.import_module(ext.module)
        for info in pkgutil.walk_packages(getattr(package, "__path__", []), prefix=f"{ext.module}."):
            if not info.name.rsplit(".", 1)[-1].startswith("__"):
                importlib.import_module(info.name)


def markdown() -> str:
    declare_all()
    lines = ["| extension | moto target | how | why |", "|---|---|---|---|"]
    for s in sorted(patching.SEAMS.values(), key=lambda s: (s.extension, s.target)):
        how = "adds" if s.create else ("adds routes" if s.item else "replaces")
        if s.lazy:
            how += " (on import)"
        lines.append(f"| {s.extension} | `{s.target}` | {how} | {s.why.replace('|', '/')} |")
    lines += ["", "Private state read through declared accessors (a missing attribute is a SeamError):", "",
              "| moto class | attribute | why |", "|---|---|---|"]
    for r in sorted(patching.PRIVATE_READS.values(), key=lambda r: (r.owner, r.attrs)):
        lines.append(f"| `{r.owner}` | `{r.attrs}` | {r.why.replace('|', '/')} |")
    checked = ", ".join(patching.CHECKED_MOTO)
    lines += ["", f"Checked against moto {checked}; `mock_aws()` accepts moto >= {patching.SUPPORTED_MOTO[0]} "
              f"and < {patching.SUPPORTED_MOTO[1]}."]
    return "\n".join(lines)


def section(text: str) -> str | None:
    """The generated part of a document, or None if it has no markers."""
    return doc_sections.section(text, BEGIN, END)


def write(path: str) -> None:
    doc_sections.write(path, BEGIN, END, markdown())


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        write(sys.argv[2])
    else:
        print(markdown())
