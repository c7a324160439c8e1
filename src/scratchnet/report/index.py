"""The index page: one line per report page with its claims verdict counts, the numbers its seed states and audits,
a stacked bar of its verdicts (an inline SVG in a colour-blind-safe palette), and what happened to a page whose last
build failed (:mod:`.publish`). It links only pages that are there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..pipeline import paths
from ..pipeline.io import write_text
from .page import provenance_md, to_html
from .provenance import provenance as compute_provenance
from .publish import building, code_span, published, read_status, strip_stale
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


FAILED_MARK = "<!-- failed: {page} -->"  # on the line of a page whose last build failed (read by refresh_index)


def build_index(
    reports: dict[str, Any],
    md_files: list[str],
    md_out: str | Path,
    html_out: str | Path,
    provenance: dict[str, Any] | None = None,
    statuses: dict[str, dict[str, Any] | None] | None = None,
) -> None:
    """Write the index (markdown and HTML) linking every report page, with each page's claims summary line read
    from its markdown (``md_files``, matched to reports by file stem; ``pipeline.paths`` otherwise), ending with a
    provenance section (``provenance``, or git state and versions of the current directory when None).

    A page whose markdown is not there is listed without a link. ``statuses`` (report id -> the status of its last
    build, :func:`.publish.read_status`) add, for a page whose last build failed, that it is stale (or not built)
    and the error."""
    by_stem = {Path(f).stem: Path(f) for f in md_files}
    statuses = statuses or {}
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
        status = statuses.get(rid) or {}
        failed = ""
        if status.get("state") == "failed":
            failed = f"its last build failed: {code_span(status['error'])} {FAILED_MARK.format(page=rid)}"
        if not md.exists():
            lines.append(f"- {spec.get('title', rid)} — **not built**" + (f"; {failed}" if failed else ""))
            continue
        text = strip_stale(md.read_text())
        m = SUMMARY_LINE.search(text)
        summary_line = f" — {m.group(1)}" if m else ""
        cov = COVERAGE.search(text)
        numbers = f" ({cov.group(1)} numbers stated in the seed, {cov.group(2)} audited)" if cov else ""
        bar = verdict_bar(verdicts_of(m.group(1))) if m else ""
        stale = f" — **stale**, {failed}; this is the last page built successfully" if failed else ""
        lines.append(f"- [{spec.get('title', rid)}]({rid}.html) ([Markdown]({rid}.md)){summary_line}{numbers}{stale}")
        if bar:
            lines.append(f"  <br>{bar}")
    text = "\n".join(lines) + "\n"
    text += "\n" + provenance_md(provenance if provenance is not None else compute_provenance(None))
    write_text(md_out, text)
    write_text(html_out, to_html(text, "scratchnet reports", Path(md_out).parent))


def _index_of_published_pages(
    reports: dict[str, Any], layout: paths.Layout, config_sha256: str, repo_dir: str, md_out: Path, html_out: Path
) -> None:
    prov = compute_provenance(None, [], repo_dir, config_sha256=config_sha256)
    md_files = [str(published(layout, r)[0]) for r in reports]
    build_index(reports, md_files, md_out, html_out, prov, {r: read_status(layout, r) for r in reports})


def build_index_page(
    reports: dict[str, Any],
    layout: dict[str, str],
    config_sha256: str,
    repo_dir: str,
    md_out: str | Path,
    html_out: str | Path,
) -> None:
    """The index rule's job: the index of the published pages of ``reports`` under ``layout`` (the output roots, as
    :meth:`Layout.to_dict`) with their build statuses, written to the staging files ``md_out``/``html_out``
    (:mod:`.publish`); ``config_sha256`` and ``repo_dir`` go into its provenance."""
    lay = paths.Layout(**layout)
    with building("index", lay):
        _index_of_published_pages(reports, lay, config_sha256, repo_dir, Path(md_out), Path(html_out))


def refresh_index(reports: dict[str, Any], layout: dict[str, str], config_sha256: str, repo_dir: str) -> list[str]:
    """At the end of a run (the workflow's onsuccess and onerror): make the published index say which pages of
    ``reports`` failed their last build, and why. The index job does not run when a page fails, and a page rebuilt
    alone does not rebuild the index; so when the pages whose last build failed are not those the published index
    marks (or there is no index yet and some page failed), the index is rewritten from the published pages and
    their statuses, linking only pages that are there. Returns the pages whose last build failed."""
    lay = paths.Layout(**layout)
    failed = [r for r in reports if (read_status(lay, r) or {}).get("state") == "failed"]
    index_md, index_html = published(lay, "index")
    shown = re.findall(FAILED_MARK.format(page=r"(\S+)"), index_md.read_text()) if index_md.exists() else []
    if (failed or index_md.exists()) and sorted(failed) != sorted(shown):
        _index_of_published_pages(reports, lay, config_sha256, repo_dir, index_md, index_html)
    return failed
