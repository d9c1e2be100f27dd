"""EventBridge rules that reach Lambda (and Step Functions), on events and on schedules.

moto matches ``put_events`` entries against rules but raises NotImplementedError for Lambda
targets, never checks whether a rule is disabled, lets schedule rules (whose pattern is empty)
match every event, and never fires schedules. This module patches
``moto.events.models.Rule.send_to_targets`` so that:

- a disabled rule matches nothing, a schedule rule matches no put_events entry (as on AWS);
- Lambda targets are invoked asynchronously (InvocationType ``Event``, as EventBridge does)
  with the event in AWS's shape, after ``Input`` / ``InputPath`` / ``InputTransformer``;
- Step Functions targets start an execution; SQS targets get the same target input as the
  message body (moto ignores ``Input`` and ``InputPath``); every other target keeps moto's behaviour;

and patches ``EventsBackend.put_rule`` / ``delete_rule`` so that schedule rules fire
"Scheduled Event"s on the lab clock: ``aws.clock.advance(3600)`` runs the twelve firings of a
``rate(5 minutes)`` rule at once, in order.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ... import sample_events
from ...arn import is_arn
from ...arn import parse as parse_arn
from ...cloud.patching import Patcher
from ..invoke import invoke_lambda
from ..retry_policy import (
    DEFAULT_MAX_EVENT_AGE_S,
    DEFAULT_MAX_RETRY_ATTEMPTS,
    error_code_and_message,
    retry_delay,
)
from .patterns import target_input
from .schedule_expressions import ScheduleExpressionError, parse_schedule
from .seams import DELETE_RULE, PUT_RULE, SEND_TO_TARGETS

if TYPE_CHECKING:
    from ...clock import LabClock, Timer
    from ...cloud.session import MockSession

log = logging.getLogger(__name__)
_EVENT_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region",
               "resources", "detail")


@dataclass
class Delivery:
    """One event handed to one target: what a lab can inspect after ``put_events``."""

    rule_arn: str
    target_id: str
    target_arn: str
    payload: str
    at: float
    scheduled: bool = False
    ok: bool = True
    error: str | None = None

    @property
    def event(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError:
            return self.payload


def _iso(value: Any) -> str:
    """EventBridge's ``time``: ``2026-11-22T22:12:34Z`` whatever form moto kept it in."""
    if isinstance(value, (int, float)):
        return sample_events.iso_time(float(value))
    if isinstance(value, datetime):
        return sample_events.iso_time(value.timestamp())
    if isinstance(value, str) and value:
        try:
            return sample_events.iso_time(float(value))
        except ValueError:
            return value
    return sample_events.iso_time()


def aws_event(moto_event: dict[str, Any]) -> dict[str, Any]:
    """The event as AWS delivers it (moto keeps ``time`` as a float and adds ingestion-time)."""
    out = {k: copy.deepcopy(moto_event.get(k)) for k in _EVENT_KEYS}
    out["version"] = out["version"] or "0"
    out["time"] = _iso(moto_event.get("time"))
    out["resources"] = out["resources"] or []
    out["detail"] = out["detail"] if out["detail"] is not None else {}
    if moto_event.get("replay-name"):
        out["replay-name"] = moto_event["replay-name"]
    return out


def _service(arn: str) -> str:
    return parse_arn(arn).service if is_arn(arn) else ""


class EventBridgeIntegration:
    """Delivers matched events and schedules to Lambda; keeps a log of deliveries."""

    def __init__(self, session: MockSession, patches: Patcher) -> None:
        self.session = session
        self.clock: LabClock = session.clock
        self.patches = patches
        self.deliveries: deque[Delivery] = deque(maxlen=2000)
        self._schedules: dict[tuple[str, str, str, str], tuple[str, Timer]] = {}
        self._lock = threading.RLock()
        self._stopped = False
        self._original_send: Any = None

    # -- install ----------------------------------------------------------------------------
    def start(self) -> EventBridgeIntegration:
        integration = self
        original_send = self._original_send = SEND_TO_TARGETS.current()

        def send_to_targets(rule: Any, original_event: Any, transform_input: bool = True) -> None:
            if rule.state != "ENABLED" or rule.scheduled_expression:
                return
            if not rule.event_pattern.matches_event(original_event):
                return
            integration.deliver(rule, original_event, original_send, transform_input)

        original_put_rule = PUT_RULE.current()
        original_delete_rule = DELETE_RULE.current()

        def put_rule(backend: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            expression = kwargs.get("scheduled_expression")
            if expression:
                try:
                    parse_schedule(expression)
                except ScheduleExpressionError as exc:
                    from moto.events.exceptions import ValidationException

                    raise ValidationException(
                        f"Parameter ScheduleExpression is not valid. ({exc.message})") from None
            rule = original_put_rule(backend, name, *args, **kwargs)
            integration.sync_schedule(rule)
            return rule

        def delete_rule(backend: Any, name: str, event_bus_arn: str | None) -> None:
            original_delete_rule(backend, name, event_bus_arn)
            integration.forget_missing_schedules()

        self.patches.replace(SEND_TO_TARGETS, send_to_targets)
        self.patches.replace(PUT_RULE, put_rule)
        self.patches.replace(DELETE_RULE, delete_rule)
        return self

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            for _, timer in self._schedules.values():
                timer.cancel()
            self._schedules.clear()

    # -- delivery ---------------------------------------------------------------------------
    def deliver(self, rule: Any, moto_event: dict[str, Any], original_send: Any = None,
                transform_input: bool = True, scheduled: bool = False, at: float | None = None) -> None:
        """Hand one matched event to every target of ``rule`` (``at``: a schedule's due time, else now)."""
        event = aws_event(moto_event)
        ingestion = _iso(moto_event.get("ingestion-time") or time.time())
        others = []
        for target in list(rule.targets):
            arn = target.get("Arn", "")
            service = _service(arn)
            if service not in ("lambda", "states", "sqs"):
                others.append(target)
                continue
            # moto passes transform_input=False only where its own template parser would
            # fail (S3 notifications); AWS applies the target's input settings to every event.
            payload = target_input(target, event, rule_arn=rule.arn, rule_name=rule.name,
                                   ingestion_time=ingestion)
            self._attempt(rule, target, event, payload, scheduled, 0, self.clock.now() if at is None else at)
        if others and original_send is not None:
            self._moto_delivery(rule, others, moto_event, original_send, transform_input)

    def _attempt(self, rule: Any, target: dict[str, Any], event: dict[str, Any], payload: str,
                 scheduled: bool, retries: int, attempt_at: float) -> None:
        """One call to one target; a failure goes to ``_failed`` (retry or dead-letter queue)."""
        arn = target.get("Arn", "")
        record = Delivery(rule.arn, target.get("Id", ""), arn, payload, attempt_at, scheduled=scheduled)
        try:
            service = _service(arn)
            if service == "lambda":
                permission = (("events.amazonaws.com", rule.arn)
                              if self.session.options.get("enforce_lambda_permissions")
                              else None)
                invoke_lambda(arn, payload, "schedule" if scheduled else "events",
                              account_id=rule.account_id, region=rule.region_name,
                              asynchronous=True, permission=permission)
            elif service == "sqs":
                self._send_to_queue(arn, payload, target, rule)
            else:
                self._start_execution(arn, payload, rule)
        except Exception as exc:  # noqa: BLE001 - one target failing must not stop others
            record.ok, record.error = False, f"{type(exc).__name__}: {exc}"
            log.warning("EventBridge rule %s could not deliver to %s: %s", rule.name, arn,
                        record.error)
            self.deliveries.append(record)
            self._failed(rule, target, event, payload, scheduled, retries, attempt_at, exc)
            return
        self.deliveries.append(record)

    def _failed(self, rule: Any, target: dict[str, Any], event: dict[str, Any], payload: str,
                scheduled: bool, retries: int, attempt_at: float, exc: Exception) -> None:
        """AWS (EventBridge User Guide, "Using dead-letter queues to process undelivered events",
        https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html): a missing
        permission or a target that no longer exists is not retried and goes straight to the
        target's dead-letter queue; other failures are retried as the target's ``RetryPolicy``
        allows (by default 24 hours and 185 times), then dead-lettered. Without a
        ``DeadLetterConfig`` the event is dropped. The lab's backoff: ``retry_delay``."""
        code, message = error_code_and_message(exc)
        error_code = dlq_error_code(exc, code)
        condition: str | None = None
        if error_code not in ("NO_RESOURCE", "NO_PERMISSIONS"):
            policy = target.get("RetryPolicy") or {}
            max_retries = int(policy.get("MaximumRetryAttempts", DEFAULT_MAX_RETRY_ATTEMPTS))
            max_age = int(policy.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S))
            retry_at = attempt_at + retry_delay(retries)
            first = attempt_at - sum(retry_delay(n) for n in range(retries))
            if retries >= max_retries:
                condition = "MaximumRetryAttempts"
            elif retry_at - first > max_age:
                condition = "MaximumEventAgeInSeconds"
            else:
                with self._lock:
                    if self._stopped:
                        return
                    self.clock.call_at(retry_at, lambda: self._attempt(
                        rule, target, event, payload, scheduled, retries + 1, retry_at))
                return
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            return
        attributes = {"RULE_ARN": rule.arn, "TARGET_ARN": target.get("Arn", ""), "ERROR_CODE": error_code,
                      "ERROR_MESSAGE": f"{code}: {message}", "RETRY_ATTEMPTS": str(retries)}
        if condition:
            attributes["EXHAUSTED_RETRY_CONDITION"] = condition
        try:
            from moto.sqs.models import sqs_backends

            ref = parse_arn(dlq)
            sqs_backends[ref.account or rule.account_id][ref.region or rule.region_name].send_message(
                queue_name=ref.name, message_body=json.dumps(event),
                message_attributes={k: {"DataType": "String", "StringValue": v}
                                    for k, v in attributes.items()})
        except Exception as dlq_exc:  # noqa: BLE001 - AWS counts InvocationsFailedToBeSentToDLQ
            log.warning("EventBridge rule %s could not send the event to its dead-letter queue %s: %s",
                        rule.name, dlq, dlq_exc)

    @staticmethod
    def _moto_delivery(rule: Any, targets: list[dict[str, Any]], moto_event: dict[str, Any],
                       original_send: Any, transform_input: bool) -> None:
        """Other target types (SQS, logs, buses, archives...) go through moto's own code.

        Targets without an InputTransformer get the event itself (moto's default "transform"
        rebuilds it without ``account`` and costs a JSONPath compile per field).
        """
        plain = {k: moto_event[k] for k in _EVENT_KEYS if k in moto_event}
        plain["time"] = moto_event.get("time") or time.time()
        groups = [([t for t in targets if t.get("InputTransformer")], moto_event, transform_input),
                  ([t for t in targets if not t.get("InputTransformer")], plain, False)]
        for group, event, transform in groups:
            if not group:
                continue
            clone = copy.copy(rule)
            clone.targets = group
            try:
                original_send(clone, copy.deepcopy(event), transform)
            except NotImplementedError as exc:
                log.warning("moto cannot deliver to this target type: %s", exc)

    @staticmethod
    def _send_to_queue(arn: str, payload: str, target: dict[str, Any], rule: Any) -> None:
        """An SQS target gets the target input (``Input``, ``InputPath``, ``InputTransformer``)
        as the message body, as for any target (moto's own delivery ignores Input and InputPath:
        https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html)."""
        from moto.sqs.models import sqs_backends

        queue = parse_arn(arn)
        backend = sqs_backends[queue.account or rule.account_id][queue.region or rule.region_name]
        group_id = (target.get("SqsParameters") or {}).get("MessageGroupId")
        if queue.name.endswith(".fifo"):
            dedup = backend.get_queue_attributes(queue.name, ["ContentBasedDeduplication"])
            if str(dedup.get("ContentBasedDeduplication", "false")).lower() != "true":
                raise ValueError("To let EventBridge send messages to your SQS FIFO queue, enable "
                                 "content-based deduplication on the queue.")
        backend.send_message(queue_name=queue.name, message_body=payload, group_id=group_id)

    @staticmethod
    def _start_execution(arn: str, payload: str, rule: Any) -> None:
        # moto picks the backend that really runs ASL when execute_state_machine is on
        from moto.stepfunctions.responses import get_backend

        target = parse_arn(arn)
        backend = get_backend(target.account or rule.account_id, target.region or rule.region_name)
        backend.start_execution(arn, name=str(uuid.uuid4()), execution_input=payload)

    # -- schedules --------------------------------------------------------------------------
    @staticmethod
    def _key(rule: Any) -> tuple[str, str, str, str]:
        return (rule.account_id, rule.region_name, rule.event_bus_name, rule.name)

    def sync_schedule(self, rule: Any) -> None:
        """(Re)arm the timer of a schedule rule after put_rule."""
        key = self._key(rule)
        expression = rule.scheduled_expression
        with self._lock:
            if self._stopped:
                return
            current = self._schedules.get(key)
            if current is not None:
                if current[0] == expression:
                    return  # same schedule: keep its rhythm
                current[1].cancel()
                del self._schedules[key]
            if not expression:
                return
            schedule = parse_schedule(expression)
            when = schedule.first_after_creation(self.clock.now())
            self._arm(key, expression, schedule, when)

    def _arm(self, key: tuple[str, str, str, str], expression: str, schedule: Any,
             when: float) -> None:
        if when == float("inf"):
            return
        timer = self.clock.call_at(when, lambda: self._fire(key, expression, schedule, when))
        self._schedules[key] = (expression, timer)

    def _lookup(self, key: tuple[str, str, str, str]) -> Any:
        from moto.events.models import events_backends

        account, region, bus, name = key
        try:
            return events_backends[account][region].event_buses[bus].rules.get(name)
        except KeyError:
            return None

    def _fire(self, key: tuple[str, str, str, str], expression: str, schedule: Any,
              when: float) -> None:
        with self._lock:
            if self._stopped or self._schedules.get(key, (None,))[0] != expression:
                return
            rule = self._lookup(key)
            if rule is None or rule.scheduled_expression != expression:
                self._schedules.pop(key, None)
                return
            self._arm(key, expression, schedule, schedule.next_after(when))
        if rule.state == "ENABLED":
            event: dict[str, Any] = sample_events.schedule(rule.arn, event_time=when)
            event["region"], event["account"] = rule.region_name, rule.account_id
            event["time"] = event["ingestion-time"] = when  # moto's form; aws_event() formats it
            self.deliver(rule, event, self._original_send, scheduled=True, at=when)

    def forget_missing_schedules(self) -> None:
        with self._lock:
            for key in list(self._schedules):
                if self._lookup(key) is None:
                    self._schedules.pop(key)[1].cancel()

    def schedules(self) -> dict[str, float]:
        """Armed schedule rules → next firing time (lab-clock seconds since the epoch)."""
        with self._lock:
            return {f"{k[2]}/{k[3]}": t.when for k, (_, t) in self._schedules.items()}


_NO_RESOURCE = {"ResourceNotFoundException", "AWS.SimpleQueueService.NonExistentQueue",
                "QueueDoesNotExist", "StateMachineDoesNotExist"}


def dlq_error_code(exc: Exception, code: str) -> str:
    """EventBridge's ERROR_CODE for a failed target call (codes listed in the EventBridge User
    Guide's dead-letter queue page): NO_RESOURCE, NO_PERMISSIONS, THROTTLING, else UNKNOWN."""
    if type(exc).__name__ == "PermissionDenied":
        return "NO_PERMISSIONS"
    if code in _NO_RESOURCE:
        return "NO_RESOURCE"
    if code in ("TooManyRequestsException", "ThrottlingException"):
        return "THROTTLING"
    return "UNKNOWN"
