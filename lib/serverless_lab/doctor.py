"""`serverless-lab doctor`: is this machine ready for the course? A readable report, exit 0/1."""

from __future__ import annotations

import importlib.metadata as md
import os
import sys
import uuid
from collections.abc import Callable

from .cloud.session import warn_about_real_credentials

PACKAGES = ("moto", "boto3", "jupyterlab", "nbgrader", "ipywidgets", "plotly", "nbclient", "numpy")


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _check_python() -> tuple[bool, str]:
    ok = sys.version_info >= (3, 11)
    return ok, f"Python {sys.version.split()[0]}" + ("" if ok else " — the course needs 3.11 or newer")


def _check_venv() -> tuple[bool | None, str]:
    in_venv = sys.prefix != getattr(sys, "base_prefix", sys.prefix) or "CONDA_PREFIX" in os.environ
    if in_venv:
        return True, f"environment: {sys.prefix}"
    return None, ("not inside a virtual environment: `make lab` creates .venv for you; "
                  "installing into the system Python can clash with other projects")


def _check_packages() -> list[tuple[bool, str]]:
    rows = []
    for name in PACKAGES:
        v = _version(name)
        rows.append((v is not None, f"{name} {v}" if v else f"{name} is missing — run `make setup`"))
    return rows


def _check_extensions() -> list[tuple[bool | None, str]]:
    """JupyterLab's prebuilt extensions live in <jupyter path>/labextensions/<name>/package.json."""
    from pathlib import Path

    from jupyter_core.paths import jupyter_path

    roots = [Path(p) for p in jupyter_path("labextensions")]
    rows: list[tuple[bool | None, str]] = []
    for ext, needed in (("@jupyter-widgets/jupyterlab-manager", True), ("@jupyter/nbgrader", False)):
        found = any((r / ext / "package.json").is_file() for r in roots)
        rows.append((True if found else (False if needed else None),
                     f"JupyterLab extension {ext}: " + ("installed" if found else "not found — run `make setup`")))
    return rows


def _check_round_trip() -> tuple[bool, str]:
    try:
        import boto3

        from .cloud import current_session, mock_aws

        if current_session() is not None:
            return True, "mock round-trip skipped: a mock_aws() session is already running here"
        with mock_aws(extensions=[]):
            s3 = boto3.client("s3", region_name="us-east-1")
            bucket = f"doctor-{uuid.uuid4().hex[:8]}"
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="k", Body=b"ok")
            assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"ok"
            ddb = boto3.client("dynamodb", region_name="us-east-1")
            ddb.create_table(TableName=bucket, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST")
            ddb.put_item(TableName=bucket, Item={"pk": {"S": "a"}})
            assert ddb.get_item(TableName=bucket, Key={"pk": {"S": "a"}})["Item"]["pk"]["S"] == "a"
        return True, "mock round-trip through S3 and DynamoDB: ok"
    except Exception as exc:  # noqa: BLE001
        return False, f"mock round-trip failed: {type(exc).__name__}: {exc}"


def run_doctor(out: Callable[[str], object] = print) -> int:
    rows: list[tuple[bool | None, str]] = [_check_python(), _check_venv(), *_check_packages(),
                                           *_check_extensions(), _check_round_trip()]
    creds = warn_about_real_credentials()
    rows.append((None, creds) if creds else (True, "no real AWS credentials in the environment"))
    out("Serverless Labs doctor")
    for ok, text in rows:
        mark = {True: "  ok  ", False: " FAIL ", None: " warn "}[ok]
        out(f"[{mark}] {text}")
    failed = sum(1 for ok, _ in rows if ok is False)
    out("All good: run `make lab` to start the course." if not failed
        else f"{failed} problem(s) above. `make setup` fixes most of them.")
    return 1 if failed else 0
