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
- ``{{claims}}`` — the claims audit table; ``{{claims_summary}}`` — its verdict counts.
- ``{{not_run}}`` — experiments that could not run, and why.
- ``{{analysis_table:NAME}}`` — an analysis's ``table`` (:mod:`.analysis_tables`); ``{{analysis:NAME:PATH}}`` — one
  value of its result by dotted path.

The page around them (its results read from files, HTML, provenance) is :mod:`.page`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..pipeline import paths
from ..stats import STATISTICS
from . import analysis_tables
from .claims import EpochNotRun, Results, epoch_curve, evaluate_claims, load_claims, lookup, per_seed_values
from .claims.ranking import DEFAULT_LEVEL, DEFAULT_N_BOOT, measure, order_text
from .fmt import as_written, fmt, num
from .publish import error_text
from .tables import claims_summary, claims_table, classification_table, results_table

if TYPE_CHECKING:  # for annotations only: page.py builds on this module
    from .page import ReportInputs

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)(?::([^}]*))?\s*\}\}")


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
        ref = ref.strip()
        if ref.startswith("seed:"):
            c = self._claim_row(ref[len("seed:") :])
            return float(c["seed"]), "", float(c.get("tolerance", 0))
        try:
            return float(ref), "", None
        except ValueError:
            pass
        parts = ref.split(":", 2)
        if len(parts) != 3:
            raise ValueError(f"value reference {ref!r}: write EXPERIMENT:VARIANT:METRIC, seed:CLAIM_ID or a number")
        experiment, variant, metric = parts
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
        experiment, _, cols = arg.partition(":")
        columns = [c for c in cols.split(",") if c] or ["train_acc", "val_acc", "test_acc"]
        s = self._summary(experiment)
        if s is None:
            return self._not_run_text(experiment)
        return results_table(s, columns)

    def figure(self, name: str) -> str:
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
        experiment, variant, part = (arg.split(":") + ["selected", "test"])[:3]
        s = self._summary(experiment)
        if s is None:
            return self._not_run_text(experiment)
        return classification_table(s, experiment, self._variant(s, variant), part)

    def value(self, arg: str) -> str:
        experiment, variant, metric = (arg.split(":", 2) + ["selected", "test_acc"])[:3]
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
        parts = arg.split(":")
        if len(parts) != 3:
            raise ValueError(f"{{{{param:{arg}}}}}: write {{{{param:EXPERIMENT:VARIANT:KEY}}}}")
        experiment, variant, key = parts
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
        experiment, _, key = arg.partition(":")
        if not key or ":" in key:
            raise ValueError(f"{{{{values:{arg}}}}}: write {{{{values:EXPERIMENT:KEY}}}}")
        exp = self._experiment(experiment, f"values:{arg}")
        seen: list[Any] = []
        for variant in exp.variants:
            params = exp.run_params(variant)
            if key not in params:
                raise KeyError(f"{{{{values:{arg}}}}}: {experiment}/{variant} has no parameter {key!r}")
            if params[key] not in seen:
                seen.append(params[key])
        return ", ".join(as_written(v) for v in seen)

    def n_variants(self, experiment: str) -> str:
        return str(len(self._experiment(experiment, f"n_variants:{experiment}").variants))

    def compare(self, arg: str) -> str:
        parts = arg.split("|")
        if len(parts) < 2 or len(parts) > 4:
            raise ValueError(f"{{{{compare:{arg}}}}}: write {{{{compare:REF|REF[|TOL[|HIGHER,LOWER,EQUAL]]}}}}")
        (a, why_a, tol_a), (b, why_b, tol_b) = self._ref_value(parts[0]), self._ref_value(parts[1])
        if a is None or b is None:
            return f"(not compared: {why_a if a is None else why_b})"
        given = parts[2].strip() if len(parts) > 2 else ""
        tol = float(given) if given else (tol_a if tol_a is not None else (tol_b if tol_b is not None else 0.0))
        words = [w.strip() for w in parts[3].split(",")] if len(parts) > 3 else []
        if words and len(words) != 3:
            raise ValueError(f"{{{{compare:{arg}}}}}: give three words (higher, lower, equal), got {words}")
        higher, lower, equal = words or ["higher than", "lower than", "within ±{tol} of" if tol else "equal to"]
        if abs(a - b) <= tol + 1e-12:
            return equal.replace("{tol}", as_written(tol))
        return higher if a > b else lower

    def order(self, arg: str) -> str:
        experiment, metric, statistic = (arg.split(":") + ["mean"])[:3]
        if statistic not in STATISTICS:
            raise ValueError(f"{{{{order:{arg}}}}}: statistic must be one of {sorted(STATISTICS)}")
        s = self._summary(experiment)
        if s is None:
            return "– (not run)"
        items = [
            measure(f"`{v}`", per_seed_values(s, v, metric), statistic, DEFAULT_LEVEL, DEFAULT_N_BOOT, 0)
            for v in s["variants"]
        ]
        return order_text(items)

    def _against(self, name: str, arg: str, form: str) -> tuple[list[str], Any, str]:
        """Parse ``{{name:A:B...|REF}}`` (``form``: the parts before ``|``, for the error message): the parts, and
        the value of REF with why it is missing (see :meth:`_ref_value`)."""
        where, _, target_ref = arg.partition("|")
        parts = where.split(":")
        if len(parts) != form.count(":") + 1 or not target_ref:
            raise ValueError(f"{{{{{name}:{arg}}}}}: write {{{{{name}:{form}|REF}}}}")
        target, why, _ = self._ref_value(target_ref)
        return parts, target, why

    def reach(self, arg: str) -> str:
        (experiment, variant, key), target, why = self._against("reach", arg, "EXPERIMENT:VARIANT:KEY")
        if target is None:
            return f"– ({why})"
        s = self._summary(experiment)
        if s is None:
            return "– (not run)"
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
        (experiment, metric), target, why = self._against("crossing", arg, "EXPERIMENT:METRIC")
        if target is None:
            return f"– ({why})"
        s = self._summary(experiment)
        if s is None:
            return "– (not run)"
        points = [(v, d["metrics"][metric]["mean"]) for v, d in s["variants"].items() if metric in d["metrics"]]
        points = [(v, m) for v, m in points if m is not None]
        if not points:
            raise KeyError(f"{{{{crossing:{arg}}}}}: no {metric!r} in the results of {experiment}")
        for (v1, m1), (v2, m2) in zip(points, points[1:], strict=False):
            if m1 != m2 and min(m1, m2) <= target <= max(m1, m2):
                return f"between `{v1}` ({num(m1)}) and `{v2}` ({num(m2)})"
        (v1, m1), (vn, mn) = points[0], points[-1]
        return f"nowhere in the swept range (from {num(m1)} at `{v1}` to {num(mn)} at `{vn}`)"

    def setup(self, experiment: str) -> str:
        exp = self.inputs.experiments[experiment]
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
            raw = load_claims(path) if path else []
            try:
                self._claims = evaluate_claims(raw, self.results)
            except (KeyError, ValueError) as exc:
                raise type(exc)(f"{path}: {exc.args[0] if exc.args else exc}") from exc
        return self._claims

    def _claim_row(self, cid: str) -> dict[str, Any]:
        for c in self.claims():
            if str(c["id"]) == cid:
                return c
        raise KeyError(f"no claim {cid!r} in {self.inputs.spec.get('claims') or 'this report (no claims file)'}")

    def claim(self, arg: str) -> str:
        cid, _, fld = arg.partition(":")
        c = self._claim_row(cid.strip())
        fld = fld.strip() or "verdict"
        if fld == "verdict":
            return c["verdict"]
        if fld == "ours":
            return c["ours_text"]
        if fld == "seed":
            return c["seed_text"] if "ranking" in c else as_written(c["seed"])
        if fld == "note":
            return c.get("note", "")
        raise ValueError(f"{{{{claim:{arg}}}}}: field must be verdict, ours, seed or note, not {fld!r}")

    def claims_table(self, _: str = "") -> str:
        return claims_table(self.claims())

    def claims_summary(self, _: str = "") -> str:
        return claims_summary(self.claims())

    def analysis_table(self, arg: str) -> str:
        """``{{analysis_table:NAME[:KEY[:cols]]}}`` (:mod:`.analysis_tables`); an analysis not run says so."""
        name = arg.split(":", 1)[0]
        if self.results.analysis(name) is None:
            return f"*Not run: analysis {name} ({self.results.reason(name)}).*"
        return analysis_tables.placeholder(arg, self.results.analysis)

    def analysis_value(self, arg: str) -> str:
        """``{{analysis:NAME:dotted.path}}``: one value of the analysis's result."""
        name, _, path = arg.partition(":")
        if not path:
            raise ValueError(f"{{{{analysis:{arg}}}}}: write {{{{analysis:NAME:dotted.path}}}}")
        result = self.results.analysis(name)
        return "–" if result is None else analysis_tables.analysis_value(result, path, name)

    def fill(self, text: str) -> str:
        """``text`` (a template) with every placeholder filled; an unknown placeholder is a KeyError."""
        handlers = {
            "table": self.table,
            "figure": self.figure,
            "classification_report": self.classification_report,
            "setup": self.setup,
            "value": self.value,
            "param": self.param,
            "values": self.values,
            "n_variants": self.n_variants,
            "compare": self.compare,
            "order": self.order,
            "reach": self.reach,
            "crossing": self.crossing,
            "claim": self.claim,
            "claims": self.claims_table,
            "claims_summary": self.claims_summary,
            "not_run": self.not_run,
            "analysis_table": self.analysis_table,
            "analysis": self.analysis_value,
        }

        template = self.inputs.template or self.inputs.spec.get("template")

        def sub(m: re.Match) -> str:
            name, arg = m.group(1), re.sub(r"\s+", " ", m.group(2) or "").strip()  # a placeholder may wrap lines
            if name not in handlers:
                raise KeyError(f"unknown placeholder {{{{{name}}}}} in template {template}")
            try:
                return handlers[name](arg)
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
