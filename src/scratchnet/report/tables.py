"""The markdown tables of a page: an experiment's results (:func:`results_table`), a classification report
(:func:`classification_table`) and the claims audit (:func:`claims_table`, with its verdict counts
:func:`claims_summary`), all drawn with :func:`md_table`. Analysis results have their own tables
(:mod:`.analysis_tables`)."""

from __future__ import annotations

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


def claims_table(rows: list[dict[str, Any]]) -> str:
    """The claims audit: one row per evaluated claim (:func:`~scratchnet.report.claims.evaluate_claim`)."""
    cells = [
        [
            c["id"],
            c.get("section", ""),
            c["claim"],
            c["seed_text"],
            c["ours_text"],
            c["tolerance_text"],
            f"**{c['verdict']}**",
            c.get("note", ""),
        ]
        for c in rows
    ]
    return md_table(["id", "seed §", "claim", "seed", "ours", "tolerance", "verdict", "note"], cells)


def claims_summary(rows: list[dict[str, Any]]) -> str:
    """``N claims: 3 differs, 5 reproduced``: the verdict counts of evaluated claims (the index page reads it)."""
    counts = verdict_counts(rows)
    total = sum(counts.values())
    return f"{total} claims: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
