"""Throttling as API Gateway does it: token buckets on the lab clock, and their 429s.

Limits apply in this order (API Gateway developer guide, "Throttle requests to your REST APIs",
checked 2026-11): a usage plan's per-key limit and quota (REST, methods with
``apiKeyRequired``), the stage's per-method limit (``methodSettings`` ``*/*`` or one
``resource/METHOD``; HTTP APIs: ``DefaultRouteSettings`` / ``RouteSettings``), then the
account's 10,000 requests per second with a burst of 5,000 per Region. A bucket holds
``burstLimit`` tokens and refills ``rateLimit`` tokens per second; a request that finds it
empty gets 429 ``{"message":"Too Many Requests"}``; a used-up quota gets 429
``{"message":"Limit Exceeded"}``. A missing, unknown or disabled key on a method that requires
one gets 403 ``{"message":"Forbidden"}``.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .denials import Denied

ACCOUNT_RATE = 10_000.0
ACCOUNT_BURST = 5_000


def too_many(rest: bool) -> Denied:
    extra = [("x-amzn-ErrorType", "TooManyRequestsException")] if rest else []
    return Denied(429, {"message": "Too Many Requests"}, extra)


def limit_exceeded() -> Denied:
    return Denied(429, {"message": "Limit Exceeded"},
                  [("x-amzn-ErrorType", "LimitExceededException")])


def forbidden_key() -> Denied:
    return Denied(403, {"message": "Forbidden"}, [("x-amzn-ErrorType", "ForbiddenException")])


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Throttles:
    """Every bucket and quota counter of one session, keyed by what it limits."""

    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self._lock = threading.Lock()
        self._buckets: dict[tuple, TokenBucket] = {}
        self._quota: dict[tuple, int] = {}
        # (time, which limit) of the latest rejections, for a lab to show (bounded)
        self.rejected: deque[tuple[float, str]] = deque(maxlen=1000)

    def allow(self, key: tuple, rate: float | None, burst: float | None) -> bool:
        if rate is None and burst is None:
            return True
        rate = float(rate if rate is not None else 0.0)
        burst = float(burst if burst is not None else max(rate, 1.0))
        now = self.now()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = TokenBucket(rate, burst, burst, now)
                self._buckets[key] = bucket
            ok = bucket.take(now)
        if not ok:
            self.rejected.append((now, str(key[0])))
        return ok

    def count(self, key: tuple, limit: int, period: str, offset: int = 0) -> bool:
        window = _window(self.now(), period, offset)
        with self._lock:
            used = self._quota.get(key + (window,), 0)
            if used >= limit:
                return False
            self._quota[key + (window,)] = used + 1
        return True

    def quota_used(self, plan_id: str, key_id: str) -> int:
        with self._lock:
            return sum(v for k, v in self._quota.items() if k[:3] == ("quota", plan_id, key_id))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
            self._quota.clear()
            self.rejected.clear()


def _window(now: float, period: str, offset: int) -> str:
    day = _dt.datetime.fromtimestamp(now, _dt.timezone.utc).date()
    period = (period or "DAY").upper()
    if period == "DAY":
        return day.isoformat()
    if period == "WEEK":
        return f"{day.isocalendar()[0]}-W{day.isocalendar()[1]}"
    return f"{day.year}-{day.month:02d}"


def _num(settings: dict[str, Any], *names: str) -> float | None:
    for n in names:
        if settings.get(n) is not None:
            return float(settings[n])
    return None


# -- REST ---------------------------------------------------------------------------------------
def find_api_key(backend: Any, value: str | None) -> Any:
    if not value:
        return None
    for key in backend.keys.values():
        if key.value == value:
            return key
    return None


def check_rest(gateway: Any, api: Any, stage_name: str, method: Any, resource_path: str,
               request: Any, region: str, usage_key: str | None) -> str | None:
    """Apply API keys, usage plans, the stage's method throttle and the account limit.

    Returns the API key id used (or None); raises :class:`Denied` with AWS's answer.
    """
    from moto.apigateway.models import apigateway_backends

    throttles: Throttles = gateway.throttles
    backend = apigateway_backends[gateway.account_id][region]
    key_id = None
    if getattr(method, "api_key_required", False):
        source = (getattr(api, "api_key_source", "HEADER") or "HEADER").upper()
        value = usage_key if source == "AUTHORIZER" else request.header("x-api-key")
        key = find_api_key(backend, value)
        if key is None or not _enabled(key):
            raise forbidden_key()
        plans = [plan for plan_id, plan in backend.usage_plans.items()
                 if key.id in backend.usage_plan_keys.get(plan_id, {})
                 and any(s.get("apiId") == api.id and s.get("stage") == stage_name
                         for s in plan.api_stages or [])]
        if not plans:
            raise forbidden_key()
        plan = plans[0]
        key_id = key.id
        throttle = plan.throttle or {}
        for s in plan.api_stages or []:
            per_method = (s.get("throttle") or {}).get(f"{resource_path}/{request.method.upper()}")
            if s.get("apiId") == api.id and s.get("stage") == stage_name and per_method:
                throttle = per_method
        rate, burst = _num(throttle, "rateLimit"), _num(throttle, "burstLimit")
        if not throttles.allow(("usage-plan", plan.id, key.id), rate, burst):
            raise too_many(True)
        quota = plan.quota or {}
        if quota.get("limit") is not None:
            if not throttles.count(("quota", plan.id, key.id), int(quota["limit"]),
                                   quota.get("period", "DAY"), int(quota.get("offset") or 0)):
                raise limit_exceeded()
    stage = api.stages.get(stage_name)
    settings = getattr(stage, "method_settings", {}) or {}
    encoded = resource_path.lstrip("/").replace("/", "~1")
    specific = settings.get(f"~1{encoded}/{request.method.upper()}") \
        or settings.get(f"{encoded}/{request.method.upper()}")
    chosen, which = (specific, f"{resource_path}/{request.method.upper()}") if specific \
        else (settings.get("*/*"), "*/*")
    if chosen:
        rate = _num(chosen, "throttlingRateLimit")
        burst = _num(chosen, "throttlingBurstLimit")
        if not throttles.allow(("stage", api.id, stage_name, which), rate, burst):
            raise too_many(True)
    if not throttles.allow(("account", gateway.account_id, region), ACCOUNT_RATE, ACCOUNT_BURST):
        raise too_many(True)
    return key_id


def _enabled(key: Any) -> bool:
    enabled = getattr(key, "enabled", True)
    if isinstance(enabled, str):
        return enabled.lower() == "true"
    return bool(enabled) if enabled is not None else True


# -- HTTP APIs ----------------------------------------------------------------------------------
def check_http(gateway: Any, api: Any, stage: Any, route_key: str, region: str) -> None:
    throttles: Throttles = gateway.throttles
    route_settings = getattr(stage, "route_settings", None) or {}
    chosen = route_settings.get(route_key)
    which = route_key
    if not chosen or (_num(chosen, "throttlingRateLimit", "ThrottlingRateLimit") is None
                      and _num(chosen, "throttlingBurstLimit", "ThrottlingBurstLimit") is None):
        chosen, which = getattr(stage, "default_route_settings", None) or {}, "$default-settings"
    rate = _num(chosen, "throttlingRateLimit", "ThrottlingRateLimit")
    burst = _num(chosen, "throttlingBurstLimit", "ThrottlingBurstLimit")
    if (rate is not None or burst is not None) and not throttles.allow(
            ("stage", api.api_id, stage.name, which), rate, burst):
        raise too_many(False)
    if not throttles.allow(("account", gateway.account_id, region), ACCOUNT_RATE, ACCOUNT_BURST):
        raise too_many(False)
