"""A report page: what it is built from (:class:`ReportInputs`), its results read from the files of a run
(:class:`Page`, which fills the template's placeholders with :mod:`.placeholders`), the provenance section closing it
(:func:`provenance_md`) and its self-contained HTML with the figures inlined (:func:`to_html`)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown

from ..pipeline import paths
from ..pipeline.io import read_json
from ..pipeline.spec import Experiment
from .claims import Results
from .placeholders import Placeholders
from .tables import md_table


@dataclass
class ReportInputs:
    """What one report page is built from.

    report : the report id; spec : its ``reports.<id>`` config entry; experiments : all experiments (the page's
    are looked up by name); not_run : experiment -> why it could not run; config : the merged configuration (hashed
    in the provenance). Optional, filled by the rule: summaries (experiment -> summary JSON path) and figures
    (figure name -> PNG path), defaulting to ``pipeline.paths``; template (the template file, default from the spec's
    ``template``); benchmarks (the Snakemake benchmark TSVs of the
    page's train/evaluate jobs, summed in the provenance); provenance (a ready
    :func:`~scratchnet.report.provenance.provenance` dict; computed from config, benchmarks and repo_dir when None).
    """

    report: str
    spec: dict[str, Any]
    experiments: dict[str, Experiment]
    not_run: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)
    benchmarks: list[str] = field(default_factory=list)
    provenance: dict[str, Any] | None = None
    repo_dir: str = "."
    layout: paths.Layout = field(default_factory=paths.Layout)
    template: str | None = None  # the template file; None: from spec (paths.report_template)
    seed_text: str | None = None  # the seed report's text (its lines are quoted beside the claims); None: not here
    seed_config: list[str] = field(default_factory=list)  # the report's seed files (config/seeds/...): OUR CHOICEs
    reduced: bool = False  # a reduced configuration: verdicts are a smoke test, not findings


class Page(Placeholders):
    """One report page: :class:`~.placeholders.Placeholders` filled from the results files of ``inputs`` (the
    summaries it names, else those of ``inputs.layout``, run histories and analysis results there)."""

    def __init__(self, inputs: ReportInputs, md_path: Path) -> None:
        results = Results(
            not_run=inputs.not_run,
            load_summary=self._read_summary,
            load_history=self._read_history,
            load_analysis=lambda name: read_json(self.inputs.layout(paths.ANALYSIS_JSON, analysis=name)),
        )
        super().__init__(inputs, results, md_path)

    @property
    def _summaries(self) -> dict[str, dict[str, Any]]:
        return self.results.summaries

    def _read_history(self, experiment: str, variant: str, seed: int) -> dict[str, Any]:
        return read_json(self.inputs.layout.run(paths.HISTORY, experiment, variant, seed))

    def _read_summary(self, experiment: str) -> dict[str, Any]:
        default = self.inputs.layout(paths.SUMMARY, experiment=experiment)
        return read_json(self.inputs.summaries.get(experiment) or default)


def _duration(seconds: float) -> str:
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h} h {m:02d} min" if h else (f"{m} min {sec:02d} s" if m else f"{sec} s")


def provenance_md(prov: dict[str, Any]) -> str:
    """The provenance section closing every page, from a :func:`~scratchnet.report.provenance.provenance` dict."""
    git = prov.get("git") or {}
    if git.get("commit"):
        state = (
            f" — **dirty**: {git['changes']} uncommitted change(s) in the work tree"
            if git.get("dirty")
            else " (clean work tree)"
        )
        code = f"git commit `{git['commit']}`{state}"
    else:
        code = git.get("error") or "not a git checkout"
    cfg = prov.get("config_sha256")
    config = f"sha256 `{cfg[:16]}` of the merged configuration" if cfg else "not recorded"
    versions = ", ".join(f"{k} {v}" for k, v in (prov.get("versions") or {}).items())
    comp = prov.get("compute") or {}
    if comp.get("jobs"):
        compute = (
            f"{comp['seconds']:,.1f} s ({_duration(comp['seconds'])}) wall time, summed over the Snakemake benchmarks "
            f"of {comp['jobs']} train/evaluate jobs"
        )
        if comp.get("cpu_seconds") is not None:
            compute += f"; {comp['cpu_seconds']:,.1f} s CPU time"
    else:
        compute = "not recorded (no benchmark files given)"
    rows = [["code", code], ["configuration", config], ["software", versions]]
    if "seed_text" in prov:
        seed = prov["seed_text"]
        rows.insert(0, ["seed text", f"`{seed['path']}`, sha256 `{seed['sha256'][:16]}`" if seed.get("sha256")
                        else f"`{seed['path']}` not found here"])  # fmt: skip
    machine = prov.get("machine")
    if machine:
        rows.append(["machine", f"{machine.get('platform')}, {machine.get('cpus')} CPUs"])
    rows.append(["compute", compute])
    if "inputs" in prov:
        rows.append(["inputs", _inputs_md(prov["inputs"])])
    return "## Provenance\n\n" + md_table(["", ""], rows) + "\n"


def _inputs_md(inp: dict[str, Any]) -> str:
    """The provenance's inputs row, from :func:`~scratchnet.report.provenance.inputs_verified`."""
    how = "SHA-256, against the manifests their jobs wrote"
    if not inp["unverified"]:
        text = f"all {inp['n']} inputs verified ({how})"
    else:
        shown = ", ".join(f"`{p}`" for p in inp["unverified"][:3]) + (", ..." if len(inp["unverified"]) > 3 else "")
        text = (f"{inp['verified']} of {inp['n']} inputs verified ({how}); {len(inp['unverified'])} have no manifest "
                f"(written by hand, or before manifests were recorded): {shown}")  # fmt: skip
    return text + (f"; {inp['other']} more from outside the results (template, claims, seed text, benchmark files)"
                   if inp["other"] else "")  # fmt: skip


def _inline_images(html_text: str, base: Path) -> str:
    def sub(m: re.Match) -> str:
        src = m.group(1)
        p = (base / src).resolve() if not Path(src).is_absolute() else Path(src)
        if not p.exists():
            return m.group(0)
        data = base64.b64encode(p.read_bytes()).decode()
        return f'src="data:image/png;base64,{data}"'

    return re.sub(r'src="([^"]+\.png)"', sub, html_text)


def to_html(md_text: str, title: str, base: Path) -> str:
    """Self-contained HTML of a markdown page: PNGs referenced relative to ``base`` are inlined."""
    body = markdown.markdown(md_text, extensions=["tables", "fenced_code", "toc"])
    body = _inline_images(body, base)
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}"
        "table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
        "img{max-width:100%}code{background:#f4f4f4}"
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body>\n{body}\n</body></html>\n"
    )


__all__ = ["Page", "ReportInputs", "provenance_md", "to_html"]
