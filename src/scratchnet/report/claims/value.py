"""Value claims: one number (or name) the seed states, beside ours::

    - {id: tanh_test_acc, section: "5.1.3", claim: "tanh: test accuracy", seed: 0.93, tolerance: 0.02,
       relation: "=", ours: {experiment: s004_activations, variant: tanh, metric: test_acc}, note: "..."}

``relation`` is ``"="`` (default: ``|ours - seed| <= tolerance``), ``"<"`` (the seed states an upper bound:
``ours < seed + tolerance``) or ``">"`` (a lower bound: ``ours > seed - tolerance``); ``seed`` may also be a name
or a list (``selected``, ``selected.hidden``), compared for equality. ``ours.variant`` defaults to ``selected``;
the metric forms are those of :func:`~.common.lookup`. Instead of an experiment, ``ours.analysis`` names an
analysis, and ``ours.metric`` is then a dotted path into its result (a ``{"mean", "sd"}`` node reads as both).
Verdicts: **reproduced**, **differs**, **not run** (the experiment or variant is not in this run, or an
``epoch.<N>`` beyond its budget).
"""

from __future__ import annotations

from typing import Any

from ..fmt import digits_of, fmt
from .common import COMMON_KEYS, DIFFERS, REPRODUCED, Checks, EpochNotRun, Results, did_you_mean, lookup, mark_not_run

KEYS = COMMON_KEYS | {"seed", "tolerance", "relation"}
RELATIONS = ("=", "<", ">")


def evaluate(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claims-table row of a value claim (see :func:`~scratchnet.report.claims.evaluate_claim`)."""
    out = dict(claim)
    seed_value = claim["seed"]
    relation = claim.get("relation", "=")
    if relation not in RELATIONS:
        raise ValueError(f"claim {claim.get('id')!r}: relation must be '=', '<' or '>', got {relation!r}")
    digits = digits_of(seed_value)
    out["seed_text"] = {"<": "< ", ">": "> "}.get(relation, "") + fmt(seed_value, digits)
    out["tolerance_text"] = fmt(claim.get("tolerance"))
    ours = claim["ours"]
    if "analysis" in ours:  # a number an analysis computed: ours.metric is a dotted path into its result.json
        table = results.analysis(ours["analysis"])
        if table is None:
            return mark_not_run(out, claim, f"Not run: {results.reason(ours['analysis'])}.")
        value = _dotted(table, ours["metric"], f"analysis {ours['analysis']}")
        if value is None:  # e.g. a statistic at an epoch beyond this configuration's budget
            return mark_not_run(out, claim, f"Not run: analysis {ours['analysis']} has no {ours['metric']} here.")
        sd = None
        if isinstance(value, dict) and "mean" in value:
            value, sd = value["mean"], value.get("sd")
        return _verdict(out, claim, value, sd, digits, "")
    experiment = ours["experiment"]
    s = results.summary(experiment)
    if s is None:
        return mark_not_run(out, claim, f"Not run: {results.reason(experiment)}.")
    variant = s["selected"] if ours.get("variant", "selected") == "selected" else ours["variant"]
    if variant not in s["variants"]:
        return mark_not_run(out, claim, f"Variant {variant!r} is not in this configuration.")
    try:
        value, sd = lookup(s, variant, ours["metric"], results.history if results.load_history else None)
    except EpochNotRun as exc:
        return mark_not_run(out, claim, f"Not run: {exc}.")
    selected = variant if ours.get("variant", "selected") == "selected" else ""
    return _verdict(out, claim, value, sd, digits, selected)


def check(claim: dict[str, Any], cid: str, ours: dict[str, Any], checks: Checks) -> None:
    """Add the problems of a value claim's own keys to ``checks`` (see
    :func:`~scratchnet.report.claims.check_claims`)."""
    where, errors = checks.where, checks.errors
    if "seed" not in claim:
        errors.append(f"{where}: claim {cid!r} has neither 'seed' (a value claim) nor 'ranking'")
    if claim.get("relation", "=") not in RELATIONS:
        errors.append(f"{where}: claim {cid!r}: relation must be '=', '<' or '>', got {claim['relation']!r}")
    tol = claim.get("tolerance", 0)
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or tol < 0:
        errors.append(f"{where}: claim {cid!r}: tolerance must be a number >= 0, got {tol!r}")
    if "analysis" in ours:
        if ours["analysis"] not in checks.analyses:
            hint = did_you_mean(str(ours["analysis"]), checks.analyses)
            errors.append(f"{where}: claim {cid!r}: unknown analysis {ours['analysis']!r}{hint}")
        else:
            checks.read(cid, "analysis", ours["analysis"])
    elif "experiment" not in ours:
        errors.append(f"{where}: claim {cid!r}: ours.experiment (or ours.analysis) is missing")
    else:
        checks.ref(cid, ours["experiment"], ours.get("variant", "selected"), ours.get("metric"))


def _dotted(obj: Any, path: str, where: str = "") -> Any:
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


def _verdict(
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
