"""Analysis results on a report page: ``{{analysis_table:NAME}}`` renders ``result.json``'s ``"table"`` (a list of
row dicts) as a Markdown table (:func:`analysis_table`); ``{{analysis:NAME:dotted.path}}`` puts one value of it inline
(:func:`analysis_value`), e.g. ``{{analysis:s002_sweep_hidden:stats.h64.median}}``.

The result may say how to show its rows with ``"columns"``: a list of ``{"key": k, "title": t}`` (one value) or
``{"keys": [a, b], "title": t, "join": "pm" | "interval"}`` (``a ± b`` or ``[a, b]``). Without it, every key of
the first row is a column. Numbers get four decimals (integers stay integers), lists are joined with commas,
booleans read yes/no and missing values "–".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

DIGITS = 4


def cell(value: Any, digits: int = DIGITS) -> str:
    """One value as table text."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) >= 1 else f"{value:.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, digits) for v in value)
    return str(value).replace("|", "\\|")


def _column_cell(row: Mapping[str, Any], col: Mapping[str, Any]) -> str:
    if "keys" in col:
        a, b = (row.get(k) for k in col["keys"])
        if a is None or b is None:
            return cell(a)
        return f"[{cell(a)}, {cell(b)}]" if col.get("join") == "interval" else f"{cell(a)} ± {cell(b)}"
    return cell(row.get(col["key"]))


def analysis_table(result: Mapping[str, Any], name: str = "analysis") -> str:
    """Markdown table of ``result["table"]``; ``name`` (the analysis) appears in error messages."""
    rows = result.get("table")
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError(f"analysis {name!r}: result.json has no 'table' list of rows (keys: {sorted(result)})")
    if not rows:
        return "_(no rows)_"
    columns = result.get("columns") or [{"key": k} for k in rows[0]]
    for i, col in enumerate(columns):
        if "key" not in col and "keys" not in col:
            raise ValueError(f"analysis {name!r}: columns[{i}] needs 'key' or 'keys', got {col!r}")
    titles = [str(c.get("title") or c.get("key") or " / ".join(c["keys"])) for c in columns]
    lines = ["| " + " | ".join(titles) + " |", "|" + "|".join("---" for _ in titles) + "|"]
    lines += ["| " + " | ".join(_column_cell(r, c) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def analysis_value(result: Mapping[str, Any], path: str, name: str = "analysis") -> str:
    """One value of ``result`` by dotted path (``final.train_acc.iqm``), as table text; a missing key is an error
    naming the analysis, the path and the keys present where it stopped."""
    node: Any = result
    for part in path.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            known = sorted(node) if isinstance(node, Mapping) else f"a {type(node).__name__}"
            raise KeyError(f"analysis {name!r}: no {part!r} on the path {path!r} (there: {known})")
    return cell(node)
