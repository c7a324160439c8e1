"""Analysis results on a report page.

- ``{{analysis_table:NAME[:KEY[:col1,col2]]}}`` renders a list of row dicts of ``result.json`` (``KEY``, default
  ``table``) as a Markdown table (:func:`placeholder`, :func:`analysis_table`). The columns are the given ones, else
  the result's own ``"columns"`` (a list of ``{"key": k, "title": t}`` or ``{"keys": [a, b], "title": t, "join":
  "pm" | "interval"}``: ``a ± b`` or ``[a, b]``), else every key in the order first seen.
- ``{{analysis:NAME:dotted.path}}`` puts one value inline (:func:`analysis_value`).

Cells that are ``{"mean": m, "sd": s}`` read ``m ± s``; numbers get four decimals (integers stay integers, tiny
values keep significant digits), lists are joined with commas (a list of lists as points: ``(1, 0), (0, 1)``),
booleans read yes/no and missing values "–".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from .fmt import points

DIGITS = 4


def cell(value: Any, digits: int = DIGITS) -> str:
    """One value as table text."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping) and "mean" in value:
        sd = value.get("sd")
        return cell(value["mean"], digits) + ("" if sd is None else f" ± {cell(sd, digits)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.{digits}g}" if 0 < abs(value) < 1e-3 else f"{value:.{digits}f}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(v, (list, tuple)) for v in value):
            return points(value, lambda x: cell(x, digits))
        return ", ".join(cell(v, digits) for v in value)
    return str(value).replace("|", "\\|")


def _column_cell(row: Mapping[str, Any], col: Mapping[str, Any]) -> str:
    if "keys" in col:
        a, b = (row.get(k) for k in col["keys"])
        if a is None or b is None:
            return cell(a)
        return f"[{cell(a)}, {cell(b)}]" if col.get("join") == "interval" else f"{cell(a)} ± {cell(b)}"
    return cell(row.get(col["key"]))


def analysis_table(
    result: Mapping[str, Any], key: str = "table", columns: list[str] | None = None, name: str = "analysis"
) -> str:
    """Markdown table of ``result[key]`` (a list of row mappings); ``name`` (the analysis) appears in errors."""
    if key not in result:
        raise KeyError(f"analysis {name!r}: result.json has no {key!r} (keys: {', '.join(sorted(result))})")
    rows = result[key]
    if not isinstance(rows, list) or not all(isinstance(r, Mapping) for r in rows):
        raise ValueError(f"analysis {name!r}: {key!r} must be a list of row mappings")
    if not rows:
        return "_(no rows)_"
    if columns:
        spec = [{"key": c} for c in columns]
    elif key == "table" and result.get("columns"):
        spec = list(result["columns"])
    else:
        seen: list[str] = []
        for r in rows:
            seen += [c for c in r if c not in seen]
        spec = [{"key": c} for c in seen]
    for i, col in enumerate(spec):
        if "key" not in col and "keys" not in col:
            raise ValueError(f"analysis {name!r}: columns[{i}] needs 'key' or 'keys', got {col!r}")
    titles = [str(c.get("title") or c.get("key") or " / ".join(c["keys"])) for c in spec]
    lines = ["| " + " | ".join(titles) + " |", "|" + "|".join("---" for _ in titles) + "|"]
    lines += ["| " + " | ".join(_column_cell(r, c) for c in spec) + " |" for r in rows]
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


def placeholder(arg: str, load_result: Callable[[str], Mapping[str, Any]]) -> str:
    """Fill ``{{analysis_table:ARG}}``: ``ARG`` is ``NAME[:KEY[:col1,col2,...]]``; ``load_result(name)`` returns the
    analysis's result.json."""
    name, key, cols = ([*arg.split(":", 2), "", ""])[:3]
    if not name:
        raise ValueError("{{analysis_table:...}} needs an analysis name")
    return analysis_table(load_result(name), key or "table", [c for c in cols.split(",") if c] or None, name)
