"""Table claims: a table the seed prints, transcribed once (rows × columns) and judged cell by cell::

    - id: report_baseline
      section: "4.1"
      line: 210                                 # the table's header line in the seed text
      claim: "Classification report of the baseline (test set)"
      table:
        columns: [precision, recall, f1-score, support]   # our names, filled into ours.metric as {column}
        rows:
          - {label: "0", line: 212, as_written: ["0.97", "0.99", "0.98", "980"]}
          - {label: "1", line: 213, as_written: ["0.98", "0.99", "0.99", "1135"]}
        setup_columns: [support]                # cells our configuration decides: shown, not judged
      ours: {experiment: s004_baseline, variant: default, metric: "report.test.{row}.{column}"}
      basis: single_run

Every cell is a number as the seed printed it, judged by the page's one rule (:mod:`.rule`) against the per-seed
values of ``ours.metric`` with ``{row}`` (the row's ``label``, or its ``key`` when ours names it otherwise) and
``{column}`` filled in. ``ours`` names an experiment (``experiment``, ``variant``) or an analysis (``analysis``:
``ours.metric`` is then a dotted path into its result, as for a value claim). A cell written ``"-"`` or ``""`` is
not a number and not judged. The claim's verdict is **reproduced** when every judged cell is, **differs** otherwise,
**not run** when the experiment did not run; the claims table shows "236 of 240 cells reproduced" and the page a
grid of the cells coloured by verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .common import (
    COMMON_KEYS,
    DIFFERS,
    NOT_RUN,
    REPRODUCED,
    SETUP,
    Checks,
    EpochNotRun,
    Results,
    analysis_values,
    lookup_values,
)
from .common import mark_not_run as _not_run
from .rule import NUMBER, judge, parse_written

KEYS = COMMON_KEYS | {"table", "basis", "scale"}
ROW_KEYS = {"label", "key", "line", "as_written"}


def cells(claim: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's cells in reading order: ``{row, column, key, line, as_written, metric, setup}``."""
    table, ours = claim["table"], claim.get("ours") or {}
    columns, setup_columns = list(table["columns"]), set(table.get("setup_columns", []))
    out = []
    for row in table["rows"]:
        key = str(row.get("key", row["label"]))
        for column, text in zip(columns, row["as_written"], strict=True):
            out.append({
                "row": str(row["label"]), "column": column, "line": row.get("line", claim.get("line")),
                "as_written": str(text), "metric": str(ours.get("metric", "")).format(row=key, column=column),
                "setup": column in setup_columns, "number": bool(NUMBER.search(str(text))),
            })  # fmt: skip
    return out


def evaluate(claim: dict[str, Any], results: Results) -> dict[str, Any]:
    """The claims-table row of a table claim, with every cell's verdict under ``cells``."""
    out = dict(claim)
    ours = claim["ours"]
    out["seed_text"] = f"table, {len(claim['table']['rows'])} rows × {len(claim['table']['columns'])} columns"
    out["tolerance_text"] = f"each cell by the rule ({claim.get('basis', 'single_run').replace('_', ' ')})"
    look = _analysis_cells(results, ours["analysis"]) if "analysis" in ours else _experiment_cells(results, ours)
    if isinstance(look, str):
        return _not_run(out, claim, look)
    judged = []
    for cell in cells(claim):
        if not cell["number"]:
            judged.append({**cell, "verdict": "", "ours": ""})
            continue
        written = parse_written(cell["as_written"], claim.get("scale", 1.0))
        try:
            value, _, values = look(cell["metric"])
        except EpochNotRun:
            judged.append({**cell, "verdict": NOT_RUN, "ours": "–"})
            continue
        except KeyError as exc:
            raise KeyError(f"claim {claim.get('id')!r}: cell {cell['row']}/{cell['column']}: {exc}") from None
        ok, _ = judge(written.value, written.p, values or [float(value)], claim.get("basis", "single_run"))
        verdict = SETUP if cell["setup"] else (REPRODUCED if ok else DIFFERS)
        judged.append({**cell, "verdict": verdict, "ours": _short(float(value), cell["as_written"])})
    counted = [c for c in judged if c["verdict"] in (REPRODUCED, DIFFERS)]
    n_ok = sum(c["verdict"] == REPRODUCED for c in counted)
    out["cells"] = judged
    out["ours_text"] = f"{n_ok} of {len(counted)} cells reproduced"
    out["verdict"] = SETUP if claim.get("setup") else (REPRODUCED if counted and n_ok == len(counted) else DIFFERS)
    if not counted:
        out["verdict"] = NOT_RUN
    return out


Lookup = Callable[[str], tuple[Any, float | None, list[float] | None]]  # metric -> (value, sd, per-seed values)


def _experiment_cells(results: Results, ours: dict[str, Any]) -> Lookup | str:
    """A cell's values from an experiment's summary, or why the experiment gives none."""
    s = results.summary(ours["experiment"])
    if s is None:
        return f"Not run: {results.reason(ours['experiment'])}."
    variant = s["selected"] if ours.get("variant", "selected") == "selected" else ours["variant"]
    if variant not in s["variants"]:
        return f"Variant {variant!r} is not in this configuration."
    history = results.history if results.load_history else None
    return lambda metric: lookup_values(s, variant, metric, history)


def _analysis_cells(results: Results, analysis: str) -> Lookup | str:
    """A cell's values from an analysis's result (per-seed values when it gives a mean over seeds), or why the
    analysis gives none."""
    found = results.analysis(analysis)
    if found is None:
        return f"Not run: {results.reason(analysis)}."
    return lambda metric: analysis_values(found, analysis, metric)


def _short(value: float, like: str) -> str:
    """Ours printed like the seed's cell: as many decimals (and a percent when the seed's cell has one)."""
    m = NUMBER.search(like)
    decimals = len(m.group(0).split(".")[1]) if m and "." in m.group(0) else 0
    if "%" in like:
        return f"{100 * value:.{decimals}f} %"
    return f"{value:.{decimals}f}"


def check(claim: dict[str, Any], cid: str, ours: dict[str, Any], checks: Checks) -> None:
    """Add the problems of a table claim's own keys to ``checks``: its shape and its reference to our results."""
    where, errors = checks.where, checks.errors
    table = claim.get("table")
    if (
        not isinstance(table, dict)
        or not isinstance(table.get("columns"), list)
        or not isinstance(table.get("rows"), list)
    ):
        errors.append(f"{where}: claim {cid!r}: table needs 'columns' (a list) and 'rows' (a list)")
        return
    for key in sorted(set(table) - {"columns", "rows", "setup_columns"}):
        errors.append(f"{where}: claim {cid!r}: unknown key table.{key}")
    width = len(table["columns"])
    for n, row in enumerate(table["rows"]):
        if not isinstance(row, dict) or "label" not in row or not isinstance(row.get("as_written"), list):
            errors.append(f"{where}: claim {cid!r}: table.rows[{n}] needs 'label' and 'as_written' (a list)")
            continue
        for key in sorted(set(row) - ROW_KEYS):
            errors.append(f"{where}: claim {cid!r}: unknown key table.rows[{n}].{key}")
        if len(row["as_written"]) != width:
            errors.append(f"{where}: claim {cid!r}: table.rows[{n}] ({row['label']}) has {len(row['as_written'])} "
                          f"cells for {width} columns")  # fmt: skip
    metric = str(ours.get("metric", ""))
    if "{row}" not in metric and "{column}" not in metric:
        errors.append(f"{where}: claim {cid!r}: ours.metric must name the cell with {{row}} and {{column}}")
    if "analysis" in ours:
        checks.analysis(cid, ours["analysis"])
        return
    if "experiment" not in ours:
        errors.append(f"{where}: claim {cid!r}: ours.experiment (or ours.analysis) is missing")
        return
    if table["rows"] and table["columns"] and isinstance(table["rows"][0], dict):
        first = table["rows"][0]
        probe = metric.format(row=first.get("key", first.get("label")), column=table["columns"][0])
        checks.ref(cid, ours["experiment"], ours.get("variant", "selected"), probe)
