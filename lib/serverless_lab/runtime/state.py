"""Reads of moto's Lambda state, for the runtime's layers (models, service, async, responses).

moto keeps a backend's functions in a private attribute; the course reads it only through the
declared accessor here, which raises SeamError (never a bare AttributeError, never a silent
fallback) when moto moves it (docs/architecture.md, "Seams").
"""

from __future__ import annotations

from typing import Any

from ..cloud.patching import private

_M = "moto.awslambda.models"

FUNCTION_GROUPS = private(
    f"{_M}:LambdaBackend", "_lambdas._functions",
    why="every function's versions and $LATEST (reserved concurrency, DeadLetterConfig, event invoke config)")


def function_groups(backend: Any) -> dict[str, dict]:
    """``{name: {"latest": fn, "versions": [...], "alias": {...}}}`` of one Lambda backend."""
    return FUNCTION_GROUPS.read(backend)


def latest(backend: Any, name: str) -> Any:
    """The ``$LATEST`` of ``name`` (KeyError if no such function)."""
    return function_groups(backend)[name]["latest"]


def alias_or_none(backend: Any, label: str, function_name: str) -> Any:
    """The alias ``label`` of the function, or None if ``label`` is not an alias."""
    from moto.awslambda.exceptions import UnknownAliasException

    try:
        return backend.get_alias(label, function_name)
    except UnknownAliasException:
        return None
