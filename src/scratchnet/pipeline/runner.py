"""Run a pipeline step under Snakemake's ``script:`` directive: logging and stderr into the rule's log file,
BLAS threads capped at the job's ``threads``, the job's inputs verified against their manifests before the step and
its outputs' manifests written after it (:mod:`.manifest`), and a failure reported as one clear line plus the
traceback. An input that fails verification is marked for rebuilding by the next run (:mod:`.rebuild`)."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from threadpoolctl import threadpool_limits

from . import manifest


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
            inputs = _verify(smk)
            result = func(*args, **kwargs)
            _record(smk, name, inputs)
            return result
    except Exception as exc:  # report, then fail the job (an input that failed verification is marked for rebuilding)
        msg = _rejected(exc) if isinstance(exc, manifest.IntegrityError) else str(exc)
        logging.getLogger(name).error("%s failed: %s\n%s", name, msg, traceback.format_exc())
        print(f"ERROR in {name}: {msg}" + (f" (log: {log_path})" if log_path else ""), file=terminal)
        raise SystemExit(1) from None
    finally:
        sys.stderr = terminal
        if log_file:
            log_file.close()


def _verify(smk: Any) -> dict[str, manifest.Check]:
    """Remove the manifests of the job's outputs (about to be rewritten) and verify its inputs; log what it cost."""
    t, cpu = time.perf_counter(), time.process_time()
    manifest.forget(list(smk.output))
    inputs = manifest.verify_inputs(list(smk.input))
    n_verified = sum(c.verified for c in inputs.values())
    logging.getLogger("integrity").info(
        "%d inputs (%d verified against their manifests, %d without one), %d bytes hashed in %.4f s (%.4f s CPU)",
        len(inputs), n_verified, len(inputs) - n_verified, sum(c.hashed for c in inputs.values()),
        time.perf_counter() - t, time.process_time() - cpu,
    )  # fmt: skip
    return inputs


def _record(smk: Any, rule: str, inputs: dict[str, manifest.Check]) -> None:
    """Write the manifests of the job's outputs; log what it cost."""
    t, cpu = time.perf_counter(), time.process_time()
    wildcards = dict(smk.wildcards.items()) if hasattr(smk.wildcards, "items") else {}
    outputs = manifest.record(list(smk.output), inputs, rule, wildcards, getattr(smk.params, "code", None))
    logging.getLogger("integrity").info(
        "%d outputs recorded, %d bytes hashed in %.4f s (%.4f s CPU)", len(outputs), sum(c.hashed for c in outputs),
        time.perf_counter() - t, time.process_time() - cpu,
    )  # fmt: skip


def _rejected(exc: manifest.IntegrityError) -> str:
    """The error of a file that failed verification, after marking it for rebuilding: what is wrong, where the bad
    content is kept, and how it is rebuilt."""
    kept = manifest.reject(exc.path, str(exc))
    where = f" Kept as {kept} for inspection." if kept else ""
    return (
        f"{exc}.{where} The next run of the same snakemake command rebuilds it, and what is made from it; or now: "
        f"snakemake --cores 1 --forcerun {exc.path} (with this run's --configfile)"
    )
