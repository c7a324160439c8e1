"""No Snakemake start waits on an absent SLURM controller (issue 20, item 6).

snakemake-executor-plugin-slurm 2.8.0 runs ``scontrol show config`` (10 s timeout) when Snakemake imports it, which
Snakemake does at every start for every executor plugin it finds installed, whatever the executor: where SLURM's
client tools are installed and no controller answers, every ``snakemake`` command started 10 s late. The test
environment keeps the plugin out of its packages (``scripts/slurm-plugin.sh`` installs it beside them, for the SLURM
runs only). These tests put fake SLURM tools first on PATH, with an ``scontrol`` that records every call in a marker
file and then hangs as one without a controller does, and check that a dry run never calls it; a control run with
the plugin on PYTHONPATH shows that the same setup does catch the plugin's call.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_workflow

from scratchnet.pipeline import paths
from scratchnet.pipeline.cluster import SLURM_PLUGIN, slurm_plugin_dir, slurm_plugin_in_environment

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

TINY_SNAKEFILE = """
rule all:
    output:
        "done.txt",
    shell:
        "touch {output}"
"""


def fake_slurm_tools(bin_dir: Path, scontrol_sleep: int) -> Path:
    """``sinfo`` and ``squeue`` (present, as the plugin checks; they fail when run) and an ``scontrol`` that appends
    its arguments to ``scontrol-calls.txt`` and then sleeps ``scontrol_sleep`` s. Returns the marker file's path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    marker = bin_dir / "scontrol-calls.txt"
    tools = {
        "sinfo": "exit 1",
        "squeue": "exit 1",
        "scontrol": f'echo "$*" >> "{marker}"\nexec sleep {scontrol_sleep}',
    }
    for name, body in tools.items():
        exe = bin_dir / name
        exe.write_text(f"#!/bin/sh\n{body}\n")
        exe.chmod(0o755)
    return marker


def env_with(bin_dir: Path, pythonpath: str = "") -> dict[str, str]:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PYTHONPATH", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def dry_run(workdir: Path, env: dict[str, str], *args: str) -> tuple[float, float]:
    """``snakemake -n [args]`` in ``workdir``; returns (wall, CPU) seconds, CPU with its child processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [str(SNAKEMAKE), "-n", *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=300
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def require_plugin_outside_environment() -> None:
    """The premise of these tests: this environment does not import the plugin by itself."""
    if not slurm_plugin_in_environment():
        return
    why = (
        f"{SLURM_PLUGIN} is importable in this environment ({sys.prefix}; PYTHONPATH "
        f"{os.environ.get('PYTHONPATH', 'unset')}), so every Snakemake start here runs scontrol and waits up to 10 s "
        "where no controller answers. Keep it out: pip uninstall snakemake-executor-plugin-slurm "
        "snakemake-executor-plugin-slurm-jobstep, and use scripts/slurm-plugin.sh for runs that submit to SLURM"
    )
    if os.environ.get("CI"):
        pytest.fail(why)  # .ci/run builds the environment: there the plugin must be outside it
    pytest.skip(why)


def test_dry_run_does_not_call_scontrol(tmp_path: Path) -> None:
    require_plugin_outside_environment()
    marker = fake_slurm_tools(tmp_path / "bin", scontrol_sleep=60)
    (tmp_path / "Snakefile").write_text(TINY_SNAKEFILE)
    dry_run(tmp_path, env_with(tmp_path / "bin"))
    assert not marker.exists(), f"snakemake -n ran scontrol: {marker.read_text()!r}"


def test_control_the_plugin_on_pythonpath_does_call_scontrol(tmp_path: Path) -> None:
    """Without this, the test above could pass because the fake tools miss what the plugin looks for."""
    require_plugin_outside_environment()
    plugin = slurm_plugin_dir()
    if not (plugin / SLURM_PLUGIN).is_dir():
        pytest.skip(
            f"snakemake-executor-plugin-slurm not installed beside the environment ({plugin}): "
            "bash scripts/slurm-plugin.sh"
        )
    marker = fake_slurm_tools(tmp_path / "bin", scontrol_sleep=0)  # answers at once: no 10 s wait for the control
    (tmp_path / "Snakefile").write_text(TINY_SNAKEFILE)
    dry_run(tmp_path, env_with(tmp_path / "bin", str(plugin)))
    assert marker.exists() and "show config" in marker.read_text(), "the plugin did not run scontrol at import"


@pytest.mark.slow
def test_workflow_one_target_dry_run_does_not_call_scontrol(tmp_path: Path, merged_config) -> None:
    """The workflow's own dry run of one target (reduced configuration), as a user types it."""
    require_plugin_outside_environment()
    workdir = copy_workflow(tmp_path / "workflow")
    experiment = sorted(merged_config(reduced=True)["experiments"])[0]
    target = paths.Layout.from_tag("reduced")(paths.SUMMARY, experiment=experiment)
    marker = fake_slurm_tools(tmp_path / "bin", scontrol_sleep=60)
    wall, cpu = dry_run(workdir, env_with(tmp_path / "bin"), target, "--configfile", "config/ci.yaml")
    print(f"snakemake -n {target}: wall {wall:.1f} s, CPU {cpu:.1f} s (with a hanging scontrol on PATH)")
    assert not marker.exists(), f"the workflow's dry run ran scontrol: {marker.read_text()!r}"
