"""Asynchronous invocation (``InvocationType="Event"``): queue, retries, destinations, DLQ.

As the AWS Lambda Developer Guide describes ("Asynchronous invocation",
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html and
invocation-async-retain-records.html): the caller gets 202 at once; a function error is
retried twice by default (``MaximumRetryAttempts`` 0-2), about one minute and then two
minutes later; an event older than ``MaximumEventAgeInSeconds`` (default 6 h) is discarded;
throttled events are retried (up to 6 h); the outcome goes to the on-success / on-failure
destination (SQS, SNS, Lambda, EventBridge) as an invocation record, and a discarded event
to the dead-letter queue (the event alone, with RequestID / ErrorCode / ErrorMessage
attributes). Waits use the LAB CLOCK, so a lab fast-forwards with ``aws.clock.advance(60)``.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import limits
from ..arn import parse as parse_arn
from ..ids import request_id as new_request_id
from . import logs as L

RETRY_DELAYS_S = limits.ASYNC_RETRY_DELAYS_S       # ~1 minute, then ~2 minutes
DEFAULT_MAX_RETRIES = limits.ASYNC_MAX_RETRIES_DEFAULT
DEFAULT_MAX_EVENT_AGE_S = limits.ASYNC_MAX_EVENT_AGE_S
THROTTLE_RETRY_S = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 120.0, 300.0)


@dataclass
class AsyncJob:
    function_name: str
    qualifier: str | None
    payload: bytes
    trigger: str = "invoke"
    request_id: str = field(default_factory=new_request_id)
    arrival_lab: float = 0.0
    arrival: float = field(default_factory=time.time)
    attempt: int = 1
    throttles: int = 0
    invoked_arn: str | None = None
    region: str | None = None         # the function's own region and account (default: the session's)
    account_id: str | None = None


class AsyncInvoker:
    def __init__(self, runtime: Any) -> None:
        self.rt = runtime
        self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="serverless-lab-async")
        self._cond = threading.Condition()
        self._pending = 0
        self._timers: list[Any] = []
        self._clients: dict[str, Any] = {}
        self._client_lock = threading.Lock()
        self._stopped = False
        self.delivery_errors: list[str] = []

    # -- queue -------------------------------------------------------------------------------------
    def submit(self, job: AsyncJob) -> str:
        if not job.arrival_lab:
            job.arrival_lab = self.rt.clock.now()
        with self._cond:
            if self._stopped:
                return job.request_id
            self._pending += 1
        self._pool.submit(self._run, job)
        return job.request_id

    def _later(self, delay: float, job: AsyncJob) -> None:
        timer = self.rt.clock.call_later(delay, lambda: self.submit(job))
        with self._cond:
            self._timers = [t for t in self._timers if not t.cancelled and t.when > self.rt.clock.now()]
            self._timers.append(timer)

    def scheduled(self) -> int:
        """Retries waiting on the lab clock."""
        now = self.rt.clock.now()
        with self._cond:
            return sum(1 for t in self._timers if not t.cancelled and t.when > now)

    def wait_idle(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._pending == 0, timeout)

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            for t in self._timers:
                t.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self, job: AsyncJob) -> None:
        try:
            if not self._stopped:
                self._attempt(job)
        except Exception as exc:  # noqa: BLE001 - never lose the worker thread
            self.delivery_errors.append(f"{job.request_id}: {exc!r}")
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    # -- one attempt ---------------------------------------------------------------------------------
    def _attempt(self, job: AsyncJob) -> None:
        backend = self.rt._backend(job.region, job.account_id)
        try:
            fn = backend.get_function(job.function_name, job.qualifier)
        except Exception:  # noqa: BLE001 - deleted meanwhile: AWS drops the event
            return
        cfg = self.config(fn)
        if self.rt.clock.now() - job.arrival_lab > cfg["age"]:
            self._failed(job, fn, cfg, "EventAgeExceeded", None)
            return
        problem = self.rt.check_runtime(fn)
        if problem:
            self._failed(job, fn, cfg, "RetriesExhausted", None)
            return
        result = self.rt.invoke(fn, job.payload, invocation_type="Event", trigger=job.trigger,
                                request_id=job.request_id, attempt=job.attempt, invoked_arn=job.invoked_arn,
                                arrival=job.arrival)
        if result.throttled:
            delay = THROTTLE_RETRY_S[min(job.throttles, len(THROTTLE_RETRY_S) - 1)]
            job.throttles += 1
            self._later(delay, job)
            return
        if result.ok:
            if cfg["on_success"]:
                self._deliver(cfg["on_success"], self._record(job, fn, "Success", result), success=True)
            return
        if job.attempt <= cfg["retries"]:
            delay = RETRY_DELAYS_S[min(job.attempt - 1, len(RETRY_DELAYS_S) - 1)]
            job.attempt += 1
            self._later(delay, job)
            return
        self._failed(job, fn, cfg, "RetriesExhausted", result)

    @staticmethod
    def config(fn) -> dict:
        from moto.awslambda.models import lambda_backends

        from .state import function_groups  # SeamError if moto moved its state: never silently no destinations

        group = function_groups(lambda_backends[fn.account_id][fn.region]).get(fn.function_name)
        backend_fn = group["latest"] if group else fn   # deleted meanwhile: the version's own settings
        configs = getattr(backend_fn, "event_invoke_config", None) or getattr(fn, "event_invoke_config", [])
        raw = configs[-1].config if configs else {}
        dest = raw.get("DestinationConfig") or {}
        return {
            "retries": int(raw.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES)),
            "age": float(raw.get("MaximumEventAgeInSeconds", DEFAULT_MAX_EVENT_AGE_S)),
            "on_success": (dest.get("OnSuccess") or {}).get("Destination"),
            "on_failure": (dest.get("OnFailure") or {}).get("Destination"),
            "dlq": (getattr(backend_fn, "dead_letter_config", None) or {}).get("TargetArn"),
        }

    def _failed(self, job: AsyncJob, fn, cfg: dict, condition: str, result) -> None:
        if cfg["on_failure"]:
            self._deliver(cfg["on_failure"], self._record(job, fn, condition, result), success=False)
        if cfg["dlq"]:
            message = "Event age exceeded" if condition == "EventAgeExceeded" else "Unhandled"
            if result is not None:
                try:
                    message = json.loads(result.payload).get("errorMessage", message)
                except (ValueError, AttributeError):
                    pass
            self._to_dlq(cfg["dlq"], job, message)

    def _record(self, job: AsyncJob, fn, condition: str, result) -> dict:
        """The invocation record Lambda sends to a destination (invocation-async-retain-records)."""
        arn = fn.function_arn if str(fn.version) != "$LATEST" else f"{fn.function_arn}:$LATEST"
        record: dict = {
            "version": "1.0",
            "timestamp": L.iso_now(),
            "requestContext": {"requestId": job.request_id, "functionArn": arn, "condition": condition,
                               "approximateInvokeCount": job.attempt},
            "requestPayload": _json_or_text(job.payload),
        }
        if result is not None:
            ctx = {"statusCode": 200, "executedVersion": result.executed_version}
            if result.function_error:
                ctx["functionError"] = result.function_error
            record["responseContext"] = ctx
            record["responsePayload"] = _json_or_text(result.payload)
        return record

    # -- delivery ----------------------------------------------------------------------------------
    def _client(self, service: str, region: str | None = None):
        """A client in the destination's own region (its ARN's), as Lambda delivers there."""
        key = f"{service}:{region or self.rt.region}"
        with self._client_lock:
            if key not in self._clients:
                import boto3

                self._clients[key] = boto3.session.Session().client(service, region_name=region or self.rt.region)
            return self._clients[key]

    def _deliver(self, arn: str, record: dict, *, success: bool) -> None:
        a = parse_arn(arn)
        service, region = a.service, a.region or None
        body = json.dumps(record)
        try:
            if service == "sqs":
                sqs = self._client("sqs", region)
                url = sqs.get_queue_url(QueueName=a.name, QueueOwnerAWSAccountId=a.account)
                sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=body)
            elif service == "sns":
                self._client("sns", region).publish(TopicArn=arn, Message=body)
            elif service == "lambda":
                self._client("lambda", region).invoke(FunctionName=arn, InvocationType="Event", Payload=body.encode())
            elif service == "events":
                detail = "Success" if success else "Failure"
                self._client("events", region).put_events(Entries=[{
                    "Source": "lambda", "DetailType": f"Lambda Function Invocation Result - {detail}",
                    "Detail": body, "EventBusName": arn}])
            else:
                self.delivery_errors.append(f"unsupported destination {arn}")
        except Exception as exc:  # noqa: BLE001 - AWS counts DestinationDeliveryFailures
            self.delivery_errors.append(f"{arn}: {exc}")

    def _to_dlq(self, arn: str, job: AsyncJob, message: str) -> None:
        attrs = {"RequestID": {"DataType": "String", "StringValue": job.request_id},
                 "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                 "ErrorMessage": {"DataType": "String", "StringValue": message[:1000] or "Unhandled"}}
        body = job.payload.decode("utf-8", "replace") or "{}"
        a = parse_arn(arn)
        region = a.region or None
        try:
            if a.service == "sqs":
                sqs = self._client("sqs", region)
                url = sqs.get_queue_url(QueueName=a.name, QueueOwnerAWSAccountId=a.account)
                sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=body, MessageAttributes=attrs)
            else:
                self._client("sns", region).publish(TopicArn=arn, Message=body, MessageAttributes=attrs)
        except Exception as exc:  # noqa: BLE001
            self.delivery_errors.append(f"DLQ {arn}: {exc}")


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", "replace")
