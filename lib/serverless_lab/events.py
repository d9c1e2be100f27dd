"""Compatibility name for :mod:`serverless_lab.sample_events` (sample events in AWS's shapes).

The module was renamed so that it cannot be mistaken for EventBridge (``integrations/eventbridge``);
``from serverless_lab import events`` and ``events.s3_put(...)`` in existing labs keep working.
"""

from __future__ import annotations

from .sample_events import *  # noqa: F403 - the whole public surface, by design
from .sample_events import DEFAULT_ACCOUNT, DEFAULT_REGION, __all__  # noqa: F401
