"""Figures, drawn from results only. A figure spec (config ``reports.<id>.figures.<name>``) has a ``kind`` and
``runs``: references ``{experiment, variant: selected | all | <name>, seed}`` (default: the selected variant, the
experiment's first seed) or ``{split}`` for data-only figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from sklearn import metrics as skm  # noqa: E402

from ..persist import load_model  # noqa: E402
from ..train import History  # noqa: E402
from . import paths  # noqa: E402
from .io import read_json, read_npz  # noqa: E402
from .spec import Experiment  # noqa: E402


@dataclass
class Run:
    experiment: Experiment
    variant: str
    seed: int

    @property
    def label(self) -> str:
        return f"{self.experiment.name} / {self.variant}"

    def file(self, template: str) -> str:
        return paths.run_path(template, self.experiment.name, self.variant, self.seed)

    def history(self) -> History:
        return History.from_dict(read_json(self.file(paths.HISTORY)))

    def model(self):
        return load_model(self.file(paths.MODEL))

    def predictions(self) -> dict[str, np.ndarray]:
        return read_npz(self.file(paths.PREDICTIONS))

    def data(self) -> dict[str, np.ndarray]:
        return read_npz(paths.SPLIT_DATA.format(split=self.experiment.split_of(self.variant)))


def resolve_runs(spec: dict[str, Any], experiments: dict[str, Experiment]) -> list[Run]:
    runs = []
    for ref in spec.get("runs", []):
        if "experiment" not in ref:
            continue
        if ref["experiment"] not in experiments:
            raise KeyError(f"figure refers to unknown experiment {ref['experiment']!r}")
        exp = experiments[ref["experiment"]]
        seed = int(ref.get("seed", exp.seeds[0]))
        which = ref.get("variant", "selected")
        if which == "selected":
            summary = read_json(paths.SUMMARY.format(experiment=exp.name))
            variants = [summary["selected"]]
        elif which == "all":
            variants = list(exp.variants)
        else:
            variants = [which]
        runs += [Run(exp, v, seed) for v in variants]
    return runs


def _one(runs: list[Run], kind: str) -> Run:
    if len(runs) != 1:
        raise ValueError(f"figure kind {kind!r} needs exactly one run, got {[r.label for r in runs]}")
    return runs[0]


def _class_names(spec: dict[str, Any], labels: np.ndarray) -> list[str]:
    names = spec.get("class_names")
    return [str(n) for n in names] if names and len(names) == len(labels) else [str(v) for v in labels]


def fig_running_cost(spec, runs, ax):
    window = int(spec.get("window", 100))
    for r in runs:
        idx, rc = r.history().running_cost(window=window)
        ax.plot(idx, rc, label=r.label)
    ax.set(xlabel="update", ylabel=f"running cost (mean of last {window} updates)")
    ax.legend(fontsize="small")


def fig_stopping_signal(spec, runs, ax):
    window = int(spec.get("window", 100))
    for r in runs:
        idx, sig = r.history().stopping_signal(window=window)
        ax.semilogy(idx, np.maximum(sig, 1e-12), label=r.label)
    ax.set(xlabel="update", ylabel="|change of running cost| between checkpoints")
    ax.legend(fontsize="small")


LINESTYLES = ("-", "--", ":", "-.")


def fig_epoch_curves(spec, runs, ax):
    """History keys (``series``) against ``x`` (a history key: ``epoch``, the default, or ``updates``).

    Options: ``compare_runs: true`` gives each run one colour and each series one line style, with a legend of
    runs (variant names when all runs share an experiment) and one of series; ``logx`` / ``logy: true`` (a log
    x axis leaves out x = 0, e.g. the record before the first update). Epochs without an evaluation
    (``eval_every`` > 1) are skipped, so the lines stay connected.
    """
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


def fig_scatter(spec, runs, ax):
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


def fig_confusion(spec, runs, ax):
    r = _one(runs, "confusion")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    labels = np.unique(np.concatenate([y, pred]))
    cm = skm.confusion_matrix(y, pred, labels=labels)
    skm.ConfusionMatrixDisplay(cm, display_labels=_class_names(spec, labels)).plot(ax=ax, colorbar=False)
    ax.set_title(f"{r.label}, {part} (seed {r.seed})", fontsize="small")


def fig_probability_histogram(spec, runs, ax):
    r = _one(runs, "probability_histogram")
    part = spec.get("part", "test")
    y = r.data()[f"y_{part}"]
    proba = r.predictions()[f"{part}_proba"][:, 1]
    labels = np.unique(y)
    for c, name in zip(labels, _class_names(spec, labels), strict=True):
        ax.hist(proba[y == c], bins=30, range=(0, 1), alpha=0.6, label=f"true {name}")
    ax.set(xlabel=f"predicted P(class {labels[-1]})", ylabel="count")
    ax.legend()


def fig_roc(spec, runs, ax):
    for r in runs:
        part = spec.get("part", "test")
        y = r.data()[f"y_{part}"]
        proba = r.predictions()[f"{part}_proba"][:, 1]
        fpr, tpr, _ = skm.roc_curve(y == np.unique(y)[-1], proba)
        ax.plot(fpr, tpr, label=f"{r.label} (AUC {skm.auc(fpr, tpr):.4f})")
    ax.plot([0, 1], [0, 1], "k--", linewidth=0.8, label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate")
    ax.legend(fontsize="small")


def _image_grid(fig, images: list[np.ndarray], titles: list[str], ncols: int = 8) -> None:
    fig.clf()
    n = max(1, len(images))
    nrows = int(np.ceil(n / ncols))
    fig.set_size_inches(1.3 * ncols, 1.5 * nrows + 0.4)
    if not images:
        fig.text(0.5, 0.5, "no images", ha="center")
        return
    for i, (img, title) in enumerate(zip(images, titles, strict=True)):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        side = int(round(np.sqrt(img.size)))
        ax.imshow(img.reshape(side, side), cmap="gray")
        ax.set_title(title, fontsize=7)
        ax.axis("off")


def fig_misclassified(spec, runs, ax):
    r = _one(runs, "misclassified")
    part = spec.get("part", "test")
    data = r.data()
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    wrong = np.flatnonzero(pred != y)[: int(spec.get("max_images", 32))]
    labels = np.unique(y)
    names = dict(zip(labels.tolist(), _class_names(spec, labels), strict=True))
    _image_grid(ax.figure, [X[i] for i in wrong], [f"true {names[y[i]]} / pred {names[pred[i]]}" for i in wrong])
    ax.figure.suptitle(f"{len(np.flatnonzero(pred != y))} misclassified of {len(y)} ({r.label})", fontsize=9)


def fig_examples(spec, runs, ax, split: str):
    data = read_npz(paths.SPLIT_DATA.format(split=split))
    X, y = data["X_train"], data["y_train"]
    per = int(spec.get("per_class", 8))
    labels = np.unique(y)
    names = dict(zip(labels.tolist(), _class_names(spec, labels), strict=True))
    images, titles = [], []
    for c in labels:
        for i in np.flatnonzero(y == c)[:per]:
            images.append(X[i])
            titles.append(f"{names[c]} ({c})")
    _image_grid(ax.figure, images, titles, ncols=per)


KINDS: dict[str, Callable[..., None]] = {
    "running_cost": fig_running_cost,
    "stopping_signal": fig_stopping_signal,
    "epoch_curves": fig_epoch_curves,
    "scatter": fig_scatter,
    "confusion": fig_confusion,
    "probability_histogram": fig_probability_histogram,
    "roc": fig_roc,
    "misclassified": fig_misclassified,
    "examples": fig_examples,
}


def make_figure(
    spec: dict[str, Any], experiments: dict[str, Experiment], config: dict[str, Any], out: str | Path
) -> None:
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}; known: {sorted(KINDS)}")
    fig, ax = plt.subplots(figsize=tuple(spec.get("size", (7, 4.5))))
    if kind == "examples":
        split = next(ref["split"] for ref in spec["runs"] if "split" in ref)
        fig_examples(spec, [], ax, split)
    else:
        runs = resolve_runs(spec, experiments)
        KINDS[kind](spec, runs, ax)
    if spec.get("title"):
        fig.suptitle(spec["title"])
    fig.tight_layout()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp.png")
    fig.savefig(tmp, dpi=int(spec.get("dpi", 110)))
    plt.close(fig)
    tmp.replace(out)
