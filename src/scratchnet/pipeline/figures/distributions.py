"""Figure kinds of seed 002: training curves over many runs as interquartile mean with the interquartile range
shaded, above the median and the worst run drawn on their data (``iqm_runs``), and box plots of a final metric per
setting of a sweep (``box_runs``). Both draw what an analysis computed (``runs_over_seeds``, ``sweep_stats``);
``iqm_runs`` also loads the two picked runs' models to draw their fits or decision boundaries."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import FigureContext, Run

SERIES_NAMES = {
    "train_loss": "training loss",
    "val_loss": "validation loss",
    "test_loss": "test loss",
    "train_acc": "training accuracy",
    "val_acc": "validation accuracy",
    "test_acc": "test accuracy",
    "loss": "mean loss of the epoch's updates",
}
METRIC_NAMES = {"test.acc": "test accuracy", "val.acc": "validation accuracy", "train.acc": "training accuracy",
                "test.loss": "test loss", "train.loss": "training loss"}  # fmt: skip
CLASS_COLOURS = ("tab:red", "tab:blue")  # seed 002's two classes: red and blue points


def _panels(spec: dict[str, Any], arrays: dict[str, np.ndarray]) -> list[list[str]]:
    given = spec.get("panels")
    if given is None:
        return [[k[: -len("_iqm")]] for k in arrays if k.endswith("_iqm")]
    if not isinstance(given, list) or not given:
        raise ValueError(f"iqm_runs: panels must be a non-empty list of history keys or lists of them, got {given!r}")
    panels = [[p] if isinstance(p, str) else list(p) for p in given]
    for keys in panels:
        for k in keys:
            if f"{k}_iqm" not in arrays:
                known = sorted(a[: -len("_iqm")] for a in arrays if a.endswith("_iqm"))
                raise KeyError(f"iqm_runs: series {k!r} is not in the analysis (it has {known}); add it to its series")
    return panels


def draw_band(ax, arrays: dict[str, np.ndarray], keys: list[str], n_runs: int, ylabel: str | None = None) -> None:
    """IQM line and interquartile band per epoch for each history key on ``ax``."""
    for j, k in enumerate(keys):
        x = arrays[f"{k}_epoch"]
        name = SERIES_NAMES.get(k, k)
        ax.fill_between(x, arrays[f"{k}_q25"], arrays[f"{k}_q75"], color=f"C{j}", alpha=0.25, linewidth=0,
                        label=f"{name}: IQR")  # fmt: skip
        ax.plot(x, arrays[f"{k}_iqm"], color=f"C{j}", linewidth=1.5, label=f"{name}: IQM over {n_runs} runs")
    ax.set(xlabel="epoch", ylabel=ylabel or ", ".join(SERIES_NAMES.get(k, k) for k in keys))
    ax.legend(fontsize="small")


def _find(runs: list[Run], seed: int, name: str) -> Run:
    for r in runs:
        if r.seed == seed:
            return r
    raise ValueError(f"iqm_runs: the analysis picked seed {seed} as the {name} run, but the figure's runs are seeds "
                     f"{sorted(r.seed for r in runs)}: reference the same runs (seed: all)")  # fmt: skip


def draw_fit(ax, run: Run, part: str, title: str) -> None:
    """A regression run: its data (one feature) and the model's line over them."""
    data = run.data()
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    if X.shape[1] != 1:
        raise ValueError(f"iqm_runs: a fit panel needs one input feature, {run.label} has {X.shape[1]}")
    grid = np.linspace(float(X.min()), float(X.max()), 200).reshape(-1, 1)
    ax.scatter(X[:, 0], y, s=10, color="0.5", alpha=0.7, label=f"{part} data")
    ax.plot(grid[:, 0], run.model().predict(grid), color="tab:red", linewidth=2, label="model")
    ax.set(xlabel="x", ylabel="y", title=title)
    ax.legend(fontsize="small")


def draw_boundary(ax, run: Run, part: str, title: str) -> None:
    """A 2-D classification run: predicted regions, the data coloured by class, its errors marked."""
    data = run.data()
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    if X.shape[1] != 2:
        raise ValueError(f"iqm_runs: a decision-boundary panel needs two input features, {run.label} has {X.shape[1]}")
    model = run.model()
    pad = 0.5
    gx, gy = np.meshgrid(np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, 250),
                         np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, 250))  # fmt: skip
    classes = np.unique(y)
    grid = np.searchsorted(classes, model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape))
    from matplotlib.colors import ListedColormap

    cmap = ListedColormap(CLASS_COLOURS[: max(2, len(classes))])
    ax.contourf(gx, gy, grid, levels=np.arange(len(classes) + 1) - 0.5, cmap=cmap, alpha=0.15)
    ax.contour(gx, gy, grid, levels=np.arange(len(classes)) + 0.5, colors="k", linewidths=1)
    pred = model.predict(X)
    for i, c in enumerate(classes):
        m = y == c
        ax.scatter(X[m, 0], X[m, 1], s=12, color=CLASS_COLOURS[i % 2], label=f"class {c}")
    wrong = pred != y
    if wrong.any():
        n_wrong = int(wrong.sum())
        ax.scatter(X[wrong, 0], X[wrong, 1], s=60, facecolors="none", edgecolors="k", label=f"{n_wrong} errors")
    ax.set(xlabel="x1", ylabel="x2", title=title)
    ax.legend(fontsize="x-small", loc="best")


@figure_kind("iqm_runs", {
        "panels": Param("any", "curve panels, top to bottom: each a history key or a list of keys (default: every "
                               "series of the analysis, one per panel)"),
        "ylabels": Param("strs", "y-axis label per curve panel"),
        "show_runs": Param("bool", "draw the median and the worst run below the curves (default true)"),
        "part": Param("name", "data part drawn in the run panels", choices=("train", "val", "test")),
    }, history=("panels",))  # fmt: skip
def fig_iqm_runs(ctx: FigureContext) -> None:
    """Seed 002, Figs. 2-5: per-epoch IQM with the IQR shaded over the runs of one setting (analysis
    ``runs_over_seeds``), then the median and the worst run (highest final ``rank_by``): a fit over the data for a
    regressor with one input, decision regions for a 2-D classifier. Reference the analysis and the same runs
    (``{experiment, variant, seed: all}``)."""
    spec = ctx.spec
    res = ctx.analysis()
    table, arrays = res.table, res.arrays
    panels = _panels(spec, arrays)
    ylabels = spec.get("ylabels") or [None] * len(panels)
    if len(ylabels) != len(panels):
        raise ValueError(f"iqm_runs: {len(ylabels)} ylabels for {len(panels)} panels")
    show_runs = bool(spec.get("show_runs", True))
    rows = len(panels) + (1 if show_runs else 0)
    fig = ctx.fig
    if "size" not in spec:
        fig.set_size_inches(8, 2.6 * len(panels) + (3.6 if show_runs else 0))
    gs = fig.add_gridspec(rows, 2, height_ratios=[1] * len(panels) + ([1.4] if show_runs else []))
    for i, (keys, ylabel) in enumerate(zip(panels, ylabels, strict=True)):
        draw_band(fig.add_subplot(gs[i, :]), arrays, keys, int(table["n_runs"]), ylabel)
    if not show_runs:
        return
    part = spec.get("part", "train")
    rank_by = SERIES_NAMES.get(table["rank_by"], table["rank_by"])
    for col, which in enumerate(("median", "worst")):
        info = table[which]
        run = _find(ctx.runs, int(info["seed"]), which)
        ax = fig.add_subplot(gs[-1, col])
        title = f"{which} run (seed {info['seed']}): final {rank_by} {info['final_' + table['rank_by']]:.4g}"
        if "train_acc" in info:
            draw_boundary(ax, run, part, title)
        else:
            draw_fit(ax, run, part, title)
        ax.title.set_fontsize("small")


@figure_kind("box_runs", {
        "ylabel": Param("str", "y-axis label (default: the analysis's metric)"),
        "xlabel": Param("str", "x-axis label"),
        "show_points": Param("bool", "draw every run as a point over its box (default true)"),
    })  # fmt: skip
def fig_box_runs(ctx: FigureContext) -> None:
    """Seed 002, Figs. 6-9: one box per setting of a sweep (analysis ``sweep_stats``: median line, quartile box,
    whiskers to the furthest run within 1.5 IQR, runs beyond drawn as outliers), every run as a point; settings
    marked ``extra`` in the analysis are drawn grey and hatched, with "(extra)" in their label."""
    spec, ax = ctx.spec, ctx.ax
    res = ctx.analysis()
    rows, arrays = res.table["table"], res.arrays
    values = [np.asarray(arrays[f"values{i}"], dtype=float) for i in range(len(rows))]
    labels = [r["setting"] for r in rows]
    bp = ax.boxplot(values, tick_labels=labels, patch_artist=True, widths=0.6, medianprops={"color": "k"})
    for patch, row in zip(bp["boxes"], rows, strict=True):
        patch.set_facecolor("0.85" if row.get("extra") else "tab:blue")
        patch.set_alpha(0.6)
        if row.get("extra"):
            patch.set_hatch("//")
    if spec.get("show_points", True):
        rng = np.random.default_rng(0)  # horizontal jitter only, for legibility
        for i, v in enumerate(values):
            ax.scatter(i + 1 + rng.uniform(-0.12, 0.12, len(v)), v, s=9, color="k", alpha=0.5, zorder=3)
    metric = res.table.get("metric", "test.acc")
    n = sorted({len(v) for v in values})
    ax.set(xlabel=spec.get("xlabel", "setting"),
           ylabel=spec.get("ylabel", METRIC_NAMES.get(metric, metric)))  # fmt: skip
    ax.set_title(f"{METRIC_NAMES.get(metric, metric)} over {'/'.join(map(str, n))} runs per setting", fontsize="small")
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=20)
