"""A grid search's configurations as bars of cross-validated accuracy, best first, from the
``grid_search_table`` analysis.
"""

from __future__ import annotations

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import FigureContext


@figure_kind("grid_search_bars", {"top": Param("int", "configurations shown (best first)", min=1)})
def fig_grid_search_bars(ctx: FigureContext) -> None:
    """Cross-validated accuracy of each configuration (mean ± sd over folds), best first, from a
    ``grid_search_table`` analysis; our engine's value beside it where it ran the configuration."""
    table = ctx.analysis().table
    rows = table["table"][: int(ctx.spec.get("top", len(table["table"])))]
    keys = table["keys"]
    names = [" ".join(f"{r[k]}" for k in keys) for r in rows]
    y = np.arange(len(rows))
    ax = ctx.ax
    ctx.fig.set_size_inches(7, 0.22 * len(rows) + 1.2)
    ax.barh(y - 0.2, [r["cv_acc"] for r in rows], height=0.4, xerr=[r["cv_acc_sd"] for r in rows],
            label="scikit-learn", color="C0")  # fmt: skip
    eng = [(i, r) for i, r in enumerate(rows) if r.get("engine_cv_acc") is not None]
    if eng:
        ax.barh([i + 0.2 for i, _ in eng], [r["engine_cv_acc"] for _, r in eng], height=0.4,
                xerr=[r["engine_cv_acc_sd"] for _, r in eng], label="our engine", color="C1")  # fmt: skip
    ax.set_yticks(y, names, fontsize=6)
    ax.invert_yaxis()
    ax.set_xlabel(f"cross-validated accuracy ({' / '.join(keys)})")
    ax.legend(fontsize="small")
