"""Checks before work is submitted to a cluster."""

from __future__ import annotations

import shutil
import subprocess


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
