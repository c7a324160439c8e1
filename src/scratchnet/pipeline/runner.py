"""Run a pipeline step under Snakemake's ``script:`` directive: logging and stderr into the rule's log file,
BLAS threads capped at the job's ``threads``, the job's inputs verified against their manifests before the step and
its outputs' manifests written after it (:mod:`.manifest`; an input that fails verification is marked for rebuilding
by the next run, :mod:`.rebuild`), a failure reported as one clear line plus the traceback, and no job
outliving the Snakemake that started it.

A job must not keep running, and above all must not write its outputs, after its Snakemake is gone (killed with
SIGKILL, say): the next run would race it for the same files. The Snakemake process records its pid in the
environment its jobs inherit (:func:`mark_snakemake_process`, called when the workflow is parsed). A job checks that
this process is one of its ancestors when it starts, checks again before each output file is moved into place
(:func:`scratchnet.atomic.commit_guard`), and a watchdog thread stops it within a second of the Snakemake's end
(:class:`SnakemakeWatch`). A job stopped so writes nothing more under a final name; its temporary files are removed,
and the next run reruns it (Snakemake had marked its outputs incomplete).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any, NoReturn, TextIO

import psutil
from threadpoolctl import threadpool_limits

from ..atomic import commit_guard, naming_path
from . import manifest

#: The environment variable through which a Snakemake process tells its jobs its pid (and its pid namespace).
SNAKEMAKE_PID = "SCRATCHNET_SNAKEMAKE_PID"


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:  # not Linux: one namespace
        return ""


def mark_snakemake_process() -> None:
    """Record this process (the Snakemake parsing the workflow) in the environment its jobs inherit."""
    os.environ[SNAKEMAKE_PID] = f"{os.getpid()} {_pid_namespace()}"


class SnakemakeGone(BaseException):
    """The Snakemake that started this job is gone: the job stops without writing anything more. (Not an
    ``Exception``, so that no ``except Exception`` in a step swallows it.)"""


class SnakemakeWatch:
    """The Snakemake process that started this job (named by :data:`SNAKEMAKE_PID`), watched.

    ``gone()`` is true once it has ended (or, at the start, when it is not an ancestor of this process any more:
    it ended before the job started). ``check(path)`` is the commit guard: it refuses to write ``path`` then.
    """

    POLL = 0.5  # seconds between the watchdog's looks
    GRACE = 10.0  # seconds the job has to stop by itself before the watchdog ends the process

    def __init__(self, pid: int) -> None:
        self.pid = pid
        try:
            self.process: psutil.Process | None = psutil.Process(pid)
            ancestors = {p.pid for p in psutil.Process().parents()}
        except psutil.Error:
            self.process = None
        else:
            if pid not in ancestors:  # it ended before we started, and the pid names another process now
                self.process = None
        self.command = self._command()

    @classmethod
    def from_environment(cls) -> SnakemakeWatch | None:
        """The watch of the Snakemake named in the environment; None when none is (not started by our workflow),
        or when it runs in another pid namespace (a container with its own pids: it cannot be seen from here)."""
        value = os.environ.get(SNAKEMAKE_PID, "")
        pid, _, namespace = value.partition(" ")
        if not pid.isdigit() or namespace != _pid_namespace():
            return None
        return cls(int(pid))

    def _command(self) -> str:
        try:
            return " ".join(self.process.cmdline()) if self.process else ""
        except psutil.Error:
            return ""

    def describe(self) -> str:
        return f"Snakemake (pid {self.pid}{': ' + self.command if self.command else ''})"

    def gone(self) -> bool:
        if self.process is None:
            return True
        try:
            return not self.process.is_running() or self.process.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    def check(self, path: Path) -> None:
        if self.gone():
            raise SnakemakeGone(f"{path}: not written: the {self.describe()} that started this job is gone")

    def interrupt(self, signum: int, frame: Any) -> None:
        """The main thread's handler of the watchdog's signal."""
        raise SnakemakeGone(f"the {self.describe()} that started this job is gone; nothing more is written")

    def start(self) -> None:
        """Watch from a daemon thread until :meth:`stop`: once Snakemake is gone, interrupt the main thread
        (``SnakemakeGone`` is raised there, so temporary files are removed on the way out), and end the process if
        it has not stopped within :attr:`GRACE` seconds."""
        self._stop = threading.Event()
        threading.Thread(target=self._watch, name="snakemake-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.POLL):
            if self.gone():
                logging.getLogger(__name__).error("the %s that started this job is gone: stopping", self.describe())
                os.kill(os.getpid(), signal.SIGUSR1)  # without run_step's handler (not the main thread): ends it
                if not self._stop.wait(self.GRACE):
                    os._exit(1)
                return


class _Log:
    """The step's log file (line-buffered text). A failed write (a full disk) does not stop the step: the first
    error is kept, naming the log, and nothing more is written to it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.error: OSError | None = None
        self.file: TextIO = open(path, "w", buffering=1)  # noqa: SIM115 - kept open for the step's lifetime

    def _guarded(self, call: Callable[[], Any]) -> None:
        if self.error is None:
            try:
                call()
            except OSError as exc:
                self.error = naming_path(exc, self.path)

    def write(self, text: str) -> int:
        self._guarded(lambda: self.file.write(text))
        return len(text)

    def flush(self) -> None:
        self._guarded(self.file.flush)

    def close(self) -> None:
        for _ in range(2):  # a close whose flush fails may leave the file open: then the second one drops the data
            try:
                self.file.close()
                return
            except OSError as exc:
                self.error = self.error or naming_path(exc, self.path)

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding, ... as the file has them
        return getattr(self.file, name)


def _say(stream: TextIO, line: str) -> None:
    try:
        print(line, file=stream, flush=True)
    except OSError:  # the terminal is gone with the Snakemake that owned it
        pass


def _fail(terminal: TextIO, lines: list[str]) -> NoReturn:
    for line in lines:
        _say(terminal, line)
    raise SystemExit(1)


def run_step(smk: Any, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    name = getattr(smk, "rule", func.__name__)
    log_path = smk.log[0] if len(smk.log) else None
    terminal = sys.stderr
    watch = SnakemakeWatch.from_environment()
    if watch is not None and watch.gone():
        _fail(terminal, [f"ERROR in {name}: not started: the {watch.describe()} that started it is gone"])
    try:
        log = _Log(log_path) if log_path else None
    except OSError as exc:
        _fail(terminal, [f"ERROR in {name}: cannot write its log: {exc}"])
    handlers: list[logging.Handler] = [logging.StreamHandler(log if log else terminal)]
    if log:
        sys.stderr = log
    logging.basicConfig(
        level=logging.INFO, handlers=handlers, force=True, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    failure: list[str] = []
    interruptible = watch is not None and threading.current_thread() is threading.main_thread()
    if interruptible:
        previous = signal.signal(signal.SIGUSR1, watch.interrupt)
    if watch is not None:
        watch.start()
    try:
        with threadpool_limits(limits=max(1, int(smk.threads))), commit_guard(watch.check) if watch else nullcontext():
            inputs = _verify(smk)
            result = func(*args, **kwargs)
            _record(smk, name, inputs)
            return result
    except SnakemakeGone as exc:
        logging.getLogger(name).error("%s stopped: %s", name, exc)
        failure.append(f"ERROR in {name}: stopped: {exc}")
    except Exception as exc:  # report, then fail the job (an input that failed verification is marked for rebuilding)
        msg = _rejected(exc) if isinstance(exc, manifest.IntegrityError) else str(exc)
        logging.getLogger(name).error("%s failed: %s\n%s", name, msg, traceback.format_exc())
        failure.append(f"ERROR in {name}: {msg}" + (f" (log: {log_path})" if log_path else ""))
    finally:
        if watch is not None:
            watch.stop()
        if interruptible:
            signal.signal(signal.SIGUSR1, previous)
        sys.stderr = terminal
        if log:
            log.close()
            if log.error is not None:
                failure.append(f"ERROR in {name}: cannot write its log: {log.error}")
        if failure:
            _fail(terminal, failure)


def files(named_input: Any) -> list[str]:
    """A named input as a list of paths (Snakemake gives one path as a string, several or none as a list)."""
    return [named_input] if isinstance(named_input, str) else [str(f) for f in named_input]


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
