"""Ranking claims: an ordering the seed states, checked on a statistic of the per-seed values
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

An ordering of **spread** (``statistic: sd`` or ``iqr``: "more variable", "less variance") is judged instead by the
Brown–Forsythe test (``scipy.stats.levene(center="median")``) at α = :data:`ALPHA` for each pair of items in adjacent
groups: *reproduced* when every pair is significant in the stated direction, *differs* when some pair is significant
the other way, *not resolved* otherwise; the p-values are shown. A claims file uses one spread statistic throughout
(a page reads "variance" one way).

The page's ``{{order:...}}`` placeholder uses the same items (:func:`measure`, :func:`order_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...stats import STATISTICS, bootstrap_ci
from ..fmt import num
from .common import (
    COMMON_KEYS,
    DIFFERS,
    NOT_RESOLVED,
    REPRODUCED,
    Checks,
    Results,
    mark_not_run,
    per_seed_values,
)

KEYS = COMMON_KEYS | {"ranking", "statistic", "level", "n_boot", "bootstrap_seed"}
DEFAULT_STATISTIC, DEFAULT_LEVEL, DEFAULT_N_BOOT = "median", 0.95, 2000
SPREAD = ("sd", "iqr")  # statistics of spread: judged by the Brown–Forsythe test, not by intervals
ALPHA = 0.05


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


def _separated(a: Item, b: Item) -> bool:
    """True when the intervals of ``a`` and ``b`` do not overlap and both items have more than one run."""
    return a.n > 1 and b.n > 1 and (a.low > b.high or b.low > a.high)


def measure(label: str, values: list[float], statistic: str, level: float, n_boot: int, seed: int) -> Item:
    """The statistic of ``values`` and its bootstrap interval, drawn from a generator seeded with ``seed`` afresh for
    each item: the same runs get the same interval in every claim (and in the analyses' tables)."""
    if not values:
        raise ValueError(f"{label}: no finite values to rank")
    stat = STATISTICS[statistic]
    if len(values) == 1:  # no interval: the item can't be separated from anything (see `_separated`)
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
        sep = ("<" if ascending else ">") if _separated(prev, cur) else "≈"
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


def evaluate(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claims-table row of a ranking claim (see :func:`~scratchnet.report.claims.evaluate_claim`), with each
    item's statistic and interval under ``items``."""
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
    values_of: dict[str, list[float]] = {}
    for name in (i for g in groups for i in g):
        experiment, variant = _split_item(name, default_experiment, f"claim {cid!r}")
        s = results.summary(experiment)
        if s is None:
            return mark_not_run(out, claim, f"Not run: {experiment} ({results.reason(experiment)}).")
        label = name
        if variant == "selected":
            variant = s["selected"]
            if variant is None:
                return mark_not_run(out, claim, f"{experiment} selected no variant.")
            label = f"{name} (`{variant}`)"
        if variant not in s["variants"]:
            return mark_not_run(out, claim, f"Variant {experiment}:{variant} is not in this configuration.")
        values = per_seed_values(s, variant, metric)
        values_of[name] = values
        measured[name] = measure(label, values, statistic, level, n_boot, seed)

    if statistic in SPREAD:
        return _spread_verdict(out, claim, groups, relation, measured, values_of)
    contradicted, unresolved = [], []
    for upper, lower in zip(groups, groups[1:], strict=False):
        for a in upper:
            for b in lower:
                ia, ib = measured[a], measured[b]
                if not _separated(ia, ib):
                    unresolved.append(f"{a} ≈ {b}")
                    continue
                a_above = ia.low > ib.high
                if a_above != (relation == ">"):
                    hi, lo = (a, b) if a_above else (b, a)  # not upper/lower: the loops above still use those
                    contradicted.append(f"{hi} > {lo}" if relation == ">" else f"{lo} < {hi}")
    single = [n for n, it in measured.items() if it.n < 2]
    why = f"one run of {', '.join(single)}" if single else "overlapping intervals"
    extra = (f"Not resolved: {'; '.join(unresolved)}.",) if unresolved and contradicted else ()
    return _finish(out, claim, relation, measured, contradicted, unresolved,
                   ("Ours, with separated intervals", f"Not resolved ({why})"), extra)  # fmt: skip


def _finish(
    out: dict[str, Any],
    claim: dict[str, Any],
    relation: str,
    measured: dict[str, Item],
    contradicted: list[str],
    unresolved: list[str],
    say: tuple[str, str],
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The row of an ordering: *differs* when a pair contradicts it, else *not resolved* when a pair is undecided,
    else *reproduced*; its note says which (``say``: how to introduce the contradicted and the undecided pairs)."""
    out["ours_text"] = order_text(list(measured.values()), ascending=relation == "<")
    notes = [claim.get("note", "")]
    if contradicted:
        out["verdict"] = DIFFERS
        notes.append(f"{say[0]}: {'; '.join(contradicted)}.")
    elif unresolved:
        out["verdict"] = NOT_RESOLVED
        notes.append(f"{say[1]}: {'; '.join(unresolved)}.")
    else:
        out["verdict"] = REPRODUCED
    out["note"] = " ".join(n for n in [*notes, *extra] if n).strip()
    out["items"] = {k: vars(v) for k, v in measured.items()}
    return out


def brown_forsythe(a: list[float], b: list[float]) -> tuple[float, int]:
    """The Brown–Forsythe test of equal spread of ``a`` and ``b``: its p-value, and which is more spread (the mean
    absolute deviation from the median: +1 when ``a``, -1 when ``b``, 0 when equal)."""
    from scipy.stats import levene

    dev = [float(np.mean(np.abs(np.asarray(x) - np.median(x)))) for x in (a, b)]
    if dev[0] == dev[1] == 0:
        return 1.0, 0
    p = float(levene(a, b, center="median").pvalue)
    return p, (dev[0] > dev[1]) - (dev[0] < dev[1])


def _spread_verdict(
    out: dict[str, Any],
    claim: dict[str, Any],
    groups: list[list[str]],
    relation: str,
    measured: dict[str, Item],
    values_of: dict[str, list[float]],
) -> dict[str, Any]:
    """The verdict of an ordering of spread, pair by pair of adjacent groups, by the Brown–Forsythe test."""
    agree, contradict, unresolved, tests = [], [], [], []
    for upper, lower in zip(groups, groups[1:], strict=False):
        for a in upper:
            for b in lower:
                if len(values_of[a]) < 3 or len(values_of[b]) < 3:
                    unresolved.append(f"{a} vs {b}: fewer than 3 runs")
                    continue
                p, sign = brown_forsythe(values_of[a], values_of[b])
                stated = 1 if relation == ">" else -1  # "a > b": a is more spread
                tests.append(f"{a} vs {b}: p = {p:.3g}")
                if p >= ALPHA or sign == 0:
                    unresolved.append(f"{a} vs {b}")
                elif sign == stated:
                    agree.append(f"{a} vs {b}")
                else:
                    contradict.append(f"{a} vs {b}")
    stat = claim.get("statistic", DEFAULT_STATISTIC)
    out["tolerance_text"] = f"Brown–Forsythe, α = {ALPHA} ({'; '.join(tests) or 'no test'}); shown: {stat}"
    return _finish(out, claim, relation, measured, contradict, unresolved,
                   ("Significant the other way", "Not significant"))  # fmt: skip


def check(claim: dict[str, Any], cid: str, ours: dict[str, Any], checks: Checks) -> None:
    """Add the problems of a ranking claim's own keys to ``checks`` (see
    :func:`~scratchnet.report.claims.check_claims`): the ranking, each item's reference, the statistic, level and
    number of bootstrap samples."""
    where, errors = checks.where, checks.errors
    try:
        groups, _ = parse_ranking(claim["ranking"], f"{where}: claim {cid!r}: ranking")
    except ValueError as exc:
        errors.append(str(exc))
        groups = []
    for item in (i for g in groups for i in g):
        try:
            checks.ref(cid, *_split_item(item, ours.get("experiment"), f"{where}: claim {cid!r}"), ours.get("metric"))
        except ValueError as exc:
            errors.append(str(exc))
    statistic = claim.get("statistic", DEFAULT_STATISTIC)
    if statistic not in STATISTICS:
        errors.append(f"{where}: claim {cid!r}: statistic {statistic!r} is not one of {sorted(STATISTICS)}")
    level = claim.get("level", DEFAULT_LEVEL)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        errors.append(f"{where}: claim {cid!r}: level must be a number in (0, 1), got {level!r}")
    n_boot = claim.get("n_boot", DEFAULT_N_BOOT)
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
        errors.append(f"{where}: claim {cid!r}: n_boot must be an integer >= 1, got {n_boot!r}")
