"""The check that stops a SLURM run before submitting when the controller does not answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scratchnet.pipeline.cluster import ClusterUnavailable, check_slurm_controller


def fake_scontrol(tmp_path: Path, monkeypatch, script: str) -> None:
    exe = tmp_path / "scontrol"
    exe.write_text("#!/bin/sh\n" + script + "\n")
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_controller_up_passes(tmp_path: Path, monkeypatch) -> None:
    fake_scontrol(tmp_path, monkeypatch, 'echo "Slurmctld(primary) at vm is UP"')
    assert "is UP" in check_slurm_controller()


def test_controller_down_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    fake_scontrol(tmp_path, monkeypatch, 'echo "Slurmctld(primary) at vm is DOWN"; exit 1')
    said = r"not reachable \('scontrol ping' said: Slurmctld\(primary\) at vm is DOWN"
    with pytest.raises(ClusterUnavailable, match=said):
        check_slurm_controller()


def test_controller_that_hangs_times_out(tmp_path: Path, monkeypatch) -> None:
    fake_scontrol(tmp_path, monkeypatch, "sleep 30")
    with pytest.raises(ClusterUnavailable, match=r"did not answer 'scontrol ping' within 0.5 s"):
        check_slurm_controller(timeout=0.5)


def test_no_scontrol_is_named(monkeypatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ClusterUnavailable, match="scontrol is not on PATH"):
        check_slurm_controller()
