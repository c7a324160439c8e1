"""How a classifier's predictions look: points coloured by class with the decision regions, the confusion
matrix, histograms of the predicted probability per class and the ROC curve.
"""

from __future__ import annotations

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import CLASS_NAMES, LABELS, PART, PARTS, FigureContext, class_names, one_run


@figure_kind("scatter", {"parts": Param("strs", "parts drawn", choices=PARTS, min_len=1), **LABELS})
def fig_scatter(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = one_run(runs, "scatter")
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
    r = one_run(runs, "confusion")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    labels = np.unique(np.concatenate([y, pred]))
    from sklearn import metrics as skm  # here, not at module level: the DAG build imports this module

    cm = skm.confusion_matrix(y, pred, labels=labels)
    skm.ConfusionMatrixDisplay(cm, display_labels=class_names(spec, labels)).plot(ax=ax, colorbar=False)
    ax.set_title(f"{r.label}, {part} (seed {r.seed})", fontsize="small")


@figure_kind("probability_histogram", {"part": PART, "class_names": CLASS_NAMES})
def fig_probability_histogram(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = one_run(runs, "probability_histogram")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    proba = r.predictions()[f"{part}_proba"][:, 1]
    labels = np.unique(y)
    for c, name in zip(labels, class_names(spec, labels), strict=True):
        ax.hist(proba[y == c], bins=30, range=(0, 1), alpha=0.6, label=f"true {name}")
    ax.set(xlabel=f"predicted P(class {labels[-1]})", ylabel="count")
    ax.legend()


@figure_kind("roc", {"part": PART})
def fig_roc(ctx: FigureContext) -> None:
    from sklearn import metrics as skm  # here, not at module level: the DAG build imports this module

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
