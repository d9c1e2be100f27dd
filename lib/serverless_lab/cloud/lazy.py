"""Run a callback when a module is first imported (or at once, if it already is).

moto imports a service's backend only when that service is first called. Extensions that
patch a backend (Fargate patches ECS, which drags in all of EC2: seconds of import) wait
for that moment instead of paying the import at every ``mock_aws()`` start; use
:meth:`serverless_lab.cloud.patching.Patcher.on_import`, which cancels the wait at ``undo()``.

A callback that fails is loud: the import that triggered it raises the callback's error
(:meth:`Patcher.on_import` turns it into a SeamError naming the module), so the boto3 call
that made moto import the module fails with that message, and the callback stays pending, so
a second attempt fails the same way instead of running moto unpatched (docs/architecture.md,
"Seams").
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

_lock = threading.RLock()
_waiting: dict[str, list[WhenImported]] = {}


class WhenImported:
    """Handle for one pending callback; ``cancel()`` drops it if it has not run."""

    def __init__(self, name: str, callback: Callable[[ModuleType], Any]) -> None:
        self.name, self.callback, self.done, self.cancelled = name, callback, False, False
        self.error: BaseException | None = None

    def fire(self, module: ModuleType) -> None:
        """Run the callback once; a failure raises (and leaves the hook not done)."""
        if self.done or self.cancelled:
            return
        try:
            self.callback(module)
        except BaseException as exc:
            self.error = exc
            raise
        self.done, self.error = True, None

    def cancel(self) -> None:
        self.cancelled = True
        with _lock:
            pending = _waiting.get(self.name, [])
            if self in pending:
                pending.remove(self)
            if not pending:
                _waiting.pop(self.name, None)


def _fire_all(name: str, module: ModuleType) -> None:
    with _lock:
        pending = _waiting.pop(name, [])
    failed: list[tuple[WhenImported, BaseException]] = []
    for hook in pending:
        try:
            hook.fire(module)
        except BaseException as exc:  # noqa: BLE001 - collected, re-raised below
            failed.append((hook, exc))
    if failed:
        with _lock:   # still pending: the next import of the module fails the same way
            _waiting.setdefault(name, []).extend(h for h, _ in failed if not h.cancelled)
        raise failed[0][1]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any, target: Any = None):  # noqa: ANN201
        if fullname not in _waiting:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            _fire_all(fullname, module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_finder = _Finder()


def when_imported(name: str, callback: Callable[[ModuleType], Any]) -> WhenImported:
    """Call ``callback(module)`` when ``name`` is imported (now, if it already is; errors raise)."""
    hook = WhenImported(name, callback)
    with _lock:
        module = sys.modules.get(name)
        if module is None:
            _waiting.setdefault(name, []).append(hook)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
    if module is not None:
        hook.fire(module)
    return hook
