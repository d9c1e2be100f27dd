"""Deploying a test function in one line, with the course's own packaging helpers."""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from serverless_lab.packaging import lambda_role, zip_code


def create(lam: Any, name: str, code: str, **kw: Any) -> str:
    """Create `name` from handler source `code` (file app.py, handler app.handler); return its ARN."""
    kw.setdefault("Runtime", "python3.12")
    kw.setdefault("Handler", "app.handler")
    return lam.create_function(FunctionName=name, Role=lambda_role(), Code={"ZipFile": zip_code(code, "app.py")},
                               **kw)["FunctionArn"]


def runtime_available() -> bool:
    """The local Lambda runtime is a separate piece; end-to-end tests need it installed."""
    if importlib.util.find_spec("serverless_lab.runtime") is None:
        return False
    try:
        return hasattr(importlib.import_module("serverless_lab.runtime"), "activate")
    except Exception:  # noqa: BLE001 - a half-written runtime counts as absent
        return False
