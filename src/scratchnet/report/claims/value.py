"""Value claims: one number (or name) the seed states, beside ours::

    - {id: tanh_test_acc, section: "5.1.3", line: 212, as_written: "93 %", claim: "tanh: test accuracy",
       ours: {experiment: s004_activations, variant: tanh, metric: test_acc}, note: "..."}

The seed's value is converted from ``as_written`` (the token as the seed printed it, found on seed-text line
``line``): a percent sign divides by 100, ``scale`` converts the seed's unit into ours (``"~44 minutes"`` with
``scale: 60`` against seconds). It is judged by the page's one rule (:mod:`.rule`): ``basis: single_run`` (the seed
reports one run; default) or ``mean`` (the seed reports a mean over runs); ``relation: "<"`` / ``">"`` when the seed
states a bound ("under 0.1", "over 96 %"); ``threshold`` (with ``effect``, the difference the sentence is about, at
least twice the threshold) for a word read as a threshold; ``tolerance`` only as an exception, with its
``tolerance_reason``. ``seed`` gives a name or a list instead (``selected``, ``selected.hidden``), compared for
equality. A statement without a number ("converges", "smooth") is a value claim too: ``as_written`` holds the words,
``seed`` the number we read them as (with ``relation`` and a note saying how), judged with p = 0. ``setup: true``
marks what our configuration decides (shown, not counted).

``ours.variant`` defaults to ``selected``; the metric forms are those of :func:`~.common.lookup`. Instead of an
experiment, ``ours.analysis`` names an analysis, and ``ours.metric`` is then a dotted path into its result (a
``{"mean", "sd"}`` node reads as both, with its ``values`` when it has them).
Verdicts: **reproduced**, **differs**, **not run** (the experiment or variant is not in this run, or an
``epoch.<N>`` beyond its budget), **setup**.
"""

from __future__ import annotations

from typing import Any

from ..fmt import digits_of, fmt
from .common import (
    COMMON_KEYS,
    DIFFERS,
    REPRODUCED,
    SETUP,
    Checks,
    EpochNotRun,
    Results,
    analysis_values,
    lookup_values,
    mark_not_run,
)
from .rule import BASES, NUMBER, Written, judge, parse_written

KEYS = COMMON_KEYS | {"seed", "tolerance", "tolerance_reason", "relation", "basis", "threshold", "effect", "scale"}
RELATIONS = ("=", "<", ">")


def evaluate(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claims-table row of a value claim (see :func:`~scratchnet.report.claims.evaluate_claim`)."""
    out = dict(claim)
    relation = claim.get("relation", "=")
    if relation not in RELATIONS:
        raise ValueError(f"claim {claim.get('id')!r}: relation must be '=', '<' or '>', got {relation!r}")
    written = seed_of(claim)
    seed_value = written.value if written else claim["seed"]
    digits = max(digits_of(seed_value), 3) if written else digits_of(seed_value)
    shown = written.text if written and claim.get("as_written") else fmt(seed_value, digits)
    out["seed_text"] = {"<": "< ", ">": "> "}.get(relation, "") + shown
    out["tolerance_text"] = ""
    ours = claim["ours"]
    if "analysis" in ours:  # a number an analysis computed: ours.metric is a dotted path into its result.json
        table = results.analysis(ours["analysis"])
        if table is None:
            return mark_not_run(out, claim, f"Not run: {results.reason(ours['analysis'])}.")
        try:
            value, sd, values = analysis_values(table, ours["analysis"], ours["metric"])
        except EpochNotRun as exc:
            return mark_not_run(out, claim, f"Not run: {exc}.")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not values:
            values = [float(value)]
        return _verdict(out, claim, value, sd, values, digits, "")
    experiment = ours["experiment"]
    s = results.summary(experiment)
    if s is None:
        return mark_not_run(out, claim, f"Not run: {results.reason(experiment)}.")
    variant = s["selected"] if ours.get("variant", "selected") == "selected" else ours["variant"]
    if variant not in s["variants"]:
        return mark_not_run(out, claim, f"Variant {variant!r} is not in this configuration.")
    try:
        value, sd, values = lookup_values(s, variant, ours["metric"], results.history if results.load_history else None)
    except EpochNotRun as exc:
        return mark_not_run(out, claim, f"Not run: {exc}.")
    selected = variant if ours.get("variant", "selected") == "selected" else ""
    return _verdict(out, claim, value, sd, values, digits, selected)


def check(claim: dict[str, Any], cid: str, ours: dict[str, Any], checks: Checks) -> None:
    """Add the problems of a value claim's own keys to ``checks`` (see
    :func:`~scratchnet.report.claims.check_claims`)."""
    where, errors = checks.where, checks.errors
    if "seed" not in claim and "as_written" not in claim:
        errors.append(f"{where}: claim {cid!r} has neither 'as_written' (a value claim) nor 'ranking' or 'table'")
    if claim.get("relation", "=") not in RELATIONS:
        errors.append(f"{where}: claim {cid!r}: relation must be '=', '<' or '>', got {claim['relation']!r}")
    try:
        written = seed_of(claim) if ("seed" in claim or "as_written" in claim) else None
    except ValueError as exc:
        errors.append(f"{where}: claim {cid!r}: {exc}")
        written = None
    explicit = claim.get("seed")
    if written and _is_number(explicit) and "as_written" in claim and abs(written.value - explicit) > 1e-9:
        errors.append(f"{where}: claim {cid!r}: seed {claim['seed']} is not as_written {claim['as_written']!r} "
                      f"({written.value:g}); drop 'seed' (it is converted from as_written)")  # fmt: skip
    if claim.get("basis", "single_run") not in BASES:
        errors.append(f"{where}: claim {cid!r}: basis must be one of {', '.join(BASES)}, got {claim['basis']!r}")
    for key in ("tolerance", "threshold", "effect", "scale"):
        v = claim.get(key, 0)
        if not _is_number(v) or v < 0:
            errors.append(f"{where}: claim {cid!r}: {key} must be a number >= 0, got {v!r}")
    if "threshold" in claim and _is_number(claim.get("threshold")):
        effect = claim.get("effect")
        if not _is_number(effect):
            errors.append(f"{where}: claim {cid!r}: a threshold needs 'effect', the difference the sentence is about")
        elif claim["threshold"] > effect / 2 + 1e-12:
            errors.append(f"{where}: claim {cid!r}: threshold {claim['threshold']} is more than half the effect "
                          f"{effect} it judges")  # fmt: skip
    if "analysis" in ours:
        checks.analysis(cid, ours["analysis"])
    elif "experiment" not in ours:
        errors.append(f"{where}: claim {cid!r}: ours.experiment (or ours.analysis) is missing")
    else:
        checks.ref(cid, ours["experiment"], ours.get("variant", "selected"), ours.get("metric"))


def seed_of(claim: dict[str, Any]) -> Written | None:
    """The seed's number with its p (:func:`.rule.parse_written`), from ``as_written`` (or a numeric ``seed``);
    None for a name or a list (compared for equality)."""
    if "seed" in claim and not _is_number(claim["seed"]):
        return None
    written = claim.get("as_written")
    if written is not None and _is_number(claim.get("seed")) and not NUMBER.search(str(written)):
        return Written(str(written), float(claim["seed"]), 0.0)  # a word read as a number (the claim's note says how)
    if written is not None:
        return parse_written(written, claim.get("scale", 1.0))
    return parse_written(repr(claim["seed"]) if isinstance(claim["seed"], float) else str(claim["seed"]))


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _verdict(
    out: dict[str, Any],
    claim: dict[str, Any],
    value: Any,
    sd: float | None,
    values: list[float] | None,
    digits: int,
    selected: str,
) -> dict[str, Any]:
    """The verdict of ours (``value``, its sd and per-seed ``values``) against the seed's, by the page's rule."""
    written = seed_of(claim)
    if written is not None and _is_number(value):
        ok, how = judge(
            written.value, written.p, values or [float(value)], claim.get("basis", "single_run"),
            claim.get("relation", "="), claim.get("threshold"), claim.get("tolerance"),
        )  # fmt: skip
        out["tolerance_text"] = how
        if written.p == 0.5 and float(written.value).is_integer() and float(value).is_integer() and not sd:
            text = str(int(value))  # a count printed as a whole number, the same for every seed
        else:
            text = fmt(float(value), digits) + (f" ± {sd:.{digits}f}" if sd is not None else "")
    else:
        norm = lambda v: [v] if not isinstance(v, list) else v  # noqa: E731 - "h = 8" equals hidden [8]
        ok = written is None and norm(value) == norm(claim["seed"])
        out["tolerance_text"] = "equal"
        text = fmt(value)
    if claim.get("tolerance_reason"):
        out["note"] = (claim.get("note", "") + f" Tolerance: {claim['tolerance_reason']}").strip()
    out["ours_text"] = f"{text} (`{selected}`)" if selected else text
    out["ours_value"] = value
    out["ours_values"] = values
    out["verdict"] = SETUP if claim.get("setup") else (REPRODUCED if ok else DIFFERS)
    return out
