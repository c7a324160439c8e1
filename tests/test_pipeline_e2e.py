"""End to end: the real Snakemake DAG and rules on the reduced configuration (config/ci.yaml), in a scratch copy of
the workflow, with the offline mirror from $SCRATCHNET_DATA_MIRROR when it is set."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_workflow

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
pytestmark = pytest.mark.slow


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    # targets and flags first: --configfile takes several values and would swallow a target after it
    cmd = [str(SNAKEMAKE), *args, "--cores", "2", "--configfile", "config/ci.yaml"]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=1800)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}"
        )
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    wd = tmp_path_factory.mktemp("pipeline")
    copy_workflow(wd)
    return wd


@pytest.fixture(scope="module")
def built(workdir: Path) -> Path:
    snakemake(workdir, "--keep-going")
    return workdir


RESULTS, REPORTS, LOGS = "results/reduced", "reports/reduced", "logs/reduced"  # config/ci.yaml: tag reduced


def report_ids() -> list[str]:
    ids = []
    for f in sorted((ROOT / "config" / "seeds").glob("*.yaml")):
        ids += list((yaml.safe_load(f.read_text()) or {}).get("reports", {}))
    return ids


def test_every_report_page_is_built(built: Path) -> None:
    assert (built / REPORTS / "index.html").stat().st_size > 0
    index = (built / REPORTS / "index.md").read_text()
    for rid in report_ids():
        md = built / REPORTS / f"{rid}.md"
        html = built / REPORTS / f"{rid}.html"
        assert md.exists() and html.exists(), rid
        assert f"({rid}.html)" in index
        assert "{{" not in md.read_text(), f"unfilled placeholder in {md}"
        # self-contained HTML: figures inline
        if "![" in md.read_text():
            assert "data:image/png;base64," in html.read_text()


def test_claims_table_holds_real_numbers(built: Path) -> None:
    text = (built / REPORTS / "000.md").read_text()
    summary = re.search(r"(\d+) claims: (.*)", text)
    assert summary, "no claims summary line"
    counts = dict((k, int(n)) for n, k in re.findall(r"(\d+) (reproduced|differs|not run)", summary.group(2)))
    assert counts.get("reproduced", 0) + counts.get("differs", 0) > 0
    rows = [line for line in text.splitlines() if line.startswith("| t2_blobs_test ")]
    assert rows, "claim t2_blobs_test missing"
    ours = rows[0].split("|")[5].strip()
    assert re.match(r"^\d\.\d{3}", ours), f"ours is not a number: {ours!r}"


def test_missing_emnist_is_reported_not_run(built: Path) -> None:
    if (built / RESULTS / "raw" / "emnist_letters" / "status.json").exists():
        pytest.skip("EMNIST Letters images are available here")
    text = (built / REPORTS / "000.md").read_text()
    assert "emnist-letters-train-images-idx3-ubyte.gz" in text
    assert "**not run**" in text
    # asking for an EMNIST target directly fails with the same clear message, and leaves no status behind
    proc = snakemake(built, f"{RESULTS}/tables/s000_t4_emnist.csv", check=False)
    assert proc.returncode != 0
    log = (built / LOGS / "fetch_raw" / "emnist_letters.log").read_text()
    assert "emnist-letters-train-images-idx3-ubyte.gz not found" in log
    assert not (built / RESULTS / "raw" / "emnist_letters" / "status.json").exists()


def test_nothing_left_to_do_and_single_target_rebuild(built: Path) -> None:
    proc = snakemake(built, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr
    fig = built / RESULTS / "figures" / "000" / "fig1_1_running_cost.png"
    fig.unlink()
    proc = snakemake(built, str(fig.relative_to(built)))
    assert fig.exists()
    assert re.search(r"figure\s+1\b", proc.stdout + proc.stderr), "only the figure job should run"


def test_bad_config_key_stops_before_any_job(workdir: Path) -> None:
    proc = snakemake(workdir, "-n", "--config", "bogus_key=1", check=False)
    assert proc.returncode != 0
    assert "bogus_key" in proc.stdout + proc.stderr


def test_lint_is_clean(workdir: Path) -> None:
    proc = subprocess.run([str(SNAKEMAKE), "--lint"], cwd=workdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Congratulations" in proc.stdout + proc.stderr


@pytest.mark.skipif(not os.environ.get("SCRATCHNET_DATA_MIRROR"), reason="no offline mirror given")
def test_mnist_came_from_the_mirror(built: Path) -> None:
    status = built / RESULTS / "raw" / "mnist" / "status.json"
    if not status.exists():
        pytest.skip("no experiment uses MNIST in this configuration")
    assert yaml.safe_load(status.read_text())["available"]


KEY_LINE = re.compile(r"^\s*(?:-\s+)?([A-Za-z0-9_\"'.-]+)\s*:(?:\s|$)")


def marked_keys(path: Path) -> list[tuple[int, str]]:
    """(line, key) of every OUR CHOICE of a seed file: the key on its line, or on the next line that has one (a
    comment of its own), or above it (inside a folded text); header comments before the first key are the file's
    description, not a choice."""
    lines = path.read_text().splitlines()
    first_key = next((n for n, line in enumerate(lines) if KEY_LINE.match(line.split("#")[0])), len(lines))
    out = []
    for n, line in enumerate(lines):
        if "OUR CHOICE" not in line or n < first_key:
            continue
        body = line.split("#")[0]
        m = KEY_LINE.match(body)
        if not m and "OUR CHOICE" in body:  # inside a folded text: the key above it
            m = next((KEY_LINE.match(x) for x in reversed(lines[:n]) if KEY_LINE.match(x)), None)
        elif not m:  # a comment on lines of its own: the key that follows
            m = next((KEY_LINE.match(x.split("#")[0]) for x in lines[n + 1 :] if KEY_LINE.match(x.split("#")[0])), None)
        if m:
            out.append((n + 1, m.group(1).strip("\"'")))
    return out


def test_every_marked_choice_is_named_on_its_page(built: Path) -> None:
    for f in sorted((ROOT / "config" / "seeds").glob("*.yaml")):
        page = (built / REPORTS / f"{f.stem.split('_')[0]}.md").read_text()
        section = page.split("## Our choices", 1)[1].split("\n## ", 1)[0]
        named = re.findall(r"`([^`]+)` \(config/seeds/[^:]+:(\d+)\)", section)
        for line, key in marked_keys(f):
            assert any(path.split(".")[-1] == key for path, _ in named), (
                f"{f.name}:{line}: OUR CHOICE on key {key!r} is not named in the page's 'Our choices' section"
            )
