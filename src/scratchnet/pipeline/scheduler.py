"""A fix for Snakemake's scheduler, applied by the Snakefile: no runaway re-evaluation rounds.

With its job rate limiter on (always, since ``--max-jobs-per-timespan`` defaults to ``100/1s``), Snakemake 9's
``JobScheduler`` ends every scheduling round that leaves jobs waiting by starting a ``threading.Timer`` that wakes
the scheduler again one timespan later, and that round starts the next timer. Every finished job starts one more
such chain while others are still pending, so after N finished jobs about N chains each wake the scheduler once a
second, and every round re-evaluates every ready job (params, resources, input sizes). On a 2-core machine with
hundreds of ready training jobs the Snakemake process itself came to use 20 % of a core and more the longer the
run (one timer thread per finished job; measured with ``python -m scratchnet.pipeline.overhead`` and py-spy).

A re-evaluation after a timespan is needed only when the rate limit held jobs back: otherwise a finishing job
wakes the scheduler itself. :func:`coalesce_reevaluation` replaces the timer method so that it starts a timer only
when the limiter has no free slot left, and never while another is pending; the timer is a daemon thread, so it
never delays Snakemake's exit. Other delays (waiting for queue input) keep one pending timer as well.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


def _schedule_reevaluation(self: Any, delay: float) -> None:
    limiter = getattr(self, "job_rate_limiter", None)
    if limiter is not None and delay == limiter.timespan and limiter.get_free_jobs() > 0:
        return  # the rate limit held nothing back: the next finishing job wakes the scheduler
    lock = self.__dict__.setdefault("_reevaluation_lock", threading.Lock())
    with lock:
        if self.__dict__.get("_reevaluation_pending"):
            return
        self._reevaluation_pending = True

    def wake() -> None:
        with lock:
            self._reevaluation_pending = False
        self._open_jobs.release()

    timer = threading.Timer(delay, wake)
    timer.daemon = True
    timer.start()


def coalesce_reevaluation() -> bool:
    """Install the fix in Snakemake's ``JobScheduler``; False (and a warning) when this Snakemake has no such
    method, so that a newer release that changed its scheduler still runs, unpatched."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        log.warning("snakemake.scheduling.job_scheduler not found: scheduler fix not applied")
        return False
    if not hasattr(JobScheduler, "_schedule_reevalutation"):  # sic: Snakemake's spelling
        log.warning("JobScheduler._schedule_reevalutation not found: scheduler fix not applied")
        return False
    JobScheduler._schedule_reevalutation = _schedule_reevaluation
    return True
