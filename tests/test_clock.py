"""The lab clock steps from timer to timer: a callback sees the time it was due.

A schedule that fires at 09:10 during ``advance(3600)`` must record 09:10 (as EventBridge Scheduler
and CloudWatch do), and what it schedules next counts from 09:10, not from the end of the advance.
"""

from __future__ import annotations

import threading

from serverless_lab.clock import LabClock


def test_a_timer_sees_the_time_it_was_due():
    clock = LabClock()
    try:
        start = clock.now()
        seen: list[float] = []
        for offset in (600, 1200, 1800):
            clock.call_at(start + offset, lambda: seen.append(clock.now()))
        end = clock.advance(3600)
        assert [round(t - start) for t in seen] == [600, 1200, 1800]
        assert end - start >= 3600
    finally:
        clock.stop()


def test_what_a_timer_schedules_counts_from_its_own_time():
    clock = LabClock()
    try:
        start = clock.now()
        fired: list[float] = []

        def every_ten_minutes() -> None:
            fired.append(clock.now())
            clock.call_later(600, every_ten_minutes)

        clock.call_at(start + 600, every_ten_minutes)
        clock.advance(3600)
        assert [round(t - start) for t in fired] == [600, 1200, 1800, 2400, 3000, 3600]
    finally:
        clock.stop()


def test_a_cancelled_timer_does_not_run_and_advances_add_up():
    clock = LabClock()
    try:
        start = clock.now()
        ran: list[str] = []
        clock.call_at(start + 10, lambda: ran.append("kept"))
        clock.call_at(start + 20, lambda: ran.append("cancelled")).cancel()
        threads = [threading.Thread(target=clock.advance, args=(100,)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert ran == ["kept"]
        assert clock.now() - start >= 200
    finally:
        clock.stop()
