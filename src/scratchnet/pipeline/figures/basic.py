"""The basic figure kinds: training curves, decision regions, confusion matrices, probability histograms, ROC
curves, image grids. Each is registered with its options (checked at DAG build)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.lines import Line2D
from sklearn import metrics as skm

from ..params import Param
from ..registry import figure_kind
from . import FigureContext, Run, image_grid

PARTS = ("train", "val", "test")
PART = Param("name", "which part", choices=PARTS)
WINDOW = Param("int", "running-cost window (updates)", min=1)
CLASS_NAMES = Param("any", "display name per class label, in label order")
LABELS = {"xlabel": Param("str", "x-axis label"), "ylabel": Param("str", "y-axis label")}

def _one(runs: list[Run], kind: str) -> Run:
    if len(runs) != 1:
        raise ValueError(f"figure kind {kind!r} needs exactly one run, got {[r.label for r in runs]}")
    return runs[0]


def _class_names(spec: dict[str, Any], labels: np.ndarray) -> list[str]:
    names = spec.get("class_names")
    return [str(n) for n in names] if names and len(names) == len(labels) else [str(v) for v in labels]


@figure_kind("running_cost", {"window": WINDOW})
def fig_running_cost(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    window = int(spec.get("window", 100))
    for r in runs:
        idx, rc = r.history().running_cost(window=window)
        ax.plot(idx, rc, label=r.label)
    ax.set(xlabel="update", ylabel=f"running cost (mean of last {window} updates)")
    ax.legend(fontsize="small")


@figure_kind("stopping_signal", {"window": WINDOW})
def fig_stopping_signal(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    window = int(spec.get("window", 100))
    for r in runs:
        idx, sig = r.history().stopping_signal(window=window)
        ax.semilogy(idx, np.maximum(sig, 1e-12), label=r.label)
    ax.set(xlabel="update", ylabel="|change of running cost| between checkpoints")
    ax.legend(fontsize="small")


LINESTYLES = ("-", "--", ":", "-.")


@figure_kind("epoch_curves", {
        "series": Param("strs", "history keys to plot", min_len=1),
        "x": Param("str", "history key on the x axis (epoch, updates)"),
        "compare_runs": Param("bool", "one colour per run, one line style per series"),
        "logx": Param("bool", "log x axis"),
        "logy": Param("bool", "log y axis"),
        "legend_loc": Param("str", "matplotlib legend location of the runs"),
        "series_legend_loc": Param("str", "matplotlib legend location of the series"),
        **LABELS,
    })
def fig_epoch_curves(ctx: FigureContext) -> None:
    """History keys (``series``) against ``x`` (a history key: ``epoch``, the default, or ``updates``).

    Options: ``compare_runs: true`` gives each run one colour and each series one line style, with a legend of
    runs (variant names when all runs share an experiment) and one of series; ``logx`` / ``logy: true`` (a log
    x axis leaves out x = 0, e.g. the record before the first update). Epochs without an evaluation
    (``eval_every`` > 1) are skipped, so the lines stay connected.
    """
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    keys = spec.get("series", ["train_loss", "val_loss"])
    x_key = spec.get("x", "epoch")
    compare = bool(spec.get("compare_runs", False))
    one_experiment = len({r.experiment.name for r in runs}) == 1
    for i, r in enumerate(runs):
        h = r.history()
        x = h.epoch_series(x_key)
        for j, k in enumerate(keys):
            y = h.epoch_series(k)
            ok = np.isfinite(y) & np.isfinite(x)
            if spec.get("logx"):
                ok &= x > 0
            if compare:
                ax.plot(x[ok], y[ok], color=f"C{i % 10}", linestyle=LINESTYLES[j % len(LINESTYLES)], linewidth=1)
            else:
                ax.plot(x[ok], y[ok], label=f"{r.label}: {k}" if len(runs) > 1 else k)
    if spec.get("logx"):
        ax.set_xscale("log")
    if spec.get("logy"):
        ax.set_yscale("log")
    ax.set(xlabel=spec.get("xlabel", x_key), ylabel=spec.get("ylabel", ", ".join(keys)))
    if compare:
        run_handles = [
            Line2D([], [], color=f"C{i % 10}", label=r.variant if one_experiment else r.label)
            for i, r in enumerate(runs)
        ]
        legend = ax.legend(handles=run_handles, fontsize="small", loc=spec.get("legend_loc", "best"))
        ax.add_artist(legend)
        if len(keys) > 1:
            key_handles = [
                Line2D([], [], color="0.3", linestyle=LINESTYLES[j % len(LINESTYLES)], label=k)
                for j, k in enumerate(keys)
            ]
            ax.legend(handles=key_handles, fontsize="small", loc=spec.get("series_legend_loc", "lower left"))
    else:
        ax.legend(fontsize="small")


@figure_kind("scatter", {"parts": Param("strs", "parts drawn", choices=PARTS, min_len=1), **LABELS})
def fig_scatter(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = _one(runs, "scatter")
    model, data = r.model(), r.data()
    parts = spec.get("parts", ["test"])
    X = np.concatenate([data[f"X_{p}"] for p in parts])
    y = np.concatenate([data[f"y_{p}"] for p in parts])
    pred = model.predict(X)
    if X.shape[1] == 3:
        fig = ax.figure
        ax.remove()
        ax = fig.add_subplot(111, projection="3d")
        for c in np.unique(pred):
            m = pred == c
            ax.scatter(X[m, 0], X[m, 1], X[m, 2], s=12, label=f"predicted {c}")
        wrong = pred != y
        ax.scatter(X[wrong, 0], X[wrong, 1], X[wrong, 2], s=60, facecolors="none", edgecolors="k", label="error")
        ax.set(xlabel="x1", ylabel="x2", zlabel="x3")
    elif X.shape[1] == 2:
        pad = 0.5
        x0, x1 = X[:, 0].min() - pad, X[:, 0].max() + pad
        y0, y1 = X[:, 1].min() - pad, X[:, 1].max() + pad
        gx, gy = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
        grid_pred = model.predict(np.c_[gx.ravel(), gy.ravel()]).reshape(gx.shape)
        classes = np.unique(np.concatenate([y, grid_pred.ravel()]))
        ax.contourf(gx, gy, np.searchsorted(classes, grid_pred), alpha=0.2, levels=len(classes) - 1 or 1)
        ax.contour(gx, gy, np.searchsorted(classes, grid_pred), colors="k", linewidths=0.8)
        markers = {p: m for p, m in zip(("train", "val", "test"), ("o", "s", "^"), strict=True)}
        start = 0
        for p in parts:
            n = len(data[f"y_{p}"])
            sl = slice(start, start + n)
            start += n
            for ci, c in enumerate(np.unique(y)):  # one colour per class, one marker per part
                m = y[sl] == c
                ax.scatter(X[sl][m, 0], X[sl][m, 1], s=14, marker=markers[p], color=f"C{ci}", label=f"{p}, true {c}")
        ax.set(xlabel=spec.get("xlabel", "x1 (standardised)"), ylabel=spec.get("ylabel", "x2 (standardised)"))
    else:
        raise ValueError(f"scatter needs 2 or 3 features, data has {X.shape[1]}")
    if len(parts) > 1:  # one accuracy per part
        sizes = np.cumsum([0] + [len(data[f"y_{p}"]) for p in parts])
        accs = [float(np.mean(pred[a:b] == y[a:b])) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
        text = ", ".join(f"{p} accuracy {a:.3f}" for p, a in zip(parts, accs, strict=True))
        ax.set_title(f"{r.label}: {text}", fontsize="small")
    else:
        acc = float(np.mean(pred == y))
        ax.set_title(f"{r.label}, {'+'.join(parts)} accuracy {acc:.3f}", fontsize="small")
    ax.legend(fontsize="x-small")


@figure_kind("confusion", {"part": PART, "class_names": CLASS_NAMES})
def fig_confusion(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = _one(runs, "confusion")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    labels = np.unique(np.concatenate([y, pred]))
    cm = skm.confusion_matrix(y, pred, labels=labels)
    skm.ConfusionMatrixDisplay(cm, display_labels=_class_names(spec, labels)).plot(ax=ax, colorbar=False)
    ax.set_title(f"{r.label}, {part} (seed {r.seed})", fontsize="small")


@figure_kind("probability_histogram", {"part": PART, "class_names": CLASS_NAMES})
def fig_probability_histogram(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = _one(runs, "probability_histogram")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    proba = r.predictions()[f"{part}_proba"][:, 1]
    labels = np.unique(y)
    for c, name in zip(labels, _class_names(spec, labels), strict=True):
        ax.hist(proba[y == c], bins=30, range=(0, 1), alpha=0.6, label=f"true {name}")
    ax.set(xlabel=f"predicted P(class {labels[-1]})", ylabel="count")
    ax.legend()


@figure_kind("roc", {"part": PART})
def fig_roc(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    for r in runs:
        part = spec.get("part", "test")
        y = r.data()[f"y_{part}"]
        proba = r.predictions()[f"{part}_proba"][:, 1]
        fpr, tpr, _ = skm.roc_curve(y == np.unique(y)[-1], proba)
        ax.plot(fpr, tpr, label=f"{r.label} (AUC {skm.auc(fpr, tpr):.4f})")
    ax.plot([0, 1], [0, 1], "k--", linewidth=0.8, label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate")
    ax.legend(fontsize="small")


@figure_kind(
    "misclassified", {"part": PART, "max_images": Param("int", "images at most", min=1), "class_names": CLASS_NAMES}
)
def fig_misclassified(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = _one(runs, "misclassified")
    part = spec.get("part", "test")
    data = r.data()
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    wrong = np.flatnonzero(pred != y)[: int(spec.get("max_images", 32))]
    labels = np.unique(y)
    names = dict(zip(labels.tolist(), _class_names(spec, labels), strict=True))
    image_grid(ax.figure, [X[i] for i in wrong], [f"true {names[y[i]]} / pred {names[pred[i]]}" for i in wrong])
    ax.figure.suptitle(f"{len(np.flatnonzero(pred != y))} misclassified of {len(y)} ({r.label})", fontsize=9)


@figure_kind("examples", {"per_class": Param("int", "images per class", min=1), "class_names": CLASS_NAMES})
def fig_examples(ctx: FigureContext) -> None:
    spec, ax = ctx.spec, ctx.ax
    split = next(ref["split"] for ref in spec["runs"] if "split" in ref)
    data = ctx.split_data(split)
    X, y = data["X_train"], data["y_train"]
    per = int(spec.get("per_class", 8))
    labels = np.unique(y)
    names = dict(zip(labels.tolist(), _class_names(spec, labels), strict=True))
    images, titles = [], []
    for c in labels:
        for i in np.flatnonzero(y == c)[:per]:
            images.append(X[i])
            titles.append(f"{names[c]} ({c})")
    image_grid(ax.figure, images, titles, ncols=per)


