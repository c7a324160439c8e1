"""What every form of claim shares: the verdicts, the results claims are checked against (:class:`Results`), our
numbers read out of an experiment summary (:func:`lookup`), reading a claims file (:func:`load_claims`) and the checks
every claim gets before anything runs (:class:`Checks`).

Everything here works on summaries as dicts; reading files is the caller's business.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

REPRODUCED, DIFFERS, NOT_RESOLVED, NOT_RUN = "reproduced", "differs", "not resolved", "not run"
SETUP = "setup"  # what our configuration decides: shown, never counted
# a "differs" after the cause pass (claims.resolve_causes): a labelled variant testing the cause the seed's text
# points to reproduces (cause shown), or none was tried or none reproduces (cause not found)
CAUSE_SHOWN, CAUSE_NOT_FOUND = "differs, cause shown", "differs, cause not found"
VERDICTS = (REPRODUCED, CAUSE_SHOWN, CAUSE_NOT_FOUND, DIFFERS, NOT_RESOLVED, NOT_RUN, SETUP)

# where a claim comes from: the seed text's line (1-based) and the number as the seed printed it; ``setup: true``
# marks what our configuration decides; ``cause`` names the claims of labelled variants testing why it differs
COMMON_KEYS = {"id", "section", "claim", "note", "ours", "line", "as_written", "setup", "cause"}
OURS_KEYS = {"experiment", "variant", "metric", "analysis"}


class EpochNotRun(LookupError):
    """A claim refers to an epoch the runs of this configuration never reached (a reduced budget)."""


class Results:
    """What claims are checked against: experiment summaries (dicts as written by the aggregate step), the
    experiments that did not run (name -> reason), and, for ``epoch.<N>`` metrics, a reader of run histories.

    summaries : experiment -> summary; further ones are read on demand with ``load_summary(experiment)``.
    load_history : ``(experiment, variant, seed) -> history dict`` (``{"epochs": [...]}``).
    """

    def __init__(
        self,
        summaries: Mapping[str, dict[str, Any]] | None = None,
        not_run: Mapping[str, str] | None = None,
        load_summary: Callable[[str], dict[str, Any]] | None = None,
        load_history: Callable[[str, str, int], dict[str, Any]] | None = None,
        load_analysis: Callable[[str], dict[str, Any]] | None = None,
    ) -> None:
        self.summaries: dict[str, dict[str, Any]] = dict(summaries or {})
        self.not_run: dict[str, str] = dict(not_run or {})
        self.load_summary = load_summary
        self.load_history = load_history
        self.load_analysis = load_analysis
        self.analyses: dict[str, dict[str, Any]] = {}

    def summary(self, experiment: str) -> dict[str, Any] | None:
        """The experiment's summary, or None when it did not run."""
        if experiment in self.not_run:
            return None
        if experiment not in self.summaries:
            if self.load_summary is None:
                raise KeyError(f"no results of experiment {experiment!r} (known: {sorted(self.summaries)})")
            self.summaries[experiment] = self.load_summary(experiment)
        return self.summaries[experiment]

    def history(self, experiment: str, variant: str, seed: int) -> dict[str, Any]:
        if self.load_history is None:
            raise KeyError(f"{experiment}/{variant}/seed{seed}: an epoch.<N> metric needs run histories; none given")
        return self.load_history(experiment, variant, seed)

    def analysis(self, name: str) -> dict[str, Any] | None:
        """An analysis's result table (its result.json), or None when it did not run."""
        if name in self.not_run:
            return None
        if name not in self.analyses:
            if self.load_analysis is None:
                raise KeyError(f"no results of analysis {name!r}")
            self.analyses[name] = self.load_analysis(name)
        return self.analyses[name]

    def reason(self, experiment: str) -> str:
        """First line of the reason an experiment did not run."""
        return self.not_run.get(experiment, "").splitlines()[0].rstrip(":") if self.not_run.get(experiment) else ""


# --- reading our numbers ------------------------------------------------------------------------------------------
def lookup(
    summary: dict[str, Any],
    variant: str,
    metric: str,
    history: Callable[[str, str, int], dict[str, Any]] | None = None,
) -> tuple[Any, Any]:
    """(value, sd) of ``metric`` for ``variant`` in an experiment summary.

    ``metric`` forms: ``test_acc`` (mean over seeds); ``selected`` (the selected variant's name);
    ``selected.<param>`` (a parameter of the selected variant);
    ``confusion.<part>.<i>.<j>`` (mean count over seeds); ``report.<part>.<label>.<field>`` (first seed);
    ``epoch.<N>.<key>`` (the training history's record of epoch N, e.g. ``epoch.0.train_loss`` before the first
    update when the run set ``eval_initial``; mean over seeds, read with ``history(experiment, variant, seed)``)."""
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
        if history is None:
            raise KeyError(f"metric {metric!r}: an epoch.<N> metric needs run histories; none given")
        return _epoch_value(summary, variant, rest, history)
    if head == "report":
        part, label_field = rest.split(".", 1)
        label, fld = label_field.rsplit(".", 1)
        rep = d["report_first_seed"][part]
        return (rep[label] if label == "accuracy" else rep[label][fld]), None
    st = d["metrics"].get(metric)
    if st is None:
        raise KeyError(f"metric {metric!r} not in results of variant {variant!r}")
    return st["mean"], (st["sd"] if len([v for v in st["values"] if v is not None]) > 1 else None)


def lookup_values(
    summary: dict[str, Any],
    variant: str,
    metric: str,
    history: Callable[[str, str, int], dict[str, Any]] | None = None,
) -> tuple[Any, float | None, list[float] | None]:
    """:func:`lookup`'s (value, sd) and our per-seed values of a numeric metric (None for a name; one value for
    the first seed's classification report)."""
    value, sd = lookup(summary, variant, metric, history)
    head, _, rest = metric.partition(".")
    if not isinstance(value, (int, float)) or isinstance(value, bool) or head == "selected":
        return value, sd, None
    if head == "epoch":
        epoch_text, _, key = rest.partition(".")
        curve = epoch_curve(summary, variant, key, history) if history else {}
        return value, sd, curve.get(int(epoch_text), [float(value)])
    if head == "confusion":
        part, i, j = rest.split(".")
        per_seed = summary["variants"][variant]["confusion"][part].get("values")
        return value, sd, [float(m[int(i)][int(j)]) for m in per_seed] if per_seed else [float(value)]
    if head == "report":
        part, label_field = rest.split(".", 1)
        label, fld = label_field.rsplit(".", 1)
        reports = summary["variants"][variant].get("report_per_seed", {}).get(part) or []
        values = [float(r[label] if label == "accuracy" else r[label][fld]) for r in reports]
        return value, sd, values or [float(value)]
    return value, sd, per_seed_values(summary, variant, metric)


METRIC_HEADS = ("selected", "confusion", "report", "epoch")  # the dotted forms of :func:`lookup`
PARTS = ("train", "val", "test")


def metric_problem(metric: Any, names: Collection[str], history: Collection[str] | None = None) -> str:
    """Why ``metric`` cannot be a :func:`lookup` metric of an experiment whose runs record the scalars ``names``
    ('' when it can). Checked before anything runs: the scalar name, the dotted form's head, part and epoch, and
    the key of ``epoch.<N>.<key>`` against ``history`` (the keys its runs record per epoch; None: not checked)."""
    if not isinstance(metric, str):
        return f"metric must be a string, got {metric!r}"
    head, _, rest = metric.partition(".")
    if metric == "selected" or head == "selected":
        return "" if metric == "selected" or rest else f"metric {metric!r}: selected.<param> needs a parameter"
    if not rest:
        if metric in names:
            return ""
        return f"unknown metric {metric!r}{did_you_mean(metric, names)}; the runs record: {', '.join(sorted(names))}"
    if head not in METRIC_HEADS:
        return f"unknown metric {metric!r}: a dotted metric starts with one of {', '.join(METRIC_HEADS)}"
    parts = rest.split(".")
    if head in ("confusion", "report"):
        if parts[0] not in PARTS:
            return f"metric {metric!r}: {parts[0]!r} is not a part ({', '.join(PARTS)})"
        n = 3 if head == "confusion" else 2
        if len(parts) < n or (head == "confusion" and not all(p.isdigit() for p in parts[1:])):
            form = "confusion.<part>.<i>.<j>" if head == "confusion" else "report.<part>.<label>.<field>"
            return f"metric {metric!r}: the form is {form}"
    if head == "epoch" and (len(parts) < 2 or not parts[0].isdigit()):
        return f"metric {metric!r}: the form is epoch.<N>.<key>"
    key = ".".join(parts[1:])
    if head == "epoch" and history is not None and key not in history:
        return (f"metric {metric!r}: unknown history key {key!r}{did_you_mean(key, history)}; the runs record per "
                f"epoch: {', '.join(sorted(history))}")  # fmt: skip
    return ""


def undeclared_read(what: str, name: str, owner: str, page: str) -> str:
    """The problem of page ``page`` naming ``what`` ``name`` (an experiment or analysis) of report ``owner`` without
    declaring that it reads that report's results."""
    return (f"{what} {name!r} belongs to report {owner}; a page reads another report's results only when it declares "
            f"so (add {owner!r} to reports.{page}.reads: its results then become inputs of page {page})")  # fmt: skip


def epoch_curve(
    summary: dict[str, Any], variant: str, key: str, history: Callable[[str, str, int], dict[str, Any]]
) -> dict[int, list[float]]:
    """History key ``key`` per epoch over the variant's seeds: ``{epoch: [value of each seed]}`` for the epochs
    every seed recorded."""
    per_seed = []
    for seed in summary["variants"][variant]["seeds"]:
        epochs = history(summary["experiment"], variant, seed)["epochs"]
        per_seed.append({int(e["epoch"]): float(e[key]) for e in epochs if e.get(key) is not None})
    common = set.intersection(*(set(d) for d in per_seed)) if per_seed else set()
    return {ep: [d[ep] for d in per_seed] for ep in sorted(common)}


def _epoch_value(
    summary: dict[str, Any], variant: str, rest: str, history: Callable[[str, str, int], dict[str, Any]]
) -> tuple[float, float | None]:
    """Mean (and sd over seeds) of history key ``<key>`` at epoch ``<N>`` (``rest`` = ``"<N>.<key>"``)."""
    epoch_text, _, key = rest.partition(".")
    epoch = int(epoch_text)
    values = []
    for seed in summary["variants"][variant]["seeds"]:
        epochs = history(summary["experiment"], variant, seed)["epochs"]
        where = f"{summary['experiment']}/{variant}/seed{seed}"
        if not epochs or epoch > epochs[-1].get("epoch", 0):
            raise EpochNotRun(f"epoch {epoch} is beyond this configuration's budget ({len(epochs)} records)")
        record = next((e for e in epochs if e.get("epoch") == epoch), None)
        if record is None or record.get(key) is None:
            raise KeyError(f"{where}: no {key!r} recorded at epoch {epoch} (eval_initial / eval_every?)")
        values.append(float(record[key]))
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else None
    return float(np.mean(values)), sd


def per_seed_values(summary: dict[str, Any], variant: str, metric: str) -> list[float]:
    """The finite per-seed values of a summary metric (failed runs, stored as null, are left out)."""
    st = summary["variants"][variant]["metrics"].get(metric)
    if st is None:
        raise KeyError(
            f"metric {metric!r} not in results of {summary.get('experiment', '?')}/{variant} "
            f"(known: {sorted(summary['variants'][variant]['metrics'])})"
        )
    return [float(v) for v in st["values"] if v is not None and math.isfinite(v)]


# --- claims files, verdicts and checks --------------------------------------------------------------------------------
def load_claims_file(path: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ``claims:`` and ``not_claimed:`` lists of a claims file (a mapping; a bare YAML list is read as claims
    only). A YAML error names the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise FileNotFoundError(f"claims file {path} not found") from None
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ValueError(f"{where}: {exc.problem or exc}") from None
    if doc is None:
        doc = {}
    if isinstance(doc, list):
        doc = {"claims": doc}
    if not isinstance(doc, dict) or set(doc) - {"claims", "not_claimed"}:
        raise ValueError(f"{path}: a claims file is a mapping with 'claims:' and 'not_claimed:' lists")
    claims, skipped = doc.get("claims") or [], doc.get("not_claimed") or []
    for key, items in (("claims", claims), ("not_claimed", skipped)):
        if not isinstance(items, list) or not all(isinstance(c, dict) for c in items):
            raise ValueError(f"{path}: {key}: a YAML list of mappings")
    return claims, skipped


def load_claims(path: str | Path) -> list[dict[str, Any]]:
    """The claims of a claims file (:func:`load_claims_file`)."""
    return load_claims_file(path)[0]


def did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def mark_not_run(out: dict[str, Any], claim: dict[str, Any], why: str) -> dict[str, Any]:
    """``out`` (a claims-table row) with the verdict **not run** and ``why`` after the claim's note."""
    out.update(verdict=NOT_RUN, ours_text="–")
    out["note"] = (claim.get("note", "") + f" {why}").strip()
    return out


def verdict_counts(rows: list[dict[str, Any]], setup: bool = False) -> dict[str, int]:
    """How many rows have each verdict; setup rows only with ``setup=True`` (they are not findings)."""
    counts: dict[str, int] = {}
    for r in rows:
        if (r["verdict"] == SETUP and not setup) or r.get("variant_of"):  # a cause variant's claim: shown, not counted
            continue
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


@dataclass
class Checks:
    """The problems of a claims list found before anything runs, as messages naming the file (``where``), the claim
    and the key: what every claim is checked for here, each form's own checks in its module (``check``).

    experiments : experiment name -> its variant names. strict_variants : False for a reduced configuration, whose
    smaller grids drop variants the claims name (such a claim is reported as not run, not an error). analyses : the
    analyses' names. metrics : experiment name -> the scalars its runs record (see :func:`metric_problem`); None: not
    checked. history : experiment name -> the keys its runs record per epoch (``epoch.<N>.<key>``; where declared).
    page, reads, owners : the report whose page the claims are on, the reports it declares it reads, and experiment
    or analysis name -> its report (``{"experiment": {...}, "analysis": {...}}``); None: not checked.
    """

    where: str
    experiments: Mapping[str, Collection[str]]
    strict_variants: bool = True
    analyses: Collection[str] = ()
    metrics: Mapping[str, Collection[str]] | None = None
    history: Mapping[str, Collection[str]] | None = None
    page: str = ""
    reads: Collection[str] = ()
    owners: Mapping[str, Mapping[str, str]] | None = None
    errors: list[str] = field(default_factory=list, init=False)
    _seen: set[str] = field(default_factory=set, init=False, repr=False)

    def start(self, n: int, claim: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check what every claim needs (the ``n``-th, from 0): its id (once), its text and ``ours.metric``; returns
        the claim's id (``#<n + 1>`` when it has none) and its ``ours`` (``{}`` when not a mapping)."""
        where = self.where
        cid = str(claim.get("id", f"#{n + 1}"))
        if "id" not in claim:
            self.errors.append(f"{where}: claim #{n + 1} has no 'id'")
        elif cid in self._seen:
            self.errors.append(f"{where}: claim id {cid!r} appears twice")
        self._seen.add(cid)
        if "claim" not in claim:
            self.errors.append(f"{where}: claim {cid!r} has no 'claim' text")
        ours = claim.get("ours")
        if not isinstance(ours, dict) or not ours.get("metric"):
            self.errors.append(f"{where}: claim {cid!r}: 'ours' needs at least a 'metric'")
            ours = ours if isinstance(ours, dict) else {}
        return cid, ours

    def ref(self, cid: str, experiment: Any, variant: Any, metric: Any = None) -> None:
        """Check a reference to our results: the experiment, the metric its runs record and the variant."""
        where, experiments, metrics = self.where, self.experiments, self.metrics
        if experiment not in experiments:
            hint = did_you_mean(str(experiment), experiments)
            self.errors.append(f"{where}: claim {cid!r}: unknown experiment {experiment!r}{hint}")
            return
        self.read(cid, "experiment", experiment)
        history = (self.history or {}).get(experiment)
        problem = metric_problem(metric, metrics[experiment], history) if metrics and experiment in metrics else ""
        if problem:
            self.errors.append(f"{where}: claim {cid!r}: ours.metric: {problem} (experiment {experiment})")
        if self.strict_variants and variant != "selected" and variant not in experiments[experiment]:
            known = experiments[experiment]
            self.errors.append(
                f"{where}: claim {cid!r}: experiment {experiment!r} has no variant {variant!r}"
                f"{did_you_mean(str(variant), known)}"
            )

    def analysis(self, cid: str, name: Any) -> None:
        """Check a reference to an analysis's result: the analysis exists and the page may read it."""
        if name not in self.analyses:
            self.errors.append(f"{self.where}: claim {cid!r}: unknown analysis {name!r}"
                               f"{did_you_mean(str(name), self.analyses)}")  # fmt: skip
        else:
            self.read(cid, "analysis", name)

    def read(self, cid: str, what: str, name: str) -> None:
        """Check that the page may read ``what`` (``experiment`` or ``analysis``) ``name``: of its own report, or of
        one it declares it reads."""
        owner = (self.owners or {}).get(what, {}).get(name)
        if owner is not None and owner != self.page and owner not in self.reads:
            self.errors.append(f"{self.where}: claim {cid!r}: {undeclared_read(what, name, owner, self.page)}")

    def keys(self, claim: dict[str, Any], cid: str, ours: dict[str, Any], allowed: Collection[str]) -> None:
        """Check that the claim has no keys but ``allowed`` (its form's), and ``ours`` none but :data:`OURS_KEYS`."""
        for key in sorted(set(claim) - set(allowed)):
            self.errors.append(f"{self.where}: claim {cid!r}: unknown key {key!r}{did_you_mean(key, allowed)}")
        for key in sorted(set(ours) - OURS_KEYS):
            self.errors.append(f"{self.where}: claim {cid!r}: unknown key ours.{key}")

    def messages(self) -> list[str]:
        return list(dict.fromkeys(self.errors))  # a ranking's items share the experiment: one message per problem


def dotted(obj: Any, path: str, where: str = "") -> Any:
    """``obj["a"]["b"][2]`` for ``path`` ``"a.b.2"`` (list indices as integers); a KeyError names the path. A null
    on the way (an analysis recorded that a part did not run in this configuration) gives None."""
    for part in path.split("."):
        if obj is None:
            return None
        try:
            obj = obj[int(part)] if isinstance(obj, list) else obj[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise KeyError(f"{where}: no {path!r} in the results (failed at {part!r})") from None
    return obj


def analysis_values(found: dict[str, Any], analysis: str, metric: str) -> tuple[Any, float | None, list[float] | None]:
    """``(value, sd, per-seed values)`` of ``metric``, a dotted path into the result ``found`` of analysis
    ``analysis``: a ``{"mean", "sd", "values"}`` entry gives its parts, a plain value ``(value, None, None)``.
    :class:`EpochNotRun` when the path meets a null (e.g. a statistic at an epoch beyond this configuration's
    budget)."""
    value = dotted(found, metric, f"analysis {analysis}")
    if value is None:
        raise EpochNotRun(f"analysis {analysis} has no {metric} here")
    if isinstance(value, dict) and "mean" in value:
        return value["mean"], value.get("sd"), value.get("values")
    return value, None, None
