"""The ``{{analysis_table:NAME[:KEY[:col1,col2]]}}`` placeholder: an analysis's ``result.json`` table (a list of row
dicts under ``KEY``, default ``table``) as a Markdown table. Cells that are ``{"mean": m, "sd": s}`` mappings render
as ``m ± s``; numbers get a precision suited to their size; missing cells are blank."""

from __future__ import annotations

import math
from typing import Any


def cell(value: Any, digits: int = 4) -> str:
    """One table cell as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and "mean" in value:
        sd = value.get("sd")
        return cell(value["mean"], digits) + ("" if sd is None else f" ± {cell(sd, digits)}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value == int(value) and abs(value) >= 1:
            return str(int(value))
        return f"{value:.{digits}g}" if abs(value) < 1e-3 else f"{value:.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v, digits) for v in value)
    return str(value).replace("|", "\\|")


def analysis_table(result: dict[str, Any], key: str = "table", columns: list[str] | None = None,
                   digits: int = 4, where: str = "analysis") -> str:  # fmt: skip
    """``result[key]`` (a list of row dicts) as a Markdown table with the given ``columns`` (default: every key,
    in the order first seen). Raises KeyError naming the analysis and the key when the table is missing."""
    if key not in result:
        raise KeyError(f"{where}: result.json has no {key!r} (keys: {', '.join(sorted(result))})")
    rows = result[key]
    if not isinstance(rows, list) or any(not isinstance(r, dict) for r in rows):
        raise ValueError(f"{where}: {key!r} must be a list of row mappings")
    if columns is None:
        columns = []
        for r in rows:
            columns += [c for c in r if c not in columns]
    if not rows or not columns:
        return "*(empty table)*"
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c), digits) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def placeholder(arg: str, load_result: Any) -> str:
    """Fill ``{{analysis_table:ARG}}``: ``ARG`` is ``NAME[:KEY[:col1,col2,...]]``; ``load_result(name)`` returns the
    analysis's result.json as a dict."""
    name, key, cols = ([*arg.split(":", 2), "", ""])[:3]
    if not name:
        raise ValueError("{{analysis_table:...}} needs an analysis name")
    return analysis_table(load_result(name), key or "table", [c for c in cols.split(",") if c] or None,
                          where=f"analyses.{name}")  # fmt: skip
