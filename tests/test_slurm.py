"""The pipeline on a real SLURM cluster: seed 001's reduced experiments submitted through ``profiles/slurm``
(snakemake-executor-plugin-slurm) to a single-node cluster (``scripts/local-slurm.sh``), checked against the
controller's job-completion log and, bit for bit, against the same targets run locally; then cluster faults (a job
failing on bad input, a job cancelled with scancel mid-run, the controller down).

Skipped, with the reason, where no cluster answers and none can be started (not root, no apt-get, no SLURM binaries)
or the executor plugin is not installed (``bash scripts/slurm-plugin.sh``, as CI does: beside the environment, put on
``PYTHONPATH`` for the SLURM runs only; or ``pip install -e ".[slurm]"``). Measurements are printed to the terminal
(also without ``-s``). ``SCRATCHNET_SLURM_EXTRA=1`` adds the controller-down fault and the timing of the same runs
with and without job groups (about 4 min more).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import copy_workflow

from scratchnet.pipeline import paths
from scratchnet.pipeline.cluster import SLURM_PLUGIN, slurm_plugin_dir, slurm_plugin_in_environment
from scratchnet.pipeline.spec import load_experiments

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
LOCAL_SLURM = ROOT / "scripts" / "local-slurm.sh"
STATE_DIR = Path("/run/scratchnet-slurm")  # pid files of the daemons scripts/local-slurm.sh started
pytestmark = pytest.mark.slow

# ---- What the test drives, and where the reduced configuration writes it: adjust here, and only here. -------------
REPORT = "001"
LAYOUT = paths.Layout.from_tag("reduced")  # config/ci.yaml: tag reduced


def seed_targets(experiments: list[str]) -> list[str]:
    """The targets submitted to SLURM: the summary tables of the seed's experiments."""
    return [LAYOUT(paths.SUMMARY, experiment=e) for e in experiments]


def run_dir(experiment: str, variant: str, seed: int) -> str:
    """A run's output folder (model.npz, model.json, history.json, metrics.json, predictions.npz)."""
    return LAYOUT.run(paths.RUN, experiment, variant, seed)


def split_data(split: str) -> str:
    return LAYOUT(paths.SPLIT_DATA, split=split)


def train_log(experiment: str, variant: str, seed: int) -> str:
    return LAYOUT.log("train", f"{experiment}/{variant}/seed{seed}")


# Fields that hold wall-clock times: the only values allowed to differ between the cluster and the local run.
WALL_TIME_KEYS = {"seconds", "job_seconds"}
# -----------------------------------------------------------------------------------------------------------------

SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: ([^)]+)\)")
TARGET_JOB = re.compile(r"\b(train|evaluate):experiment=([^,\s]+),variant=([^,\s]+),seed=(\d+)")
TIMEOUT = 900  # seconds; a hung Snakemake is killed and the test fails instead of holding CI


@dataclass
class Cluster:
    jobcomp: Path
    partition: str
    started_here: bool
    pythonpath: str  # what the SLURM runs need on PYTHONPATH to find the executor plugin ("" when installed)


@dataclass
class Plan:
    experiments: list[str]
    runs: list[tuple[str, str, int]]  # (experiment, variant, seed)
    split_of: dict[tuple[str, str, int], str]  # run -> the split it trains on
    targets: list[str] = field(default_factory=list)


@dataclass
class Run:
    workdir: Path
    seconds: float
    proc: subprocess.CompletedProcess


def _report(config: pytest.Config, line: str) -> None:
    """Print to the terminal even when pytest captures output (so CI's log shows it)."""
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        print(f"[slurm] {line}")
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"[slurm] {line}")


def _cmd(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def _node_ready() -> tuple[bool, str]:
    if shutil.which("sinfo") is None:
        return False, "no sinfo on PATH"
    try:
        proc = _cmd("sinfo", "-h", "-o", "%T")
    except subprocess.TimeoutExpired:
        return False, "sinfo timed out"
    states = proc.stdout.split()
    if proc.returncode != 0:
        return False, f"sinfo: {proc.stderr.strip()}"
    if not any(s.rstrip("*~#") in {"idle", "mixed", "allocated", "completing"} for s in states):
        return False, f"no node up (sinfo states: {states})"
    return True, ""


def _controller_config() -> dict[str, str]:
    proc = _cmd("scontrol", "show", "config")
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    )


def _default_partition() -> str:
    names = _cmd("sinfo", "-h", "-o", "%P").stdout.split()
    return next((n.rstrip("*") for n in names if n.endswith("*")), names[0] if names else "")


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    plugin = "" if slurm_plugin_in_environment() else str(slurm_plugin_dir())
    if plugin and not (Path(plugin) / SLURM_PLUGIN).is_dir():
        pytest.skip(f"snakemake-executor-plugin-slurm not installed (bash scripts/slurm-plugin.sh puts it in {plugin})")
    ready, why = _node_ready()
    started_here = False
    if not ready:
        if os.geteuid() != 0:
            pytest.skip(f"no SLURM cluster answers ({why}) and not root, so scripts/local-slurm.sh cannot start one")
        proc = subprocess.run(["bash", str(LOCAL_SLURM), "start"], capture_output=True, text=True, timeout=900)
        _report(request.config, proc.stdout.strip().replace("\n", "\n[slurm] "))
        if proc.returncode != 0:
            pytest.skip(f"scripts/local-slurm.sh start failed: {proc.stderr.strip() or proc.stdout.strip()}")
        started_here = True
    conf = _controller_config()
    if conf.get("JobCompType") != "jobcomp/filetxt" or not conf.get("JobCompLoc"):
        pytest.skip(f"the controller logs no finished jobs to a file (JobCompType={conf.get('JobCompType')})")
    yield Cluster(Path(conf["JobCompLoc"]), _default_partition(), started_here, plugin)
    if started_here:
        subprocess.run(["bash", str(LOCAL_SLURM), "stop"], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def plan(merged_config) -> Plan:
    experiments = load_experiments(merged_config(reduced=True))
    names = sorted(name for name, exp in experiments.items() if exp.report == REPORT)
    assert names, f"no experiment of report {REPORT} in the reduced configuration"
    runs = [(name, variant, seed) for name in names for variant, seed in experiments[name].runs()]
    split_of = {(e, v, s): experiments[e].split_of(v) for e, v, s in runs}
    return Plan(names, runs, split_of, seed_targets(names))


def cancel_jobs_of(workdir: Path) -> None:
    """scancel whatever this workdir still has queued or running (after a failed or killed run)."""
    proc = _cmd("squeue", "-h", "-o", "%i %Z")
    ids = [jid for jid, wd in (line.split(maxsplit=1) for line in proc.stdout.splitlines()) if wd == str(workdir)]
    if ids:
        _cmd("scancel", *ids)


def command(*args: str, cluster: Cluster | None = None, profile: str = "profiles/slurm") -> tuple[list[str], dict]:
    """Snakemake on the reduced configuration, locally or (with ``cluster``) through the SLURM profile."""
    cmd = [str(SNAKEMAKE), *args]
    env = dict(os.environ)
    if cluster is not None:
        # The profile takes the partition from SBATCH_PARTITION, as the README tells users to set it.
        env["SBATCH_PARTITION"] = cluster.partition
        if cluster.pythonpath:  # the plugin beside the environment; SLURM jobs inherit it (sbatch --export=ALL)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (cluster.pythonpath, env.get("PYTHONPATH")) if p)
        cmd += [
            "--workflow-profile",
            profile,
            "--slurm-init-seconds-before-status-checks",
            "5",
            "--slurm-keep-successful-logs",
        ]
    else:
        cmd += ["--cores", "2"]
    cmd += ["--configfile", "config/ci.yaml"]  # last: it takes several values
    return cmd, env


def snakemake(
    workdir: Path, *args: str, cluster: Cluster | None = None, profile: str = "profiles/slurm", timeout: float = TIMEOUT
) -> Run:
    cmd, env = command(*args, cluster=cluster, profile=profile)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        if cluster is not None:
            cancel_jobs_of(workdir)
        raise AssertionError(f"{' '.join(cmd)} did not finish in {timeout} s (hung?):\n{exc.stderr}") from exc
    finally:
        if cluster is not None:
            cancel_jobs_of(workdir)
    return Run(workdir, time.perf_counter() - start, proc)


def ok(run: Run) -> Run:
    if run.proc.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({run.proc.returncode}) in {run.workdir}:\n{run.proc.stdout[-3000:]}\n"
            f"{run.proc.stderr[-8000:]}"
        )
    return run


def jobcomp_records(path: Path) -> dict[str, dict[str, str]]:
    """The controller's job-completion log (jobcomp/filetxt): one ``Key=Value ...`` line per finished job."""
    records = {}
    for line in path.read_text().splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if "JobId" in fields:
            records[fields["JobId"]] = fields
    return records


def submitted(run: Run) -> dict[str, str]:
    """SLURM job id -> its SLURM log, as the executor plugin reported the submissions."""
    return dict(SUBMITTED.findall(run.proc.stderr + run.proc.stdout))


def strip_wall_time(obj):
    if isinstance(obj, dict):
        return {k: strip_wall_time(v) for k, v in obj.items() if k not in WALL_TIME_KEYS}
    if isinstance(obj, list):
        return [strip_wall_time(v) for v in obj]
    return obj


TRAIN_OUTPUTS = ("model.npz", "model.json", "history.json")
EVALUATE_OUTPUTS = ("metrics.json", "predictions.npz")


def assert_same_files(ours: Path, reference: Path, names: tuple[str, ...]) -> None:
    """Arrays bit-identical (same dtype, same values), JSON identical apart from wall-clock times."""
    for name in (n for n in names if n.endswith(".npz")):
        with np.load(ours / name) as a, np.load(reference / name) as b:
            assert sorted(a.files) == sorted(b.files), f"{ours / name}: arrays {a.files} vs {b.files}"
            for key in a.files:
                assert a[key].dtype == b[key].dtype, f"{ours / name}[{key}]: dtype {a[key].dtype} vs {b[key].dtype}"
                assert np.array_equal(a[key], b[key], equal_nan=a[key].dtype.kind == "f"), f"{ours / name}[{key}]"
    for name in (n for n in names if n.endswith(".json")):
        a = strip_wall_time(json.loads((ours / name).read_text()))
        b = strip_wall_time(json.loads((reference / name).read_text()))
        assert a == b, f"{ours / name} differs from the local run's"


@pytest.fixture(scope="module")
def local_run(tmp_path_factory, plan: Plan, cluster: Cluster) -> Run:
    # needs `cluster` only so that it is skipped with the SLURM tests rather than run for nothing
    return ok(snakemake(copy_workflow(tmp_path_factory.mktemp("local")), *plan.targets))


@pytest.fixture(scope="module")
def slurm_run(
    request: pytest.FixtureRequest, tmp_path_factory, plan: Plan, cluster: Cluster, local_run: Run
) -> Iterator[Run]:
    workdir = copy_workflow(tmp_path_factory.mktemp("slurm"))
    module_start = time.perf_counter()
    run = ok(snakemake(workdir, *plan.targets, cluster=cluster))
    jobs = submitted(run)
    n = len(plan.runs)
    _report(
        request.config, f"{n} runs of report {REPORT} ({len(plan.experiments)} experiments), targets {plan.targets}"
    )
    _report(request.config, f"local (--cores 2): {local_run.seconds:.1f} s, {local_run.seconds / n:.1f} s per run")
    _report(
        request.config,
        f"through SLURM: {run.seconds:.1f} s, {run.seconds / n:.1f} s per run, "
        f"{len(jobs)} SLURM jobs (ids {', '.join(sorted(jobs, key=int))})",
    )
    yield run
    _report(request.config, f"SLURM tests took {time.perf_counter() - module_start:.0f} s after the local run")


def test_runs_went_through_sbatch(slurm_run: Run, cluster: Cluster, plan: Plan) -> None:
    jobs = submitted(slurm_run)
    assert jobs, "no job was submitted to SLURM"
    records = jobcomp_records(cluster.jobcomp)
    for jid in jobs:
        assert jid in records, f"SLURM job {jid} missing from the controller's job-completion log {cluster.jobcomp}"
        assert records[jid]["JobState"] == "COMPLETED", f"SLURM job {jid}: {records[jid]}"
        assert records[jid]["WorkDir"] == str(slurm_run.workdir), f"SLURM job {jid} ran elsewhere: {records[jid]}"
    # Every train and evaluate job ran inside one of those SLURM jobs (read from their logs, which name them).
    ran = set()
    for log in jobs.values():
        ran |= {(rule, e, v, int(s)) for rule, e, v, s in TARGET_JOB.findall(Path(log).read_text())}
    expected = {(rule, e, v, s) for e, v, s in plan.runs for rule in ("train", "evaluate")}
    assert expected <= ran, f"not run through SLURM: {sorted(expected - ran)}"
    out = slurm_run.proc.stdout + slurm_run.proc.stderr
    assert "localrule train" not in out and "localrule evaluate" not in out


def test_results_bit_identical_to_local_run(slurm_run: Run, local_run: Run, plan: Plan) -> None:
    for experiment, variant, seed in plan.runs:
        d = run_dir(experiment, variant, seed)
        assert_same_files(slurm_run.workdir / d, local_run.workdir / d, TRAIN_OUTPUTS + EVALUATE_OUTPUTS)
    for target in plan.targets:
        ours = strip_wall_time(json.loads((slurm_run.workdir / target).read_text()))
        assert ours == strip_wall_time(json.loads((local_run.workdir / target).read_text())), target


def fresh_copy(src: Run, dest: Path, plan: Plan, keep_runs: bool = False) -> Path:
    """A copy of a built workdir: prepared data kept; runs and tables removed unless ``keep_runs``."""
    shutil.copytree(src.workdir, dest, ignore=shutil.ignore_patterns("slurm_logs", "locks", "incomplete"))
    if not keep_runs:
        for experiment, variant, seed in plan.runs:
            shutil.rmtree(dest / run_dir(experiment, variant, seed))
        for target in plan.targets:
            (dest / target).unlink()
    return dest


def error_lines(run: Run) -> str:
    """The lines of Snakemake's output a user reads after a failure (errors, messages, logs named)."""
    keep = ("Error", "message:", "log:", "WorkflowError", "Exiting", "SLURM", "sbatch")
    lines = (run.proc.stdout + run.proc.stderr).splitlines()
    return "\n".join(line for line in lines if any(k in line for k in keep) and "Config file" not in line)


def named_in_error(log: str, run: Run) -> bool:
    """Whether Snakemake's error report points the user at ``log``."""
    return f"log: {log} (check log file" in run.proc.stdout + run.proc.stderr


def test_failed_job_is_reported_with_its_logs(
    slurm_run: Run, cluster: Cluster, plan: Plan, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """Bad input: a run's split data replaced by junk. The job fails inside SLURM; Snakemake names both logs."""
    workdir = fresh_copy(slurm_run, tmp_path / "bad", plan, keep_runs=True)
    experiment, variant, seed = plan.runs[0]
    (workdir / split_data(plan.split_of[plan.runs[0]])).write_bytes(b"not an npz file")
    run = snakemake(workdir, f"{run_dir(experiment, variant, seed)}/metrics.json", cluster=cluster)
    _report(pytestconfig, f"fault 'bad input': exit {run.proc.returncode} after {run.seconds:.0f} s; user sees:")
    _report(pytestconfig, error_lines(run).replace("\n", "\n[slurm]   "))
    assert run.proc.returncode != 0
    jobs = submitted(run)
    assert jobs, "the failing job was not submitted to SLURM"
    errors = error_lines(run)
    log = train_log(experiment, variant, seed)
    assert log in errors, f"the failing job's log {log} is not named:\n{errors}"
    assert any(named_in_error(slurm_log, run) for slurm_log in jobs.values()), (
        f"the failed SLURM job's log is not named in the error:\n{errors}"
    )
    assert "train failed" in (workdir / log).read_text()
    assert not (workdir / run_dir(experiment, variant, seed) / "metrics.json").exists()


def running_job(workdir: Path, proc: subprocess.Popen, timeout: float = 300) -> str:
    """The id of the first job of ``workdir`` that SLURM reports RUNNING."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        out = _cmd("squeue", "-h", "-t", "R", "-o", "%i %Z").stdout
        ids = [jid for jid, wd in (line.split(maxsplit=1) for line in out.splitlines()) if wd == str(workdir)]
        if ids:
            return ids[0]
        time.sleep(0.2)
    raise AssertionError(f"no job of {workdir} started running (snakemake exit: {proc.poll()})")


def test_cancelled_job_is_detected_and_rerun(
    slurm_run: Run, local_run: Run, cluster: Cluster, plan: Plan, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """scancel of a running job: Snakemake reports it and leaves no partial outputs; the next invocation reruns
    exactly what is missing, with results bit-identical to the local run. Driven on the experiment with the most
    runs only (one group job), to keep it short."""
    experiment = max(plan.experiments, key=lambda e: sum(r[0] == e for r in plan.runs))
    runs = [r for r in plan.runs if r[0] == experiment]
    targets = seed_targets([experiment])
    workdir = fresh_copy(slurm_run, tmp_path / "cancel", plan)
    cmd, env = command(*targets, cluster=cluster)
    log_path = tmp_path / "cancelled-run.log"
    start = time.perf_counter()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, text=True, env=env)
        try:
            jid = running_job(workdir, proc)
            time.sleep(2)  # mid-run: its first training is under way
            _cmd("scancel", jid)
            proc.wait(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            cancel_jobs_of(workdir)
    run = Run(
        workdir,
        time.perf_counter() - start,
        subprocess.CompletedProcess(cmd, proc.returncode, log_path.read_text(), ""),
    )
    _report(pytestconfig, f"fault 'scancel {jid}': exit {proc.returncode} after {run.seconds:.0f} s; user sees:")
    _report(pytestconfig, error_lines(run).replace("\n", "\n[slurm]   "))
    assert proc.returncode != 0, "a cancelled job went unnoticed"
    assert jobcomp_records(cluster.jobcomp)[jid]["JobState"] == "CANCELLED"
    slurm_log = submitted(run)[jid]
    assert named_in_error(slurm_log, run), f"the cancelled job's log {slurm_log} is not named:\n{error_lines(run)}"
    # Nothing half-written: each job's outputs are all there and equal to the local run's, or none is.
    missing = 0
    for r in runs:
        ours, reference = workdir / run_dir(*r), local_run.workdir / run_dir(*r)
        for names in (TRAIN_OUTPUTS, EVALUATE_OUTPUTS):
            present = [n for n in names if (ours / n).exists()]
            assert present in ([], list(names)), f"{ours}: only {present} of {names} after the cancel"
            if present:
                assert_same_files(ours, reference, names)
            else:
                missing += 1
    assert missing, "the cancel came too late: nothing was left to rerun"
    rerun = ok(snakemake(workdir, *targets, cluster=cluster))
    _report(pytestconfig, f"rerun after the cancel: {missing} jobs redone through SLURM in {rerun.seconds:.0f} s")
    for r in runs:
        assert_same_files(workdir / run_dir(*r), local_run.workdir / run_dir(*r), TRAIN_OUTPUTS + EVALUATE_OUTPUTS)


@pytest.mark.skipif(
    not os.environ.get("SCRATCHNET_SLURM_EXTRA"),
    reason="set SCRATCHNET_SLURM_EXTRA=1 to stop the controller and submit (about 1 min)",
)
def test_controller_down_is_an_error_not_a_hang(
    slurm_run: Run, cluster: Cluster, plan: Plan, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """slurmctld stopped before a submission: Snakemake must stop with an error (a hang fails after the timeout)."""
    pid_file = STATE_DIR / "slurmctld.pid"
    if not pid_file.exists():
        pytest.skip("the controller was not started by scripts/local-slurm.sh: not stopping it")
    workdir = fresh_copy(slurm_run, tmp_path / "down", plan)
    os.kill(int(pid_file.read_text()), signal.SIGTERM)
    try:
        for _ in range(50):
            if _cmd("scontrol", "ping").returncode != 0:
                break
            time.sleep(0.2)
        run = snakemake(workdir, f"{run_dir(*plan.runs[0])}/metrics.json", cluster=cluster, timeout=300)
    finally:
        restart = subprocess.run(["bash", str(LOCAL_SLURM), "start"], capture_output=True, text=True, timeout=300)
        assert restart.returncode == 0, f"could not restart the controller: {restart.stderr}"
    _report(pytestconfig, f"fault 'controller down': exit {run.proc.returncode} after {run.seconds:.0f} s; user sees:")
    _report(pytestconfig, error_lines(run).replace("\n", "\n[slurm]   "))
    assert run.proc.returncode != 0
    if "Unable to contact slurm controller" not in error_lines(run):
        pytest.xfail(
            "Snakemake stops with 'Error in group runs' but without sbatch's message: for group jobs Snakemake 9 "
            "drops the executor's error message (GroupJob.log_error ignores msg)"
        )


def ungrouped_profile(workdir: Path) -> str:
    """profiles/slurm without job groups, written into ``workdir``; returns its path relative to it."""
    profile = yaml.safe_load((workdir / "profiles" / "slurm" / "config.yaml").read_text())
    for key in ("groups", "group-components"):
        profile.pop(key)
    dest = workdir / "profiles" / "slurm-ungrouped"
    dest.mkdir()
    (dest / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return "profiles/slurm-ungrouped"


@pytest.mark.skipif(
    not os.environ.get("SCRATCHNET_SLURM_EXTRA"),
    reason="set SCRATCHNET_SLURM_EXTRA=1 to time the runs through SLURM with and without job groups (about 3 min)",
)
def test_time_per_run_with_and_without_groups(
    slurm_run: Run, local_run: Run, cluster: Cluster, plan: Plan, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    """Same runs, data already prepared: time through SLURM with the profile's groups and without any."""
    n = len(plan.runs)
    for label, profile in (("grouped", "profiles/slurm"), ("ungrouped", None)):
        workdir = fresh_copy(slurm_run, tmp_path / label, plan)
        run = ok(snakemake(workdir, *plan.targets, cluster=cluster, profile=profile or ungrouped_profile(workdir)))
        _report(
            pytestconfig,
            f"{label}: {n} runs (train + evaluate) in {run.seconds:.1f} s = {run.seconds / n:.1f} s per run, "
            f"{len(submitted(run))} SLURM jobs",
        )
        for r in plan.runs:
            assert_same_files(workdir / run_dir(*r), local_run.workdir / run_dir(*r), TRAIN_OUTPUTS + EVALUATE_OUTPUTS)
