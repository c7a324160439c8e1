"""Run a pipeline step under Snakemake's ``script:`` directive: logging and stderr into the rule's log file,
BLAS threads capped at the job's ``threads``, and a failure reported as one clear line plus the traceback."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from typing import Any

from threadpoolctl import threadpool_limits


def run_step(smk: Any, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    log_path = smk.log[0] if len(smk.log) else None
    terminal = sys.stderr
    handlers: list[logging.Handler] = [logging.StreamHandler(terminal)]
    log_file = None
    if log_path:
        log_file = open(log_path, "w", buffering=1)  # noqa: SIM115 - kept open for the step's lifetime
        handlers = [logging.StreamHandler(log_file)]
        sys.stderr = log_file
    logging.basicConfig(
        level=logging.INFO, handlers=handlers, force=True, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    name = getattr(smk, "rule", func.__name__)
    try:
        with threadpool_limits(limits=max(1, int(smk.threads))):
            return func(*args, **kwargs)
    except Exception as exc:  # report, then fail the job
        logging.getLogger(name).error("%s failed: %s\n%s", name, exc, traceback.format_exc())
        print(f"ERROR in {name}: {exc}" + (f" (log: {log_path})" if log_path else ""), file=terminal)
        raise SystemExit(1) from None
    finally:
        sys.stderr = terminal
        if log_file:
            log_file.close()


def files(named_input: Any) -> list[str]:
    """A named input as a list of paths (Snakemake gives one path as a string, several or none as a list)."""
    return [named_input] if isinstance(named_input, str) else [str(f) for f in named_input]
