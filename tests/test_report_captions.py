"""The captions of `snakemake --report`: workflow/report/table.rst and figure.rst rendered by Snakemake itself, in a
tiny workflow whose config has the shape of ours (an experiment with a description, a report with a figure)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
# a 1x1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

SNAKEFILE = """
configfile: "config.yaml"
report: "report/workflow.rst"

rule all:
    input:
        "results/tables/e1.csv",
        "results/figures/9/f1.png",

rule table:
    output:
        report("results/tables/{experiment}.csv", caption="report/table.rst", category="{experiment}")
    shell:
        "echo variant,seeds > {output}"

rule figure:
    output:
        report("results/figures/{report}/{figure}.png", caption="report/figure.rst", category="{report}")
    shell:
        "cp pixel.png {output}"
"""


@pytest.mark.skipif(not SNAKEMAKE.exists(), reason="snakemake is not installed beside this Python")
def test_table_and_figure_captions_render(tmp_path: Path) -> None:
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    shutil.copytree(ROOT / "workflow" / "report", tmp_path / "report")
    (tmp_path / "pixel.png").write_bytes(PNG)
    config = {
        "experiments": {
            "e1": {"report": "9", "description": "Tiny sweep over two learning rates.", "select_by": "val_loss"}
        },
        "reports": {"9": {"figures": {"f1": {"caption": "Training loss against epoch, every variant."}}}},
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    for args in ([], ["--report", "report.html"]):
        proc = subprocess.run(
            [str(SNAKEMAKE), "--cores", "1", *args], cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    page = html.unescape((tmp_path / "report.html").read_text())
    text = re.sub(r"\\u003c|\\u003e|\\n|\\\"|<[^>]*>", " ", page)  # the captions sit in the page's JSON as HTML
    words = " ".join(text.split())
    assert "Experiment e1 of seed report 9: Tiny sweep over two learning rates." in words
    assert "best mean val_loss over seeds" in words
    assert "Figure f1 of seed report 9: Training loss against epoch, every variant." in words
