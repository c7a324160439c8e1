"""The fix for Snakemake's runaway re-evaluation timers (scratchnet.pipeline.scheduler).

The unit tests replace ``threading.Timer`` with a timer that fires when the test says so, and drive a small model of
Snakemake's scheduling loop (select at most the rate limiter's free jobs, submit them, ask for a re-evaluation one
timespan later) with a limiter on a clock the test moves: no sleeps, and every assertion is on state (timers
pending, wake-ups delivered, jobs submitted). The three situations in which the earlier version of the fix (which
skipped the timer whenever the limiter had a free slot at the time of the request) lost or delayed a wake-up are
tests of their own. The last test runs a real Snakemake on 500 trivial jobs and reads its thread count from inside.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scratchnet.pipeline import scheduler

SNAKEMAKE = Path(sys.executable).with_name("snakemake")


class FakeTimer:
    """``threading.Timer`` that fires only when the test calls :meth:`fire`."""

    made: list[FakeTimer] = []

    def __init__(self, delay: float, fn) -> None:
        self.delay, self.fn = delay, fn
        self.daemon = False
        self.started = self.cancelled = self.fired = False
        FakeTimer.made.append(self)

    def start(self) -> None:
        self.started = True

    def cancel(self) -> None:
        self.cancelled = True

    def fire(self) -> None:
        assert self.started and not self.fired
        self.fired = True
        if not self.cancelled:
            self.fn()


@pytest.fixture
def timers(monkeypatch) -> list[FakeTimer]:
    FakeTimer.made = []
    monkeypatch.setattr(scheduler.threading, "Timer", FakeTimer)
    return FakeTimer.made


def live(timers: list[FakeTimer]) -> list[FakeTimer]:
    """The timers that are pending: started, neither fired nor cancelled."""
    return [t for t in timers if t.started and not t.fired and not t.cancelled]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Limiter:
    """Snakemake's ``JobRateLimiter`` (at most ``max_jobs`` submissions per ``timespan`` seconds) on a fake clock."""

    def __init__(self, max_jobs: int, timespan: float, clock: Clock) -> None:
        self.max_jobs, self.timespan, self.clock = max_jobs, timespan, clock
        self.submitted: list[float] = []

    def get_free_jobs(self) -> int:
        self.submitted = [t for t in self.submitted if t > self.clock() - self.timespan]
        return max(self.max_jobs - len(self.submitted), 0)

    def register_jobs(self, n: int) -> None:
        self.submitted += [self.clock()] * n


class FakeScheduler:
    """The parts of Snakemake's ``JobScheduler`` the fix touches, and a model of one scheduling round."""

    _schedule_reevalutation = scheduler._schedule_reevaluation

    def __init__(self, ready: int, max_jobs: int = 100, timespan: float = 1.0, submit_seconds: float = 0.0) -> None:
        self.clock = Clock()
        self.job_rate_limiter = Limiter(max_jobs, timespan, self.clock)
        self._open_jobs = threading.Semaphore(0)
        self.ready, self.submitted, self.submit_seconds = ready, 0, submit_seconds

    def round(self, before_request=None) -> int:
        """Select what the rate limit allows, submit it (taking ``submit_seconds`` per job on the clock), then ask
        for a re-evaluation one timespan later, as ``JobScheduler.schedule`` does after every round with ready jobs.
        ``before_request`` runs between the selection and the request (the scheduler thread being preempted)."""
        n = min(self.ready, self.job_rate_limiter.get_free_jobs())
        self.job_rate_limiter.register_jobs(n)
        self.clock.now += n * self.submit_seconds
        self.ready -= n
        self.submitted += n
        if before_request is not None:
            before_request()
        self._schedule_reevalutation(self.job_rate_limiter.timespan)
        return n

    def woken(self) -> bool:
        """Whether a wake-up is waiting for the scheduler (and take it)."""
        return self._open_jobs.acquire(blocking=False)


def fire_pending(s: FakeScheduler, timers: list[FakeTimer]) -> None:
    """Let the one pending timer fire, after its delay on the scheduler's clock."""
    (timer,) = live(timers)
    s.clock.now += timer.delay
    timer.fire()


def test_slow_submission_loop_still_wakes_for_the_held_back_jobs(timers) -> None:
    """SLURM, 150 ready jobs, 100 per second, 0.1 s per sbatch: when the submission loop ends, the rate limit has
    already expired; the 50 held-back jobs still need a round, and no job finishing will bring it soon."""
    s = FakeScheduler(ready=150, max_jobs=100, submit_seconds=0.1)
    assert s.round() == 100
    assert s.job_rate_limiter.get_free_jobs() > 0  # what fooled the earlier fix into skipping the timer
    assert len(live(timers)) == 1
    fire_pending(s, timers)
    assert s.woken()
    assert s.round() == 50
    assert s.ready == 0


def test_limit_expiring_between_selection_and_request_keeps_the_only_wake_up(timers) -> None:
    """A round finds the rate limit reached and submits nothing; nothing runs, no other timer is pending, and the
    limit expires before the round asks for its timer (the scheduler thread was preempted): that timer is the only
    thing that can ever wake the scheduler again."""
    s = FakeScheduler(ready=5, max_jobs=2, timespan=1.0)
    s._schedule_reevalutation(0.2)  # a timer an earlier round asked for
    assert s.round() == 2  # the limit is reached for 1 s; this round's request is served by the sooner timer
    assert len(live(timers)) == 1
    fire_pending(s, timers)  # 0.2 s later
    assert s.woken()

    def preempted() -> None:
        s.clock.now += 0.9  # the limit expires between this round's selection and its request

    assert s.round(before_request=preempted) == 0
    assert len(live(timers)) == 1, "the only wake-up of a rate-limited scheduler was dropped"
    fire_pending(s, timers)
    assert s.woken()
    assert s.round() == 2


def test_queue_input_recheck_with_the_timespans_delay_is_kept(timers) -> None:
    """``--queue-input-wait-time 1`` with the default ``100/1s`` limit: the re-check asks for the same delay as the
    rate limit, with every slot free and no job ready; it is the only wake-up there is."""
    s = FakeScheduler(ready=0)
    queue_input_wait_time = s.job_rate_limiter.timespan
    s._schedule_reevalutation(queue_input_wait_time)
    assert len(live(timers)) == 1
    fire_pending(s, timers)
    assert s.woken()


def test_many_requests_one_pending_daemon_timer_one_wake_up(timers) -> None:
    s = FakeScheduler(ready=500)
    for _ in range(50):  # fifty rounds, as after fifty finished jobs
        s._schedule_reevalutation(1.0)
    assert len(timers) == 1 and timers[0].daemon
    fire_pending(s, timers)
    assert s.woken() and not s.woken()  # one wake-up for the fifty requests
    s._schedule_reevalutation(1.0)  # once it has fired, the next request starts a new timer
    assert len(live(timers)) == 1


def test_a_sooner_request_replaces_a_later_timer(timers) -> None:
    """A pending 10 s queue-input timer must not make a rate-limited round wait 10 s instead of 1 s."""
    s = FakeScheduler(ready=5)
    s._schedule_reevalutation(10.0)
    s._schedule_reevalutation(1.0)
    late, soon = timers
    assert late.cancelled and live(timers) == [soon]
    s._schedule_reevalutation(5.0)  # a later request is served by the sooner timer
    assert live(timers) == [soon]
    late.fire()  # a replaced timer that fires anyway (it was already running): no wake-up of its own
    assert not s.woken() and live(timers) == [soon]
    fire_pending(s, timers)
    assert s.woken() and not s.woken()


def test_real_timer_wakes_the_scheduler() -> None:
    s = FakeScheduler(ready=1)
    s._schedule_reevalutation(0.01)
    assert s._open_jobs.acquire(timeout=30), "the timer never released the scheduler's semaphore"
    s._schedule_reevalutation(0.01)  # the fired timer cleared its slot: a new one is started and fires
    assert s._open_jobs.acquire(timeout=30)


def test_installed_into_snakemakes_scheduler() -> None:
    from snakemake.scheduling.job_scheduler import JobScheduler

    assert scheduler.coalesce_reevaluation()
    assert getattr(JobScheduler, scheduler.METHOD) is scheduler._schedule_reevaluation


# A Snakefile of N independent trivial jobs that installs the fix as workflow/rules/common.smk does. Every job writes
# the thread count of the Snakemake process (whose pid the Snakefile reads when parsed), the last one also the count
# when all others are done.
THREADS_SNAKEFILE = """
import os

from scratchnet.pipeline.scheduler import coalesce_reevaluation

assert coalesce_reevaluation()


rule all:
    input:
        expand("threads/{i}.txt", i=range(int(config["jobs"]))),
    params:
        pid=os.getpid(),
    shell:
        "awk '/^Threads/{{print $2}}' /proc/{params.pid}/status > threads_at_end.txt"


rule one:
    output:
        "threads/{i}.txt",
    params:
        pid=os.getpid(),
    shell:
        "awk '/^Threads/{{print $2}}' /proc/{params.pid}/status > {output}"
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads thread counts from /proc")
def test_500_jobs_keep_snakemake_at_a_few_threads(tmp_path: Path) -> None:
    """Unpatched, Snakemake 9.27.1 reached 83 to 346 threads on this run (one timer thread per scheduling round of
    the last second; docs/upstream/snakemake-scheduler-timers.md); patched, 5. 15-50 s on 2 cores."""
    n = 500
    (tmp_path / "Snakefile").write_text(THREADS_SNAKEFILE)
    proc = subprocess.run(
        [str(SNAKEMAKE), "--cores", "2", "--quiet", "all", "--config", f"jobs={n}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    counts = [int((tmp_path / "threads" / f"{i}.txt").read_text()) for i in range(n)]
    at_end = int((tmp_path / "threads_at_end.txt").read_text())
    print(f"Snakemake threads over {n} jobs: max {max(counts)}, at the end {at_end}")
    assert max(counts + [at_end]) <= 20, f"thread counts read by the jobs: max {max(counts)}, at the end {at_end}"
