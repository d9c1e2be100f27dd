"""The lab clock: simulated time that a lab can speed up or fast-forward.

Real AWS waits minutes (a 5-minute schedule, a 15 s Aurora resume, Fargate start-up, an idle
environment reclaimed after ~10 minutes). A lab cannot. Everything in the course that waits
"AWS time" asks this clock instead of ``time``; ``advance(600)`` moves ten minutes on at once
and fires whatever fell due, in order.

Virtual now = wall-clock start + offset + real elapsed × speed.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(order=True)
class Timer:
    when: float
    seq: int
    callback: Callable[[], object] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class LabClock:
    """A monotonic virtual clock with timers, shared by one ``mock_aws`` session."""

    def __init__(self, speed: float = 1.0, tick_s: float = 0.02) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive (1.0 = real time, 60 = a minute per second)")
        self._lock = threading.RLock()
        self._real0 = time.monotonic()
        self._virtual0 = time.time()
        self._speed = speed
        self._timers: list[Timer] = []
        self._seq = itertools.count()
        self._tick = tick_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._firing = threading.Lock()

    # time ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Virtual seconds since the epoch."""
        with self._lock:
            return self._virtual0 + (time.monotonic() - self._real0) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    def anchor(self) -> tuple[float, float]:
        """``(a, speed)`` with virtual time = a + speed × ``time.monotonic()`` until the next
        ``advance`` or ``set_speed``: exact, for processes that extrapolate the clock (Fargate tasks)."""
        with self._lock:
            return self._virtual0 - self._real0 * self._speed, self._speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            self._virtual0 = self.now()
            self._real0 = time.monotonic()
            self._speed = speed

    def advance(self, seconds: float) -> float:
        """Jump ``seconds`` of virtual time ahead and fire every timer that fell due."""
        if seconds < 0:
            raise ValueError("the clock only moves forward; pass a positive number of seconds")
        with self._lock:
            self._virtual0 += seconds
        self.fire_due()
        return self.now()

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` of virtual time (real time divided by the speed)."""
        if seconds > 0:
            time.sleep(seconds / self._speed)

    # timers -------------------------------------------------------------------------------
    def call_at(self, when: float, callback: Callable[[], object]) -> Timer:
        timer = Timer(when, next(self._seq), callback)
        with self._lock:
            heapq.heappush(self._timers, timer)
        self._ensure_thread()
        return timer

    def call_later(self, delay: float, callback: Callable[[], object]) -> Timer:
        return self.call_at(self.now() + delay, callback)

    def fire_due(self) -> int:
        """Run due timers in time order (one firer at a time); return how many ran."""
        ran = 0
        with self._firing:
            while True:
                with self._lock:
                    if not self._timers or self._timers[0].when > self.now():
                        return ran
                    timer = heapq.heappop(self._timers)
                if timer.cancelled:
                    continue
                try:
                    timer.callback()
                except Exception as exc:  # noqa: BLE001 - one bad timer must not stop the clock
                    import logging

                    logging.getLogger(__name__).warning("lab clock timer failed: %r", exc)
                ran += 1

    def pending(self) -> int:
        with self._lock:
            return sum(1 for t in self._timers if not t.cancelled)

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="serverless-lab-clock", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._tick):
            self.fire_due()

    def stop(self) -> None:
        # Read the thread under the lock: _ensure_thread assigns and starts it under the same lock,
        # so a thread seen here has been started (joining one not yet started raises RuntimeError,
        # which left the session registered and every later mock_aws() joined a broken world).
        with self._lock:
            self._stop.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        with self._lock:
            self._timers.clear()
