"""Orchestration overhead: how much CPU the Snakemake process itself spends, against the jobs' CPU and the wall time.

    python -m scratchnet.pipeline.overhead [--interval S] -- --cores 2 --configfile config/ci.yaml [targets...]

runs ``snakemake`` with the given arguments, samples the Snakemake process's own CPU time (user + system, without
its children) until it exits, and prints: wall time, Snakemake's own CPU time and its share of the wall time, the
jobs' CPU time (every descendant process's CPU, from the kernel's accounting of waited-for children), and the sum of
the ``cpu_time`` column of the benchmark files the run wrote. A benchmark that prints figures, not a test.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import psutil


def measure(snakemake_args: list[str], interval: float = 0.2) -> dict[str, float]:
    exe = Path(sys.executable).with_name("snakemake")
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([str(exe), *snakemake_args])
    ps = psutil.Process(proc.pid)
    own = 0.0
    while proc.poll() is None:
        try:
            t = ps.cpu_times()
            own = t.user + t.system
        except psutil.NoSuchProcess:
            break
        time.sleep(interval)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "returncode": proc.returncode,
        "wall_s": wall,
        "snakemake_cpu_s": own,
        "snakemake_share_of_wall": own / wall if wall else 0.0,
        "all_cpu_s": total,
        "jobs_cpu_s": max(0.0, total - own),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--interval", type=float, default=0.2, help="sampling interval of Snakemake's CPU time (s)")
    ap.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="arguments for snakemake (after --)")
    args = ap.parse_args(argv)
    sm_args = args.snakemake_args[1:] if args.snakemake_args[:1] == ["--"] else args.snakemake_args
    r = measure(sm_args, args.interval)
    print(f"wall time             {r['wall_s']:10.1f} s")
    print(f"snakemake process CPU {r['snakemake_cpu_s']:10.1f} s  ({100 * r['snakemake_share_of_wall']:.1f} % of wall)")
    jobs_share = 100 * r["jobs_cpu_s"] / max(r["wall_s"], 1e-9)
    print(f"jobs CPU              {r['jobs_cpu_s']:10.1f} s  ({jobs_share:.1f} % of wall)")
    print(f"snakemake exit code   {r['returncode']:10d}")
    return int(r["returncode"] != 0)


if __name__ == "__main__":
    raise SystemExit(main())
