"""Deploying a test function in one line, with the course's own packaging helpers."""

from __future__ import annotations

from typing import Any

from serverless_lab.packaging import lambda_role, zip_code


def create(lam: Any, name: str, code: str, **kw: Any) -> str:
    """Create `name` from handler source `code` (file app.py, handler app.handler); return its ARN."""
    kw.setdefault("Runtime", "python3.12")
    kw.setdefault("Handler", "app.handler")
    return lam.create_function(FunctionName=name, Role=lambda_role(), Code={"ZipFile": zip_code(code, "app.py")},
                               **kw)["FunctionArn"]
