"""The claims audit: every statement of a seed report, checked against our results, with a verdict.

A claims file (``config/claims/<report>.yaml``) is a YAML list of claims. Every claim has an ``id``, the ``claim``
text, ``ours`` (where our number comes from: ``ours.metric`` at least), optionally ``section`` and ``note``. Its form
is named by its key, each form a module here with its syntax, verdicts and checks:

- **value** (:mod:`.value`, the default) — one number (or name) the seed states, with a tolerance or a bound.
- **ranking** (:mod:`.ranking`) — an ordering the seed states, judged by bootstrap intervals (a difference in
  spread by the Brown–Forsythe test).
- **table** (:mod:`.table`) — a table the seed prints, transcribed once and judged cell by cell.

Every number is judged by one rule (:mod:`.rule`). A claims file is a mapping: ``claims:`` (the list) and
``not_claimed:`` (every other number of the seed text: its ``line``, ``as_written`` and a ``reason``; see
:mod:`scratchnet.report.coverage`).

What the forms share (verdicts, :class:`Results`, :func:`lookup`, :func:`load_claims`) is in :mod:`.common`.
A form's module has ``KEYS`` (the keys its claims may have), ``evaluate(claim, results)`` (the claims-table row)
and ``check(claim, cid, ours, checks)`` (its problems before anything runs); :data:`FORMS` registers it.

Everything here works on summaries as dicts (:class:`Results`); reading files is the caller's business.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import ModuleType
from typing import Any

from ..coverage import number_tokens
from . import ranking, table, value
from .common import (
    CAUSE_NOT_FOUND,
    CAUSE_SHOWN,
    DIFFERS,
    NOT_RESOLVED,
    NOT_RUN,
    REPRODUCED,
    SETUP,
    VERDICTS,
    Checks,
    EpochNotRun,
    Results,
    epoch_curve,
    load_claims,
    load_claims_file,
    lookup,
    lookup_values,
    metric_problem,
    per_seed_values,
    verdict_counts,
)
from .ranking import Item, measure, order_text, parse_ranking

# form -> its module (KEYS, evaluate, check)
FORMS: dict[str, ModuleType] = {"ranking": ranking, "table": table, "value": value}
DEFAULT_FORM = "value"


def form_of(claim: dict[str, Any]) -> str:
    """The form of a claim: the first of :data:`FORMS` it has as a key (``ranking: ...``); else a value claim."""
    return next((name for name in FORMS if name in claim), DEFAULT_FORM)


def evaluate_claim(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claim plus ``verdict``, ``ours_text``, ``seed_text``, ``tolerance_text`` and ``note`` (a claims-table
    row). Raises KeyError / ValueError naming the claim for a claim that does not fit the results."""
    try:
        row = FORMS[form_of(claim)].evaluate(claim, results)
        if claim.get("setup") and row["verdict"] != NOT_RUN:
            row["verdict"] = SETUP
        return row
    except (KeyError, ValueError) as exc:
        msg = exc.args[0] if exc.args else str(exc)
        if str(msg).startswith(f"claim {claim.get('id')!r}"):
            raise
        raise type(exc)(f"claim {claim.get('id')!r}: {msg}") from exc


def evaluate_claims(claims: list[dict[str, Any]], results: Results) -> list[dict[str, Any]]:
    """Every claim's row, then the cause pass (:func:`resolve_causes`)."""
    return resolve_causes([evaluate_claim(c, results) for c in claims])


def resolve_causes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A **differs** becomes *differs, cause shown* when a claim it names under ``cause.claims`` (a labelled variant
    testing the cause the seed's own text points to, ``cause.quote``) reproduces, else *differs, cause not found*
    (with the variants tried and their verdicts in the note, or that none was tried). The variants' own claims are
    marked ``variant_of`` (shown with their verdict, not counted: they test a cause, they are not the seed's claims)."""
    by_id = {str(r.get("id")): r for r in rows}
    first = {cid: r["verdict"] for cid, r in by_id.items()}  # before any relabelling: the order of rows is no matter
    for r in rows:
        for other in (r.get("cause") or {}).get("claims", []):
            if other in by_id:
                by_id[other].setdefault("variant_of", []).append(str(r.get("id")))
    for r in rows:
        if r["verdict"] != DIFFERS or r.get("variant_of"):
            continue
        cause = r.get("cause") or {}
        tried = [c for c in cause.get("claims", []) if c in by_id]
        r["verdict"] = CAUSE_SHOWN if any(first[c] == REPRODUCED for c in tried) else CAUSE_NOT_FOUND
        if tried:
            quote = f' The seed\'s text: "{cause["quote"]}".' if cause.get("quote") else ""
            outcome = "; ".join(f"{c}: {first[c]}" for c in tried)
            r["note"] = (r.get("note", "") + f"{quote} Variant tried, as the seed's text suggests: {outcome}.").strip()
        else:
            r["note"] = (r.get("note", "") + " No cause tested.").strip()
    for r in rows:
        if r.get("variant_of"):
            r["note"] = (r.get("note", "") + f" A variant testing the cause of {', '.join(r['variant_of'])}: not "
                         "counted in the totals.").strip()  # fmt: skip
    return rows


def check_claims(
    claims: list[dict[str, Any]],
    where: str,
    experiments: Mapping[str, Collection[str]],
    strict_variants: bool = True,
    analyses: Collection[str] = (),
    metrics: Mapping[str, Collection[str]] | None = None,
    seed_lines: list[str] | None = None,
    **context: Any,
) -> list[str]:
    """Every problem of a claims list that can be found before anything runs, as messages naming the file
    (``where``), the claim and the key. ``experiments``: experiment name -> its variant names. With
    ``strict_variants=False`` (a reduced configuration, whose smaller grids drop variants the claims name) a variant
    missing from ``experiments`` is not an error: the claim is reported as not run. ``metrics``: experiment name ->
    the scalars its runs record (see :func:`metric_problem`); without it, metrics are not checked. ``seed_lines``:
    the seed text's lines, to check each claim's ``line`` and ``as_written`` against (None: not checked).
    ``context``: the further fields of :class:`~.common.Checks` (``history``, and ``page``, ``reads``, ``owners``:
    whose results the page may read)."""
    checks = Checks(where, experiments, strict_variants, analyses, metrics, **context)
    spread: dict[str, str] = {}
    for n, claim in enumerate(claims):
        cid, ours = checks.start(n, claim)
        form = FORMS[form_of(claim)]
        form.check(claim, cid, ours, checks)
        checks.keys(claim, cid, ours, form.KEYS)
        if "ranking" in claim and claim.get("statistic") in ranking.SPREAD:
            spread.setdefault(claim["statistic"], cid)
        if seed_lines is not None:
            checks.errors += [f"{where}: claim {cid!r}: {p}" for p in source_problems(claim, seed_lines)]
    if len(spread) > 1:
        checks.errors.append(f"{where}: spread is read two ways: " + ", ".join(f"{s} (claim {c!r})" for s, c in
                             spread.items()) + "; use one statistic for every ordering of spread")  # fmt: skip
    ids = {str(c.get("id")) for c in claims}
    for claim in claims:
        for other in (claim.get("cause") or {}).get("claims", []):
            if other not in ids:
                checks.errors.append(f"{where}: claim {claim.get('id')!r}: cause.claims names no claim {other!r}")
    return checks.messages()


def source_problems(claim: dict[str, Any], seed_lines: list[str]) -> list[str]:
    """Where a claim's ``line`` / ``as_written`` (and a table's rows) do not match the seed text."""
    out = []
    entries = [(claim.get("line"), claim.get("as_written"), "")]
    if isinstance(claim.get("table"), dict):
        rows = [r for r in claim["table"].get("rows", []) if isinstance(r, dict)]
        entries = [(r.get("line", claim.get("line")), " ".join(map(str, r.get("as_written", []))),
                    f"row {r.get('label')}: ") for r in rows]  # fmt: skip
    for line, written, what in entries:
        if line is None:
            continue
        if not isinstance(line, int) or not 1 <= line <= len(seed_lines):
            out.append(f"{what}line {line!r} is not a line of the seed text (1-{len(seed_lines)})")
            continue
        text = seed_lines[line - 1]
        for token in number_tokens(str(written or "")):
            if token not in number_tokens(text):
                out.append(f"{what}{token!r} (as_written) is not on line {line}: {text.strip()[:100]!r}")
    return out


__all__ = [
    "CAUSE_NOT_FOUND",
    "CAUSE_SHOWN",
    "SETUP",
    "load_claims_file",
    "lookup_values",
    "resolve_causes",
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
