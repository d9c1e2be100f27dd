"""EventBridge Scheduler (``scheduler.create_schedule``) firing on the lab clock.

moto stores schedules but never runs them. Here each ENABLED schedule arms a lab-clock timer:
``rate()``, ``cron()`` (read in ``ScheduleExpressionTimezone``) and one-time ``at()``, within
``StartDate`` / ``EndDate``. At each firing the target gets its ``Input`` with the context
attributes ``<aws.scheduler.schedule-arn>``, ``<aws.scheduler.scheduled-time>``,
``<aws.scheduler.execution-id>`` and ``<aws.scheduler.attempt-number>`` filled in (AWS
documents these for templated targets); a schedule without ``Input`` sends ``{}``.
Templated targets run here: Lambda Invoke (asynchronous, as Scheduler calls it), SQS
SendMessage, SNS Publish, Step Functions StartExecution. A one-time schedule with
``ActionAfterCompletion=DELETE`` is deleted after it fires. The flexible time window is
not randomised: a firing happens at the start of its window, so labs are repeatable.

A failed invocation (the target service refused the call: a missing function or queue, a
throttle) is retried on the lab clock until the target's ``RetryPolicy`` runs out, then sent to
its ``DeadLetterConfig`` queue with the message attributes AWS documents (ERROR_CODE,
ERROR_MESSAGE, EXECUTION_ID, EXHAUSTED_RETRY_CONDITION, IS_PAYLOAD_TRUNCATED, RETRY_ATTEMPTS,
SCHEDULED_TIME, SCHEDULE_ARN, TARGET_ARN:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
Scheduler invokes Lambda asynchronously, so a handler that raises is not a failed delivery:
Lambda's own asynchronous retries and destinations handle it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from ... import sample_events
from ...arn import is_arn
from ...arn import parse as parse_arn
from ...cloud.patching import Patcher
from ..eventbridge.rules import Delivery
from ..eventbridge.schedule_expressions import ScheduleExpressionError, parse_schedule
from ..invoke import invoke_lambda
from ..retry_policy import (
    DEFAULT_MAX_EVENT_AGE_S,
    DEFAULT_MAX_RETRY_ATTEMPTS,
    error_code_and_message,
    retry_delay,
)
from .seams import SCHEDULE_SEAMS

if TYPE_CHECKING:
    from ...clock import Timer
    from ...cloud.session import MockSession
    from ..eventbridge.rules import EventBridgeIntegration

log = logging.getLogger(__name__)
Key = tuple[str, str, str, str]  # account, region, group, name


def _epoch(value: Any) -> float | None:
    if value in (None, ""):
        return None
    if hasattr(value, "timestamp"):
        return float(value.timestamp())
    try:
        return float(value)
    except (TypeError, ValueError):
        from datetime import datetime

        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


class SchedulerIntegration:
    """Arms a timer per schedule; records each firing in the EventBridge delivery log."""

    def __init__(self, session: MockSession, patches: Patcher,
                 eventbridge: EventBridgeIntegration) -> None:
        self.clock = session.clock
        self.patches = patches
        self.eventbridge = eventbridge
        self._armed: dict[Key, tuple[tuple, Timer]] = {}
        self._lock = threading.RLock()
        self._stopped = False

    def start(self) -> SchedulerIntegration:
        from moto.scheduler.exceptions import ValidationException
        integration = self
        originals = {name: declared.current() for name, declared in SCHEDULE_SEAMS.items()}

        def validate(kwargs: dict[str, Any]) -> None:
            try:
                parse_schedule(kwargs.get("schedule_expression") or "",
                               timezone_name=kwargs.get("schedule_expression_timezone") or "UTC",
                               allow_at=True)
            except ScheduleExpressionError as exc:
                raise ValidationException(f"Invalid Schedule Expression {exc.message}") from None

        def create_schedule(backend: Any, **kwargs: Any) -> Any:
            validate(kwargs)
            schedule = originals["create_schedule"](backend, **kwargs)
            integration.sync(backend, schedule)
            return schedule

        def update_schedule(backend: Any, **kwargs: Any) -> Any:
            validate(kwargs)
            schedule = originals["update_schedule"](backend, **kwargs)
            integration.sync(backend, schedule, force=True)
            return schedule

        def delete_schedule(backend: Any, group_name: str | None, name: str) -> None:
            originals["delete_schedule"](backend, group_name, name)
            integration.forget((backend.account_id, backend.region_name,
                                group_name or "default", name))

        for name, fn in (("create_schedule", create_schedule),
                         ("update_schedule", update_schedule),
                         ("delete_schedule", delete_schedule)):
            self.patches.replace(SCHEDULE_SEAMS[name], fn)
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for _, timer in self._armed.values():
                timer.cancel()
            self._armed.clear()

    # -- timers -----------------------------------------------------------------------------
    @staticmethod
    def _signature(schedule: Any) -> tuple:
        return (schedule.schedule_expression, schedule.schedule_expression_timezone,
                str(schedule.start_date), str(schedule.end_date), schedule.state)

    def sync(self, backend: Any, schedule: Any, force: bool = False) -> None:
        key = (backend.account_id, backend.region_name, schedule.group_name, schedule.name)
        with self._lock:
            if self._stopped:
                return
            current = self._armed.pop(key, None)
            if current is not None:
                if not force and current[0] == self._signature(schedule):
                    self._armed[key] = current
                    return
                current[1].cancel()
            parsed = parse_schedule(schedule.schedule_expression,
                                    timezone_name=schedule.schedule_expression_timezone or "UTC",
                                    allow_at=True)
            now = self.clock.now()
            start = _epoch(schedule.start_date)
            if start is not None and start > now and not hasattr(parsed, "when"):
                when = start if hasattr(parsed, "period_s") else parsed.next_after(start - 1)
            else:
                when = parsed.first_after_creation(now)
            self._arm(key, parsed, schedule, when)

    def _arm(self, key: Key, parsed: Any, schedule: Any, when: float) -> None:
        end = _epoch(schedule.end_date)
        if when == float("inf") or (end is not None and when > end):
            return
        signature = self._signature(schedule)
        timer = self.clock.call_at(when, lambda: self._fire(key, parsed, signature, when))
        self._armed[key] = (signature, timer)

    def forget(self, key: Key) -> None:
        with self._lock:
            current = self._armed.pop(key, None)
            if current is not None:
                current[1].cancel()

    def armed(self) -> dict[str, float]:
        with self._lock:
            return {f"{k[2]}/{k[3]}": t.when for k, (_, t) in self._armed.items()}

    def _fire(self, key: Key, parsed: Any, signature: tuple, when: float) -> None:
        from moto.scheduler.models import scheduler_backends

        account, region, group, name = key
        with self._lock:
            current = self._armed.get(key)
            if self._stopped or current is None or current[0] != signature:
                return
            backend = scheduler_backends[account][region]
            try:
                schedule = backend.get_schedule(group, name)
            except Exception:  # noqa: BLE001 - deleted behind our back
                self._armed.pop(key, None)
                return
            self._armed.pop(key, None)
            self._arm(key, parsed, schedule, parsed.next_after(when))
        if schedule.state != "ENABLED":
            return
        self._deliver(schedule, when, account, region)
        if hasattr(parsed, "when") and (schedule.action_after_completion or "") == "DELETE":
            try:
                backend.delete_schedule(group, name)
            except Exception:  # noqa: BLE001
                pass

    # -- delivery ---------------------------------------------------------------------------
    def _deliver(self, schedule: Any, when: float, account: str, region: str) -> None:
        target = schedule.target or {}
        self._attempt(schedule, dict(target), when, account, region, str(uuid.uuid4()), 0, when)

    def _attempt(self, schedule: Any, target: dict[str, Any], when: float, account: str, region: str,
                 execution_id: str, retries: int, attempt_at: float) -> None:
        """One invocation of the target; a failed one is retried on the lab clock as the
        schedule's ``RetryPolicy`` allows, then sent to its ``DeadLetterConfig`` queue."""
        arn = target.get("Arn", "")
        payload = str(target.get("Input") or "{}")
        for attr, value in (("schedule-arn", schedule.arn),
                            ("scheduled-time", sample_events.iso_time(when)),
                            ("execution-id", execution_id), ("attempt-number", str(retries + 1))):
            payload = payload.replace(f"<aws.scheduler.{attr}>", value)
        record = Delivery(schedule.arn, "scheduler", arn, payload, attempt_at, scheduled=True)   # its scheduled time
        try:
            _invoke_target(target, payload, account, region)
        except Exception as exc:  # noqa: BLE001 - a schedule keeps going, as on AWS
            record.ok, record.error = False, f"{type(exc).__name__}: {exc}"
            log.warning("schedule %s could not deliver to %s: %s", schedule.name, arn, record.error)
            self.eventbridge.deliveries.append(record)
            self._failed(schedule, target, when, account, region, execution_id, retries, attempt_at, exc)
            return
        self.eventbridge.deliveries.append(record)

    def _failed(self, schedule: Any, target: dict[str, Any], when: float, account: str, region: str,
                execution_id: str, retries: int, attempt_at: float, exc: Exception) -> None:
        policy = target.get("RetryPolicy") or {}
        max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS))
        max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
        retry_at = attempt_at + retry_delay(retries)  # on the lab clock's timeline
        if retries >= max_retries:
            condition = "MaximumRetryAttempts"
        elif retry_at - when > max_age:
            condition = "MaximumEventAgeInSeconds"
        else:
            with self._lock:
                if self._stopped:
                    return
                self.clock.call_at(retry_at, lambda: self._attempt(
                    schedule, target, when, account, region, execution_id, retries + 1, retry_at))
            return
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            return  # AWS drops an event whose retries ran out when no dead-letter queue is set
        code, message = error_code_and_message(exc)
        attributes = {
            "ERROR_CODE": code, "ERROR_MESSAGE": message, "EXECUTION_ID": execution_id,
            "EXHAUSTED_RETRY_CONDITION": condition, "IS_PAYLOAD_TRUNCATED": "false",
            "RETRY_ATTEMPTS": str(retries), "SCHEDULED_TIME": sample_events.iso_time(when),
            "SCHEDULE_ARN": schedule.arn, "TARGET_ARN": target.get("Arn", ""),
        }
        try:
            from moto.sqs.models import sqs_backends

            ref = parse_arn(dlq)
            sqs_backends[ref.account or account][ref.region or region].send_message(
                queue_name=ref.name, message_body=str(target.get("Input") or "{}"),
                message_attributes={k: {"DataType": "String", "StringValue": v}
                                    for k, v in attributes.items()})
        except Exception as dlq_exc:  # noqa: BLE001 - reported, as AWS reports a failed DLQ delivery
            log.warning("schedule %s could not send its dead-letter event to %s: %s",
                        schedule.name, dlq, dlq_exc)


def _invoke_target(target: dict[str, Any], payload: str, account: str, region: str) -> None:
    """Invoke a templated target once: Lambda Invoke (asynchronous), SQS SendMessage, SNS Publish,
    Step Functions StartExecution. Raises the target service's error."""
    arn = target.get("Arn", "")
    ref = parse_arn(arn) if is_arn(arn) else None
    service = ref.service if ref else ""
    t_account = (ref.account if ref else "") or account
    t_region = (ref.region if ref else "") or region
    if service == "lambda":
        invoke_lambda(arn, payload, "schedule", account_id=account, region=region, asynchronous=True)
    elif service == "sqs":
        from moto.sqs.models import sqs_backends

        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        sqs_backends[t_account][t_region].send_message(
            queue_name=ref.name if ref else arn, message_body=payload, group_id=group_id)
    elif service == "sns":
        from moto.sns.models import sns_backends

        sns_backends[t_account][t_region].publish(message=payload, arn=arn)
    elif service == "states":
        from moto.stepfunctions.responses import get_backend

        get_backend(t_account, t_region).start_execution(
            arn, name=str(uuid.uuid4()), execution_input=payload)
    else:
        raise NotImplementedError(f"scheduler target {service or arn!r} is not run locally "
                                  "(Lambda, SQS, SNS and Step Functions are)")
