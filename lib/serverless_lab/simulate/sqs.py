"""SQS-driven Lambda, simplified: pollers take batches off a queue and invoke the function.

What AWS documents (Lambda Developer Guide, "Using Lambda with Amazon SQS"): an event source
mapping starts with 5 concurrent pollers (batches in flight), adds up to 300 per minute while
messages wait, and stops at the function's reserved concurrency or the mapping's maximum
concurrency (up to 1,000 for standard queues, Nov 2023 scaling). Each invocation receives up to
``batch_size`` messages. The poller calls the function synchronously and waits for it.

Simplifications (kept on purpose, say them in a lab): pollers never scale down (idle ones just
wait; their environments are still reclaimed by keep-alive); the batching window is 0 (a batch
is whatever waits when a poller becomes free, up to ``batch_size``); handler time is
``base_ms + per_message_ms × messages``; failed batches are not retried (no visibility timeout).
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from ..trace import Trace
from .arrivals import Arrivals, SimulationInputError
from .model import _build_trace, validate
from .runtimes import INIT_CV, runtime_profile

INITIAL_POLLERS = 5
POLLERS_PER_MINUTE = 300


def simulate_sqs(
    messages: Arrivals | np.ndarray,
    *,
    function_name: str = "sim-sqs-consumer",
    runtime: str = "python3.12",
    batch_size: int = 10,
    base_ms: float = 20.0,
    per_message_ms: float = 10.0,
    init_ms: float = 0.0,
    memory_mb: int = 128,
    timeout_s: float = 30.0,
    keep_alive_s: float = 600.0,
    max_concurrency: int = 1000,
    reserved: int | None = None,
    account_limit: int = 1000,
    seed: int = 0,
) -> Trace:
    """Simulate an SQS event source mapping draining ``messages`` (arrival times of messages).

    ``trace.meta["sqs"]`` holds per-invocation batch sizes and per-message wait times (how long
    each message sat in the queue), the numbers an SQS lab is about."""
    if not isinstance(messages, Arrivals):
        messages = Arrivals(np.asarray(messages, dtype=float))
    validate(memory_mb, timeout_s, base_ms, keep_alive_s, account_limit, reserved, 0, 0.0, "RequestResponse")
    if not 1 <= batch_size <= 10_000:
        raise SimulationInputError(f"batch_size must be between 1 and 10,000; got {batch_size}.",
                                   "SQS event source mappings take 1–10,000 messages per batch (10 by default).")
    if not 2 <= max_concurrency <= 1000:
        raise SimulationInputError(f"max_concurrency must be between 2 and 1,000; got {max_concurrency}.",
                                   "That is the range AWS allows for an SQS event source mapping.")
    profile = runtime_profile(runtime)
    rng = np.random.default_rng(seed)
    t_msg = messages.times
    n = len(t_msg)
    cap = min(max_concurrency, reserved if reserved is not None else account_limit)
    pollers: list[tuple[float, int]] = [(float(t_msg[0]) if n else 0.0, k) for k in range(min(INITIAL_POLLERS, cap))]
    heapq.heapify(pollers)
    n_pollers = len(pollers)
    t0 = float(t_msg[0]) if n else 0.0
    env_created: list[float] = []
    env_reclaimed: list[float] = []
    idle: list[tuple[float, int]] = []         # (free since, env), top = most recent
    busy: list[tuple[float, int]] = []
    inv_t: list[float] = []
    inv_env: list[int] = []
    inv_cold: list[int] = []
    inv_batch: list[int] = []
    inv_dur: list[float] = []
    inv_init: list[float] = []
    wait = np.zeros(n)
    q = 0
    while q < n:
        free, pid = heapq.heappop(pollers)
        s = max(free, float(t_msg[q]))
        hi = int(np.searchsorted(t_msg, s, side="right"))
        take = min(batch_size, hi - q)
        wait[q:q + take] = s - t_msg[q:q + take]
        # environments: reuse the most recently freed idle one that is still warm
        while busy and busy[0][0] <= s:
            end, e = heapq.heappop(busy)
            idle.append((end, e))
        env, cold = -1, 0
        while idle:
            since, e = idle.pop()
            if since + keep_alive_s >= s:
                env = e
                break
            env_reclaimed[e] = since + keep_alive_s
        if env < 0:
            env, cold = len(env_created), 1
            env_created.append(s)
            env_reclaimed.append(math.inf)
        d = min((base_ms + per_message_ms * take) / 1000.0, timeout_s)
        init = float(rng.lognormal(math.log(profile.init_mean_ms) - math.log1p(INIT_CV ** 2) / 2,
                                   math.sqrt(math.log1p(INIT_CV ** 2)))) / 1000.0 + init_ms / 1000.0 if cold else 0.0
        end = s + init + d
        heapq.heappush(busy, (end, env))
        inv_t.append(s), inv_env.append(env), inv_cold.append(cold)
        inv_batch.append(take), inv_dur.append(d), inv_init.append(init)
        heapq.heappush(pollers, (end, pid))
        q += take
        # more messages waiting than this batch took: scale pollers up (5 + 300 per minute, to the cap)
        allowed = min(cap, INITIAL_POLLERS + POLLERS_PER_MINUTE * int((s - t0) // 60))
        if q < n and t_msg[q] <= s and n_pollers < allowed:
            heapq.heappush(pollers, (s, n_pollers))
            n_pollers += 1
    for since, e in idle:
        env_reclaimed[e] = since + keep_alive_s
    for end, e in busy:
        env_reclaimed[e] = end + keep_alive_s
    init_s = np.asarray(inv_init, dtype=float)
    dur_s = np.asarray(inv_dur, dtype=float)
    outcome = np.where(dur_s >= timeout_s, 2, 0).astype(np.int8)
    trace = _build_trace(
        np.asarray(inv_t, dtype=float), np.asarray(inv_env, dtype=np.int64), np.asarray(inv_cold, dtype=bool), outcome,
        dur_s, init_s, [], env_created, [False] * len(env_created), env_reclaimed,
        dict(function_name=function_name, runtime=profile.name, memory_mb=int(memory_mb), trigger="sqs",
             invocation_type="RequestResponse", max_memory=profile.base_memory_mb, seed=seed),
        dict(arrivals=messages.label, runtime=profile.name, batch_size=batch_size, base_ms=base_ms,
             per_message_ms=per_message_ms, memory_mb=memory_mb, timeout_s=timeout_s, keep_alive_s=keep_alive_s,
             max_concurrency=max_concurrency, reserved=reserved, seed=seed),
    )
    trace.meta["sqs"] = {"batch_size": np.asarray(inv_batch, dtype=np.int64), "message_wait_s": wait,  # type: ignore[attr-defined]
                         "pollers": n_pollers}
    return trace
