"""The index page: one line per report page with its claims verdict counts, the numbers its seed states and audits,
and a stacked bar of its verdicts (an inline SVG in a colour-blind-safe palette)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..pipeline import paths
from ..pipeline.io import write_text
from .page import provenance_md, to_html
from .provenance import provenance as compute_provenance
from .tables import VERDICT_COLOURS

SUMMARY_LINE = re.compile(r"(\d+ claims: [^\n]*)")
COVERAGE = re.compile(r"(\d+) numbers stated in the seed text, (\d+) audited")
BAR_ORDER = ("reproduced", "differs, cause shown", "differs, cause not found", "differs", "not resolved", "not run")


def verdicts_of(summary: str) -> dict[str, int]:
    """The verdict counts of a page's summary line (``59 reproduced, 19 differs, cause not found, ...``)."""
    names = "|".join(re.escape(v) for v in sorted(BAR_ORDER, key=len, reverse=True))
    return {name: int(n) for n, name in re.findall(rf"(\d+) ({names})(?=,|$| \()", summary)}


def verdict_bar(counts: dict[str, int], width: int = 360, height: int = 14) -> str:
    """A stacked bar of verdict counts as inline SVG, one segment per verdict with its count as a tooltip."""
    total = sum(counts.values())
    if not total:
        return ""
    x, parts = 0.0, []
    for name in BAR_ORDER:
        n = counts.get(name, 0)
        if not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{VERDICT_COLOURS[name]}">'
                     f"<title>{n} {name}</title></rect>")  # fmt: skip
        x += w
    return f'<svg width="{width}" height="{height}" role="img">{"".join(parts)}</svg>'


def legend() -> str:
    return " ".join(
        f'<span style="background:{VERDICT_COLOURS[v]};color:#fff;padding:0 4px">{v}</span>' for v in BAR_ORDER
        if v != "differs"
    )


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
    lines += ["Verdicts per page: " + legend(), ""]
    for rid, spec in reports.items():
        md = by_stem.get(rid, Path(paths.Layout()(paths.REPORT_MD, report=rid)))
        text = md.read_text() if md.exists() else ""
        m = SUMMARY_LINE.search(text)
        summary_line = f" — {m.group(1)}" if m else ""
        cov = COVERAGE.search(text)
        numbers = f" ({cov.group(1)} numbers stated in the seed, {cov.group(2)} audited)" if cov else ""
        bar = verdict_bar(verdicts_of(m.group(1))) if m else ""
        lines.append(f"- [{spec.get('title', rid)}]({rid}.html) ([Markdown]({rid}.md)){summary_line}{numbers}")
        if bar:
            lines.append(f"  <br>{bar}")
    text = "\n".join(lines) + "\n"
    text += "\n" + provenance_md(provenance if provenance is not None else compute_provenance(None))
    write_text(md_out, text)
    write_text(html_out, to_html(text, "scratchnet reports", Path(md_out).parent))
