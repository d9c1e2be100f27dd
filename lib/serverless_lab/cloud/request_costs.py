"""Work moto repeats on every request, done once while its inputs stay the same.

- ``BaseResponse.call_action`` lists the response class's methods with ``inspect.getmembers``
  on every request (about 0.2 ms for Lambda's, a tenth of a warm invoke in the mock). The
  names change only when an attribute is added to or removed from the class or a base (a seam
  with ``create=True`` does that), so the list is kept per class and recomputed when the
  number of attributes along the class's MRO changes.
- ``S3Backend._url_module`` re-imports ``moto.s3.urls`` twice per S3 request (about 0.45 ms
  of a 3.3 ms ``put_object``) because ``MOTO_S3_CUSTOM_ENDPOINTS`` may have changed; the
  module is reloaded only when that variable's value changes.

Both are seams (docs/architecture.md, "Seams"), installed for the session and undone at stop.
"""

from __future__ import annotations

import os
import threading
from importlib import reload
from typing import Any

from .patching import Patcher, seam

METHOD_NAMES = seam(
    "moto.core.responses:method_names_from_class", extension="session",
    why="moto lists a response class's methods with inspect.getmembers on every request; the course "
        "keeps the list per class until an attribute is added or removed")
S3_URL_MODULE = seam(
    "moto.s3.models:S3Backend._url_module", extension="session", lazy=True,
    why="moto re-imports moto.s3.urls twice per S3 request in case MOTO_S3_CUSTOM_ENDPOINTS changed; "
        "the course reloads it only when that variable changes")


def _cached_method_names(original: Any) -> Any:
    cache: dict[type, tuple[int, list[str]]] = {}
    lock = threading.Lock()

    def method_names_from_class(clazz: Any) -> list[str]:
        size = sum(len(c.__dict__) for c in getattr(clazz, "__mro__", (clazz,)))
        found = cache.get(clazz)
        if found is not None and found[0] == size:
            return found[1]
        names = original(clazz)
        with lock:
            cache[clazz] = (size, names)
        return names

    return method_names_from_class


def _s3_url_module() -> property:
    state: dict[str, Any] = {}

    def url_module(self: Any) -> Any:
        import moto.s3.urls as urls

        endpoints = os.environ.get("MOTO_S3_CUSTOM_ENDPOINTS")
        if state.get("module") is not urls or state.get("endpoints", object()) != endpoints:
            reload(urls)
            state.update(module=urls, endpoints=endpoints)
        return urls

    return property(url_module)


def install(patcher: Patcher) -> None:
    """Install both for the session (undone with ``patcher.undo()``)."""
    patcher.replace(METHOD_NAMES, _cached_method_names(METHOD_NAMES.current()))
    patcher.on_import("moto.s3.models", lambda _m: patcher.replace(S3_URL_MODULE, _s3_url_module()))
