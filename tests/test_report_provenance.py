"""Provenance of a page: git state (clean, dirty, no checkout), config hash, versions, compute time."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from scratchnet.report.page import provenance_md
from scratchnet.report.provenance import compute_time, config_hash, git_state, package_versions, provenance

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q")
    _git(r, "config", "user.email", "t@example.org")
    _git(r, "config", "user.name", "t")
    (r / ".gitignore").write_text("results/\n")
    (r / "a.py").write_text("x = 1\n")
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "first")
    return r


def test_clean_then_dirty(repo: Path) -> None:
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    (repo / "results").mkdir()
    (repo / "results" / "out.json").write_text("{}")  # ignored outputs do not make the tree dirty
    clean = git_state(repo / "results")  # any directory inside the work tree
    assert clean == {"commit": head, "dirty": False, "changes": 0, "error": None}
    (repo / "a.py").write_text("x = 2\n")
    (repo / "new.py").write_text("")
    dirty = git_state(repo)
    assert dirty["commit"] == head and dirty["dirty"] is True and dirty["changes"] == 2
    md = provenance_md({"git": dirty})
    assert f"`{head}` — **dirty**: 2 uncommitted change(s)" in md
    assert "(clean work tree)" in provenance_md({"git": clean})


def test_not_a_git_checkout(tmp_path: Path) -> None:
    state = git_state(tmp_path)
    assert state["commit"] is None and state["dirty"] is None
    assert state["error"].startswith("not a git checkout (")
    assert "not a git checkout" in provenance_md({"git": state})


def test_config_hash_ignores_key_order_and_sees_values() -> None:
    a = {"seeds": [0, 1], "experiments": {"e": {"lr": 0.1, "hidden": [8]}}}
    b = {"experiments": {"e": {"hidden": [8], "lr": 0.1}}, "seeds": [0, 1]}
    assert config_hash(a) == config_hash(b)
    assert len(config_hash(a)) == 64
    b["experiments"]["e"]["lr"] = 0.2
    assert config_hash(a) != config_hash(b)
    assert config_hash({1: "x"}) == config_hash({"1": "x"})  # YAML int keys do not break the hash


def test_compute_time_sums_the_s_column(tmp_path: Path) -> None:
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    files = []
    for i, (s, cpu) in enumerate([(12.5, 20.0), (7.25, 6.0)]):
        f = tmp_path / f"b{i}.tsv"
        f.write_text(header + f"{s}\t0:00:{int(s):02d}\t100\t200\t50\t60\t0\t0\t90\t{cpu}\n")
        files.append(f)
    t = compute_time(files)
    assert t == {"jobs": 2, "seconds": pytest.approx(19.75), "cpu_seconds": pytest.approx(26.0)}
    no_cpu = tmp_path / "old.tsv"
    no_cpu.write_text("s\th:m:s\n3.0\t0:00:03\n")
    assert compute_time([files[0], no_cpu]) == {"jobs": 2, "seconds": pytest.approx(15.5), "cpu_seconds": None}
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\n1\t2\n")
    with pytest.raises(ValueError, match="bad.tsv.*no 's' column"):
        compute_time([bad])
    with pytest.raises(FileNotFoundError, match="gone.tsv"):
        compute_time([tmp_path / "gone.tsv"])
    md = provenance_md({"compute": t})
    assert "19.8 s (20 s) wall time, summed over the Snakemake benchmarks of 2 train/evaluate jobs" in md
    assert "26.0 s CPU time" in md


def test_provenance_puts_it_together(repo: Path) -> None:
    p = provenance({"seeds": [0]}, [], repo_dir=repo)
    assert set(p) == {"git", "config_sha256", "versions", "machine", "compute"}
    assert p["machine"]["cpus"] >= 1
    assert p["git"]["dirty"] is False and p["config_sha256"] == config_hash({"seeds": [0]})
    assert p["compute"] == {"jobs": 0, "seconds": 0.0, "cpu_seconds": None}
    versions = package_versions()
    assert list(versions) == ["python", "numpy", "scikit-learn", "snakemake", "scratchnet"]
    assert versions["numpy"] == __import__("numpy").__version__
    md = provenance_md(p)
    assert md.startswith("## Provenance\n")
    assert f"sha256 `{p['config_sha256'][:16]}`" in md and "numpy " + versions["numpy"] in md
    assert "not recorded (no benchmark files given)" in md
    assert f"| machine | {p['machine']['platform']}, {p['machine']['cpus']} CPUs |" in md
    assert provenance(None, [], repo_dir=repo)["config_sha256"] is None
