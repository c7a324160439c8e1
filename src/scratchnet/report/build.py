"""Build a report page from results only: the seed's prose template with its placeholders filled
(:mod:`.placeholders`, drawing tables with :mod:`.tables`), the claims audit (:mod:`.claims`) and a closing
provenance section (:mod:`.provenance`), written as markdown and self-contained HTML (:mod:`.page`).

This module is the entry point the workflow scripts call; it also re-exports the names older code imports from
here (``Page``, ``audit_claim``, ``lookup``, ``md_table``, ``mean_sd``, ``build_index``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..pipeline import paths
from ..pipeline.io import write_text
from ..pipeline.spec import Experiment
from .claims import EpochNotRun, Results, evaluate_claim, lookup
from .fmt import fmt, mean_sd
from .index import build_index
from .page import Page, ReportInputs, provenance_md, to_html
from .provenance import inputs_verified, provenance
from .publish import building, published
from .tables import md_table

TEMPLATES = paths.TEMPLATES


def audit_claim(claim: dict[str, Any], source: Page | Results) -> dict[str, Any]:
    """Evaluate one claim against a page's results (or a :class:`Results`)."""
    return evaluate_claim(claim, source.results if isinstance(source, Page) else source)


def build_report(
    inputs: ReportInputs, md_out: str | Path, html_out: str | Path, links_from: str | Path | None = None
) -> None:
    """Fill ``reports.<id>.template`` and write the page as markdown and self-contained HTML, ending with its
    provenance (``inputs.provenance``, or computed from ``inputs.config``, ``inputs.benchmarks`` and
    ``inputs.repo_dir``). ``links_from``: where the markdown will be read (figure links are relative to it;
    default ``md_out``), for a page built in one place and published in another."""
    md_out, html_out = Path(md_out), Path(html_out)
    links_from = Path(links_from) if links_from is not None else md_out
    template = Path(inputs.template) if inputs.template else paths.report_template(inputs.spec, TEMPLATES)
    if not template.exists():
        raise FileNotFoundError(f"report template {template} not found (reports.{inputs.report}.template)")
    page = Page(inputs, links_from)
    text = page.fill(template.read_text())
    prov = inputs.provenance
    if prov is None:
        prov = provenance(inputs.config, inputs.benchmarks, inputs.repo_dir)
    text = text.rstrip("\n") + "\n\n" + provenance_md(prov)
    write_text(md_out, text)
    write_text(html_out, to_html(text, inputs.spec.get("title", inputs.report), links_from.parent))


def build_report_page(
    report: str,
    spec: dict[str, Any],
    experiments: dict[str, dict[str, Any]],
    not_run: dict[str, str],
    layout: dict[str, str],
    config_sha256: str,
    benchmarks: list[str],
    repo_dir: str,
    md_out: str | Path,
    html_out: str | Path,
    template: str | None = None,
    seed_text: str | None = None,
    seed_config: list[str] | None = None,
    reduced: bool = False,
    inputs: list[str] | None = None,
) -> None:
    """:func:`build_report` from the report rule's parameters: experiments as :meth:`Experiment.to_dict`, the output
    roots as :meth:`Layout.to_dict`, the merged configuration's hash, the benchmark files of the page's jobs and a
    directory of the workflow's git checkout (for the provenance section); the template file, and the seed report's
    text (its path and digest go into the provenance; ``spec["seed_file"]`` named but not found is said there), the
    seed files that declare the report (their ``OUR CHOICE`` comments are listed on the page) and whether this is a
    reduced configuration; the job's input files, verified against their manifests and counted in the provenance.

    ``md_out``/``html_out`` are the staging files of :mod:`.publish`; links are written for the published page. A
    build that fails marks the published page stale and records the failure (:func:`.publish.building`)."""
    lay = paths.Layout(**layout)
    with building(report, lay):
        prov = provenance(None, benchmarks, repo_dir, config_sha256=config_sha256)
        if inputs is not None:
            prov["inputs"] = inputs_verified(inputs, (layout["results"], layout["reports"]))
        if seed_text:
            digest = hashlib.sha256(Path(seed_text).read_bytes()).hexdigest()
            prov["seed_text"] = {"path": str(seed_text), "sha256": digest}
        elif spec.get("seed_file"):
            prov["seed_text"] = {"path": str(spec["seed_file"])}
        page = ReportInputs(
            report=report,
            spec=spec,
            experiments={name: Experiment.from_dict(d) for name, d in experiments.items()},
            not_run=dict(not_run),
            provenance=prov,
            layout=lay,
            template=template,
            seed_text=seed_text,
            seed_config=list(seed_config or []),
            reduced=reduced,
        )
        build_report(page, md_out, html_out, links_from=published(lay, report)[0])


__all__ = [
    "build_report_page",
    "TEMPLATES",
    "EpochNotRun",
    "Page",
    "ReportInputs",
    "audit_claim",
    "build_index",
    "build_report",
    "fmt",
    "lookup",
    "md_table",
    "mean_sd",
]
