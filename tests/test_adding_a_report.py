"""The path docs/adding-a-report.md describes, taken with a small sixth report (tests/sixth_report/): its files go
where the document says, in a scratch copy of the workflow, and the commands the document marks as tested run as
written. The page is built through the real Snakemake DAG, and no tracked file of the project changes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_workflow

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "adding-a-report.md"
FILES = ROOT / "tests" / "sixth_report"
REPORT = "900"
# where the document puts each file of a new report (the seed file's `reports.<id>` entry names the last three)
PLACES = {
    "seed.txt": "config/seed_texts/{id}.txt",
    "config.yaml": "config/seeds/{id}.yaml",
    "claims.yaml": "config/claims/{id}.yaml",
    "template.md": "config/templates/{id}.md",
}
pytestmark = pytest.mark.slow


def doc_commands(doc: str) -> list[str]:
    """The shell commands of the document's blocks marked ``<!-- tested -->``, in order."""
    blocks = re.findall(r"<!-- tested -->\n```bash\n(.*?)```", doc, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip() and not line.startswith("#")]


def git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout


def test_the_document_names_the_places_and_commands() -> None:
    doc = DOC.read_text()
    for place in PLACES.values():
        assert place.format(id="<id>") in doc, f"{DOC.name} does not name {place.format(id='<id>')}"
    commands = doc_commands(doc)
    assert any(c.startswith("snakemake -n ") for c in commands), commands
    assert any(c.startswith("snakemake --cores") for c in commands), commands


@pytest.fixture(scope="module")
def sixth(tmp_path_factory) -> dict:
    before = git_status()
    wd = tmp_path_factory.mktemp("sixth_report")
    copy_workflow(wd)
    for name, place in PLACES.items():
        dest = wd / place.format(id=REPORT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FILES / name, dest)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    runs = []
    for command in doc_commands(DOC.read_text()):
        command = command.replace("<id>", REPORT)
        proc = subprocess.run(command, shell=True, cwd=wd, env=env, capture_output=True, text=True, timeout=900)
        log = f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}"
        assert proc.returncode == 0, f"{command} failed ({proc.returncode}):\n{log}"
        runs.append((command, proc.stdout + proc.stderr))
    return {"workdir": wd, "runs": runs, "before": before}


def test_the_dry_run_lists_the_new_reports_jobs(sixth: dict) -> None:
    command, out = sixth["runs"][0]
    assert " -n " in command
    assert re.search(r"\breport\s+1\b", out) and re.search(r"\btrain\s+3\b", out), out[-3000:]


def test_the_page_is_built_from_the_new_files(sixth: dict) -> None:
    wd = sixth["workdir"]
    md = (wd / "reports" / "reduced" / f"{REPORT}.md").read_text()
    html = (wd / "reports" / "reduced" / f"{REPORT}.html").read_text()
    assert md.startswith("# Report 900"), md[:200]
    assert "{{" not in md
    assert "data:image/png;base64," in html  # the figure, inline
    summary = re.search(r"\*\*Claims audit:\*\* .*?(\d+) claims: (.*)", md)
    assert summary and summary.group(1) == "3", md[:1500]
    assert "not run" not in summary.group(2)
    rows = {line.split("|")[1].strip(): line for line in md.splitlines() if line.startswith("| ")}
    for cid in ("logreg_test", "mlp16_test", "wider_is_better"):
        assert cid in rows, f"claim {cid} missing from the audit"
    assert re.search(r"\| 0\.\d{3} \|", rows["logreg_test"]), rows["logreg_test"]  # ours: a number, computed
    assert f"config/seed_texts/{REPORT}.txt`, sha256" in md  # provenance names the seed text and its digest
    # every number of the seed text accounted for: 10 tokens, 4 audited by the claims, 6 not claimed
    assert "10 numbers stated in the seed text: 4 audited by the claims below, 6 not claimed" in md
    assert "unaccounted" not in md
    assert "l. 8: “An MLP with one hidden layer of 16 tanh units reaches **97 %** on the test set.”" in md
    assert (wd / "results" / "reduced" / "figures" / REPORT / "fig1_mlp_curves.png").stat().st_size > 0
    # only the new page and what it needs were built
    assert sorted(p.name for p in (wd / "reports" / "reduced").glob("*.md")) == [f"{REPORT}.md"]


def test_no_tracked_file_of_the_project_changed(sixth: dict) -> None:
    assert git_status() == sixth["before"]
    if os.environ.get("CI") == "true":  # a clean clone: nothing to compare against but an empty status
        assert sixth["before"] == "", sixth["before"]
