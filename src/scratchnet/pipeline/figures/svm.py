"""Hard-margin SVMs drawn with their margins and support vectors, from the ``hard_margin_svm`` analysis.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import FigureContext


@figure_kind(
    "svm_margins",
    {
        "pad": Param("float", "space around the points", min=0),
        "xlabel": Param("str", "x-axis label"),
        "ylabel": Param("str", "y-axis label"),
    },
)
def fig_svm_margins(ctx: FigureContext) -> None:
    """Points by label, the decision boundary ``w·x + b = 0`` and the margins ``w·x + b = ±1`` of our solver
    (scikit-learn's boundary dotted), support vectors (on the margin) circled, and the test point if any."""
    a = ctx.analysis().arrays
    X, y, w, b = a["X"], a["y"], a["w"], float(a["b"])
    ax = ctx.ax
    pad = float(ctx.spec.get("pad", 1.0))
    test = a.get("test_point", np.zeros(0))
    pts = np.vstack([X, test.reshape(1, -1)]) if test.size else X
    x0, x1 = pts[:, 0].min() - pad, pts[:, 0].max() + pad
    y0, y1 = pts[:, 1].min() - pad, pts[:, 1].max() + pad

    def line(wv: np.ndarray, bv: float, level: float, **kw: Any) -> None:
        if abs(wv[1]) > 1e-12:
            xs = np.array([x0, x1])
            ax.plot(xs, (level - bv - wv[0] * xs) / wv[1], **kw)
        else:
            ax.axvline((level - bv) / wv[0], **kw)

    line(w, b, 0.0, color="k", linewidth=1.5, label="boundary  w·x + b = 0")
    line(w, b, 1.0, color="k", linestyle="--", linewidth=0.8, label="margins  w·x + b = ±1")
    line(w, b, -1.0, color="k", linestyle="--", linewidth=0.8)
    if "w_sklearn" in a:
        line(a["w_sklearn"], float(a["b_sklearn"]), 0.0, color="C3", linestyle=":", linewidth=1.5,
             label="scikit-learn SVC boundary")  # fmt: skip
    for lab, marker, colour in ((1, "o", "C0"), (-1, "s", "C1")):
        m = y == lab
        ax.scatter(X[m, 0], X[m, 1], marker=marker, color=colour, s=50, zorder=3, label=f"label {lab:+d}")
    sv = a["on_margin"].astype(int)
    ax.scatter(X[sv, 0], X[sv, 1], s=220, facecolors="none", edgecolors="k", zorder=4, label="support vectors")
    if test.size:
        pred = 1 if float(test @ w + b) >= 0 else -1
        ax.scatter([test[0]], [test[1]], marker="*", s=200, color="C2", zorder=5, label=f"test point → {pred:+d}")
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=ctx.spec.get("xlabel", "x1"), ylabel=ctx.spec.get("ylabel", "x2"))
    ax.set_aspect("equal")
    ax.set_title(f"w = ({w[0]:.4g}, {w[1]:.4g}), b = {b:.4g}, margin 2/‖w‖ = {2 / np.linalg.norm(w):.4g}",
                 fontsize="small")  # fmt: skip
    ax.legend(fontsize="x-small", loc="best")
