"""Content integrity on a built reduced clone (issue 19, cases 1-3), through real Snakemake runs of page 001 in a
scratch copy of the workflow: a run's metrics.json edited by hand, a model's model.json edited, another run's
metrics.json truncated. The three faults go into one clone at once, so one failing run and one repairing run cover
them (the clone takes about a minute to build): each is caught by every job that reads it, named with both digests
and the command that rebuilds it, nothing good is lost, and the next plain run rebuilds it. ``verify`` checks the
built tree, then a damaged copy of it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_workflow_behaviour import copy_workflow

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

RESULTS, REPORTS = "results/reduced", "reports/reduced"
PAGE = f"{REPORTS}/001.html"
EDITED = f"{RESULTS}/runs/s001_mlp_moons/default/seed0/metrics.json"  # case 1: test accuracy 0.65 -> 0.999
META = f"{RESULTS}/runs/s001_batch_size/batch_size1/seed0/model.json"  # case 2: a training setting edited
TRUNCATED = f"{RESULTS}/runs/s001_perceptron/case1_separable/seed0/metrics.json"  # case 3
TABLE = f"{RESULTS}/tables/s001_perceptron.json"


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "snakemake"), *args, "--cores", "2", "--configfile", "config/ci.yaml"]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=1200)


def verify(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "python"), "-m", "scratchnet.pipeline.verify", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(path: str) -> str:
    p = Path(path)
    return str(p.with_name(f".{p.name}.manifest.json"))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    wd = copy_workflow(tmp_path_factory.mktemp("integrity"))
    proc = snakemake(wd, PAGE)
    assert proc.returncode == 0, proc.stderr[-6000:]
    files = (EDITED, META, TRUNCATED, TABLE, f"{REPORTS}/001.md", PAGE)
    return {
        "wd": wd,
        "sha": {f: sha(wd / f) for f in files},
        "size": {f: (wd / f).stat().st_size for f in files},
        "verify": verify(RESULTS, REPORTS, cwd=wd),
    }


@pytest.fixture(scope="module")
def first_run(built: dict) -> dict:
    """The three faults, then a plain run of the page."""
    wd = built["wd"]
    metrics = json.loads((wd / EDITED).read_text())
    assert metrics["test"]["acc"] == 0.65
    metrics["test"]["acc"] = 0.999
    (wd / EDITED).write_text(json.dumps(metrics, indent=2) + "\n")  # valid JSON
    meta = (wd / META).read_text()
    assert '"epochs": 30' in meta
    (wd / META).write_text(meta.replace('"epochs": 30', '"epochs": 35', 1))
    with open(wd / TRUNCATED, "r+b") as fh:
        fh.truncate(100)
    edited = {f: sha(wd / f) for f in (EDITED, META, TRUNCATED)}
    proc = snakemake(wd, PAGE)
    return {"proc": proc, "out": proc.stdout + proc.stderr, "edited": edited}


@pytest.fixture(scope="module")
def second_run(first_run: dict, built: dict) -> dict:
    proc = snakemake(built["wd"], PAGE)
    again = snakemake(built["wd"], PAGE, "-n")
    return {"proc": proc, "out": proc.stdout + proc.stderr, "again": again.stdout + again.stderr}


def test_a_built_tree_verifies(built: dict) -> None:
    proc = built["verify"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"verify: \d+ artefacts under results/reduced, reports/reduced .*: all verified", proc.stdout)
    # the page's provenance: every one of its inputs under results/ verified (tables, histories, figures of page 001)
    m = re.search(r"\| inputs \| all (\d+) inputs verified \(SHA-256", (built["wd"] / REPORTS / "001.md").read_text())
    assert m and int(m.group(1)) >= 20, m


@pytest.mark.parametrize(
    ("case", "path", "how", "rule"),
    [
        ("1: metrics.json edited by hand", EDITED, "edited", "evaluate"),
        ("2: model.json edited", META, "edited", "train"),
        ("3: metrics.json truncated", TRUNCATED, "truncated or edited", "evaluate"),
    ],
)
def test_the_first_run_fails_naming_the_file_both_digests_and_the_rebuild(
    first_run: dict, built: dict, case: str, path: str, how: str, rule: str
) -> None:
    assert first_run["proc"].returncode != 0, case
    size_now = (built["wd"] / path).stat().st_size
    message = (
        f"{path}: {how} after the {rule} job wrote it: SHA-256 {built['sha'][path]} ({built['size'][path]} bytes) in "
        f"its manifest {manifest_of(path)}, {first_run['edited'][path]} ({size_now} bytes) now. Kept as "
        f"{path}.rejected for inspection. The next run of the same snakemake command rebuilds it, and what is made "
        f"from it; or now: snakemake --cores 1 --forcerun {path} (with this run's --configfile)"
    )
    assert message in first_run["out"], f"case {case}:\n{first_run['out'][-6000:]}"


def test_nothing_good_is_lost_and_nothing_bad_flows_on(first_run: dict, built: dict) -> None:
    wd = built["wd"]
    for page in (f"{REPORTS}/001.md", PAGE):  # the page is not rebuilt from the bad files, and not removed
        assert sha(wd / page) == built["sha"][page]
    for path in (EDITED, META, TRUNCATED):  # the bad files, marked for rebuilding; their content kept for inspection
        assert sha(wd / path) == sha(wd / f"{path}.rejected") == first_run["edited"][path]
        marker = Path(path).with_name(f".{Path(path).name}.rebuild")
        assert (wd / marker).exists() and (wd / manifest_of(path)).exists()
    assert not (wd / TABLE).exists()  # the failed aggregate's outputs are removed by Snakemake, as before
    assert "Missing files after" not in first_run["out"]  # no job lost its input to another


def test_the_next_plain_run_rebuilds_them_and_then_there_is_nothing_to_do(second_run: dict, built: dict) -> None:
    wd = built["wd"]
    assert second_run["proc"].returncode == 0, second_run["out"][-6000:]
    assert "Integrity: 3 file(s) to rebuild, with what is made from them:" in second_run["out"]
    for path in (EDITED, META, TRUNCATED):
        why = f"it failed verification; the bad copy is {Path(path).name}.rejected"
        assert f"    {path} ({why})" in second_run["out"]
    # the evaluations are bit-identical to the originals; the retrained model records its new training time
    assert sha(wd / EDITED) == built["sha"][EDITED] and sha(wd / TRUNCATED) == built["sha"][TRUNCATED]
    assert '"epochs": 35' not in (wd / META).read_text()
    assert (wd / TABLE).exists() and json.loads((wd / TABLE).read_text())["experiment"] == "s001_perceptron"
    assert "0.999" not in (wd / REPORTS / "001.md").read_text()
    assert "Nothing to be done" in second_run["again"], second_run["again"][-4000:]


def test_verify_lists_what_was_edited_truncated_or_orphaned(second_run: dict, built: dict, tmp_path: Path) -> None:
    proc = verify(RESULTS, cwd=built["wd"])  # the repaired tree: only notes (the rejected copies kept)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.count("rejected ") == 3 and "marked " not in proc.stdout and "all verified" in proc.stdout
    tree = tmp_path / "results"
    shutil.copytree(built["wd"] / RESULTS, tree)  # keep times: large files are then checked like jobs do (--quick)
    edited, truncated = tree / EDITED.removeprefix(RESULTS + "/"), tree / TRUNCATED.removeprefix(RESULTS + "/")
    edited.write_text(edited.read_text().replace('"acc": 0.65', '"acc": 0.95'))
    with open(truncated, "r+b") as fh:
        fh.truncate(100)
    (tree / "tables" / "by_hand.csv").write_text("variant,acc\nx,1.0\n")
    (tree / "tables" / "s001_mlp_moons.csv").unlink()
    for args in ((str(tree),), (str(tree), "--quick")):
        proc = verify(*args, cwd=tmp_path)
        assert proc.returncode == 1, proc.stdout
        assert f"edited    {edited}: edited after the evaluate job wrote it" in proc.stdout
        assert f"truncated {truncated}: truncated or edited after the evaluate job" in proc.stdout
        assert f"orphaned  {tree}/tables/by_hand.csv: no manifest" in proc.stdout
        assert f"missing   {tree}/tables/s001_mlp_moons.csv: its manifest" in proc.stdout
        assert proc.stdout.splitlines()[-1].endswith("1 edited, 1 truncated, 1 missing, 1 orphaned")
    assert os.path.exists(edited)  # verify only reads (without --reject)
