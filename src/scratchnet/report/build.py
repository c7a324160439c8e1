"""Build the report pages from results only: a prose template per seed report with placeholders that are filled
from the aggregated tables, the figures and the claims audit.

Placeholders (one per line or inline):

- ``{{table:EXPERIMENT}}`` — variants with train/val/test accuracy, mean ± sd over seeds, the selected one marked;
  ``{{table:EXPERIMENT:col1,col2}}`` picks the metric columns (e.g. ``final_train_loss,final_val_loss,job_seconds``).
- ``{{figure:NAME}}`` — the figure and its caption (or why it was not drawn).
- ``{{classification_report:EXPERIMENT:VARIANT:PART}}`` — scikit-learn's classification report of the first seed
  (VARIANT may be ``selected``).
- ``{{setup:EXPERIMENT}}`` — the experiment's declared parameters, variants and seeds.
- ``{{value:EXPERIMENT:VARIANT:METRIC}}`` — one number inline (mean ± sd over seeds; any claims ``metric`` form,
  e.g. ``job_seconds`` or ``report.test.macro avg.f1-score``; VARIANT may be ``selected``).
- ``{{claims}}`` — the claims audit table; ``{{claims_summary}}`` — its verdict counts.
- ``{{not_run}}`` — experiments that could not run, and why.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
import numpy as np
import yaml

from ..pipeline import paths
from ..pipeline.io import read_json, write_text
from ..pipeline.spec import Experiment

TEMPLATES = Path(__file__).parent / "templates"
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([^}]*))?\s*\}\}")
COLUMN_NAMES = {
    "train_acc": "train acc",
    "val_acc": "val acc",
    "test_acc": "test acc",
    "final_train_loss": "final train loss",
    "final_val_loss": "final val loss",
    "test_auc": "test AUC",
    "job_seconds": "training job (s)",
    "seconds": "training loop (s)",
    "n_epochs": "epochs",
    "n_updates": "updates",
    "converged_epoch": "converged at epoch",
    "train_loss": "train loss",
    "test_loss": "test loss",
}


@dataclass
class ReportInputs:
    report: str
    spec: dict[str, Any]
    experiments: dict[str, Experiment]
    not_run: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    layout: paths.Layout = field(default_factory=paths.Layout)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, list):
        return "-".join(fmt(v, digits) for v in value)
    return str(value)


def mean_sd(stat: dict[str, Any] | None, digits: int = 3) -> str:
    if not stat or stat.get("mean") is None:
        return "–"
    vals = [v for v in stat["values"] if v is not None]
    if vals and all(isinstance(v, int) and v == vals[0] for v in vals):
        return str(vals[0])  # counts (epochs, updates, set sizes) equal over seeds
    n = len(vals)
    if n > 1:
        return f"{stat['mean']:.{digits}f} ± {stat['sd']:.{digits}f}"
    return f"{stat['mean']:.{digits}f}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Page:
    """Fills one report template."""

    def __init__(self, inputs: ReportInputs, md_path: Path) -> None:
        self.inputs = inputs
        self.md_path = md_path
        self._summaries: dict[str, dict[str, Any]] = {}

    # --- data access --------------------------------------------------------------------------------------------
    def summary(self, experiment: str) -> dict[str, Any] | None:
        if experiment in self.inputs.not_run:
            return None
        if experiment not in self._summaries:
            self._summaries[experiment] = read_json(self.inputs.layout(paths.SUMMARY, experiment=experiment))
        return self._summaries[experiment]

    def not_run_text(self, experiment: str) -> str:
        reason = self.inputs.not_run.get(experiment, "").splitlines()[0].rstrip(":")
        return f"*Not run: {experiment} needs data that is not available here ({reason}; see the list above).*"

    # --- placeholders -------------------------------------------------------------------------------------------
    def table(self, arg: str) -> str:
        experiment, _, cols = arg.partition(":")
        columns = [c for c in cols.split(",") if c] or ["train_acc", "val_acc", "test_acc"]
        s = self.summary(experiment)
        if s is None:
            return self.not_run_text(experiment)
        rows = []
        for v, d in s["variants"].items():
            mark = " **(selected)**" if v == s["selected"] else ""
            rows.append([f"`{v}`{mark}", str(len(d["seeds"]))] + [mean_sd(d["metrics"].get(c)) for c in columns])
        header = ["variant", "seeds"] + [COLUMN_NAMES.get(c, c) for c in columns]
        note = ""
        if s["selected"] is not None:
            note = f"\n\n*Selection by mean {s['select_by'].replace('_', ' ')} over seeds (ties: first listed).*"
        return md_table(header, rows) + note

    def figure(self, name: str) -> str:
        spec = self.inputs.spec.get("figures", {}).get(name)
        if spec is None:
            raise KeyError(
                f"template refers to figure {name!r}, not declared under reports.{self.inputs.report}.figures"
            )
        png = Path(self.inputs.layout(paths.FIGURE, report=self.inputs.report, figure=name))
        missing = [e for e in (r.get("experiment") for r in spec.get("runs", [])) if e in self.inputs.not_run]
        if missing or not png.exists():
            why = self.not_run_text(missing[0]) if missing else "*Figure not built.*"
            return f"**Figure `{name}`** — {spec.get('caption', '')}\n\n{why}"
        rel = Path("..") / png if self.md_path.parent.name == "reports" else png.resolve()
        return f"![{name}]({rel.as_posix()})\n\n**Figure `{name}`** — {spec.get('caption', '')}"

    def classification_report(self, arg: str) -> str:
        experiment, variant, part = (arg.split(":") + ["selected", "test"])[:3]
        s = self.summary(experiment)
        if s is None:
            return self.not_run_text(experiment)
        variant = s["selected"] if variant == "selected" else variant
        rep = s["variants"][variant]["report_first_seed"].get(part)
        if rep is None:
            return f"*No {part} part in {experiment}.*"
        rows = []
        for label, d in rep.items():
            if label == "accuracy":
                continue
            rows.append(
                [label, fmt(d["precision"], 2), fmt(d["recall"], 2), fmt(d["f1-score"], 2), str(int(d["support"]))]
            )
        support = int(rep["macro avg"]["support"])
        rows.insert(-2, ["accuracy", "", "", fmt(rep["accuracy"], 2), str(support)])
        title = f"*{experiment} / `{variant}`, {part} set, seed {s['variants'][variant]['seeds'][0]}*\n\n"
        return title + md_table(["", "precision", "recall", "f1-score", "support"], rows)

    def value(self, arg: str) -> str:
        experiment, variant, metric = (arg.split(":", 2) + ["selected", "test_acc"])[:3]
        s = self.summary(experiment)
        if s is None:
            return "– (not run)"
        variant = s["selected"] if variant == "selected" else variant
        if variant not in s["variants"]:
            return f"– (no variant `{variant}` in this configuration)"
        v, sd = lookup(s, variant, metric, self.inputs.layout)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"{float(v):.3f}" + (f" ± {sd:.3f}" if sd is not None else "")
        return fmt(v)

    def setup(self, experiment: str) -> str:
        exp = self.inputs.experiments[experiment]
        s = self.summary(experiment)
        selection = f"selection by {exp.select_by}"
        if s is not None and s.get("selected") is None:
            selection = f"no selection (no {exp.select_by} measured)"
        lines = [
            f"- run kind: `{exp.model}`; parameters: `{exp.params}`",
            f"- variants: {', '.join(f'`{v}`' for v in exp.variants)}",
            f"- seeds: {list(exp.seeds)}; {selection}",
        ]
        return "\n".join(lines)

    def not_run(self, _: str = "") -> str:
        if not self.inputs.not_run:
            return "All experiments of this report ran."
        by_reason: dict[str, list[str]] = {}
        for e, r in self.inputs.not_run.items():
            by_reason.setdefault(r, []).append(e)
        parts = ["**Not run here** (their tables, figures and claims say so):"]
        for reason, exps in by_reason.items():
            parts.append(f"- {', '.join(f'`{e}`' for e in exps)}:\n\n```text\n{reason}\n```")
        return "\n".join(parts)

    # --- claims -------------------------------------------------------------------------------------------------
    def claims(self) -> list[dict[str, Any]]:
        path = self.inputs.spec.get("claims")
        if not path:
            return []
        with open(path) as fh:
            claims = yaml.safe_load(fh) or []
        return [audit_claim(c, self) for c in claims]

    def claims_table(self, _: str = "") -> str:
        rows = []
        for c in self.claims():
            rows.append(
                [
                    c["id"],
                    c.get("section", ""),
                    c["claim"],
                    {"<": "< ", ">": "> "}.get(c.get("relation", "="), "") + fmt(c["seed"], _digits(c["seed"])),
                    c["ours_text"],
                    fmt(c.get("tolerance")),
                    f"**{c['verdict']}**",
                    c.get("note", ""),
                ]
            )
        return md_table(["id", "seed §", "claim", "seed", "ours", "tolerance", "verdict", "note"], rows)

    def claims_summary(self, _: str = "") -> str:
        counts: dict[str, int] = {}
        for c in self.claims():
            counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
        total = sum(counts.values())
        return f"{total} claims: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))

    def fill(self, text: str) -> str:
        handlers = {
            "table": self.table,
            "figure": self.figure,
            "classification_report": self.classification_report,
            "setup": self.setup,
            "value": self.value,
            "claims": self.claims_table,
            "claims_summary": self.claims_summary,
            "not_run": self.not_run,
        }

        def sub(m: re.Match) -> str:
            name, arg = m.group(1), (m.group(2) or "").strip()
            if name not in handlers:
                raise KeyError(f"unknown placeholder {{{{{name}}}}} in template {self.inputs.spec.get('template')}")
            return handlers[name](arg)

        return PLACEHOLDER.sub(sub, text)


def lookup(
    summary: dict[str, Any], variant: str, metric: str, layout: paths.Layout | None = None
) -> tuple[Any, Any]:
    """(value, sd) of ``metric`` for ``variant`` in an experiment summary.

    ``metric`` forms: ``test_acc`` (mean over seeds); ``selected`` (the selected variant's name);
    ``selected.<param>`` (a parameter of the selected variant);
    ``confusion.<part>.<i>.<j>`` (mean count over seeds); ``report.<part>.<label>.<field>`` (first seed);
    ``epoch.<N>.<key>`` (the training history's record of epoch N, e.g. ``epoch.0.train_loss`` before the first
    update when the run set ``eval_initial``; mean over seeds, read from the runs' history files, which are inputs
    of the report rule)."""
    head, _, rest = metric.partition(".")
    if metric == "selected":
        return summary["selected"], None
    if head == "selected":
        return summary["variants"][summary["selected"]]["params"].get(rest), None
    d = summary["variants"][variant]
    if head == "confusion":
        part, i, j = rest.split(".")
        return d["confusion"][part]["mean"][int(i)][int(j)], None
    if head == "epoch":
        return _epoch_value(summary, variant, rest, layout or paths.Layout())
    if head == "report":
        part, label_field = rest.split(".", 1)
        label, fld = label_field.rsplit(".", 1)
        rep = d["report_first_seed"][part]
        return (rep[label] if label == "accuracy" else rep[label][fld]), None
    st = d["metrics"].get(metric)
    if st is None:
        raise KeyError(f"metric {metric!r} not in results of variant {variant!r}")
    return st["mean"], (st["sd"] if len([v for v in st["values"] if v is not None]) > 1 else None)


def _digits(seed_value: Any) -> int:
    """Decimals to show for a claim: the seed's own (0.6994 -> 4), at least 3, at most 4."""
    if not isinstance(seed_value, float):
        return 3
    text = repr(seed_value)
    return min(4, max(3, len(text.partition(".")[2]))) if "e" not in text else 3


class EpochNotRun(LookupError):
    """A claim refers to an epoch the runs of this configuration never reached (a reduced budget)."""


def _epoch_value(
    summary: dict[str, Any], variant: str, rest: str, layout: paths.Layout
) -> tuple[float, float | None]:
    """Mean (and sd over seeds) of history key ``<key>`` at epoch ``<N>`` (``rest`` = ``"<N>.<key>"``)."""
    epoch_text, _, key = rest.partition(".")
    epoch = int(epoch_text)
    values = []
    for seed in summary["variants"][variant]["seeds"]:
        path = layout.run(paths.HISTORY, summary["experiment"], variant, seed)
        epochs = read_json(path)["epochs"]
        if not epochs or epoch > epochs[-1].get("epoch", 0):
            raise EpochNotRun(f"epoch {epoch} is beyond this configuration's budget ({len(epochs)} records)")
        record = next((e for e in epochs if e.get("epoch") == epoch), None)
        if record is None or record.get(key) is None:
            raise KeyError(f"{path}: no {key!r} recorded at epoch {epoch} (eval_initial / eval_every?)")
        values.append(float(record[key]))
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), sd


def audit_claim(claim: dict[str, Any], page: Page) -> dict[str, Any]:
    out = dict(claim)
    ours = claim["ours"]
    experiment = ours["experiment"]
    s = page.summary(experiment)
    if s is None:
        out.update(verdict="not run", ours_text="–")
        reason = page.inputs.not_run.get(experiment, "").splitlines()[0].rstrip(":")
        out["note"] = (claim.get("note", "") + f" Not run: {reason}.").strip()
        return out
    variant = s["selected"] if ours.get("variant", "selected") == "selected" else ours["variant"]
    if variant not in s["variants"]:
        out.update(verdict="not run", ours_text="–")
        out["note"] = (claim.get("note", "") + f" Variant {variant!r} is not in this configuration.").strip()
        return out
    try:
        value, sd = lookup(s, variant, ours["metric"], page.inputs.layout)
    except EpochNotRun as exc:
        out.update(verdict="not run", ours_text="–")
        out["note"] = (claim.get("note", "") + f" Not run: {exc}.").strip()
        return out
    seed_value = claim["seed"]
    tol = claim.get("tolerance", 0)
    relation = claim.get("relation", "=")
    if relation not in ("=", "<", ">"):
        raise ValueError(f"claim {claim.get('id')!r}: relation must be '=', '<' or '>', got {relation!r}")
    if isinstance(seed_value, (int, float)) and isinstance(value, (int, float)):
        digits = _digits(seed_value)
        if relation == "<":  # the seed states an upper bound ("under 0.1")
            ok = value < seed_value + tol
        elif relation == ">":  # a lower bound ("over 96%")
            ok = value > seed_value - tol
        else:
            ok = abs(value - seed_value) <= tol + 1e-12
        if isinstance(seed_value, int) and float(value).is_integer() and not sd:
            text = str(int(value))  # a count, the same for every seed
        else:
            text = fmt(float(value), digits) + (f" ± {sd:.{digits}f}" if sd is not None else "")
    else:
        norm = lambda v: [v] if not isinstance(v, list) else v  # noqa: E731 - "h = 8" equals hidden [8]
        ok = norm(value) == norm(seed_value)
        text = fmt(value)
    out["ours_text"] = f"{text} (`{variant}`)" if ours.get("variant", "selected") == "selected" else text
    out["verdict"] = "reproduced" if ok else "differs"
    return out


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


def build_report(inputs: ReportInputs, md_out: str | Path, html_out: str | Path) -> None:
    md_out, html_out = Path(md_out), Path(html_out)
    template = TEMPLATES / inputs.spec["template"]
    if not template.exists():
        raise FileNotFoundError(f"report template {template} not found (reports.{inputs.report}.template)")
    page = Page(inputs, md_out)
    text = page.fill(template.read_text())
    write_text(md_out, text)
    write_text(html_out, to_html(text, inputs.spec.get("title", inputs.report), md_out.parent))


def build_index(reports: dict[str, Any], md_files: list[str], md_out: str | Path, html_out: str | Path) -> None:
    lines = [
        "# scratchnet: reproduced reports",
        "",
        "Every number and figure in these pages was produced by the pipeline from raw data "
        "(`snakemake --cores N`). Each page ends with a claims audit: the seed report's numbers beside ours.",
        "",
    ]
    for (rid, spec), md_file in zip(reports.items(), md_files, strict=True):
        md = Path(md_file)
        summary_line = ""
        text = md.read_text() if md.exists() else ""
        m = re.search(r"^(\d+ claims: .*)$", text, flags=re.M)
        if m:
            summary_line = f" — {m.group(1)}"
        lines.append(f"- [{spec.get('title', rid)}]({rid}.html) ([Markdown]({rid}.md)){summary_line}")
    text = "\n".join(lines) + "\n"
    write_text(md_out, text)
    write_text(html_out, to_html(text, "scratchnet reports", Path(md_out).parent))


def build_report_page(
    report: str,
    spec: dict[str, Any],
    experiments: dict[str, dict[str, Any]],
    not_run: dict[str, str],
    layout: dict[str, str],
    md_out: str | Path,
    html_out: str | Path,
) -> None:
    """:func:`build_report` from the report rule's parameters (experiments as :meth:`Experiment.to_dict`, the
    output roots as :meth:`Layout.to_dict`)."""
    inputs = ReportInputs(
        report=report,
        spec=spec,
        experiments={name: Experiment.from_dict(d) for name, d in experiments.items()},
        not_run=dict(not_run),
        layout=paths.Layout(**layout),
    )
    build_report(inputs, md_out, html_out)
