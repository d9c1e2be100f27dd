"""Reversible attribute patches: every patch an extension makes is undone by ``stop()``."""

from __future__ import annotations

from typing import Any

_MISSING = object()


class Patches:
    """Set attributes on moto's classes and put the originals back, in reverse order."""

    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any]] = []

    def set(self, owner: Any, name: str, value: Any) -> Any:
        """Replace ``owner.name`` with ``value``; return the attribute as it was looked up."""
        original = getattr(owner, name)
        self._undo.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)
        return original

    def undo(self) -> None:
        while self._undo:
            owner, name, before = self._undo.pop()
            if before is _MISSING:
                try:
                    delattr(owner, name)
                except AttributeError:
                    pass
            else:
                setattr(owner, name, before)
