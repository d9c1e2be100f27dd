"""How EventBridge plugs into moto: the seams of rules and targets (``rules``) and of event
pattern checks (``pattern_rules``), and the install of the pattern checks.
"""

from __future__ import annotations

import json
from typing import Any

from ...cloud.patching import seam
from .pattern_rules import check

_EXT = "integrations"

SEND_TO_TARGETS = seam(
    "moto.events.models:Rule.send_to_targets", extension="integrations",
    why="moto raises NotImplementedError for Lambda targets, ignores DISABLED rules and lets schedule "
        "rules match every event; the course delivers to Lambda (async) and Step Functions")
PUT_RULE = seam(
    "moto.events.models:EventsBackend.put_rule", extension="integrations",
    why="moto never fires schedule rules: arm them on the lab clock (and validate the expression)")
DELETE_RULE = seam(
    "moto.events.models:EventsBackend.delete_rule", extension="integrations",
    why="a deleted schedule rule's timer is cancelled")
VALIDATE = seam("moto.events.models:EventPatternParser._validate_event_pattern", extension=_EXT,
                why="moto accepts patterns AWS rejects (bad operators, wrong value types) and fails "
                    "with AttributeError on a top-level array; the course validates as EventBridge "
                    "does, with its InvalidEventPatternException reasons.")
TEST_PATTERN = seam("moto.events.responses:EventsHandler.test_event_pattern", extension=_EXT,
                    why="moto's TestEventPattern returns an empty body; the course answers "
                        "{\"Result\": true|false} with moto's matcher.")


def install_pattern_checks(patcher: Any) -> None:
    """Install both seams with ``patcher`` (a :class:`serverless_lab.cloud.patching.Patcher`)."""

    def _validate(parser: Any, pattern: Any) -> None:
        check(pattern)

    def test_event_pattern(handler: Any) -> str:
        from moto.events.models import EventPattern

        raw = handler._get_param("EventPattern")
        try:
            event = json.loads(handler._get_param("Event") or "")
        except ValueError:
            from moto.events.exceptions import ValidationException

            raise ValidationException("Parameter Event is not valid.") from None
        missing = [k for k in ("id", "account", "source", "time", "region", "detail-type")
                   if k not in event]
        if missing:
            from moto.events.exceptions import ValidationException

            raise ValidationException(f"Parameter Event is not valid: the event has no "
                                      f"{', '.join(missing)} (give the whole envelope, as "
                                      "EventBridge delivers it).")
        pattern = EventPattern.load(raw)   # validates (the seam above)
        return json.dumps({"Result": bool(pattern.matches_event(event))})

    patcher.replace(VALIDATE, _validate)
    patcher.replace(TEST_PATTERN, test_event_pattern)
