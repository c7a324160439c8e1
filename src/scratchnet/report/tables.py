"""The markdown tables of a page: an experiment's results (:func:`results_table`), a classification report
(:func:`classification_table`) and the claims audit (:func:`claims_table`, with its verdict counts
:func:`claims_summary`), all drawn with :func:`md_table`. Analysis results have their own tables
(:mod:`.analysis_tables`)."""

from __future__ import annotations

import re
from typing import Any

from .claims import verdict_counts
from .fmt import fmt, mean_sd

COLUMN_NAMES = {
    "train_acc": "train acc",
    "val_acc": "val acc",
    "test_acc": "test acc",
    "final_train_loss": "final train loss",
    "final_val_loss": "final val loss",
    "test_auc": "test AUC",
    "job_seconds": "training job (s)",
    "seconds": "training loop (s)",
    "n_epochs": "epochs",
    "n_updates": "updates",
    "converged_epoch": "converged at epoch",
    "train_loss": "train loss",
    "test_loss": "test loss",
}


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def results_table(s: dict[str, Any], columns: list[str]) -> str:
    """An experiment's variants (``s``: its summary) with the metric ``columns`` (mean ± sd over seeds), the
    selected one marked."""
    rows = []
    for v, d in s["variants"].items():
        mark = " **(selected)**" if v == s["selected"] else ""
        rows.append([f"`{v}`{mark}", str(len(d["seeds"]))] + [mean_sd(d["metrics"].get(c)) for c in columns])
    header = ["variant", "seeds"] + [COLUMN_NAMES.get(c, c) for c in columns]
    note = ""
    if s["selected"] is not None:
        note = f"\n\n*Selection by mean {s['select_by'].replace('_', ' ')} over seeds (ties: first listed).*"
    return md_table(header, rows) + note


def classification_table(s: dict[str, Any], experiment: str, variant: str, part: str) -> str:
    """scikit-learn's classification report (from the summary ``s``) of the variant's first seed on ``part``, under
    a title line."""
    rep = s["variants"][variant]["report_first_seed"].get(part)
    if rep is None:
        return f"*No {part} part in {experiment}.*"
    rows = []
    for label, d in rep.items():
        if label == "accuracy":
            continue
        rows.append([label, fmt(d["precision"], 2), fmt(d["recall"], 2), fmt(d["f1-score"], 2), str(int(d["support"]))])
    support = int(rep["macro avg"]["support"])
    rows.insert(-2, ["accuracy", "", "", fmt(rep["accuracy"], 2), str(support)])
    title = f"*{experiment} / `{variant}`, {part} set, seed {s['variants'][variant]['seeds'][0]}*\n\n"
    return title + md_table(["", "precision", "recall", "f1-score", "support"], rows)


VERDICT_COLOURS = {  # Okabe–Ito, a colour-blind-safe palette
    "reproduced": "#009E73",
    "differs, cause shown": "#E69F00",
    "differs, cause not found": "#D55E00",
    "differs": "#D55E00",
    "not resolved": "#56B4E9",
    "not run": "#999999",
    "setup": "#CC79A7",
}


def _quote(line: Any, seed_lines: list[str] | None, written: Any) -> str:
    """``l. N: “…the line…”`` with the token as written in bold (shortened around it)."""
    if not isinstance(line, int):
        return ""
    if not seed_lines or not 1 <= line <= len(seed_lines):
        return f"l. {line}"
    text = " ".join(seed_lines[line - 1].split()).replace("|", "/").replace("**", "")
    token = str(written) if isinstance(written, str) and written else ""
    alone = re.compile(rf"(?<![\w.]){re.escape(token)}(?![\w])") if token else None  # not inside another number
    m = alone.search(text) if alone else None
    if len(text) > 140:
        start = max(0, (m.start() if m else 0) - 60)
        text = ("…" if start else "") + text[start : start + 140] + "…"
        m = alone.search(text) if alone else None
    if m:
        text = text[: m.start()] + f"**{m.group(0)}**" + text[m.end() :]
    return f"l. {line}: “{text}”"


def claims_table(rows: list[dict[str, Any]], seed_lines: list[str] | None = None) -> str:
    """The claims audit: one row per evaluated claim (:func:`~scratchnet.report.claims.evaluate_claim`), each with
    the seed's line it comes from, quoted."""
    def source(c: dict[str, Any]) -> str:
        quote = _quote(c.get("line"), seed_lines, c.get("as_written"))
        return " · ".join(x for x in (str(c.get("section", "")), quote) if x)

    cells = [
        [
            c["id"],
            source(c),
            c["claim"],
            c["seed_text"],
            c["ours_text"],
            c["tolerance_text"],
            f"**{c['verdict']}**",
            c.get("note", ""),
        ]
        for c in rows
    ]
    return md_table(["id", "seed § · line", "claim", "seed", "ours", "judged by", "verdict", "note"], cells)


def table_grids(rows: list[dict[str, Any]]) -> str:
    """Each table claim's cells as a grid coloured by verdict (ours, and the seed's cell where it differs)."""
    out = []
    for c in rows:
        if not c.get("cells"):
            continue
        columns = list(dict.fromkeys(cell["column"] for cell in c["cells"]))
        by_row: dict[str, dict[str, dict[str, Any]]] = {}
        for cell in c["cells"]:
            by_row.setdefault(cell["row"], {})[cell["column"]] = cell
        body = []
        for row, cells in by_row.items():
            line = [row]
            for col in columns:
                cell = cells.get(col)
                if cell is None or not cell["verdict"]:
                    line.append(cell["as_written"] if cell else "")
                    continue
                colour = VERDICT_COLOURS.get(cell["verdict"], "#999999")
                shown = cell["ours"] if cell["verdict"] in ("reproduced", "setup") else (
                    f"{cell['ours']} (seed {cell['as_written']})")  # fmt: skip
                line.append(f'<span style="background:{colour};color:#fff;padding:0 3px">{shown}</span>')
            body.append(line)
        out.append(f"**{c['id']}** — {c['claim']}: {c['ours_text']}.\n\n" + md_table(["", *columns], body))
    return "\n\n".join(out)


def claims_summary(rows: list[dict[str, Any]]) -> str:
    """``N claims: 3 differs, 5 reproduced``: the verdict counts of evaluated claims, setup rows apart (the index page
    reads it)."""
    counts = verdict_counts(rows)
    total = sum(counts.values())
    setup = sum(r["verdict"] == "setup" for r in rows)
    variants = sum(bool(r.get("variant_of")) for r in rows)
    text = f"{total} claims: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    kinds = ((setup, "setup row"), (variants, "cause variant"))
    apart = [f"{n} {what}{'s' if n > 1 else ''}" for n, what in kinds if n]
    return text + (f" ({', '.join(apart)}, not counted)" if apart else "")
