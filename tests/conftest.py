"""Shared fixtures: a mocked world per test, the course folder, notebook helpers."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

import serverless_lab  # noqa: F401  (first: it skips a slow optional import of jsonschema's)

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("SERVERLESS_LAB_ROOT", str(ROOT))
# Never let a test reach a real account, whatever the developer's shell holds.
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
    os.environ.pop(_var, None)
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull})


@pytest.fixture
def aws():
    """A running serverless_lab.mock_aws() session, stopped after the test."""
    from serverless_lab import mock_aws

    with mock_aws() as session:
        yield session


@pytest.fixture
def world():
    """A mocked world with only the integrations extension: stand-in handlers need no runtime."""
    from serverless_lab import mock_aws

    with mock_aws(extensions=["integrations"]) as session:
        yield session


@pytest.fixture
def unique():
    """unique("bucket") -> 'bucket-1a2b3c4d': resource names never collide across tests."""
    return lambda base="res": f"{base}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


def solution_notebooks() -> list[Path]:
    return sorted(ROOT.glob("solutions/*/*.ipynb"))


def released_notebooks() -> list[Path]:
    return sorted(ROOT.glob("labs/*/*.ipynb"))
