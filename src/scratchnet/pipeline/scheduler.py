"""A fix for Snakemake's scheduler, applied by the Snakefile: no runaway re-evaluation rounds.

With its job rate limiter on (always, since ``--max-jobs-per-timespan`` defaults to ``100/1s``), Snakemake 9's
``JobScheduler`` ends every scheduling round that had ready jobs by starting a ``threading.Timer`` that wakes the
scheduler again one timespan later, and the round that timer causes starts the next one. Every finished job wakes
the scheduler too, so each one starts one more such chain while jobs are still waiting: after N finished jobs about
N chains each wake the scheduler once a second, and every round re-evaluates every ready job (params, resources,
input sizes). On a 2-core machine with hundreds of ready training jobs the Snakemake process came to use 20 % of a
core and more the longer the run; in a run of 500 trivial jobs the process reached 83 to 346 threads (one timer
thread per round of the last second). The cause upstream and a proposed patch:
``docs/upstream/snakemake-scheduler-timers.md``.

:func:`coalesce_reevaluation` replaces the timer method so that at most one re-evaluation timer is pending. Every
request is still honoured: it is served by the pending timer when that fires no later than the request asks, and
otherwise replaces it with one that does. The round a timer causes asks again if it still has reason to (the rate
limit still reached, still waiting for queue input), so coalesced requests are not lost, only merged. The method
does not second-guess why it was asked: whether the rate limit held jobs back is decided when jobs are selected, and
by the time of the request it can have changed (a slow submission loop, or the timespan ending in between), and a
``--queue-input-wait-time`` re-check asks with a delay that can equal the timespan. The timer is a daemon thread, so
it never delays Snakemake's exit.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Snakemake's spelling of the method (sic).
METHOD = "_schedule_reevalutation"


@dataclass
class _Pending:
    """The one pending re-evaluation of a scheduler: its timer and when it fires (``time.monotonic()``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timer: threading.Timer | None = None
    deadline: float = 0.0


def _schedule_reevaluation(self: Any, delay: float) -> None:
    """Make sure the scheduler (``self``, with Snakemake's ``_open_jobs`` semaphore) wakes within ``delay`` seconds,
    with at most one timer pending."""
    pending: _Pending | None = self.__dict__.get("_scratchnet_reevaluation")
    if pending is None:  # the first request (only the scheduler's own thread asks)
        pending = self._scratchnet_reevaluation = _Pending()
    deadline = time.monotonic() + delay
    with pending.lock:
        if pending.timer is not None:
            if pending.deadline <= deadline:
                return  # the pending timer wakes the scheduler in time; that round asks again if it must
            pending.timer.cancel()  # it would fire too late: a sooner one replaces it

        def wake() -> None:
            with pending.lock:
                if pending.timer is not timer:
                    return  # replaced by a sooner timer while this one was firing; that one wakes the scheduler
                pending.timer = None
            self._open_jobs.release()

        timer = threading.Timer(delay, wake)
        timer.daemon = True
        pending.timer, pending.deadline = timer, deadline
        timer.start()


def coalesce_reevaluation() -> bool:
    """Install the fix in Snakemake's ``JobScheduler``; False (and a warning) when this Snakemake has no such
    method, so that a newer release that changed its scheduler still runs, unpatched."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        log.warning("snakemake.scheduling.job_scheduler not found: scheduler fix not applied")
        return False
    if not hasattr(JobScheduler, METHOD):
        log.warning("JobScheduler.%s not found: scheduler fix not applied", METHOD)
        return False
    setattr(JobScheduler, METHOD, _schedule_reevaluation)
    return True
