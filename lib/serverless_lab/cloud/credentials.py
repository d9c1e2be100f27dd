"""Fake credentials and a fixed region, so mocked code can never reach a real account."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

FAKE_CREDENTIALS: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

# Variables that could point boto3 at a real account; hidden while a mock runs.
_REAL_ACCOUNT_VARS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                      "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                      "AWS_ENDPOINT_URL")


def real_credentials_present(environ: Mapping[str, str] | None = None) -> list[str]:
    """Names of environment variables or files that look like real AWS credentials."""
    env = os.environ if environ is None else environ
    found = []
    key = env.get("AWS_ACCESS_KEY_ID", "")
    if key and key not in {"testing", "FOOBARKEY"} and (key.startswith("AKIA") or key.startswith("ASIA")):
        found.append("AWS_ACCESS_KEY_ID")
    for var in ("AWS_PROFILE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        if env.get(var):
            found.append(var)
    creds_file = env.get("AWS_SHARED_CREDENTIALS_FILE", os.path.expanduser("~/.aws/credentials"))
    if creds_file and os.path.isfile(creds_file):
        found.append(creds_file)
    return found


def mock_environment(region: str) -> dict[str, str]:
    """The variables a mocked process runs with (fake keys, region, no profile files)."""
    return {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@contextmanager
def patched_environ(values: Mapping[str, str], remove: tuple[str, ...] = _REAL_ACCOUNT_VARS) -> Iterator[None]:
    """Set ``values`` and hide ``remove`` in os.environ, restoring everything afterwards."""
    saved = {k: os.environ.get(k) for k in (*values, *remove)}
    try:
        for k in remove:
            os.environ.pop(k, None)
        os.environ.update(values)
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
