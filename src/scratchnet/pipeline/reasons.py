"""Job reasons that fit a screen, applied by the workflow (``workflow/rules/common.smk``).

Snakemake prints why each job runs on its ``reason:`` line (``snakemake.jobs.Reason.__str__``), naming every file:
a report page waits for every table, run history and figure of its report, so its reason lists about 200 paths on
one line (page 004 of the full configuration). :func:`shorten_job_reasons` wraps that method so that a list of more
than :data:`MAX_FILES` files is given as its count and the first :data:`SHOWN` paths in sorted order, e.g.
``Input files updated by another job (214 files): results/figures/004/a.png, ..., results/tables/b.json, ... and 211
more``. Shorter lists, and the reason's other parts, are left as Snakemake wrote them. Only the printed line changes:
which jobs run, and why, is Snakemake's decision as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# The parts of Snakemake 9's reason that list files ("<label>: a, b, c"), joined by "; ".
FILE_LISTS = ("Missing output files", "Incomplete output files", "Updated input files",
              "Input files updated by another job")  # fmt: skip
MAX_FILES = 5
SHOWN = 3


def shorten(reason: str) -> str:
    """``reason`` (a job's reason as Snakemake writes it) with every file list longer than :data:`MAX_FILES` given
    as its count and its first :data:`SHOWN` paths, sorted."""
    head, body, tail = "", reason, ""
    if reason.startswith("Finished (was: ") and reason.endswith(")"):
        head, body, tail = "Finished (was: ", reason[len("Finished (was: ") : -1], ")"
    parts = []
    for part in body.split("; "):
        label, sep, listed = part.partition(": ")
        files = listed.split(", ")
        if sep and label in FILE_LISTS and len(files) > MAX_FILES:
            first = ", ".join(sorted(files)[:SHOWN])
            part = f"{label} ({len(files)} files): {first}, ... and {len(files) - SHOWN} more"
        parts.append(part)
    return head + "; ".join(parts) + tail


def _short(original: Callable[[Any], str]) -> Callable[[Any], str]:
    def __str__(self: Any) -> str:
        return shorten(original(self))

    __str__.shortened = True  # type: ignore[attr-defined]
    return __str__


def shorten_job_reasons() -> bool:
    """Install :func:`shorten` on Snakemake's job reasons (once); False (and a warning) when this Snakemake has no
    ``snakemake.jobs.Reason``, so that a release that moved it still runs, with its long lines."""
    try:
        from snakemake.jobs import Reason
    except ImportError:
        log.warning("snakemake.jobs.Reason not found: job reasons are not shortened")
        return False
    if not getattr(Reason.__str__, "shortened", False):
        Reason.__str__ = _short(Reason.__str__)
    return True
