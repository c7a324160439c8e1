"""The fix for Snakemake's runaway re-evaluation timers (scratchnet.pipeline.scheduler)."""

from __future__ import annotations

import threading
import time

from scratchnet.pipeline import scheduler


class Limiter:
    timespan = 0.05

    def __init__(self, free: int) -> None:
        self.free = free

    def get_free_jobs(self) -> int:
        return self.free


class FakeScheduler:
    _schedule_reevalutation = scheduler._schedule_reevaluation

    def __init__(self, free: int) -> None:
        self.job_rate_limiter = Limiter(free)
        self._open_jobs = threading.Semaphore(0)


def wakeups(s: FakeScheduler, wait: float) -> int:
    n = 0
    deadline = time.monotonic() + wait
    while s._open_jobs.acquire(timeout=max(deadline - time.monotonic(), 0)):
        n += 1
    return n


def test_no_timer_when_the_rate_limit_held_nothing_back() -> None:
    s = FakeScheduler(free=5)
    before = threading.active_count()
    for _ in range(50):  # fifty scheduling rounds, as after fifty finished jobs
        s._schedule_reevalutation(Limiter.timespan)
    assert threading.active_count() == before
    assert wakeups(s, 0.2) == 0


def test_one_pending_daemon_timer_when_the_rate_limit_is_reached() -> None:
    s = FakeScheduler(free=0)
    for _ in range(50):
        s._schedule_reevalutation(Limiter.timespan)
    timers = [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.daemon]
    assert len(timers) == 1
    assert wakeups(s, 0.3) == 1  # fifty requests, one wake-up
    s._schedule_reevalutation(Limiter.timespan)  # once it fired, the next round may start a new one
    assert wakeups(s, 0.3) == 1


def test_other_delays_also_keep_a_single_timer() -> None:
    s = FakeScheduler(free=5)
    for _ in range(10):
        s._schedule_reevalutation(0.05)  # queue-input waits use another delay: not skipped, but coalesced
    s.job_rate_limiter.timespan = 1.0
    for _ in range(10):
        s._schedule_reevalutation(0.05)
    assert wakeups(s, 0.3) == 1


def test_installed_into_snakemakes_scheduler() -> None:
    from snakemake.scheduling.job_scheduler import JobScheduler

    assert scheduler.coalesce_reevaluation()
    assert JobScheduler._schedule_reevalutation is scheduler._schedule_reevaluation
