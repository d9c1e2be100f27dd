"""How later pieces plug into ``mock_aws``.

An extension is a module with ``activate(session) -> handle``; the handle has ``stop()``.
``mock_aws`` imports the modules named in :data:`DEFAULT_EXTENSIONS` when it starts, so the
cloud layer never imports the runtime or the engines (dependencies point downwards), and a
piece that is not installed is simply skipped.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .session import MockSession


class ExtensionHandle(Protocol):
    def stop(self) -> None: ...


# name -> module; the name is how a session exposes it: session.extension("lambda")
DEFAULT_EXTENSIONS: dict[str, str] = {
    "lambda": "serverless_lab.runtime",
    "integrations": "serverless_lab.integrations",
    "fargate": "serverless_lab.fargate",
    "aurora": "serverless_lab.aurora",
}


def load(names: list[str] | None) -> dict[str, Any]:
    """Import the extension modules; a module that does not exist yet is skipped."""
    wanted = DEFAULT_EXTENSIONS if names is None else {n: DEFAULT_EXTENSIONS.get(n, n) for n in names}
    modules = {}
    for name, module_name in wanted.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue  # the piece is not part of this installation
            raise
        if hasattr(module, "activate"):
            modules[name] = module
    return modules


def activate_all(session: MockSession, modules: dict[str, Any]) -> dict[str, ExtensionHandle]:
    handles: dict[str, ExtensionHandle] = {}
    try:
        for name, module in modules.items():
            handles[name] = module.activate(session)
    except BaseException:
        stop_all(handles)
        raise
    return handles


def stop_all(handles: dict[str, ExtensionHandle]) -> list[BaseException]:
    """Stop in reverse order of start; collect errors rather than leave anything running."""
    errors = []
    for name in reversed(list(handles)):
        try:
            handles[name].stop()
        except BaseException as exc:  # noqa: BLE001 - clean-up must continue
            errors.append(exc)
    handles.clear()
    return errors
