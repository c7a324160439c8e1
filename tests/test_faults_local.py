"""Faults of a local run (issue 19, cases 10-12): a full disk names the file being written and loses nothing; after
Snakemake is killed with SIGKILL no job outlives it and the next run recovers without ``--unlock``; a clone moved to
another folder reruns nothing.

The unit tests simulate or provoke each fault in one process; the slow ones run the real Snakemake in scratch copies
of the workflow and the package sources (``PYTHONPATH=<copy>/src``, as a clone with its own editable install). The
disk-full tests mount a small tmpfs (CI runs as root) and are skipped, with the reason, where mounting is not allowed.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pooch
import psutil
import pytest
from test_workflow_behaviour import copy_workflow, job_counts

from scratchnet import atomic
from scratchnet.data import DataError, fetch
from scratchnet.data.sources import MIRROR_ENV, RAW_FILES, RawFile
from scratchnet.pipeline import code, lock, paths
from scratchnet.pipeline.runner import SNAKEMAKE_PID, run_step

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
RUN = "results/reduced/runs/s001_batch_size/batch_size1/seed0"  # one epoch = 800 updates of one sample
TRAIN_OUTPUTS = ("model.npz", "model.json", "history.json")
TRAIN_LOG = "logs/reduced/train/s001_batch_size/batch_size1/seed0.log"


# --------------------------------------------------------------------------------------------- helpers
@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted on ``path`` for the block (the test is skipped where mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                              capture_output=True, text=True)  # fmt: skip
    except OSError as exc:
        pytest.skip(f"cannot mount tmpfs: {exc}")
    if proc.returncode != 0:
        pytest.skip(f"cannot mount tmpfs: {proc.stderr.strip() or f'mount exited {proc.returncode}'}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def resize(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def hidden_files(folder: Path) -> list[str]:
    """Temporary files (``.<name>.<random>.tmp`` and the like) left anywhere under ``folder``; the manifests jobs
    write beside their outputs (``.<name>.manifest.json``) are not leftovers."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*")
                  if p.is_file() and not p.name.endswith(".manifest.json"))  # fmt: skip


def workflow_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != SNAKEMAKE_PID}
    return {**env, "PYTHONPATH": str(workdir / "src")}


def snakemake_cmd(*args: str, config: tuple[str, ...] = ()) -> list[str]:
    # targets and flags first: --configfile takes several values and would swallow a target after it
    return [str(SNAKEMAKE), *args, "--cores", "2", "--configfile", "config/ci.yaml", *config]


def run(workdir: Path, *args: str, config: tuple[str, ...] = ()) -> tuple[int, str]:
    """Run snakemake in ``workdir``; its exit status and output (stdout + stderr)."""
    proc = subprocess.run(snakemake_cmd(*args, config=config), cwd=workdir, env=workflow_env(workdir),
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    return proc.returncode, proc.stdout + proc.stderr


def fake_smk(log: Path) -> SimpleNamespace:
    """What a step's script passes to :func:`run_step` (the parts it reads)."""
    return SimpleNamespace(log=[str(log)], threads=1, rule="step", input=[], output=[], wildcards={}, params=None)


@pytest.fixture()
def restore_logging() -> Iterator[None]:
    """run_step points the root logger at the step's log; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


# --------------------------------------------------------------------------------------------- case 10: disk full
ENOSPC = f"[Errno 28] {os.strerror(errno.ENOSPC)}"


@pytest.fixture()
def full_disk(monkeypatch) -> None:
    """Simulated (any machine): every write to a file opened with ``os.fdopen`` (the atomic writers' temporary
    files) fails with ENOSPC, which, as a real write error, names no file."""
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            self.fh = real_fdopen(fd, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", Full)


def test_a_write_on_a_full_disk_names_the_file_and_leaves_the_old_content(tmp_path: Path, full_disk) -> None:
    out = tmp_path / "metrics.json"
    out.write_bytes(b"old")
    with pytest.raises(OSError) as info:
        atomic.atomic_write_bytes(out, b"new")
    assert info.value.errno == errno.ENOSPC
    assert info.value.filename == str(out)
    assert str(info.value) == f"{ENOSPC}: '{out}'"
    assert out.read_bytes() == b"old"
    assert hidden_files(tmp_path) == []


@pytest.fixture()
def raw_file(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """A registry entry ``full_disk_toy`` of one file, in a mirror folder; its mirror copy and the ``dest`` folder."""
    mirror = tmp_path / "mirror" / "x.gz"
    mirror.parent.mkdir()
    mirror.write_bytes(b"raw bytes")
    digest = hashlib.sha256(mirror.read_bytes()).hexdigest()
    entry = RawFile("x.gz", f"sha256:{digest}", "https://example.invalid/x.gz", "toy")
    monkeypatch.setitem(RAW_FILES, "full_disk_toy", (entry,))
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    return mirror, tmp_path / "dest"


def test_a_raw_file_copy_on_a_full_disk_names_the_copy(raw_file: tuple[Path, Path], full_disk) -> None:
    mirror, dest = raw_file
    with pytest.raises(DataError) as info:
        fetch("full_disk_toy", dest, mirror=mirror.parent, allow_download=False)
    assert f"{ENOSPC}: '{dest / 'x.gz'}'" in str(info.value), info.value
    assert list(dest.iterdir()) == []


def test_a_download_on_a_full_disk_names_the_file(raw_file: tuple[Path, Path], monkeypatch) -> None:
    def full(url: str, **kwargs: object) -> str:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pooch, "retrieve", full)
    mirror, dest = raw_file
    mirror.unlink()
    with pytest.raises(DataError) as info:
        fetch("full_disk_toy", dest, mirror=mirror.parent)
    assert f"download from https://example.invalid/x.gz failed: OSError: {ENOSPC}: '{dest / 'x.gz'}'" in str(info.value)


def test_other_errors_inside_the_block_are_not_renamed(tmp_path: Path) -> None:
    """Only errors of the write are relabelled: a failed read of another file keeps its own name."""
    with pytest.raises(FileNotFoundError) as info, atomic.atomic_open(tmp_path / "out.bin") as fh:
        fh.write((tmp_path / "missing.bin").read_bytes())
    assert info.value.filename == str(tmp_path / "missing.bin")
    assert not (tmp_path / "out.bin").exists() and hidden_files(tmp_path) == []


def test_a_write_on_a_full_tmpfs_names_the_file(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "64k") as disk:
        kept = disk / "kept.json"
        atomic.atomic_write_bytes(kept, b"{}")
        big = disk / "runs" / "history.json"
        with pytest.raises(OSError) as info:
            atomic.atomic_write_bytes(big, b"x" * 200_000)
        assert info.value.errno == errno.ENOSPC and info.value.filename == str(big), info.value
        assert not big.exists() and hidden_files(disk) == [], "a partial or temporary file was left"
        assert kept.read_bytes() == b"{}"
        atomic.atomic_write_bytes(kept, b"[]")  # the space of the failed write was given back
        assert kept.read_bytes() == b"[]"


def test_a_step_on_a_full_disk_names_the_output_and_its_log(tmp_path: Path, capsys, restore_logging) -> None:
    """Output and log on the same full disk: the terminal names both files; nothing is left under the output's name."""
    with tmpfs(tmp_path / "disk", "64k") as disk:
        out, log = disk / "table.csv", disk / "step.log"

        def step() -> None:
            logging.getLogger("step").info("writing %s", out)
            atomic.atomic_write_bytes(out, b"x" * 200_000)

        with pytest.raises(SystemExit) as info:
            run_step(fake_smk(log), step)
        assert info.value.code == 1
        err = capsys.readouterr().err
        assert f"ERROR in step: {ENOSPC}: '{out}' (log: {log})" in err, err
        assert not out.exists() and hidden_files(disk) == []
        if f"cannot write its log: {ENOSPC}: '{log}'" not in err:
            assert "No space left on device" in log.read_text(), "the log was written but lacks the error"


# --------------------------------------------------------------------------------------------- case 11: the job side
FAKE_SNAKEMAKE = """
import subprocess, sys, time
from scratchnet.pipeline.runner import mark_snakemake_process
mark_snakemake_process()
subprocess.Popen([sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
time.sleep(120)
"""
JOB = """
import logging, sys, time
from types import SimpleNamespace
from scratchnet.atomic import atomic_write_bytes
from scratchnet.pipeline.runner import run_step
out, log = sys.argv[1:]
def step():
    logging.getLogger("step").info("started")
    for _ in range(100):  # 10 s, unless stopped
        time.sleep(0.1)
    atomic_write_bytes(out, b"written after its Snakemake died")
run_step(SimpleNamespace(log=[log], threads=1, rule="step", input=[], output=[], wildcards={}, params=None), step)
"""


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def test_a_job_stops_when_its_snakemake_is_killed(tmp_path: Path) -> None:
    """A stand-in Snakemake (it marks itself as the workflow does, then starts a job) is killed with SIGKILL while
    the job works: the job stops within a second or two and writes nothing."""
    out, log = tmp_path / "out.bin", tmp_path / "job.log"
    parent = subprocess.Popen([sys.executable, "-c", FAKE_SNAKEMAKE, JOB, str(out), str(log)], start_new_session=True)
    try:
        wait_for(lambda: log.is_file() and "started" in log.read_text(), 60, "the job to start")
        jobs = psutil.Process(parent.pid).children(recursive=True)
        assert jobs, "the job is not a child of the stand-in Snakemake"
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        gone, alive = psutil.wait_procs(jobs, timeout=15)
        assert not alive, f"jobs outlived their Snakemake: {alive}"
        time.sleep(0.5)
        assert not out.exists() and hidden_files(tmp_path) == []
        text = log.read_text()
        assert f"the Snakemake (pid {parent.pid}: " in text and "is gone; nothing more is written" in text, text
    finally:
        with _ignore_gone():
            os.killpg(parent.pid, signal.SIGKILL)


@contextmanager
def _ignore_gone() -> Iterator[None]:
    try:
        yield
    except ProcessLookupError:
        pass


def test_a_job_whose_snakemake_is_gone_does_not_start(tmp_path: Path, monkeypatch, capsys, restore_logging) -> None:
    """The pid in the environment is not an ancestor (that Snakemake ended before the job started, and the pid names
    another process now): the step is not run."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        namespace = os.readlink("/proc/self/ns/pid") if Path("/proc/self/ns/pid").exists() else ""
        monkeypatch.setenv(SNAKEMAKE_PID, f"{other.pid} {namespace}")
        called = []
        with pytest.raises(SystemExit):
            run_step(fake_smk(tmp_path / "step.log"), lambda: called.append(1))
        assert called == []
        assert f"ERROR in step: not started: the Snakemake (pid {other.pid}" in capsys.readouterr().err
    finally:
        other.kill()
        other.wait()


def test_a_commit_guard_refuses_the_write(tmp_path: Path) -> None:
    def refuse(path: Path) -> None:
        raise RuntimeError(f"{path}: not written")

    with atomic.commit_guard(refuse), pytest.raises(RuntimeError, match="out.bin: not written"):
        atomic.atomic_write_bytes(tmp_path / "out.bin", b"data")
    assert not (tmp_path / "out.bin").exists() and hidden_files(tmp_path) == []
    atomic.atomic_write_bytes(tmp_path / "out.bin", b"data")  # the guard is gone with its block
    assert (tmp_path / "out.bin").read_bytes() == b"data"


# --------------------------------------------------------------------------------------------- case 11: recovery
@pytest.mark.parametrize(
    ("cmdline", "expected"),
    [
        (["/x/.venv/bin/python3.11", "/x/.venv/bin/snakemake", "--cores", "2"], True),
        (["python", "-m", "snakemake", "-n"], True),
        (["snakemake"], True),
        (["/usr/bin/time", "-v", ".venv/bin/snakemake"], False),  # its child is the Snakemake
        (["bash", "-c", "snakemake --cores 2"], False),
        (["python", "/x/.snakemake/scripts/tmpab.train.py"], False),
        ([], False),
    ],
)
def test_is_snakemake(cmdline: list[str], expected: bool) -> None:
    assert lock.is_snakemake(cmdline) is expected


def stale_locks(workdir: Path) -> list[Path]:
    locks = workdir / lock.LOCKS
    locks.mkdir(parents=True)
    for name in ("0.input.lock", "0.output.lock"):
        (locks / name).write_text("results/x.json\n")
    return sorted(locks.iterdir())


def test_stale_locks_are_removed_when_no_snakemake_runs_here(tmp_path: Path, capsys) -> None:
    files = stale_locks(tmp_path)
    assert lock.main(["--directory", str(tmp_path)]) == 0
    assert not any(f.exists() for f in files)
    err = capsys.readouterr().err
    assert "removed the locks of a Snakemake that is no longer running (.snakemake/locks/0.input.lock, " in err
    assert lock.main(["--directory", str(tmp_path)]) == 0 and capsys.readouterr().err == ""  # nothing to do


def test_a_running_snakemake_is_named_and_its_locks_kept(tmp_path: Path, capsys) -> None:
    files = stale_locks(tmp_path)
    fake = tmp_path / "bin" / "snakemake"  # `python .../bin/snakemake`, as the console script runs
    fake.parent.mkdir()
    fake.write_text("import time\ntime.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, str(fake), "--cores", "2"], cwd=tmp_path)
    try:
        wait_for(lambda: psutil.Process(proc.pid).cmdline()[1:2] == [str(fake)], 10, "the process to start")
        assert lock.main(["--directory", str(tmp_path)]) == 1
        err = capsys.readouterr().err
        assert f"{tmp_path}: another Snakemake runs in this directory:" in err, err
        assert f"pid {proc.pid} (user {psutil.Process(proc.pid).username()}): {sys.executable} {fake} --cores 2" in err
        assert all(f.exists() for f in files)
        assert lock.running_in(tmp_path / "bin") == []  # another directory: not counted
    finally:
        proc.kill()
        proc.wait()


def test_a_job_of_a_gone_snakemake_is_waited_for_then_named(tmp_path: Path) -> None:
    files = stale_locks(tmp_path)
    script = tmp_path / ".snakemake" / "scripts" / "tmpab12.train.py"
    script.parent.mkdir(parents=True)
    script.write_text("import sys, time\ntime.sleep(float(sys.argv[1]))\n")
    long = subprocess.Popen([sys.executable, str(script), "60"], cwd=tmp_path)
    try:
        wait_for(lambda: lock.running_in(tmp_path, lock.is_job), 10, "the job to start")
        with pytest.raises(lock.DirectoryInUse, match=rf"still run after 0.5 s:\n  pid {long.pid} "):
            lock.recover(tmp_path, job_wait=0.5)
        assert all(f.exists() for f in files)
    finally:
        long.kill()
        long.wait()
    short = subprocess.Popen([sys.executable, str(script), "1"], cwd=tmp_path)
    try:
        assert lock.recover(tmp_path, job_wait=30) == files  # waited for it to end
        assert short.poll() is not None
    finally:
        short.kill()
        short.wait()


# --------------------------------------------------------------------------------------------- case 12: units
def test_portable_paths(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.portable(tmp_path) == "."
    assert paths.portable(tmp_path / "src" / "t.md") == "src/t.md"
    assert paths.portable("config/x.md") == "config/x.md"  # relative: as given
    assert paths.portable("/elsewhere/t.md") == "/elsewhere/t.md"


def _every_fingerprint() -> dict[tuple[str, str | None], str]:
    """Every step's fingerprint; a step whose jobs run one kind, once per kind."""
    out = {}
    for step in code.GROUPS:
        kinds = code.KIND_MODULES[code.KIND_STEPS[step]] if step in code.KIND_STEPS else [None]
        out.update({(step, kind): code.fingerprint(step, kind) for kind in kinds})
    return out


def test_code_fingerprints_do_not_depend_on_where_the_package_is(tmp_path: Path, monkeypatch) -> None:
    before = _every_fingerprint()
    moved = tmp_path / "another" / "clone" / "scratchnet"
    shutil.copytree(code.PACKAGE, moved, ignore=shutil.ignore_patterns("__pycache__"))
    caches = (code.fingerprint, code.kind_files, code.module_file, code.imports_of)  # they hold absolute paths
    monkeypatch.setattr(code, "PACKAGE", moved)
    for cached in caches:
        cached.cache_clear()
    try:
        assert _every_fingerprint() == before
    finally:
        for cached in caches:
            cached.cache_clear()


# --------------------------------------------------------------------------------------------- real Snakemake runs
@pytest.mark.slow
def test_snakemake_on_a_full_disk_names_the_file_and_loses_nothing(tmp_path: Path) -> None:
    """``results/`` on a 256 KiB tmpfs: the data steps fit, the run's 600 KB history does not. The run fails naming
    that file; no partial or temporary file is left; with more room the next run redoes the training job only."""
    workdir = copy_workflow(tmp_path / "clone", with_sources=True)
    with tmpfs(workdir / "results", "256k") as results:
        code_, out = run(workdir, f"{RUN}/model.npz")
        assert code_ == 1, out[-4000:]
        assert f"ERROR in train: {ENOSPC}: '{RUN}/history.json' (log: {TRAIN_LOG})" in out
        assert not [f for f in TRAIN_OUTPUTS if (workdir / RUN / f).exists()], "a failed job's output was kept"
        assert hidden_files(results) == []
        kept = {p: p.stat().st_mtime_ns for p in results.rglob("*.npz")}
        assert len(kept) == 3, kept  # dataset, split, standardised split
        resize(results, "4m")
        code_, out = run(workdir, f"{RUN}/model.npz")
        assert code_ == 0, out[-4000:]
        assert job_counts(out) == {"train": 1}
        assert all((workdir / RUN / f).is_file() for f in TRAIN_OUTPUTS)
        assert {p: p.stat().st_mtime_ns for p in kept} == kept


@pytest.mark.slow
def test_snakemake_killed_mid_run_leaves_no_job_and_the_next_run_recovers(tmp_path: Path) -> None:
    """SIGKILL to Snakemake while a training job runs (100 epochs here: about 5 s of training): the job stops and
    writes nothing; a plain rerun needs --unlock; the recovery removes the stale locks (and refuses while a Snakemake
    runs here); the run then completes."""
    workdir = copy_workflow(tmp_path / "clone", with_sources=True)
    (workdir / "slow.yaml").write_text("experiments:\n  s001_batch_size:\n    params: {epochs: 100}\n")
    config = ("slow.yaml",)
    target = f"{RUN}/model.npz"
    log = workdir / TRAIN_LOG
    with open(tmp_path / "killed.out", "w") as sink:
        sm = subprocess.Popen(snakemake_cmd(target, config=config), cwd=workdir, env=workflow_env(workdir),
                              stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        wait_for(lambda: log.is_file() and "MLPClassifier(" in log.read_text(), 300, "the training job to start")
        jobs = psutil.Process(sm.pid).children(recursive=True)
        assert any(lock.is_job(j.cmdline()) for j in jobs), [j.cmdline() for j in jobs]
        sm.send_signal(signal.SIGKILL)
        sm.wait()
        gone, alive = psutil.wait_procs(jobs, timeout=15)
        assert not alive, f"jobs outlived the killed Snakemake: {[p.pid for p in alive]}"
        assert not [f for f in TRAIN_OUTPUTS if (workdir / RUN / f).exists()], "the job wrote after Snakemake died"
        assert hidden_files(workdir / "results") == []
        assert f"the Snakemake (pid {sm.pid}: " in log.read_text()
        assert "trained " not in log.read_text()  # it did not finish training
    finally:
        with _ignore_gone():
            os.killpg(sm.pid, signal.SIGKILL)

    code_, out = run(workdir, target, config=config)  # what a user met before: the stale locks stop the next run
    assert code_ == 1 and "Directory cannot be locked" in out, out[-3000:]

    recovery = [sys.executable, "-m", "scratchnet.pipeline.lock"]
    recovered = subprocess.run(recovery, cwd=workdir, env=workflow_env(workdir), capture_output=True, text=True)
    assert recovered.returncode == 0, recovered.stderr
    assert recovered.stderr.startswith("scratchnet: removed the locks of a Snakemake that is no longer running "
                                       "(.snakemake/locks/0.input.lock, .snakemake/locks/0.output.lock)")  # fmt: skip

    rerun = subprocess.Popen(snakemake_cmd(target, config=config), cwd=workdir, env=workflow_env(workdir),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        wait_for(lambda: lock.is_snakemake(psutil.Process(rerun.pid).cmdline()), 30, "the rerun to start")
        refused = subprocess.run(recovery, cwd=workdir, env=workflow_env(workdir), capture_output=True, text=True)
    finally:
        out, _ = rerun.communicate(timeout=600)
    assert refused.returncode == 1, refused.stderr
    assert refused.stderr.startswith(f"scratchnet: Snakemake not started: {workdir}: another Snakemake runs in this "
                                     f"directory:\n  pid {rerun.pid} (user "), refused.stderr  # fmt: skip
    assert f"snakemake {target} --cores 2" in refused.stderr
    assert rerun.returncode == 0, out[-4000:]  # not disturbed by the refused recovery
    assert job_counts(out) == {"train": 1}
    assert all((workdir / RUN / f).is_file() for f in TRAIN_OUTPUTS)
    assert not any((workdir / lock.LOCKS).glob("*.lock"))


@pytest.mark.slow
def test_a_moved_clone_reruns_nothing(tmp_path: Path) -> None:
    """Seed 001's reduced page built in one folder, the folder moved (`mv`), its package at the new place (as a
    venv made afresh there would have it): Snakemake has nothing to do."""
    page = "reports/reduced/001.html"
    first = copy_workflow(tmp_path / "first" / "clone", with_sources=True)
    code_, out = run(first, page)
    assert code_ == 0, out[-4000:]
    moved = tmp_path / "second" / "place" / "clone"
    moved.parent.mkdir(parents=True)
    subprocess.run(["mv", str(first), str(moved)], check=True)
    code_, out = run(moved, page, "-n")
    assert code_ == 0, out[-4000:]
    assert job_counts(out) == {}, re.findall(r"reason: .*", out)
