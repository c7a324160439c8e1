"""Recovery from a killed Snakemake: ``python -m scratchnet.pipeline.lock [--directory DIR]``, which
``scripts/run.sh`` runs before Snakemake.

A Snakemake killed with SIGKILL (or lost with its machine) leaves its locks in ``.snakemake/locks/``, and the next
run stops with "Directory cannot be locked" until someone runs ``snakemake --unlock``. That is safe only when no
Snakemake runs in the directory any more, and no job of the killed one still runs there (its jobs stop by themselves
within a second: :mod:`scratchnet.pipeline.runner`). This module checks both, among the processes of every user
(those it may see: all of them as root):

- a Snakemake process whose working directory is ``DIR``: it refuses (exit status 1), naming each (pid, user,
  command); nothing is removed;
- a job of a Snakemake that is gone (a ``.snakemake/scripts/`` script running in ``DIR``): it waits up to
  :data:`JOB_WAIT` seconds for it to stop, then refuses the same way;
- otherwise it removes the stale lock files (what ``--unlock`` does) and says so; the run then goes ahead, and the
  jobs the killed run had started are rerun (``rerun-incomplete`` in ``profiles/default``).

It knows the file-based locks only (Snakemake's default persistence, ``.snakemake/locks/<n>.<input|output>.lock``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

LOCKS = Path(".snakemake") / "locks"
JOB_WAIT = 15.0  # seconds a job of a gone Snakemake gets to stop by itself


class DirectoryInUse(RuntimeError):
    """Another Snakemake (or a job of a gone one) runs in the directory: its locks are not stale."""


@dataclass(frozen=True)
class Running:
    """A process found running in the directory."""

    pid: int
    user: str
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} (user {self.user}): {self.command}"


def is_snakemake(cmdline: list[str]) -> bool:
    """Whether a command line runs Snakemake: ``snakemake ...``, ``python .../bin/snakemake ...`` or
    ``python -m snakemake ...``."""
    names = [Path(a).name for a in cmdline[:3]]
    if not names:
        return False
    if names[0] == "snakemake":
        return True
    return names[0].startswith("python") and (names[1:2] == ["snakemake"] or names[1:3] == ["-m", "snakemake"])


def is_job(cmdline: list[str]) -> bool:
    """Whether a command line is a Snakemake ``script:`` job (a copy of the script under ``.snakemake/scripts/``)."""
    return any("/.snakemake/scripts/" in f"/{a}" for a in cmdline)


def running_in(directory: str | os.PathLike, select=is_snakemake) -> list[Running]:
    """The processes (any user's, but not this one or its ancestors) whose command line ``select`` accepts and whose
    working directory is ``directory``. Without privileges, other users' working directories cannot be read: their
    processes are not seen."""
    directory = Path(directory)
    me = psutil.Process()
    skip = {me.pid, *(p.pid for p in me.parents())}
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "username", "status"]):
        info = proc.info
        cmdline = info.get("cmdline") or []
        if info["pid"] in skip or info.get("status") == psutil.STATUS_ZOMBIE or not select(cmdline):
            continue
        try:
            here = os.path.samefile(proc.cwd(), directory)
        except (psutil.Error, OSError):  # ended meanwhile, or another user's (without privileges)
            continue
        if here:
            found.append(Running(info["pid"], info.get("username") or "?", " ".join(cmdline)))
    return found


def _refusal(directory: Path, what: str, processes: list[Running], advice: str) -> DirectoryInUse:
    lines = "\n".join(f"  {p.describe()}" for p in processes)
    return DirectoryInUse(f"{directory}: {what}:\n{lines}\n{advice}")


def recover(directory: str | os.PathLike = ".", job_wait: float = JOB_WAIT) -> list[Path]:
    """Remove the locks a killed Snakemake left in ``directory`` (none is an error); return the files removed.

    Raises
    ------
    DirectoryInUse
        When a Snakemake runs in ``directory``, or a job of a gone one still runs there after ``job_wait`` seconds;
        the message names each process and removes nothing.
    """
    directory = Path(directory).resolve()
    others = running_in(directory)
    if others:
        raise _refusal(
            directory,
            "another Snakemake runs in this directory",
            others,
            "Wait for it to finish, or stop it (kill <pid>), then run again.",
        )
    deadline = time.monotonic() + job_wait
    while jobs := running_in(directory, is_job):
        if time.monotonic() >= deadline:
            raise _refusal(
                directory,
                f"jobs of a Snakemake that is gone still run after {job_wait:g} s",
                jobs,
                "Stop them (kill <pid>), then run again.",
            )
        time.sleep(0.2)
    removed = []
    for lock in sorted((directory / LOCKS).glob("*.lock")):
        lock.unlink(missing_ok=True)
        removed.append(lock)
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scratchnet.pipeline.lock",
        description="Remove the locks of a Snakemake that was killed, unless a Snakemake still runs in the directory.",
    )
    parser.add_argument("--directory", default=".", help="the workflow's working directory (default: .)")
    args = parser.parse_args(argv)
    try:
        removed = recover(args.directory)
    except DirectoryInUse as exc:
        print(f"scratchnet: Snakemake not started: {exc}", file=sys.stderr)
        return 1
    if removed:
        names = ", ".join(str(p.relative_to(Path(args.directory).resolve())) for p in removed)
        print(
            f"scratchnet: removed the locks of a Snakemake that is no longer running ({names}); "
            "the jobs it left unfinished are run again",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
