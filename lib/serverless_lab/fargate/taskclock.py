"""Lab time inside a Fargate task: ``sleep`` and ``now`` that follow the notebook's lab clock.

A task that "works for 20 minutes" should not take 20 real minutes in a lab. Code running in a
course Fargate task can use::

    from serverless_lab.fargate.taskclock import sleep, now
    for minute in range(20):
        do_some_work()
        sleep(60)            # one minute of lab time: instant when the lab fast-forwards

The engine publishes the lab clock to a small file named by ``SERVERLESS_LAB_CLOCK``: one line
(lab time, monotonic time, speed) each time the clock jumps or changes speed, from which a task
extrapolates the time that runs in between (the file is not rewritten while the clock just runs;
its modification time is the line's generation number, so a reader re-reads it only when it
changed). While a task sleeps here, it says until when in ``SERVERLESS_LAB_SLEEP``, so
``wait_for_task`` can fast-forward the lab clock through the sleep. Outside the course (no such
variables, e.g. on AWS) these are plain ``time.sleep`` and ``time.time``.
"""

from __future__ import annotations

import json
import os
import time

CLOCK_ENV = "SERVERLESS_LAB_CLOCK"
SLEEP_ENV = "SERVERLESS_LAB_SLEEP"


_cache: tuple[tuple[str, int, int, int], dict[str, float]] | None = None


def _read() -> dict[str, float] | None:
    """The last clock line the engine wrote (re-read only when the file was replaced)."""
    global _cache
    path = os.environ.get(CLOCK_ENV)
    if not path:
        return None
    for _ in range(5):  # the file is replaced atomically; a read may rarely race a rename
        try:
            st = os.stat(path)
            key = (path, st.st_ino, st.st_mtime_ns, st.st_size)  # mtime: the engine's generation number
            if _cache is not None and _cache[0] == key:
                return _cache[1]
            with open(path, encoding="utf-8") as f:
                state = json.load(f)
            _cache = (key, state)
            return state
        except (OSError, ValueError):
            time.sleep(0.005)
    return None


def _lab(state: dict[str, float]) -> float:
    """Lab time now, extrapolated from the engine's last line at the clock's speed."""
    if "mono" in state:  # CLOCK_MONOTONIC is shared by every process of the machine, and never steps
        return state["lab"] + (time.monotonic() - state["mono"]) * state["speed"]
    return state["lab"] + (time.time() - state["wall"]) * state["speed"]


def now() -> float:
    """Lab time (seconds since the epoch) as the notebook's ``aws.clock.now()`` sees it."""
    state = _read()
    if state is None:
        return time.time()
    return _lab(state)


def sleep(seconds: float) -> None:
    """Sleep ``seconds`` of lab time (a fast-forward or a faster clock shortens the real wait)."""
    if seconds <= 0:
        return
    if _read() is None:
        time.sleep(seconds)
        return
    until = now() + seconds
    marker = os.environ.get(SLEEP_ENV)
    if marker:
        tmp = marker + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"until": until}, f)
        os.replace(tmp, marker)
    try:
        while True:
            state = _read()
            if state is None:
                return
            remaining = until - _lab(state)
            if remaining <= 0:
                return
            time.sleep(min(0.02, remaining / max(state["speed"], 1e-9)))
    finally:
        if marker:
            try:
                os.remove(marker)
            except OSError:
                pass
