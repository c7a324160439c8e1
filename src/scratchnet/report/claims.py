"""The claims audit: every statement of a seed report, checked against our results, with a verdict.

A claims file (``config/claims/<report>.yaml``) is a YAML list of claims in two forms.

**Value claims** — one number (or name) the seed states::

    - {id: tanh_test_acc, section: "5.1.3", claim: "tanh: test accuracy", seed: 0.93, tolerance: 0.02,
       relation: "=", ours: {experiment: s004_activations, variant: tanh, metric: test_acc}, note: "..."}

``relation`` is ``"="`` (default: ``|ours - seed| <= tolerance``), ``"<"`` (the seed states an upper bound:
``ours < seed + tolerance``) or ``">"`` (a lower bound: ``ours > seed - tolerance``); ``seed`` may also be a name
or a list (``selected``, ``selected.hidden``), compared for equality. ``ours.variant`` defaults to ``selected``;
the metric forms are those of :func:`lookup`. Verdicts: **reproduced**, **differs**, **not run** (the experiment
or variant is not in this run, or an ``epoch.<N>`` beyond its budget).

**Ranking claims** — an ordering the seed states, checked on a statistic of the per-seed values
(``variants.<v>.metrics.<metric>.values`` of the summaries)::

    - id: act_order
      section: "5.2.3"
      claim: "ReLU slightly better than tanh, a lot better than sigmoid (test accuracy)"
      ranking: "relu > tanh > sigmoid"    # best first; "<" for "lower than"; one kind of separator per ranking
      statistic: mean                     # mean | median | iqm | iqr | sd (default: median)
      ours: {experiment: s004_activations, metric: test_acc}
      level: 0.95                         # optional: confidence level of the bootstrap intervals
      n_boot: 2000                        # optional: bootstrap samples
      bootstrap_seed: 0                   # optional: seed of the bootstrap's np.random.Generator
      note: "..."

An item is a variant of ``ours.experiment``, or ``EXPERIMENT:VARIANT`` for an item of another experiment (then
``ours.experiment`` may be left out); ``VARIANT`` may be ``selected``. Items joined by commas form a group that is
claimed above (below) every item of the next group, with no order claimed inside the group:
``"tanh, relu > sigmoid"``. Each item gets the statistic and its percentile bootstrap interval
(:func:`scratchnet.stats.bootstrap_ci`). Each pair of items in adjacent groups is *separated* when the two
intervals do not overlap. Verdicts: **reproduced** (every such pair is separated in the stated order),
**differs** (some pair is separated in the opposite order), **not resolved** (no pair contradicts, but some
intervals overlap, or an item has a single run: our runs cannot tell the difference), **not run**.

Everything here works on summaries as dicts (:class:`Results`); reading files is the caller's business.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..stats import STATISTICS, bootstrap_ci
from .fmt import digits_of, fmt, num

REPRODUCED, DIFFERS, NOT_RESOLVED, NOT_RUN = "reproduced", "differs", "not resolved", "not run"
VERDICTS = (REPRODUCED, DIFFERS, NOT_RESOLVED, NOT_RUN)

COMMON_KEYS = {"id", "section", "claim", "note", "ours"}
VALUE_KEYS = COMMON_KEYS | {"seed", "tolerance", "relation"}
RANKING_KEYS = COMMON_KEYS | {"ranking", "statistic", "level", "n_boot", "bootstrap_seed"}
DEFAULT_STATISTIC, DEFAULT_LEVEL, DEFAULT_N_BOOT = "median", 0.95, 2000


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


METRIC_HEADS = ("selected", "confusion", "report", "epoch")  # the dotted forms of :func:`lookup`
PARTS = ("train", "val", "test")


def metric_problem(metric: Any, names: Collection[str]) -> str:
    """Why ``metric`` cannot be a :func:`lookup` metric of an experiment whose runs record the scalars ``names``
    ('' when it can). Checked before anything runs: the scalar name, the dotted form's head, part and epoch."""
    if not isinstance(metric, str):
        return f"metric must be a string, got {metric!r}"
    head, _, rest = metric.partition(".")
    if metric == "selected" or head == "selected":
        return "" if metric == "selected" or rest else f"metric {metric!r}: selected.<param> needs a parameter"
    if not rest:
        if metric in names:
            return ""
        return f"unknown metric {metric!r}{_did_you_mean(metric, names)}; the runs record: {', '.join(sorted(names))}"
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
    return ""


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


# --- items and orderings ------------------------------------------------------------------------------------------
@dataclass
class Item:
    """One entry of an ordering: its label, the statistic over its runs and the statistic's bootstrap interval."""

    label: str
    value: float
    low: float
    high: float
    n: int

    def text(self) -> str:
        if self.n < 2:
            return f"{self.label} {num(self.value)} (1 run, no interval)"
        return f"{self.label} {num(self.value)} [{num(self.low)}, {num(self.high)}]"


def separated(a: Item, b: Item) -> bool:
    """True when the intervals of ``a`` and ``b`` do not overlap and both items have more than one run."""
    return a.n > 1 and b.n > 1 and (a.low > b.high or b.low > a.high)


def measure(label: str, values: list[float], statistic: str, level: float, n_boot: int, seed: int) -> Item:
    """The statistic of ``values`` and its bootstrap interval, drawn from a generator seeded with ``seed`` afresh for
    each item: the same runs get the same interval in every claim (and in the analyses' tables)."""
    if not values:
        raise ValueError(f"{label}: no finite values to rank")
    stat = STATISTICS[statistic]
    if len(values) == 1:  # no interval: the item can't be separated from anything (see `separated`)
        value = 0.0 if statistic == "sd" else float(stat(values))
        return Item(label, value, value, value, 1)
    low, high = bootstrap_ci(values, stat, level=level, n_boot=n_boot, seed=seed)
    return Item(label, float(stat(values)), low, high, len(values))


def order_text(items: list[Item], ascending: bool = False) -> str:
    """Items sorted by their statistic (highest first, or lowest with ``ascending``), joined by ``>`` (``<``) where
    neighbouring intervals are separated and ``≈`` where they overlap (or an item has one run, hence no interval)."""
    ranked = sorted(items, key=lambda it: it.value, reverse=not ascending)
    out = ranked[0].text() if ranked else ""
    for prev, cur in zip(ranked, ranked[1:], strict=False):
        sep = ("<" if ascending else ">") if separated(prev, cur) else "≈"
        out += f" {sep} {cur.text()}"
    return out


def parse_ranking(text: str, where: str = "ranking") -> tuple[list[list[str]], str]:
    """``"a, b > c > d"`` -> ([["a", "b"], ["c"], ["d"]], ">"). One kind of separator, at least two groups."""
    if not isinstance(text, str):
        raise ValueError(f"{where}: must be a string like 'a > b > c', got {text!r}")
    seps = set(re.findall(r"[<>]", text))
    if len(seps) != 1:
        raise ValueError(f"{where}: {text!r} needs '>' or '<' between items, one kind only")
    relation = seps.pop()
    groups = [[i.strip() for i in g.split(",")] for g in text.split(relation)]
    if len(groups) < 2 or any(not i for g in groups for i in g):
        raise ValueError(f"{where}: {text!r} has an empty item; write e.g. 'a > b, c > d'")
    flat = [i for g in groups for i in g]
    if len(flat) != len(set(flat)):
        raise ValueError(f"{where}: {text!r} names an item twice")
    return groups, relation


def _split_item(item: str, default_experiment: str | None, where: str) -> tuple[str, str]:
    if ":" in item:
        experiment, _, variant = item.partition(":")
        return experiment.strip(), variant.strip()
    if default_experiment is None:
        raise ValueError(f"{where}: item {item!r} needs 'EXPERIMENT:VARIANT' (no ours.experiment given)")
    return default_experiment, item


# --- evaluation ---------------------------------------------------------------------------------------------------
def _not_run(out: dict[str, Any], claim: dict[str, Any], why: str) -> dict[str, Any]:
    out.update(verdict=NOT_RUN, ours_text="–")
    out["note"] = (claim.get("note", "") + f" {why}").strip()
    return out


def evaluate_claim(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claim plus ``verdict``, ``ours_text``, ``seed_text``, ``tolerance_text`` and ``note`` (a claims-table
    row). Raises KeyError / ValueError naming the claim for a claim that does not fit the results."""
    try:
        if "ranking" in claim:
            return _evaluate_ranking(claim, results)
        return _evaluate_value(claim, results)
    except (KeyError, ValueError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if str(msg).startswith(f"claim {claim.get('id')!r}"):
            raise
        raise type(exc)(f"claim {claim.get('id')!r}: {msg}") from exc


def evaluate_claims(claims: list[dict[str, Any]], results: Results) -> list[dict[str, Any]]:
    return [evaluate_claim(c, results) for c in claims]


def _evaluate_value(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    out = dict(claim)
    seed_value = claim["seed"]
    relation = claim.get("relation", "=")
    if relation not in ("=", "<", ">"):
        raise ValueError(f"claim {claim.get('id')!r}: relation must be '=', '<' or '>', got {relation!r}")
    digits = digits_of(seed_value)
    out["seed_text"] = {"<": "< ", ">": "> "}.get(relation, "") + fmt(seed_value, digits)
    out["tolerance_text"] = fmt(claim.get("tolerance"))
    ours = claim["ours"]
    if "analysis" in ours:  # a number an analysis computed: ours.metric is a dotted path into its result.json
        table = results.analysis(ours["analysis"])
        if table is None:
            return _not_run(out, claim, f"Not run: {results.reason(ours['analysis'])}.")
        value = dotted(table, ours["metric"], f"analysis {ours['analysis']}")
        if value is None:  # e.g. a statistic at an epoch beyond this configuration's budget
            return _not_run(out, claim, f"Not run: analysis {ours['analysis']} has no {ours['metric']} here.")
        sd = None
        if isinstance(value, dict) and "mean" in value:
            value, sd = value["mean"], value.get("sd")
        return _value_verdict(out, claim, value, sd, digits, "")
    experiment = ours["experiment"]
    s = results.summary(experiment)
    if s is None:
        return _not_run(out, claim, f"Not run: {results.reason(experiment)}.")
    variant = s["selected"] if ours.get("variant", "selected") == "selected" else ours["variant"]
    if variant not in s["variants"]:
        return _not_run(out, claim, f"Variant {variant!r} is not in this configuration.")
    try:
        value, sd = lookup(s, variant, ours["metric"], results.history if results.load_history else None)
    except EpochNotRun as exc:
        return _not_run(out, claim, f"Not run: {exc}.")
    selected = variant if ours.get("variant", "selected") == "selected" else ""
    return _value_verdict(out, claim, value, sd, digits, selected)


def _value_verdict(
    out: dict[str, Any], claim: dict[str, Any], value: Any, sd: float | None, digits: int, selected: str
) -> dict[str, Any]:
    """The verdict of our ``value`` (and sd over seeds) against the seed's, with its text."""
    seed_value, relation = claim["seed"], claim.get("relation", "=")
    tol = claim.get("tolerance", 0)
    if isinstance(seed_value, (int, float)) and isinstance(value, (int, float)):
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
    out["ours_text"] = f"{text} (`{selected}`)" if selected else text
    out["ours_value"] = value
    out["verdict"] = REPRODUCED if ok else DIFFERS
    return out


def _evaluate_ranking(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    out = dict(claim)
    cid = claim.get("id")
    groups, relation = parse_ranking(claim["ranking"], f"claim {cid!r}: ranking")
    statistic = claim.get("statistic", DEFAULT_STATISTIC)
    if statistic not in STATISTICS:
        raise ValueError(f"claim {cid!r}: statistic must be one of {sorted(STATISTICS)}, got {statistic!r}")
    level = float(claim.get("level", DEFAULT_LEVEL))
    n_boot = int(claim.get("n_boot", DEFAULT_N_BOOT))
    ours = claim.get("ours") or {}
    metric = ours.get("metric")
    if not metric:
        raise KeyError(f"claim {cid!r}: a ranking needs ours.metric")
    out["seed_text"] = f" {relation} ".join(", ".join(g) for g in groups)
    out["tolerance_text"] = f"{statistic}, {level:.0%} CI"
    default_experiment = ours.get("experiment")

    seed = int(claim.get("bootstrap_seed", 0))
    measured: dict[str, Item] = {}
    for name in (i for g in groups for i in g):
        experiment, variant = _split_item(name, default_experiment, f"claim {cid!r}")
        s = results.summary(experiment)
        if s is None:
            return _not_run(out, claim, f"Not run: {experiment} ({results.reason(experiment)}).")
        label = name
        if variant == "selected":
            variant = s["selected"]
            if variant is None:
                return _not_run(out, claim, f"{experiment} selected no variant.")
            label = f"{name} (`{variant}`)"
        if variant not in s["variants"]:
            return _not_run(out, claim, f"Variant {experiment}:{variant} is not in this configuration.")
        values = per_seed_values(s, variant, metric)
        measured[name] = measure(label, values, statistic, level, n_boot, seed)

    contradicted, unresolved = [], []
    for upper, lower in zip(groups, groups[1:], strict=False):
        for a in upper:
            for b in lower:
                ia, ib = measured[a], measured[b]
                if not separated(ia, ib):
                    unresolved.append(f"{a} ≈ {b}")
                    continue
                a_above = ia.low > ib.high
                if a_above != (relation == ">"):
                    hi, lo = (a, b) if a_above else (b, a)  # not upper/lower: the loops above still use those
                    contradicted.append(f"{hi} > {lo}" if relation == ">" else f"{lo} < {hi}")
    out["ours_text"] = order_text(list(measured.values()), ascending=relation == "<")
    notes = [claim.get("note", "")]
    if contradicted:
        out["verdict"] = DIFFERS
        notes.append(f"Ours, with separated intervals: {'; '.join(contradicted)}.")
    elif unresolved:
        out["verdict"] = NOT_RESOLVED
        single = [n for n, it in measured.items() if it.n < 2]
        why = f"one run of {', '.join(single)}" if single else "overlapping intervals"
        notes.append(f"Not resolved ({why}): {'; '.join(unresolved)}.")
    else:
        out["verdict"] = REPRODUCED
    if unresolved and contradicted:
        notes.append(f"Not resolved: {'; '.join(unresolved)}.")
    out["note"] = " ".join(n for n in notes if n).strip()
    out["items"] = {k: vars(v) for k, v in measured.items()}
    return out


def verdict_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    return counts


# --- loading and checking -----------------------------------------------------------------------------------------
def load_claims(path: str | Path) -> list[dict[str, Any]]:
    """The claims of a file; a YAML error names the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise FileNotFoundError(f"claims file {path} not found") from None
    try:
        claims = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ValueError(f"{where}: {exc.problem or exc}") from None
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise ValueError(f"{path}: a claims file is a YAML list of mappings")
    return claims


def _did_you_mean(name: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_claims(
    claims: list[dict[str, Any]],
    where: str,
    experiments: Mapping[str, Collection[str]],
    strict_variants: bool = True,
    analyses: Collection[str] = (),
    metrics: Mapping[str, Collection[str]] | None = None,
) -> list[str]:
    """Every problem of a claims list that can be found before anything runs, as messages naming the file
    (``where``), the claim and the key. ``experiments``: experiment name -> its variant names. With
    ``strict_variants=False`` (a reduced configuration, whose smaller grids drop variants the claims name) a variant
    missing from ``experiments`` is not an error: the claim is reported as not run. ``metrics``: experiment name ->
    the scalars its runs record (see :func:`metric_problem`); without it, metrics are not checked."""
    errors: list[str] = []
    seen: set[str] = set()

    def ref(cid: str, experiment: Any, variant: Any, metric: Any = None) -> None:
        if experiment not in experiments:
            hint = _did_you_mean(str(experiment), experiments)
            errors.append(f"{where}: claim {cid!r}: unknown experiment {experiment!r}{hint}")
            return
        problem = metric_problem(metric, metrics[experiment]) if metrics and experiment in metrics else ""
        if problem:
            errors.append(f"{where}: claim {cid!r}: ours.metric: {problem} (experiment {experiment})")
        if strict_variants and variant != "selected" and variant not in experiments[experiment]:
            known = experiments[experiment]
            errors.append(
                f"{where}: claim {cid!r}: experiment {experiment!r} has no variant {variant!r}"
                f"{_did_you_mean(str(variant), known)}"
            )

    for n, c in enumerate(claims):
        cid = str(c.get("id", f"#{n + 1}"))
        if "id" not in c:
            errors.append(f"{where}: claim #{n + 1} has no 'id'")
        elif cid in seen:
            errors.append(f"{where}: claim id {cid!r} appears twice")
        seen.add(cid)
        if "claim" not in c:
            errors.append(f"{where}: claim {cid!r} has no 'claim' text")
        ours = c.get("ours")
        if not isinstance(ours, dict) or not ours.get("metric"):
            errors.append(f"{where}: claim {cid!r}: 'ours' needs at least a 'metric'")
            ours = ours if isinstance(ours, dict) else {}
        if "ranking" in c:
            allowed = RANKING_KEYS
            try:
                groups, _ = parse_ranking(c["ranking"], f"{where}: claim {cid!r}: ranking")
            except ValueError as exc:
                errors.append(str(exc))
                groups = []
            for item in (i for g in groups for i in g):
                try:
                    ref(cid, *_split_item(item, ours.get("experiment"), f"{where}: claim {cid!r}"), ours.get("metric"))
                except ValueError as exc:
                    errors.append(str(exc))
            statistic = c.get("statistic", DEFAULT_STATISTIC)
            if statistic not in STATISTICS:
                errors.append(f"{where}: claim {cid!r}: statistic {statistic!r} is not one of {sorted(STATISTICS)}")
            level = c.get("level", DEFAULT_LEVEL)
            if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
                errors.append(f"{where}: claim {cid!r}: level must be a number in (0, 1), got {level!r}")
            n_boot = c.get("n_boot", DEFAULT_N_BOOT)
            if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
                errors.append(f"{where}: claim {cid!r}: n_boot must be an integer >= 1, got {n_boot!r}")
        else:
            allowed = VALUE_KEYS
            if "seed" not in c:
                errors.append(f"{where}: claim {cid!r} has neither 'seed' (a value claim) nor 'ranking'")
            if c.get("relation", "=") not in ("=", "<", ">"):
                errors.append(f"{where}: claim {cid!r}: relation must be '=', '<' or '>', got {c['relation']!r}")
            tol = c.get("tolerance", 0)
            if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0:
                errors.append(f"{where}: claim {cid!r}: tolerance must be a number >= 0, got {tol!r}")
            if "analysis" in ours:
                if ours["analysis"] not in analyses:
                    hint = _did_you_mean(str(ours["analysis"]), analyses)
                    errors.append(f"{where}: claim {cid!r}: unknown analysis {ours['analysis']!r}{hint}")
            elif "experiment" not in ours:
                errors.append(f"{where}: claim {cid!r}: ours.experiment (or ours.analysis) is missing")
            else:
                ref(cid, ours["experiment"], ours.get("variant", "selected"), ours.get("metric"))
        for key in sorted(set(c) - allowed):
            errors.append(f"{where}: claim {cid!r}: unknown key {key!r}{_did_you_mean(key, allowed)}")
        for key in sorted(set(ours) - {"experiment", "variant", "metric", "analysis"}):
            errors.append(f"{where}: claim {cid!r}: unknown key ours.{key}")
    return list(dict.fromkeys(errors))  # a ranking's items share the experiment: one message per problem
