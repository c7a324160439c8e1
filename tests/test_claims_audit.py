"""The claims audit of every seed, on the claims files and the seed texts alone (no pipeline run):

- every number token of each seed text is accounted for, by a claim on its line or a ``not_claimed`` entry;
- every claim names its line and the token as written;
- every claim can fail: fed a synthetic result just outside its tolerance (or the reversed order), its verdict is
  "differs" (setup rows, which cannot fail by construction, are left out and shown apart on the page).

The seed texts are at ``../shared/seeds/`` (``seed_texts`` in config/config.yaml). With ``CI=true`` a missing seed
text fails the test; elsewhere the test is skipped and says why.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from scratchnet.pipeline import paths
from scratchnet.report.claims import DIFFERS, SETUP, Results, evaluate_claim, load_claims_file, ranking, table, value
from scratchnet.report.claims.rule import parse_written
from scratchnet.report.coverage import coverage, seed_lines
from scratchnet.report.tables import claims_table

ROOT = Path(__file__).resolve().parents[1]
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())


def _reports() -> dict[str, dict[str, Any]]:
    out = {}
    for f in sorted((ROOT / "config" / "seeds").glob("*.yaml")):  # a report may span files (002's autoencoders)
        for rid, spec in ((yaml.safe_load(f.read_text()) or {}).get("reports") or {}).items():
            out.setdefault(rid, {}).update(spec)
    return out


REPORTS = _reports()


def _seed_text(rid: str) -> list[str]:
    spec = REPORTS[rid]
    text = paths.seed_text(spec, {"seed_texts": str((ROOT / CONFIG.get("seed_texts", paths.SEED_TEXTS)).resolve())})
    if text is None or not text.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"seed text of report {rid} not found: {text}")
        pytest.skip(f"seed text of report {rid} not found here: {text} (CI has it at ../shared/seeds/)")
    return seed_lines(text)


def _claims(rid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return load_claims_file(ROOT / REPORTS[rid]["claims"])


@pytest.mark.parametrize("rid", sorted(REPORTS))
def test_every_number_of_the_seed_text_is_accounted_for(rid: str) -> None:
    lines = _seed_text(rid)
    claims, not_claimed = _claims(rid)
    cov = coverage(lines, claims, not_claimed)
    shown = "\n".join(f"  line {n}: {tok!r} in {text[:90]!r}" for n, tok, text in cov.unaccounted[:25])
    assert not cov.unaccounted, (
        f"{REPORTS[rid]['claims']}: {len(cov.unaccounted)} of {cov.stated} numbers of the seed text are neither "
        f"claimed nor listed under not_claimed, e.g.\n{shown}"
    )


def test_coverage_counts_each_occurrence_of_a_token() -> None:
    lines = ["Task 2 reached 0.98, and the L2 run 0.98 too.", "Fig. 1.2 and Fig. 1.2 again."]
    claim = {"id": "a", "line": 1, "as_written": "0.98"}
    variant = {"id": "a_variant", "line": 1, "as_written": "0.98"}
    cause = {**claim, "cause": {"claims": ["a_variant"]}}
    task = {"line": 1, "as_written": ["2", "2"], "reason": "task number; name: L2"}
    figures = {"line": 2, "as_written": "1.2", "reason": "figure number"}

    once = coverage(lines, [claim], [task, figures])
    assert (once.stated, once.audited) == (6, 1)
    assert [(n, t) for n, t, _ in once.unaccounted] == [(1, "0.98"), (2, "1.2")]
    # a cause variant re-judges the same number: it does not account for the second mention
    assert [(n, t) for n, t, _ in coverage(lines, [cause, variant], [task]).unaccounted][:1] == [(1, "0.98")]
    # a second claim, or the token listed again, does
    twice = coverage(lines, [claim, {**claim, "id": "b"}], [task, {**figures, "as_written": ["1.2", "1.2"]}])
    assert (twice.audited, twice.unaccounted, twice.not_claimed) == (2, [], {"task number": 2, "figure number": 2})


@pytest.mark.parametrize("rid", sorted(REPORTS))
def test_every_claim_names_its_line_and_token(rid: str) -> None:
    claims, _ = _claims(rid)
    missing = [str(c.get("id")) for c in claims if c.get("line") is None or (
        "table" not in c and c.get("as_written") in (None, ""))]  # fmt: skip
    assert not missing, f"{REPORTS[rid]['claims']}: claims without line: or as_written: {missing}"
    unexplained = [str(c.get("id")) for c in claims if "tolerance" in c and not c.get("tolerance_reason")]
    assert not unexplained, f"{REPORTS[rid]['claims']}: a tolerance is an exception and needs its reason: {unexplained}"


# --- every claim can fail --------------------------------------------------------------------------------------------
class _AnyVariants(dict):
    """A summary's ``variants``: every variant a claim names is there."""

    def __contains__(self, key: object) -> bool:
        return True

    def __missing__(self, key: str) -> dict[str, Any]:
        return {"params": {}, "metrics": {}, "seeds": [0, 1, 2, 3, 4]}


def _summary(selected: str = "x", experiment: str = "e") -> dict[str, Any]:
    return {"experiment": experiment, "selected": selected, "variants": _AnyVariants()}


def _outside(claim: dict[str, Any], written: Any) -> list[float]:
    """Five equal per-seed values just outside what the claim's rule accepts."""
    delta = 1e-6 + 1e-3 * abs(written.value)
    width = claim.get("tolerance", claim.get("threshold", 0.0)) or 0.0
    step = written.p + width + delta
    relation = claim.get("relation", "=")
    return [written.value - step if relation == ">" else written.value + step] * 5


def _flip_value(claim: dict[str, Any], monkeypatch) -> dict[str, Any]:
    written = value.seed_of(claim)
    ours = claim.get("ours") or {}
    if written is None:  # a name: ours is another name
        other = "something else entirely"
        monkeypatch.setattr(value, "lookup_values", lambda *a, **k: (other, None, None))
        results = Results(summaries={ours.get("experiment", "e"): _summary(other)})
        results.load_analysis = lambda name: _nested(ours.get("metric", ""), other)
        return evaluate_claim(claim, results)
    values = _outside(claim, written)
    mean = float(np.mean(values))
    monkeypatch.setattr(value, "lookup_values", lambda *a, **k: (mean, 0.0, values))
    results = Results(summaries={ours.get("experiment", "e"): _summary()}, load_history=lambda *a: {"epochs": []})
    results.load_analysis = lambda name: _nested(ours.get("metric", ""), {"mean": mean, "values": values})
    return evaluate_claim(claim, results)


def _nested(path: str, leaf: Any) -> dict[str, Any]:
    node: Any = leaf
    for part in reversed(path.split(".")):
        node = {part: node}
    return node


def _flip_table(claim: dict[str, Any], monkeypatch) -> dict[str, Any]:
    by_metric = {}
    for cell in table.cells(claim):
        if cell["number"]:
            written = parse_written(cell["as_written"], claim.get("scale", 1.0))
            by_metric[cell["metric"]] = _outside(claim, written)
    if "analysis" in claim["ours"]:  # the analysis's result holds every cell: {"mean", "values"} at its path
        found: dict[str, Any] = {}
        for metric, values in by_metric.items():
            node = found
            *parents, leaf = metric.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = {"mean": values[0], "values": values}
        results = Results(load_analysis=lambda name: found)
    else:
        monkeypatch.setattr(table, "lookup_values", lambda s, v, metric, h=None: (by_metric[metric][0], 0.0,
                                                                                   by_metric[metric]))  # fmt: skip
        results = Results(summaries={claim["ours"]["experiment"]: _summary()}, load_history=lambda *a: {"epochs": []})
    row = evaluate_claim(claim, results)
    cells = [c for c in row["cells"] if c["verdict"] and c["verdict"] != SETUP]
    assert all(c["verdict"] == DIFFERS for c in cells), [c for c in cells if c["verdict"] != DIFFERS][:3]
    return row


def _flip_ranking(claim: dict[str, Any], monkeypatch) -> dict[str, Any]:
    groups, relation = ranking.parse_ranking(claim["ranking"])
    rng = np.random.default_rng(0)
    n_groups = len(groups)
    spread = claim.get("statistic", ranking.DEFAULT_STATISTIC) in ranking.SPREAD
    values: dict[str, list[float]] = {}
    for g, items in enumerate(groups):
        for item in items:
            rank = g if relation == ">" else n_groups - 1 - g  # reversed: the stated top group gets the lowest
            if spread:  # the group stated as more spread is the least spread, far apart
                values[item] = list(0.5 + (0.001 * 10.0**rank) * rng.standard_normal(30))
            else:
                values[item] = list(1.0 * rank + 0.001 * rng.standard_normal(30))
    default = claim["ours"].get("experiment")
    where = {}  # (experiment, variant as the summary resolves it) -> item
    for item in values:
        exp, _, var = item.rpartition(":") if ":" in item else (default, "", item)
        where[(exp, f"selected-of-{exp}" if var == "selected" else var)] = item
    monkeypatch.setattr(ranking, "per_seed_values", lambda s, v, metric: values[where[(s["experiment"], v)]])
    results = Results(summaries={e: _summary(f"selected-of-{e}", e) for e, _ in where})
    return evaluate_claim(claim, results)


@pytest.mark.parametrize("rid", sorted(REPORTS))
def test_every_claim_can_fail(rid: str, monkeypatch) -> None:
    claims, _ = _claims(rid)
    stuck = []
    for claim in claims:
        if claim.get("setup"):
            continue
        with monkeypatch.context() as m:
            if "ranking" in claim:
                row = _flip_ranking(claim, m)
            elif "table" in claim:
                row = _flip_table(claim, m)
            else:
                row = _flip_value(claim, m)
        if row["verdict"] != DIFFERS:
            stuck.append(f"{claim.get('id')}: {row['verdict']} ({row.get('tolerance_text', '')})")
    assert not stuck, f"{REPORTS[rid]['claims']}: claims that a result outside their tolerance does not fail:\n" + (
        "\n".join(stuck)
    )


def test_a_table_claim_reads_an_analysis_cell_by_cell() -> None:
    """A table an analysis computed (seed 002's KNN table): each cell is the dotted path ``ours.metric`` with the row
    and column filled in; the verdict names how many cells reproduce, and an analysis that did not run gives "not
    run" with its reason."""
    claim = {"id": "knn", "claim": "per-class counts", "line": 1,
             "table": {"columns": ["TP", "Accuracy"],
                       "rows": [{"label": "0", "as_written": ["914", "0.9811"]},
                                {"label": "1", "as_written": ["1113", "-"]}]},
             "ours": {"analysis": "knn", "metric": "classes.{row}.{column}"}}  # fmt: skip
    found = {"classes": {"0": {"TP": 914, "Accuracy": 0.98114}, "1": {"TP": 1100, "Accuracy": 0.5}}}
    row = evaluate_claim(claim, Results(load_analysis=lambda name: found))
    assert row["ours_text"] == "2 of 3 cells reproduced" and row["verdict"] == DIFFERS
    assert [c["verdict"] for c in row["cells"]] == ["reproduced", "reproduced", "differs", ""]
    assert [c["ours"] for c in row["cells"]][:3] == ["914", "0.9811", "1100"]
    found["classes"]["1"]["TP"] = 1113
    assert evaluate_claim(claim, Results(load_analysis=lambda name: found))["verdict"] == "reproduced"
    gone = evaluate_claim(claim, Results(not_run={"knn": "no codes"}))
    assert gone["verdict"] == "not run" and "no codes" in gone["note"]
    assert "| knn |" in claims_table([row, gone]).splitlines()[3]  # a table claim that did not run still renders
    with pytest.raises(KeyError, match="cell 1/TP"):
        evaluate_claim(claim, Results(load_analysis=lambda name: {"classes": {"0": found["classes"]["0"]}}))
