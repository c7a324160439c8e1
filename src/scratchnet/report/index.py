"""The index page: one line per report page with its claims verdict counts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..pipeline import paths
from ..pipeline.io import write_text
from .page import provenance_md, to_html
from .provenance import provenance as compute_provenance

SUMMARY_LINE = re.compile(r"(\d+ claims: [^\n]*)")


def build_index(
    reports: dict[str, Any],
    md_files: list[str],
    md_out: str | Path,
    html_out: str | Path,
    provenance: dict[str, Any] | None = None,
) -> None:
    """Write the index (markdown and HTML) linking every report page, with each page's claims summary line read
    from its markdown (``md_files``, matched to reports by file stem; ``pipeline.paths`` otherwise), ending with a
    provenance section (``provenance``, or git state and versions of the current directory when None)."""
    by_stem = {Path(f).stem: Path(f) for f in md_files}
    lines = [
        "# scratchnet: reproduced reports",
        "",
        "Every number and figure in these pages was produced by the pipeline from raw data "
        "(`snakemake --cores N`). Each page ends with a claims audit: the seed report's numbers beside ours.",
        "",
    ]
    for rid, spec in reports.items():
        md = by_stem.get(rid, Path(paths.Layout()(paths.REPORT_MD, report=rid)))
        text = md.read_text() if md.exists() else ""
        m = SUMMARY_LINE.search(text)
        summary_line = f" — {m.group(1)}" if m else ""
        lines.append(f"- [{spec.get('title', rid)}]({rid}.html) ([Markdown]({rid}.md)){summary_line}")
    text = "\n".join(lines) + "\n"
    text += "\n" + provenance_md(provenance if provenance is not None else compute_provenance(None))
    write_text(md_out, text)
    write_text(html_out, to_html(text, "scratchnet reports", Path(md_out).parent))
