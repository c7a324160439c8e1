"""The claims audit: every statement of a seed report, checked against our results, with a verdict.

A claims file (``config/claims/<report>.yaml``) is a YAML list of claims. Every claim has an ``id``, the ``claim``
text, ``ours`` (where our number comes from: ``ours.metric`` at least), optionally ``section`` and ``note``. Its form
is named by its key, each form a module here with its syntax, verdicts and checks:

- **value** (:mod:`.value`, the default) — one number (or name) the seed states, with a tolerance or a bound.
- **ranking** (:mod:`.ranking`) — an ordering the seed states, judged by bootstrap intervals.

What the forms share (verdicts, :class:`Results`, :func:`lookup`, :func:`load_claims`) is in :mod:`.common`.
A form's module has ``KEYS`` (the keys its claims may have), ``evaluate(claim, results)`` (the claims-table row)
and ``check(claim, cid, ours, checks)`` (its problems before anything runs); :data:`FORMS` registers it.

Everything here works on summaries as dicts (:class:`Results`); reading files is the caller's business.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import ModuleType
from typing import Any

from . import ranking, value
from .common import (
    DIFFERS,
    NOT_RESOLVED,
    NOT_RUN,
    REPRODUCED,
    VERDICTS,
    Checks,
    EpochNotRun,
    Results,
    epoch_curve,
    load_claims,
    lookup,
    metric_problem,
    per_seed_values,
    verdict_counts,
)
from .ranking import Item, measure, order_text, parse_ranking

FORMS: dict[str, ModuleType] = {"ranking": ranking, "value": value}  # form -> its module (KEYS, evaluate, check)
DEFAULT_FORM = "value"


def form_of(claim: dict[str, Any]) -> str:
    """The form of a claim: the first of :data:`FORMS` it has as a key (``ranking: ...``); else a value claim."""
    return next((name for name in FORMS if name in claim), DEFAULT_FORM)


def evaluate_claim(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claim plus ``verdict``, ``ours_text``, ``seed_text``, ``tolerance_text`` and ``note`` (a claims-table
    row). Raises KeyError / ValueError naming the claim for a claim that does not fit the results."""
    try:
        return FORMS[form_of(claim)].evaluate(claim, results)
    except (KeyError, ValueError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if str(msg).startswith(f"claim {claim.get('id')!r}"):
            raise
        raise type(exc)(f"claim {claim.get('id')!r}: {msg}") from exc


def evaluate_claims(claims: list[dict[str, Any]], results: Results) -> list[dict[str, Any]]:
    return [evaluate_claim(c, results) for c in claims]


def check_claims(
    claims: list[dict[str, Any]],
    where: str,
    experiments: Mapping[str, Collection[str]],
    strict_variants: bool = True,
    analyses: Collection[str] = (),
    metrics: Mapping[str, Collection[str]] | None = None,
    **context: Any,
) -> list[str]:
    """Every problem of a claims list that can be found before anything runs, as messages naming the file
    (``where``), the claim and the key. ``experiments``: experiment name -> its variant names. With
    ``strict_variants=False`` (a reduced configuration, whose smaller grids drop variants the claims name) a variant
    missing from ``experiments`` is not an error: the claim is reported as not run. ``metrics``: experiment name ->
    the scalars its runs record (see :func:`metric_problem`); without it, metrics are not checked. ``context``: the
    further fields of :class:`~.common.Checks` (``history``, and ``page``, ``reads``, ``owners``: whose results the
    page may read)."""
    checks = Checks(where, experiments, strict_variants, analyses, metrics, **context)
    for n, claim in enumerate(claims):
        cid, ours = checks.start(n, claim)
        form = FORMS[form_of(claim)]
        form.check(claim, cid, ours, checks)
        checks.keys(claim, cid, ours, form.KEYS)
    return checks.messages()


__all__ = [
    "DEFAULT_FORM",
    "DIFFERS",
    "FORMS",
    "NOT_RESOLVED",
    "NOT_RUN",
    "REPRODUCED",
    "VERDICTS",
    "EpochNotRun",
    "Item",
    "Results",
    "check_claims",
    "epoch_curve",
    "evaluate_claim",
    "evaluate_claims",
    "form_of",
    "load_claims",
    "lookup",
    "measure",
    "metric_problem",
    "order_text",
    "parse_ranking",
    "per_seed_values",
    "verdict_counts",
]
