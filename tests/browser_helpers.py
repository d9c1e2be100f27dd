"""What every browser test shares: Debian's Chromium, the flags this machine needs, and the CI rule.

Under CI (CI=true) a browser test must run: a missing browser is a failure, not a skip. Elsewhere it
skips with the command that installs what is missing.
"""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
# --disable-background-networking & co: no connections to Google's services (the machine is offline)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, why: str) -> None:
    """Skip (or, under CI, fail) with ``why`` unless ``condition`` holds."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI must run the browser test, but {why}")
    pytest.skip(why)
