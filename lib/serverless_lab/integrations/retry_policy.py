"""Retry policies of EventBridge Scheduler schedules and EventBridge rule targets, on the lab clock.

Both services retry a failed target call "with exponential backoff" until ``MaximumRetryAttempts``
(0-185) or ``MaximumEventAgeInSeconds`` (60-86,400) runs out, then send the event to the target's
dead-letter queue (``scheduler/firing``, ``eventbridge/rules``).
"""

from __future__ import annotations

# Without a RetryPolicy, Scheduler and EventBridge retry for 24 hours and up to 185 times (Scheduler User
# Guide, "Configuring a retry policy"; EventBridge User Guide, "Debugging event delivery").
# The ranges: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html
DEFAULT_MAX_RETRY_ATTEMPTS = 185
DEFAULT_MAX_EVENT_AGE_S = 86400


def retry_delay(retries: int) -> float:
    """Seconds before the next attempt. AWS retries "with exponential backoff" without publishing
    the intervals; the lab doubles from 1 second, capped at 5 minutes, so a lab can count attempts."""
    return float(min(2 ** retries, 300))


def error_code_and_message(exc: Exception) -> tuple[str, str]:
    """The target service's error code and message, as Scheduler puts them in ERROR_CODE and
    ERROR_MESSAGE (moto's service errors carry ``error_type`` and ``message``)."""
    code = getattr(exc, "error_type", None) or type(exc).__name__
    message = getattr(exc, "message", None) or str(exc)
    return str(code), str(message)
