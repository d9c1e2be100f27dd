"""Generated sections of the project's Markdown docs, between two marker comments.

docs/architecture.md carries tables generated from the code (the seam inventory, what ``iac``
supports); each generator reads and rewrites only the text between its own markers.
"""

from __future__ import annotations

from pathlib import Path


def section(text: str, begin: str, end: str) -> str | None:
    """The generated part of a document, or None if it has no markers."""
    if begin not in text or end not in text:
        return None
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")


def write(path: str, begin: str, end: str, body: str) -> None:
    """Replace the text between ``begin`` and ``end`` in the document at ``path`` with ``body``."""
    doc = Path(path)
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    doc.write_text(f"{head}{begin}\n{body}\n{end}{tail}", encoding="utf-8")
