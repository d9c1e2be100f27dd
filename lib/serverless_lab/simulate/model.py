"""A discrete-event model of how AWS Lambda places requests on execution environments.

Why a model: the runtime runs real handler code in worker processes, which is right for a few
hundred invocations but cannot show a million requests, a traffic spike or a day of traffic.
This model follows the documented rules (AWS Lambda Developer Guide; docs/architecture.md) at that scale:

* a request goes to an idle *warm* environment of the function if there is one (the most
  recently used first), otherwise Lambda creates an environment and pays an INIT (cold start);
* an idle environment is reclaimed after ``keep_alive_s`` (AWS does not document the time; 5–15
  minutes is what people measure, so a ``(low, high)`` pair draws it per environment);
* concurrency (environments busy in INIT or INVOKE) never exceeds the function's reserved
  concurrency or else the account limit (default 1,000);
* each function may add 1,000 environments every 10 s (a token bucket of 1,000 refilled at 100
  per second, an approximation of the documented rate);
* provisioned environments are initialised before traffic, never reclaimed, and used first;
  requests beyond them *spill over* to on-demand environments;
* beyond the limits a synchronous request (RequestResponse) is throttled (HTTP 429, recorded as
  outcome "throttled"); an asynchronous one (Event) stays in Lambda's internal queue and is
  retried with exponential back-off (1 s doubling to 5 min) for up to ``max_event_age_s`` (6 h);
* asynchronous function errors and timeouts are retried twice, 1 minute then 2 minutes later.

Everything random is drawn up front with a seeded numpy generator, so a run is reproducible and
the per-request Python work is only the placement loop (a heap of busy environments and a stack
of idle ones). Memory is linear in the number of requests.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import limits
from ..trace import Trace
from .arrivals import Arrivals, SimulationInputError
from .runtimes import INIT_CV, runtime_profile

ACCOUNT_CONCURRENCY = limits.ACCOUNT_CONCURRENCY_DEFAULT
SCALE_BURST = limits.SCALE_BURST          # environments a function may add ...
SCALE_WINDOW_S = limits.SCALE_WINDOW_S    # ... every 10 seconds
ASYNC_ERROR_RETRY_DELAYS_S = limits.ASYNC_RETRY_DELAYS_S
ASYNC_THROTTLE_BACKOFF_S = (1.0, 300.0)
MAX_EVENT_AGE_S = 6 * 3600.0

OUTCOME_CODES = ("success", "error", "timeout", "throttled")
_SUCCESS, _ERROR, _TIMEOUT, _THROTTLED = range(4)


def _lognormal(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    """Log-normal samples with the given mean and coefficient of variation (cv 0 = constant)."""
    if n == 0:
        return np.zeros(0)
    if cv <= 0 or mean <= 0:
        return np.full(n, max(mean, 0.0))
    sigma2 = math.log1p(cv * cv)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)


def validate(memory_mb: float, timeout_s: float, duration_ms: float, keep_alive_s: Any, account_limit: int,
             reserved: int | None, provisioned: int, error_rate: float, invocation_type: str) -> tuple[float, float]:
    """Check parameters against AWS's limits; returns the keep-alive range (low, high)."""
    if limits.memory_problem(memory_mb):
        raise SimulationInputError(
            str(limits.memory_problem(memory_mb)),
            "Choose memory_mb in 128–10,240 (for example 512).",
        )
    if limits.timeout_problem(timeout_s):
        raise SimulationInputError(
            str(limits.timeout_problem(timeout_s)),
            "Choose timeout_s in 1–900. Work longer than 15 minutes belongs in Step Functions or Fargate.",
        )
    if not (isinstance(duration_ms, (int, float)) and math.isfinite(duration_ms) and duration_ms >= 0):
        raise SimulationInputError(f"duration_ms must be ≥ 0 milliseconds; got {duration_ms!r}.",
                                   "Give the handler's average duration, e.g. duration_ms=120.")
    lo, hi = (keep_alive_s, keep_alive_s) if isinstance(keep_alive_s, (int, float)) else tuple(keep_alive_s)
    if not (0 <= lo <= hi and math.isfinite(hi)):
        raise SimulationInputError(f"keep_alive_s must be seconds ≥ 0 or a (low, high) pair; got {keep_alive_s!r}.",
                                   "Use e.g. keep_alive_s=600 or keep_alive_s=(300, 900).")
    if not (isinstance(account_limit, int) and account_limit >= 1):
        raise SimulationInputError(f"account_limit must be a whole number ≥ 1; got {account_limit!r}.",
                                   "The default account concurrency is 1,000.")
    if reserved is not None and not (isinstance(reserved, int) and 0 <= reserved <= account_limit):
        raise SimulationInputError(
            f"Reserved concurrency must be between 0 and the account limit ({account_limit}); got {reserved!r}.",
            "Use reserved=None for no reservation, or a number up to the account limit.",
        )
    cap = reserved if reserved is not None else account_limit
    if not (isinstance(provisioned, int) and 0 <= provisioned <= cap):
        raise SimulationInputError(
            f"Provisioned concurrency must be between 0 and {cap} (the reserved concurrency or account limit); "
            f"got {provisioned!r}.",
            "Lower provisioned, or raise reserved concurrency first.",
        )
    if not 0 <= error_rate <= 1:
        raise SimulationInputError(f"error_rate must be a fraction between 0 and 1; got {error_rate!r}.",
                                   "Use e.g. error_rate=0.01 for 1 % failing invocations.")
    if invocation_type not in ("RequestResponse", "Event"):
        raise SimulationInputError(f"Unknown invocation_type {invocation_type!r}.",
                                   "Use 'RequestResponse' (synchronous) or 'Event' (asynchronous).")
    return float(lo), float(hi)


def simulate(
    arrivals: Arrivals | Sequence[float] | np.ndarray,
    *,
    function_name: str = "sim-function",
    runtime: str = "python3.12",
    duration_ms: float = 100.0,
    duration_cv: float = 0.3,
    init_ms: float = 0.0,
    memory_mb: int = 128,
    timeout_s: float = 3.0,
    keep_alive_s: float | tuple[float, float] = 600.0,
    account_limit: int = ACCOUNT_CONCURRENCY,
    reserved: int | None = None,
    provisioned: int = 0,
    invocation_type: str = "RequestResponse",
    trigger: str = "invoke",
    error_rate: float = 0.0,
    max_event_age_s: float = MAX_EVENT_AGE_S,
    scale_burst: int = SCALE_BURST,
    seed: int = 0,
) -> Trace:
    """Simulate one function under ``arrivals`` and return a :class:`Trace` of simulated
    invocations (same fields as the runtime's; ``simulated=True``; times in seconds from 0).

    ``duration_ms``/``duration_cv``: handler time per request (log-normal); ignored for requests
    whose duration the arrivals fix (a replay). ``init_ms``: the handler module's own import time,
    added to the runtime's measured cold start. ``trace.meta`` holds the environment table
    (creation, reclaim, provisioned) and the parameters, for timelines and summaries.
    """
    if not isinstance(arrivals, Arrivals):
        arrivals = Arrivals(np.asarray(arrivals, dtype=float))
    ka_lo, ka_hi = validate(memory_mb, timeout_s, duration_ms, keep_alive_s, account_limit, reserved, provisioned,
                            error_rate, invocation_type)
    profile = runtime_profile(runtime)
    if init_ms < 0:
        raise SimulationInputError(f"init_ms must be ≥ 0; got {init_ms}.", "Give the handler's import time in ms.")
    rng = np.random.default_rng(seed)
    times = arrivals.times
    n = len(times)
    is_async = invocation_type == "Event"

    # --- everything random, drawn up front (vectorised) ---------------------------------------
    dur_ms = _lognormal(rng, duration_ms, duration_cv, n)
    if arrivals.duration_ms is not None:
        fixed = ~np.isnan(arrivals.duration_ms)
        dur_ms[fixed] = arrivals.duration_ms[fixed]
    init_draw_ms = _lognormal(rng, profile.init_mean_ms, INIT_CV, n) + init_ms
    failed = rng.random(n) < error_rate if error_rate > 0 else np.zeros(n, dtype=bool)
    outcome = np.where(failed, _ERROR, _SUCCESS).astype(np.int8)
    timeout_ms = timeout_s * 1000.0
    over = dur_ms >= timeout_ms
    outcome[over] = _TIMEOUT
    dur_ms[over] = timeout_ms
    dur_s = dur_ms / 1000.0
    init_s = init_draw_ms / 1000.0
    ka_draw = rng.uniform(ka_lo, ka_hi, n).tolist() if ka_hi > ka_lo else None

    limit = reserved if reserved is not None else account_limit
    # --- the placement loop --------------------------------------------------------------------
    env_of = [-1] * n              # environment index per request (-1: throttled / never ran)
    cold_of = bytearray(n)
    # extra records (async retries): [request index, attempt, time, env, cold, outcome, dur_s]
    extra: list[tuple[int, int, float, int, int, int, float]] = []
    env_created: list[float] = []
    env_prov: list[bool] = []
    ka_env: list[float] = []       # keep-alive of each environment
    env_reclaimed: list[float] = []

    busy: list[tuple[float, int]] = []      # (end time, env)
    idle: list[tuple[float, int]] = []      # on-demand idle stack: (reclaim deadline, env); top = most recent
    idle_prov: list[int] = []
    for k in range(provisioned):
        env_created.append(-float(profile.init_mean_ms + init_ms) / 1000.0)
        env_prov.append(True)
        env_reclaimed.append(math.inf)
        ka_env.append(math.inf)
        idle_prov.append(provisioned - 1 - k)

    tokens = float(scale_burst)
    refill = scale_burst / SCALE_WINDOW_S
    last_t = 0.0
    retry_heap: list[tuple[float, int, int, float, bool]] = []  # (time, request, attempt, first arrival, rerun)
    heappush, heappop = heapq.heappush, heapq.heappop
    b_lo, b_hi = ASYNC_THROTTLE_BACKOFF_S

    def place(t: float, i: int, d: float) -> tuple[int, int, float]:
        """Find an environment for request i at time t: (env, cold, busy-until) or (-1, 0, 0)."""
        nonlocal tokens, last_t
        while busy and busy[0][0] <= t:
            end, e = heappop(busy)
            if e < provisioned:
                idle_prov.append(e)
            else:
                idle.append((end + ka_env[e], e))
        if idle_prov:
            e = idle_prov.pop()
            heappush(busy, (t + d, e))
            return e, 0, t + d
        while idle:
            deadline, e = idle.pop()
            if deadline >= t:
                heappush(busy, (t + d, e))
                return e, 0, t + d
            env_reclaimed[e] = deadline
        if len(busy) >= limit:
            return -1, 0, 0.0
        tokens = min(float(scale_burst), tokens + (t - last_t) * refill)
        last_t = t
        if tokens < 1.0:
            return -1, 0, 0.0
        tokens -= 1.0
        e = len(env_created)
        env_created.append(t)
        env_prov.append(False)
        env_reclaimed.append(math.inf)
        ka_env.append(ka_lo if ka_draw is None else ka_draw[e % n])
        end = t + init_s[i] + d
        heappush(busy, (end, e))
        return e, 1, end

    i = 0
    times_l = times.tolist()
    dur_l = dur_s.tolist()
    async_fail = (outcome != _SUCCESS).tolist() if is_async else None
    gc_was_enabled = gc.isenabled()
    gc.disable()   # millions of small tuples: the cyclic collector would only slow the loop down
    try:
        if not is_async:
            # synchronous requests never come back: one straight pass over the arrivals
            for i, t, d in zip(range(n), times_l, dur_l):
                while busy and busy[0][0] <= t:
                    end, e = heappop(busy)
                    if e < provisioned:
                        idle_prov.append(e)
                    else:
                        idle.append((end + ka_env[e], e))
                if idle_prov:
                    e = idle_prov.pop()
                    heappush(busy, (t + d, e))
                    env_of[i] = e
                    continue
                while idle:
                    deadline, e = idle.pop()
                    if deadline >= t:
                        heappush(busy, (t + d, e))
                        env_of[i] = e
                        break
                    env_reclaimed[e] = deadline
                else:
                    e, c, _end = place(t, i, d)
                    if e >= 0:
                        env_of[i] = e
                        cold_of[i] = c
            i = n
        while i < n or retry_heap:
            if retry_heap and (i >= n or retry_heap[0][0] < times_l[i]):
                t, r, attempt, first_t, rerun = heappop(retry_heap)
                if rerun:  # the handler ran and failed: a new attempt has its own duration and fate
                    d = float(_lognormal(rng, duration_ms, duration_cv, 1)[0]) / 1000.0 \
                        if arrivals.duration_ms is None else dur_l[r]
                    res = _ERROR if rng.random() < error_rate else _SUCCESS
                    if d * 1000.0 >= timeout_ms:
                        d, res = timeout_s, _TIMEOUT
                else:      # it was throttled: the event is delivered as drawn
                    d, res = dur_l[r], int(outcome[r])
                e, c, end = place(t, r, d)
                if e < 0:
                    extra.append((r, attempt, t, -1, 0, _THROTTLED, 0.0))
                    _retry_throttled(retry_heap, t, r, attempt, first_t, b_lo, b_hi, max_event_age_s)
                else:
                    extra.append((r, attempt, t, e, c, res, d))
                    if res != _SUCCESS and attempt < 3:
                        heappush(retry_heap, (end + ASYNC_ERROR_RETRY_DELAYS_S[min(attempt, 2) - 1], r, attempt + 1,
                                              first_t, True))
                continue
            # the fast path, inlined: a new request at t
            t = times_l[i]
            d = dur_l[i]
            while busy and busy[0][0] <= t:
                end, e = heappop(busy)
                if e < provisioned:
                    idle_prov.append(e)
                else:
                    idle.append((end + ka_env[e], e))
            e = -1
            if idle_prov:
                e = idle_prov.pop()
                end = t + d
                heappush(busy, (end, e))
            else:
                while idle:
                    deadline, e2 = idle.pop()
                    if deadline >= t:
                        e = e2
                        end = t + d
                        heappush(busy, (end, e))
                        break
                    env_reclaimed[e2] = deadline
                if e < 0:
                    e, c, end = place(t, i, d)
                    if c:
                        cold_of[i] = 1
            if e >= 0:
                env_of[i] = e
                if is_async and async_fail[i]:
                    heappush(retry_heap, (end + ASYNC_ERROR_RETRY_DELAYS_S[0], i, 2, t, True))
            elif is_async:
                _retry_throttled(retry_heap, t, i, 1, t, b_lo, b_hi, max_event_age_s)
            i += 1

        # environments still idle at the end are reclaimed at their deadline
        for deadline, e in idle:
            env_reclaimed[e] = deadline
        for end, e in busy:
            if not env_prov[e]:
                env_reclaimed[e] = end + (ka_lo + ka_hi) / 2

        return _build_trace(
            times, np.asarray(env_of, dtype=np.int64), np.frombuffer(bytes(cold_of), dtype=np.uint8).astype(bool),
            outcome, dur_s, init_s, extra, env_created, env_prov, env_reclaimed,
            dict(function_name=function_name, runtime=profile.name, memory_mb=int(memory_mb), trigger=trigger,
                 invocation_type=invocation_type, max_memory=profile.base_memory_mb, seed=seed),
            dict(arrivals=arrivals.label, runtime=profile.name, duration_ms=duration_ms, duration_cv=duration_cv,
                 init_ms=init_ms, memory_mb=memory_mb, timeout_s=timeout_s, keep_alive_s=keep_alive_s,
                 account_limit=account_limit, reserved=reserved, provisioned=provisioned,
                 invocation_type=invocation_type, error_rate=error_rate, seed=seed),
        )
    finally:
        if gc_was_enabled:
            gc.enable()


def _retry_throttled(heap: list, t: float, r: int, attempt: int, first_t: float, lo: float, hi: float,
                     max_age: float) -> None:
    """Lambda keeps a throttled asynchronous event and tries again with back-off, until the
    event is older than the maximum event age (then it goes to the on-failure destination)."""
    wait = min(hi, lo * (2 ** min(attempt - 1, 20)))
    if t + wait - first_t <= max_age:
        heapq.heappush(heap, (t + wait, r, attempt + 1, first_t, False))


def _request_ids(index: np.ndarray, seed: int) -> np.ndarray:
    """'sim-<seed>-<index in hex>' for every record, built as bytes in one vectorised step
    (formatting a million Python strings would take longer than the whole simulation)."""
    prefix = np.frombuffer(f"sim-{seed & 0xFFFF:04x}-".encode(), dtype=np.uint8)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    idx = np.asarray(index, dtype=np.int64)
    out = np.empty((len(idx), len(prefix) + 8), dtype=np.uint8)
    out[:, :len(prefix)] = prefix
    for k in range(8):
        out[:, len(prefix) + 7 - k] = digits[(idx >> (4 * k)) & 15]
    return out.view(f"S{out.shape[1]}").ravel().astype(f"U{out.shape[1]}")


def _build_trace(times: np.ndarray, env: np.ndarray, cold: np.ndarray, outcome: np.ndarray, dur_s: np.ndarray,
                 init_s: np.ndarray, extra: list, env_created: list, env_prov: list, env_reclaimed: list,
                 fixed: dict[str, Any], params: dict[str, Any]) -> Trace:
    """Turn the placement result into the trace's columns (vectorised)."""
    n = len(times)
    if extra:
        ex = np.array([x[:2] for x in extra], dtype=np.int64)
        ex_f = np.array([(x[2], x[6]) for x in extra], dtype=float)
        ex_env = np.array([x[3] for x in extra], dtype=np.int64)
        ex_cold = np.array([x[4] for x in extra], dtype=bool)
        ex_out = np.array([x[5] for x in extra], dtype=np.int8)
        req_idx = np.concatenate([np.arange(n), ex[:, 0]])
        attempt = np.concatenate([np.ones(n, dtype=np.int64), ex[:, 1]])
        arrival = np.concatenate([times, ex_f[:, 0]])
        env = np.concatenate([env, ex_env])
        cold = np.concatenate([cold, ex_cold])
        outcome = np.concatenate([outcome, ex_out])
        dur = np.concatenate([dur_s, ex_f[:, 1]])
        order = np.argsort(arrival, kind="stable")
        req_idx, attempt, arrival, env, cold, outcome, dur = (a[order] for a in (req_idx, attempt, arrival, env, cold,
                                                                                    outcome, dur))
    else:
        req_idx = np.arange(n)
        attempt = np.ones(n, dtype=np.int64)
        arrival, dur = times, dur_s
    m = len(arrival)
    ran = env >= 0
    outcome = np.where(ran, outcome, _THROTTLED).astype(np.int8)
    init = np.where(cold, init_s[req_idx] if m else init_s[:0], 0.0)
    init_start = np.where(cold, arrival, np.nan)
    init_end = np.where(cold, arrival + init, np.nan)
    invoke_start = np.where(ran, arrival + init, np.nan)
    invoke_end = np.where(ran, invoke_start + dur, np.nan)
    duration_ms = np.where(ran, np.round(dur * 1000.0, 2), 0.0)
    init_ms = np.where(cold, np.round(init * 1000.0, 2), np.nan)
    prov_env = np.asarray(env_prov, dtype=bool)
    provisioned = np.zeros(m, dtype=bool)
    if len(prov_env):
        provisioned[ran] = prov_env[env[ran]]
    # billed: handler ms rounded up; on-demand cold starts pay INIT too (since 2025-08-01)
    billed = np.where(ran, np.ceil(duration_ms - 1e-9) + np.where(cold & ~provisioned, np.ceil(np.nan_to_num(init_ms) - 1e-9), 0),
                      0).astype(np.int64)
    name = fixed["function_name"]
    labels = np.array([f"{name}:{'pc' if p else 'env'}-{k:04d}" for k, p in enumerate(env_prov)] + [""], dtype=object)
    env_id = labels[np.where(ran, env, len(env_prov))]
    codes = np.array(OUTCOME_CODES, dtype=object)
    error_type = np.array([None, "Error", "Sandbox.Timedout", None], dtype=object)
    mem = fixed["memory_mb"]
    rng = np.random.default_rng(fixed["seed"] + 7)
    used = np.minimum(mem, fixed["max_memory"] + rng.integers(0, 6, m)) if m else np.zeros(0, dtype=np.int64)
    request_id = _request_ids(req_idx, fixed["seed"])
    cols = {
        "request_id": request_id,
        "function_name": np.full(m, name, dtype=object),
        "version": np.full(m, "$LATEST", dtype=object),
        "environment_id": env_id,
        "cold": cold.astype(bool),
        "provisioned": provisioned,
        "trigger": np.full(m, fixed["trigger"], dtype=object),
        "invocation_type": np.full(m, fixed["invocation_type"], dtype=object),
        "arrival": arrival.astype(float),
        "init_start": init_start,
        "init_end": init_end,
        "invoke_start": invoke_start,
        "invoke_end": invoke_end,
        "duration_ms": duration_ms,
        "billed_ms": billed,
        "init_duration_ms": init_ms,
        "memory_mb": np.full(m, mem, dtype=np.int64),
        "max_memory_used_mb": np.where(ran, used, 0).astype(np.int64),
        "outcome": codes[outcome],
        "error_type": error_type[outcome],
        "attempt": attempt.astype(np.int64),
        "simulated": np.ones(m, dtype=bool),
    }
    trace = Trace(columns=cols)
    trace.meta = {  # type: ignore[attr-defined]
        "simulated": True,
        "params": params,
        "environments": {
            "environment_id": labels[:-1],
            "created": np.asarray(env_created, dtype=float),
            "reclaimed": np.asarray(env_reclaimed, dtype=float),
            "provisioned": prov_env,
        },
    }
    return trace
