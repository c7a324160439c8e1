"""Seed 003's figure kinds: hard-margin SVMs with their margins, a grid of loss-curve panels (activation ×
initialisation, the seed's Figure 5), loss curves side by side per experiment (scikit-learn | our engine), random
test images with class names, test images above their reconstructions, and the grid search's sorted accuracies.
All draw from results only (runs' histories, predictions and split data; analyses' arrays and tables)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.lines import Line2D

from ..params import Param
from ..registry import figure_kind
from . import FigureContext, Run

LINESTYLES = ("-", "--", ":", "-.")
CLASS_NAMES = Param("any", "display name per class label, in label order")
SERIES = Param("strs", "history keys to plot", min_len=1)


def _params(run: Run) -> dict[str, Any]:
    return run.experiment.run_params(run.variant)


def _label(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


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


@figure_kind(
    "loss_panel_grid",
    {
        "rows": Param("str", "run parameter whose values make the rows (e.g. activation)"),
        "cols": Param("str", "run parameter whose values make the columns (e.g. init)"),
        "series": SERIES,
        "names": Param("mapping", "display names of parameter values"),
        "logy": Param("bool", "log y axis"),
        "sharey": Param("bool", "one y scale for all panels"),
    },
    required=("rows", "cols"),
)
def fig_loss_panel_grid(ctx: FigureContext) -> None:
    """One panel per (row value, column value) of two run parameters, each with the history ``series`` of its runs
    (every referenced seed, thin lines) against the epoch; a dotted line marks the epoch whose weights early
    stopping kept."""
    spec = ctx.spec
    rk, ck = spec["rows"], spec["cols"]
    names = {str(k): str(v) for k, v in (spec.get("names") or {}).items()}
    keys = spec.get("series", ["train_loss", "val_loss"])
    rows: list[str] = []
    cols: list[str] = []
    cell: dict[tuple[str, str], list[Run]] = {}
    for r in ctx.runs:
        p = _params(r)
        rv, cv = _label(p.get(rk)), _label(p.get(ck))
        rows += [rv] if rv not in rows else []
        cols += [cv] if cv not in cols else []
        cell.setdefault((rv, cv), []).append(r)
    if not cell:
        raise ValueError("loss_panel_grid: no runs referenced")
    fig = ctx.fig
    fig.clf()
    fig.set_size_inches(3.2 * len(cols), 2.4 * len(rows) + 0.6)
    axes = fig.subplots(len(rows), len(cols), squeeze=False, sharex=False, sharey=bool(spec.get("sharey", False)))
    for i, rv in enumerate(rows):
        for j, cv in enumerate(cols):
            ax = axes[i][j]
            runs = cell.get((rv, cv), [])
            for r in runs:
                h = r.history()
                x = h.epoch_series("epoch")
                for s, key in enumerate(keys):
                    yv = h.epoch_series(key)
                    ok = np.isfinite(yv)
                    ax.plot(x[ok], yv[ok], color=f"C{s}", linewidth=0.9, alpha=0.8)
                if h.best_epoch:
                    ax.axvline(h.best_epoch, color="0.5", linestyle=":", linewidth=0.8)
            if spec.get("logy"):
                ax.set_yscale("log")
            ax.set_title(f"{names.get(rv, rv)} – {names.get(cv, cv)}", fontsize="small")
            ax.tick_params(labelsize="x-small")
            if i == len(rows) - 1:
                ax.set_xlabel("epoch", fontsize="small")
            if not runs:
                ax.text(0.5, 0.5, "not run", ha="center", va="center", transform=ax.transAxes)
    handles = [Line2D([], [], color=f"C{s}", label=k) for s, k in enumerate(keys)]
    handles.append(Line2D([], [], color="0.5", linestyle=":", label="best epoch (weights kept)"))
    axes[0][0].legend(handles=handles, fontsize="x-small")


@figure_kind(
    "curves_by_experiment",
    {
        "series": SERIES,
        "titles": Param("mapping", "panel title per experiment"),
        "logy": Param("bool", "log y axis"),
        "ylabel": Param("str", "y-axis label"),
    },
)
def fig_curves_by_experiment(ctx: FigureContext) -> None:
    """One panel per referenced experiment (e.g. scikit-learn | our engine) with one colour per variant and one
    line style per history series; panels share the y axis."""
    spec = ctx.spec
    keys = spec.get("series", ["train_loss", "val_loss"])
    titles = dict(spec.get("titles") or {})
    exps: list[str] = []
    for r in ctx.runs:
        exps += [r.experiment.name] if r.experiment.name not in exps else []
    fig = ctx.fig
    fig.clf()
    fig.set_size_inches(5.0 * len(exps), 4.2)
    axes = fig.subplots(1, len(exps), squeeze=False, sharey=True)[0]
    for ax, e in zip(axes, exps, strict=True):
        runs = [r for r in ctx.runs if r.experiment.name == e]
        variants: list[str] = []
        for r in runs:
            variants += [r.variant] if r.variant not in variants else []
            h = r.history()
            x = h.epoch_series("epoch")
            colour = f"C{variants.index(r.variant) % 10}"
            for s, key in enumerate(keys):
                yv = h.epoch_series(key)
                ok = np.isfinite(yv)
                ax.plot(x[ok], yv[ok], color=colour, linestyle=LINESTYLES[s % 4], linewidth=1)
        if spec.get("logy"):
            ax.set_yscale("log")
        ax.set_title(titles.get(e, e), fontsize="small")
        ax.set_xlabel("epoch")
        handles = [Line2D([], [], color=f"C{i % 10}", label=v) for i, v in enumerate(variants)]
        handles += [Line2D([], [], color="0.3", linestyle=LINESTYLES[s % 4], label=k) for s, k in enumerate(keys)]
        ax.legend(handles=handles, fontsize="x-small")
    axes[0].set_ylabel(spec.get("ylabel", ", ".join(keys)))


def _split_ref(ctx: FigureContext) -> str:
    for ref in ctx.spec.get("runs", []):
        if "split" in ref:
            return ref["split"]
    if ctx.runs:
        return ctx.runs[0].experiment.split_of(ctx.runs[0].variant)
    raise ValueError("figure needs a {split: name} reference or a run")


def sample_indices(n_items: int, n: int, seed: int) -> np.ndarray:
    """``n`` distinct indices of ``range(n_items)``, drawn by ``np.random.default_rng(seed)``, in drawn order."""
    return np.random.default_rng(seed).choice(n_items, size=min(n, n_items), replace=False)


@figure_kind(
    "random_images",
    {
        "n": Param("int", "images", min=1),
        "seed": Param("int", "seed of the draw", min=0),
        "part": Param("name", "which part", choices=("train", "val", "test")),
        "class_names": CLASS_NAMES,
        "ncols": Param("int", "images per row", min=1),
    },
)
def fig_random_images(ctx: FigureContext) -> None:
    """``n`` images of a part drawn at random (seeded), titled with their class names."""
    spec = ctx.spec
    data = ctx.split_data(_split_ref(ctx))
    part = spec.get("part", "test")
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    idx = sample_indices(len(X), int(spec.get("n", 10)), int(spec.get("seed", 0)))
    names = spec.get("class_names")
    ncols = int(spec.get("ncols", 5))
    fig = ctx.fig
    fig.clf()
    nrows = int(np.ceil(len(idx) / ncols))
    fig.set_size_inches(1.8 * ncols, 2.0 * nrows)
    for k, i in enumerate(idx):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        side = int(round(np.sqrt(X.shape[1])))
        ax.imshow(X[i].reshape(side, side), cmap="gray")
        label = int(y[i])
        ax.set_title(f"{names[label] if names else label} (#{int(i)})", fontsize=8)
        ax.axis("off")


@figure_kind(
    "reconstructions",
    {
        "n": Param("int", "images", min=1),
        "seed": Param("int", "seed of the draw of test images (null: the first n)", min=0, nullable=True),
        "labels": Param("mapping", "row label per experiment/variant"),
    },
)
def fig_reconstructions(ctx: FigureContext) -> None:
    """Test images (top row) above each referenced autoencoder run's reconstructions (one row per run), with the
    mean squared error of each row's images."""
    spec = ctx.spec
    runs = ctx.runs
    if not runs:
        raise ValueError("reconstructions: reference at least one autoencoder run")
    X = runs[0].data()["X_test"]
    n = int(spec.get("n", 10))
    seed = spec.get("seed")
    idx = np.arange(min(n, len(X))) if seed is None else sample_indices(len(X), n, int(seed))
    labels = dict(spec.get("labels") or {})
    rows = [("original", X[idx], None)]
    for r in runs:
        pred = r.predictions()
        if "test_recon" not in pred:
            raise ValueError(f"{r.label}: predictions hold no 'test_recon' (not an autoencoder run?)")
        rec = pred["test_recon"][idx]
        mse = float(np.mean((rec.astype(np.float64) - X[idx]) ** 2))
        rows.append((labels.get(f"{r.experiment.name}/{r.variant}", r.label), rec, mse))
    fig = ctx.fig
    fig.clf()
    fig.set_size_inches(1.2 * len(idx) + 1.6, 1.35 * len(rows) + 0.3)
    side = int(round(np.sqrt(X.shape[1])))
    for i, (name, imgs, mse) in enumerate(rows):
        for j in range(len(idx)):
            ax = fig.add_subplot(len(rows), len(idx), i * len(idx) + j + 1)
            ax.imshow(np.clip(imgs[j].reshape(side, side), 0, 1), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                text = name if mse is None else f"{name}\nMSE {mse:.4f}"
                ax.set_ylabel(text, fontsize=7, rotation=0, ha="right", va="center")


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
