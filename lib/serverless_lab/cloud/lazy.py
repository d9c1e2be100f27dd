"""Run a callback when a module is first imported (or at once, if it already is).

moto imports a service's backend only when that service is first called. Extensions that
patch a backend (Fargate patches ECS, which drags in all of EC2: seconds of import) wait
for that moment instead of paying the import at every ``mock_aws()`` start.
"""

from __future__ import annotations

import importlib.abc
import logging
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

    def fire(self, module: ModuleType) -> None:
        if self.done or self.cancelled:
            return
        self.done = True
        try:
            self.callback(module)
        except Exception:  # noqa: BLE001 - a failing extension must not break moto's import
            logging.getLogger(__name__).exception("serverless-lab: patching %s failed", self.name)

    def cancel(self) -> None:
        self.cancelled = True
        with _lock:
            pending = _waiting.get(self.name, [])
            if self in pending:
                pending.remove(self)


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
            with _lock:
                pending = _waiting.pop(fullname, [])
            for hook in pending:
                hook.fire(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


_finder = _Finder()


def when_imported(name: str, callback: Callable[[ModuleType], Any]) -> WhenImported:
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
