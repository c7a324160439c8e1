"""Checks before work is submitted to a cluster, and where the SLURM executor plugin lives."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

SLURM_PLUGIN = "snakemake_executor_plugin_slurm"


class ClusterUnavailable(RuntimeError):
    """The SLURM controller does not answer."""


def check_slurm_controller(timeout: float = 20.0) -> str:
    """Ask the SLURM controller whether it is up (``scontrol ping``); return its answer, or raise
    :class:`ClusterUnavailable` with what was tried, so that a run stops with a clear error before submitting
    instead of waiting on jobs the executor can no longer follow."""
    exe = shutil.which("scontrol")
    if exe is None:
        raise ClusterUnavailable("SLURM executor chosen, but scontrol is not on PATH: is this a SLURM login node?")
    try:
        proc = subprocess.run([exe, "ping"], capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ClusterUnavailable(f"the SLURM controller did not answer 'scontrol ping' within {timeout:g} s") from None
    answer = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or " is UP" not in answer:
        raise ClusterUnavailable(
            f"the SLURM controller is not reachable ('scontrol ping' said: {answer or proc.returncode}). Start it "
            "(for the local test cluster: sudo bash scripts/local-slurm.sh start) or check SLURM_CONF."
        )
    return answer


def slurm_plugin_dir(prefix: str | Path | None = None) -> Path:
    """Where ``scripts/slurm-plugin.sh`` installs snakemake-executor-plugin-slurm for runs that submit to SLURM, to be
    put on ``PYTHONPATH`` for them only: ``<prefix>/slurm-plugin/lib/pythonX.Y/site-packages``, the prefix being
    this virtual environment's. Not the environment's own site-packages: Snakemake imports every executor plugin it
    finds there at every start, and this one (2.8.0) runs ``scontrol show config`` when imported, which waits 10 s
    where ``scontrol`` is installed and no controller answers (docs/upstream/slurm-plugin-scontrol-at-import.md)."""
    base = str(Path(sys.prefix if prefix is None else prefix) / "slurm-plugin")
    return Path(sysconfig.get_path("purelib", vars={"base": base, "platbase": base}))


def slurm_plugin_in_environment() -> bool:
    """Whether this Python finds the SLURM executor plugin as it is (installed into the environment, as by
    ``pip install -e ".[slurm]"``, or on ``PYTHONPATH``), so that every Snakemake started like it imports it."""
    return importlib.util.find_spec(SLURM_PLUGIN) is not None
