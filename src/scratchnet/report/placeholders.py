"""Filling a page template's placeholders: ``{{...}}`` -> markdown (tables, figures, numbers, computed comparison
words).

Placeholders (inline or on a line of their own); a value reference ``REF`` is ``EXPERIMENT:VARIANT:METRIC`` (our
mean over seeds, any :func:`~scratchnet.report.claims.lookup` form; VARIANT may be ``selected``), ``seed:CLAIM_ID``
(the seed's number in that claim) or a plain number:

- ``{{table:EXPERIMENT}}`` — variants with train/val/test accuracy, mean ± sd over seeds, the selected one marked;
  ``{{table:EXPERIMENT:col1,col2}}`` picks the metric columns (e.g. ``final_train_loss,final_val_loss,job_seconds``).
- ``{{figure:NAME}}`` — the figure and its caption (or why it was not drawn).
- ``{{classification_report:EXPERIMENT:VARIANT:PART}}`` — scikit-learn's classification report of the first seed.
- ``{{setup:EXPERIMENT}}`` — the experiment's declared parameters, variants and seeds.
- ``{{value:EXPERIMENT:VARIANT:METRIC}}`` — one number inline (mean ± sd over seeds).
- ``{{param:EXPERIMENT:VARIANT:KEY}}`` — a parameter of a run as configured (``1,500``, ``0.01``, ``500-250-100``).
- ``{{values:EXPERIMENT:KEY}}`` — the values a parameter takes over the experiment's variants, in order, each once
  (a grid axis: ``adam, sgd, lbfgs``); ``{{n_variants:EXPERIMENT}}`` — how many variants the experiment has.
- ``{{compare:REF|REF[|TOL[|HIGHER,LOWER,EQUAL]]}}`` — how the first value relates to the second: "higher than",
  "lower than", or "within ±TOL of" ("equal to" when TOL is 0). TOL defaults to the claim's tolerance when a
  reference is ``seed:ID``, else 0. Custom words replace the three phrases (``{tol}`` in EQUAL is filled).
- ``{{order:EXPERIMENT:METRIC[:STATISTIC]}}`` — all variants ordered by the statistic (default ``mean``) of their
  per-seed values, with 95 % bootstrap intervals; ``>`` between separated neighbours, ``≈`` where they overlap.
- ``{{reach:EXPERIMENT:VARIANT:KEY|REF}}`` — the first epoch at which the history key (mean over seeds) reaches the
  value (``>=``; ``<=`` for keys ending in ``loss``): "epoch 3", or "no epoch up to epoch 15".
- ``{{crossing:EXPERIMENT:METRIC|REF}}`` — where the variants, in their declared order, cross a value (mean over
  seeds): "between `a` (0.912) and `b` (0.701)", or "nowhere in the swept range (from … to …)".
- ``{{claim:ID[:FIELD]}}`` — a claim of the audit: its ``verdict`` (default), ``ours``, ``seed`` (as the seed wrote
  it) or ``note``.
- ``{{claims}}`` — the claims audit: the page's rule, the table with each claim's seed line, the grids of table
  claims, and the seed text's coverage; ``{{claims_summary}}`` — the numbers stated and audited, and the verdict
  counts. ``{{our_choices}}`` — every setting marked OUR CHOICE in the report's seed files.
- ``{{not_run}}`` — experiments that could not run, and why.
- ``{{analysis_table:NAME}}`` — an analysis's ``table`` (:mod:`.analysis_tables`); ``{{analysis:NAME:PATH}}`` — one
  value of its result by dotted path.

The grammar (:data:`PLACEHOLDER`, :data:`NAMES`, :func:`parse`, :func:`parse_ref`) is also what checks every
template at DAG build (:mod:`.template_check`), so a placeholder that cannot be filled stops the dry run. The page
around them (its results read from files, HTML, provenance) is :mod:`.page`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..pipeline import paths
from . import analysis_tables
from .choices import choices_md
from .claims import EpochNotRun, Results, epoch_curve, evaluate_claims, load_claims_file, lookup, per_seed_values
from .claims.ranking import DEFAULT_LEVEL, DEFAULT_N_BOOT, measure, order_text
from .claims.rule import RULE_TEXT
from .claims.value import seed_of
from .coverage import Coverage, coverage, seed_lines
from .fmt import as_written, fmt, num
from .grammar import (
    NAMES,
    PLACEHOLDER,
    fields,
    name_arg,
    parse,
    parse_ref,
)
from .publish import error_text
from .tables import claims_summary, claims_table, classification_table, results_table, table_grids

if TYPE_CHECKING:  # for annotations only: page.py builds on this module
    from .page import ReportInputs

class Placeholders:
    """Fills the placeholders of one page's template (:meth:`fill`) from its ``inputs`` (a
    :class:`~scratchnet.report.page.ReportInputs`) and ``results``; ``md_path`` is where the page's markdown goes
    (figures are linked relative to it). Each placeholder has a method of its name (``{{claims}}``:
    :meth:`claims_table`, ``{{analysis}}``: :meth:`analysis_value`) taking the text after its first colon."""

    def __init__(self, inputs: ReportInputs, results: Results, md_path: Path) -> None:
        self.inputs = inputs
        self.results = results
        self.md_path = Path(md_path)
        self._claims: list[dict[str, Any]] | None = None
        self._not_claimed: list[dict[str, Any]] = []

    # --- data access --------------------------------------------------------------------------------------------
    def _summary(self, experiment: str) -> dict[str, Any] | None:
        return self.results.summary(experiment)

    def _not_run_text(self, experiment: str) -> str:
        reason = self.results.reason(experiment)
        return f"*Not run: {experiment} needs data that is not available here ({reason}; see the list above).*"

    def _variant(self, s: dict[str, Any], variant: str) -> str:
        return s["selected"] if variant == "selected" else variant

    def _ref_value(self, ref: str) -> tuple[float | None, str, float | None]:
        """(value, why it is missing, default tolerance) of a value reference (see the module docstring)."""
        form, *fields = parse_ref(ref)
        if form == "claim":  # the seed's number, and how far the page's rule lets ours be from it: p (+ a threshold)
            c = self._claim_row(fields[0])
            written = seed_of(c)
            if written is None:
                raise ValueError(f"seed:{fields[0]}: claim {fields[0]!r} states no number")
            width = c.get("tolerance", c.get("threshold", 0.0)) or 0.0
            return written.value, "", float(written.p + width)
        if form == "number":
            return fields[0], "", None
        experiment, variant, metric = fields
        s = self._summary(experiment)
        if s is None:
            return None, f"`{experiment}` not run", None
        variant = self._variant(s, variant)
        if variant not in s["variants"]:
            return None, f"no variant `{variant}` in this configuration", None
        try:
            value, _ = lookup(s, variant, metric, self.results.history)
        except EpochNotRun as exc:
            return None, str(exc), None
        if value is None:
            return None, f"no {metric} of {experiment}/{variant}", None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"value reference {ref!r}: {value!r} is not a number")
        return float(value), "", None

    # --- placeholders -------------------------------------------------------------------------------------------
    def table(self, arg: str) -> str:
        a = parse("table", arg)
        s = self._summary(a["experiment"])
        if s is None:
            return self._not_run_text(a["experiment"])
        return results_table(s, a["columns"])

    def figure(self, arg: str) -> str:
        name = parse("figure", arg)["figure"]
        spec = self.inputs.spec.get("figures", {}).get(name)
        if spec is None:
            raise KeyError(
                f"template refers to figure {name!r}, not declared under reports.{self.inputs.report}.figures"
            )
        default = self.inputs.layout(paths.FIGURE, report=self.inputs.report, figure=name)
        png = Path(self.inputs.figures.get(name) or default)
        missing = [e for e in (r.get("experiment") for r in spec.get("runs", [])) if e in self.inputs.not_run]
        if missing or not png.exists():
            why = self._not_run_text(missing[0]) if missing else "*Figure not built.*"
            return f"**Figure `{name}`** — {spec.get('caption', '')}\n\n{why}"
        rel = Path(os.path.relpath(png.resolve(), self.md_path.parent.resolve()))
        return f"![{name}]({rel.as_posix()})\n\n**Figure `{name}`** — {spec.get('caption', '')}"

    def classification_report(self, arg: str) -> str:
        experiment, variant, part = fields(parse("classification_report", arg), "experiment", "variant", "part")
        s = self._summary(experiment)
        if s is None:
            return self._not_run_text(experiment)
        return classification_table(s, experiment, self._variant(s, variant), part)

    def value(self, arg: str) -> str:
        experiment, variant, metric = fields(parse("value", arg), "experiment", "variant", "metric")
        s = self._summary(experiment)
        if s is None:
            return "– (not run)"
        variant = self._variant(s, variant)
        if variant not in s["variants"]:
            return f"– (no variant `{variant}` in this configuration)"
        stat = s["variants"][variant].get("metrics", {}).get(metric)
        if stat is not None:
            vals = [x for x in stat["values"] if x is not None]
            if vals and all(isinstance(x, int) and not isinstance(x, bool) and x == vals[0] for x in vals):
                return f"{vals[0]:,}"  # a count, the same for every seed
        try:
            v, sd = lookup(s, variant, metric, self.results.history)
        except EpochNotRun:
            return "– (epoch not run in this configuration)"
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return f"{float(v):.3f}" + (f" ± {sd:.3f}" if sd is not None else "")
        return fmt(v)

    def _experiment(self, name: str, placeholder: str) -> Any:
        if name not in self.inputs.experiments:
            raise KeyError(f"{{{{{placeholder}}}}}: unknown experiment {name!r}")
        return self.inputs.experiments[name]

    def param(self, arg: str) -> str:
        experiment, variant, key = fields(parse("param", arg), "experiment", "variant", "key")
        exp = self._experiment(experiment, f"param:{arg}")
        if variant == "selected":
            s = self._summary(experiment)
            if s is None or s["selected"] is None:
                return "– (not run)"
            variant = s["selected"]
        if variant not in exp.variants:  # a reduced configuration's smaller grid
            return f"– (no variant `{variant}` in this configuration)"
        params = exp.run_params(variant)
        if key not in params:
            raise KeyError(f"{{{{param:{arg}}}}}: {experiment}/{variant} has no parameter {key!r} ({sorted(params)})")
        return as_written(params[key])

    def values(self, arg: str) -> str:
        experiment, key = fields(parse("values", arg), "experiment", "key")
        exp = self._experiment(experiment, f"values:{arg}")
        seen: list[Any] = []
        for variant in exp.variants:
            params = exp.run_params(variant)
            if key not in params:
                raise KeyError(f"{{{{values:{arg}}}}}: {experiment}/{variant} has no parameter {key!r}")
            if params[key] not in seen:
                seen.append(params[key])
        return ", ".join(as_written(v) for v in seen)

    def n_variants(self, arg: str) -> str:
        experiment = parse("n_variants", arg)["experiment"]
        return str(len(self._experiment(experiment, f"n_variants:{experiment}").variants))

    def compare(self, arg: str) -> str:
        refs, given, words = fields(parse("compare", arg), "refs", "tolerance", "words")
        (a, why_a, tol_a), (b, why_b, tol_b) = self._ref_value(refs[0]), self._ref_value(refs[1])
        if a is None or b is None:
            return f"(not compared: {why_a if a is None else why_b})"
        tol = given if given is not None else (tol_a if tol_a is not None else (tol_b if tol_b is not None else 0.0))
        higher, lower, equal = words or ["higher than", "lower than", "within ±{tol} of" if tol else "equal to"]
        if abs(a - b) <= tol + 1e-12:
            return equal.replace("{tol}", as_written(tol))
        return higher if a > b else lower

    def order(self, arg: str) -> str:
        experiment, metric, statistic = fields(parse("order", arg), "experiment", "metric", "statistic")
        s = self._summary(experiment)
        if s is None:
            return "– (not run)"
        items = [
            measure(f"`{v}`", per_seed_values(s, v, metric), statistic, DEFAULT_LEVEL, DEFAULT_N_BOOT, 0)
            for v in s["variants"]
        ]
        return order_text(items)

    def _target_and_summary(self, target_ref: str, experiment: str) -> tuple[Any, Any, str]:
        """The value of ``target_ref`` and the experiment's summary, or the text shown instead when either is
        missing (``{{reach}}`` and ``{{crossing}}``)."""
        target, why, _ = self._ref_value(target_ref)
        if target is None:
            return None, None, f"– ({why})"
        s = self._summary(experiment)
        return (target, s, "") if s is not None else (None, None, "– (not run)")

    def reach(self, arg: str) -> str:
        a = parse("reach", arg)
        experiment, variant, key, (target_ref,) = fields(a, "experiment", "variant", "history_key", "refs")
        target, s, missing = self._target_and_summary(target_ref, experiment)
        if missing:
            return missing
        variant = self._variant(s, variant)
        curve = epoch_curve(s, variant, key, self.results.history)
        if not curve:
            raise KeyError(f"{{{{reach:{arg}}}}}: no {key!r} in the histories of {experiment}/{variant}")
        lower_is_better = key.endswith("loss")
        for epoch, values in curve.items():
            m = float(np.mean(values))
            if (m <= target) if lower_is_better else (m >= target):
                return f"epoch {epoch}"
        return f"no epoch up to epoch {max(curve)}"

    def crossing(self, arg: str) -> str:
        experiment, metric, (target_ref,) = fields(parse("crossing", arg), "experiment", "metric", "refs")
        target, s, missing = self._target_and_summary(target_ref, experiment)
        if missing:
            return missing
        points = [(v, d["metrics"][metric]["mean"]) for v, d in s["variants"].items() if metric in d["metrics"]]
        points = [(v, m) for v, m in points if m is not None]
        if not points:
            raise KeyError(f"{{{{crossing:{arg}}}}}: no {metric!r} in the results of {experiment}")
        for (v1, m1), (v2, m2) in zip(points, points[1:], strict=False):
            if m1 != m2 and min(m1, m2) <= target <= max(m1, m2):
                return f"between `{v1}` ({num(m1)}) and `{v2}` ({num(m2)})"
        (v1, m1), (vn, mn) = points[0], points[-1]
        return f"nowhere in the swept range (from {num(m1)} at `{v1}` to {num(mn)} at `{vn}`)"

    def setup(self, arg: str) -> str:
        experiment = parse("setup", arg)["experiment"]
        exp = self._experiment(experiment, f"setup:{experiment}")
        s = self._summary(experiment)
        selection = f"selection by {exp.select_by}"
        if s is not None and s.get("selected") is None:
            selection = f"no selection (no {exp.select_by} measured)"
        trainer = getattr(exp, "trainer", None)
        lines = [
            f"- model: `{exp.model}`" + (f" ({trainer})" if trainer else "") + f"; parameters: `{exp.params}`",
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
        """The evaluated claims of this page (once)."""
        if self._claims is None:
            path = self.inputs.spec.get("claims")
            raw, self._not_claimed = load_claims_file(path) if path else ([], [])
            try:
                self._claims = evaluate_claims(raw, self.results)
            except (KeyError, ValueError) as exc:
                raise type(exc)(f"{path}: {exc.args[0] if exc.args else exc}") from exc
        return self._claims

    def _seed_lines(self) -> list[str] | None:
        text = getattr(self.inputs, "seed_text", None)
        return seed_lines(text) if text and Path(text).is_file() else None

    def coverage(self) -> Coverage | None:
        """Which numbers of the seed text the claims account for (None where the seed text is not here)."""
        lines = self._seed_lines()
        if lines is None:
            return None
        self.claims()
        return coverage(lines, self._claims, self._not_claimed)

    def _claim_row(self, cid: str) -> dict[str, Any]:
        for c in self.claims():
            if str(c["id"]) == cid:
                return c
        raise KeyError(f"no claim {cid!r} in {self.inputs.spec.get('claims') or 'this report (no claims file)'}")

    def claim(self, arg: str) -> str:
        cid, fld = fields(parse("claim", arg), "claim", "field")
        c = self._claim_row(cid)
        if fld == "verdict":
            return c["verdict"]
        if fld == "ours":
            return c["ours_text"]
        if fld == "seed":
            return c["seed_text"] if ("ranking" in c or "as_written" in c or "table" in c) else as_written(c["seed"])
        return c.get("note", "")  # fld == "note" (parse checks the field)

    def claims_table(self, _: str = "") -> str:
        """``{{claims}}``: the rule, the claims table with the seed's lines, the tables' grids and what was not
        claimed."""
        rows = self.claims()
        parts = [RULE_TEXT]
        if getattr(self.inputs, "reduced", False):
            parts.append("*This page was built on the reduced configuration: its verdicts are a smoke test of the "
                         "pipeline, not findings.*")  # fmt: skip
        parts.append(claims_table(rows, self._seed_lines()))
        grids = table_grids(rows)
        if grids:
            parts.append(grids)
        cov = self.coverage()
        if cov is not None:
            parts.append(f"*Coverage: {cov.text()}.*")
        return "\n\n".join(parts)

    def claims_summary(self, _: str = "") -> str:
        cov = self.coverage()
        head = f"{cov.stated} numbers stated in the seed text, {cov.audited} audited; " if cov is not None else ""
        return head + claims_summary(self.claims())

    def our_choices(self, _: str = "") -> str:
        """``{{our_choices}}``: every setting marked OUR CHOICE in the report's seed files, with its key."""
        return choices_md(list(getattr(self.inputs, "seed_config", []) or []))

    def analysis_table(self, arg: str) -> str:
        """``{{analysis_table:NAME[:KEY[:cols]]}}`` (:mod:`.analysis_tables`); an analysis not run says so."""
        name = parse("analysis_table", arg)["analysis"]
        if self.results.analysis(name) is None:
            return f"*Not run: analysis {name} ({self.results.reason(name)}).*"
        return analysis_tables.placeholder(arg, self.results.analysis)

    def analysis_value(self, arg: str) -> str:
        """``{{analysis:NAME:dotted.path}}``: one value of the analysis's result."""
        name, path = fields(parse("analysis", arg), "analysis", "path")
        result = self.results.analysis(name)
        return "–" if result is None else analysis_tables.analysis_value(result, path, name)

    def fill(self, text: str) -> str:
        """``text`` (a template) with every placeholder filled; an unknown placeholder is a KeyError."""

        template = self.inputs.template or self.inputs.spec.get("template")

        def sub(m: re.Match) -> str:
            name, arg = name_arg(m)
            if name not in NAMES:
                raise KeyError(f"unknown placeholder {{{{{name}}}}} in template {template}")
            try:
                return getattr(self, NAMES[name])(arg)
            except Exception as exc:  # the same kind of error, saying where: template, line and placeholder
                shown = f"{{{{{name}:{arg}}}}}" if arg else f"{{{{{name}}}}}"
                where = f"template {template}, line {text.count(chr(10), 0, m.start()) + 1}: {shown}"
                raise _located(exc, f"{where}: {error_text(exc)}") from exc

        return PLACEHOLDER.sub(sub, text)


def _located(exc: Exception, message: str) -> Exception:
    """An exception of ``exc``'s type with ``message`` (a RuntimeError when that type takes other arguments)."""
    try:
        return type(exc)(message)
    except Exception:
        return RuntimeError(message)
