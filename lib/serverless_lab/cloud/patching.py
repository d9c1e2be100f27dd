"""The one way the course changes moto: declared seams, installed and undone per session.

Every change to moto's behaviour is a :class:`Seam` declared at import time of the module
that owns it (``SEAM = seam("moto.awslambda.models:LambdaFunction.invoke", why=..., extension=...)``)
and installed while a session runs with :meth:`Patcher.replace`. The declarations form the
inventory that docs/architecture.md lists and that ``tests/test_seams.py`` walks: each target
exists in the installed moto, each replacement takes the original's parameters, and nothing is
left patched after ``stop()``.

Reads of moto's *private* state (``backend._lambdas._functions``, ...) are declared the same
way with :func:`private` and read through the returned :class:`PrivateRead`, which fails with a
:class:`SeamError` instead of a bare ``AttributeError`` or ``KeyError`` three frames later.

A target that cannot be found raises :class:`SeamError` (loud, never swallowed): a moto upgrade
that moved something fails in one clear place instead of silently switching a feature off.
:func:`check_moto_version` (called by ``mock_aws()`` at start) refuses a moto outside
:data:`SUPPORTED_MOTO` with one message that says what to do.
"""

from __future__ import annotations

import importlib
import inspect
import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from ..errors import LabError

# The moto releases every seam was checked against, and the range mock_aws() accepts
# (docs/architecture.md, "Upgrading moto"). Change both together, after running tests/test_seams.py.
CHECKED_MOTO = ("5.2.5",)
SUPPORTED_MOTO = ("5.2.5", "5.3")   # [lowest accepted, first refused)

_UPGRADE_HINT = ("The installed moto differs from the version the course supports: reinstall the pinned "
                 "one with `python -m pip install -r requirements.txt` (docs/architecture.md, 'Upgrading moto').")


class SeamError(LabError):
    """A seam's target is not where the installed moto should have it."""


def upgrade_hint() -> str:
    """What to do when moto is not what the seams expect (shared by every loud failure)."""
    return _UPGRADE_HINT


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        m = re.match(r"\d+", piece)
        if not m:
            break
        parts.append(int(m.group()))
    return tuple(parts)


def installed_moto() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("moto")
    except PackageNotFoundError:
        return "not installed"


def check_moto_version(found: str | None = None) -> str:
    """Return the installed moto's version, or raise one LabError saying what to do."""
    found = installed_moto() if found is None else found
    low, high = SUPPORTED_MOTO
    v = _version_tuple(found)
    if not v or not (_version_tuple(low) <= v < _version_tuple(high)):
        raise LabError(
            f"This course needs moto >= {low} and < {high}; this Python has moto {found}. "
            "The library changes moto in the places listed in docs/architecture.md ('Seams'), "
            "checked against those versions only.",
            "Install the course's pinned versions: `python -m pip install -r requirements.txt` "
            "(or `make setup`), then restart the kernel.")
    return found


@dataclass(frozen=True)
class Seam:
    """One place where the course replaces (or adds) an attribute of moto's."""

    target: str            # "module.path:Owner.attr" or "module.path:attr"
    why: str               # what moto does there and what the course needs instead
    extension: str         # the extension that installs it ("lambda", "integrations", ...)
    create: bool = False   # moto lacks the attribute: the seam adds it
    item: bool = False     # the target is a dict and the seam adds/replaces keys (url_paths)
    checked: tuple[str, ...] = field(default=CHECKED_MOTO)
    lazy: bool = False     # installed when moto first imports the module (cloud/lazy.py)

    @property
    def module(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def path(self) -> list[str]:
        return self.target.split(":", 1)[1].split(".")

    def owner(self) -> Any:
        """The object that holds the attribute (imports the module)."""
        try:
            obj: Any = importlib.import_module(self.module)
        except ImportError as exc:
            raise SeamError(f"moto has no module {self.module} (seam {self.target}): {exc}",
                            _UPGRADE_HINT) from exc
        for name in self.path[:-1]:
            try:
                obj = getattr(obj, name)
            except AttributeError as exc:
                raise SeamError(f"moto has no {name} in {self.module} (seam {self.target})",
                                _UPGRADE_HINT) from exc
        return obj

    @property
    def attr(self) -> str:
        return self.path[-1]

    def current(self) -> Any:
        """What the target holds now; raises SeamError if it is missing and not ``create``."""
        owner = self.owner()
        if not hasattr(owner, self.attr):
            if self.create:
                return None
            raise SeamError(f"moto has no {self.attr} on {self.module}:{'.'.join(self.path[:-1]) or ''}"
                            f" (seam {self.target})", _UPGRADE_HINT)
        return getattr(owner, self.attr)

    def signature_problem(self, original: Any, replacement: Any) -> str | None:
        """None if ``replacement`` accepts every argument moto may pass to ``original``, else what differs.

        Each of moto's parameters (after the first, ``self``) must be a parameter of the
        replacement with the same name, or be absorbed by its ``*args`` / ``**kwargs``; a
        parameter the replacement requires must be one of moto's."""
        if self.item or self.create or not callable(original) or isinstance(original, type):
            return None
        orig, repl = _params(original), _params(replacement)
        if orig is None or repl is None:
            return None
        P = inspect.Parameter
        var_pos = any(p.kind is P.VAR_POSITIONAL for p in repl)
        var_kw = any(p.kind is P.VAR_KEYWORD for p in repl)
        named = {p.name: p for p in repl if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)}
        orig_named = [p for p in orig if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)]
        repl_named = [p for p in repl if p.kind not in (P.VAR_POSITIONAL, P.VAR_KEYWORD)]
        method = bool(orig_named) and orig_named[0].name in ("self", "cls")
        if method:
            orig_named, repl_named = orig_named[1:], repl_named[1:]
            named = {p.name: p for p in repl_named}
        missing = [p.name for p in orig_named if p.name not in named and not (var_kw or
                   (var_pos and p.kind is P.POSITIONAL_ONLY))]
        extra = [p.name for p in repl_named if p.default is P.empty and p.kind is not P.VAR_KEYWORD
                 and p.name not in {q.name for q in orig_named}]
        if any(p.kind is P.VAR_KEYWORD for p in orig) and not var_kw:
            missing.append("**kwargs")
        if any(p.kind is P.VAR_POSITIONAL for p in orig) and not var_pos:
            missing.append("*args")
        positional = (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)
        r_pos = [p.name for p in repl_named if p.kind in positional]
        o_pos = [p.name for p in orig_named if p.kind in positional]
        moved = [n for i, n in enumerate(o_pos) if n in r_pos and r_pos.index(n) != i]
        if moved:
            return f"{self.target}: the replacement takes {moved} at other positions than moto ({o_pos})"
        if missing or extra:
            return (f"{self.target}: the replacement does not take moto's {missing}" if missing else
                    f"{self.target}: the replacement requires {extra}, which moto does not pass")
        return None


def _params(fn: Any) -> list[inspect.Parameter] | None:
    # a classmethod's original is read bound to its class (no cls): compare the functions themselves
    fn = fn.__func__ if isinstance(fn, (staticmethod, classmethod)) or inspect.ismethod(fn) else fn
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None


SEAMS: dict[str, Seam] = {}

# target -> (moto's original, the installed replacement), while a session has it installed:
# what tests/test_seams.py compares signatures with and checks is gone after stop().
LIVE: dict[str, tuple[Any, Any]] = {}


def seam(target: str, *, why: str, extension: str, create: bool = False, item: bool = False,
         checked: tuple[str, ...] = CHECKED_MOTO, lazy: bool = False) -> Seam:
    """Declare a seam and add it to the inventory (idempotent for the same target)."""
    declared = Seam(target, why, extension, create, item, checked, lazy)
    SEAMS.setdefault(target, declared)
    return SEAMS[target]


# -- reads of moto's private state ------------------------------------------------------------------

@dataclass(frozen=True)
class PrivateRead:
    """A declared read of moto's private state: ``read(obj)`` follows ``attrs`` or raises SeamError."""

    owner: str             # "moto.awslambda.models:LambdaBackend" (documentation and the test)
    attrs: str             # "_lambdas._functions"
    why: str
    checked: tuple[str, ...] = field(default=CHECKED_MOTO)

    def read(self, obj: Any) -> Any:
        for name in self.attrs.split("."):
            try:
                obj = getattr(obj, name)
            except AttributeError as exc:
                raise SeamError(f"moto's {self.owner} has no {self.attrs} (private state the course reads: "
                                f"{self.why})", _UPGRADE_HINT) from exc
        return obj


PRIVATE_READS: dict[str, PrivateRead] = {}


def private(owner: str, attrs: str, *, why: str, checked: tuple[str, ...] = CHECKED_MOTO) -> PrivateRead:
    """Declare a read of moto's private state and add it to the inventory."""
    key = f"{owner}.{attrs}"
    PRIVATE_READS.setdefault(key, PrivateRead(owner, attrs, why, checked))
    return PRIVATE_READS[key]


# -- installing ----------------------------------------------------------------------------------------

class Patcher:
    """Installs seams for one session and undoes them, in reverse order, on ``undo()``."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self.installed: list[Seam] = []

    def replace(self, declared: Seam, replacement: Any) -> Any:
        """Install ``replacement`` at the seam; return what was there (None if ``create``)."""
        original = declared.current()
        owner = declared.owner()
        if declared.item:
            self._stack.enter_context(mock.patch.dict(getattr(owner, declared.attr), replacement))
        else:
            self._stack.enter_context(mock.patch.object(owner, declared.attr, replacement,
                                                        create=declared.create))
        self.installed.append(declared)
        LIVE[declared.target] = (original, replacement)
        self._stack.callback(LIVE.pop, declared.target, None)
        return original

    def add(self, cm: Any) -> Any:
        """Hold any other context manager until ``undo()`` (e.g. a nested Patcher)."""
        return self._stack.enter_context(cm)

    def on_import(self, module: str, install: Any) -> None:
        """Run ``install(module_object)`` when moto first imports ``module`` (at once if it has).

        For seams on backends that are slow to import (ECS drags in EC2): the session does not
        pay the import unless a lab uses the service. The wait is cancelled at ``undo()``; a
        failing ``install`` raises SeamError from the import (cloud/lazy.py), never silently."""
        from .lazy import when_imported

        def loud(module_object: Any) -> None:
            try:
                install(module_object)
            except SeamError:
                raise
            except Exception as exc:
                raise SeamError(f"serverless-lab could not change moto's {module} when moto imported it: "
                                f"{type(exc).__name__}: {exc}", _UPGRADE_HINT) from exc

        hook = when_imported(module, loud)
        self._stack.callback(hook.cancel)

    def callback(self, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` at ``undo()`` (e.g. cancel a pending lazy install)."""
        self._stack.callback(fn, *args)

    def undo(self) -> None:
        self._stack.close()
        self.installed.clear()

    def __enter__(self) -> Patcher:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.undo()
