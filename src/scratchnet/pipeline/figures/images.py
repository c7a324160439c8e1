"""Image grids: examples per class, misclassified test images, random test images with their class names, and
test images above their reconstructions.
"""

from __future__ import annotations

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import CLASS_NAMES, PART, FigureContext, class_names, image_grid, one_run


@figure_kind(
    "misclassified", {"part": PART, "max_images": Param("int", "images at most", min=1), "class_names": CLASS_NAMES}
)
def fig_misclassified(ctx: FigureContext) -> None:
    spec, runs, ax = ctx.spec, ctx.runs, ctx.ax
    r = one_run(runs, "misclassified")
    part = spec.get("part", "test")
    data = r.data()
    X, y = data[f"X_{part}"], data[f"y_{part}"]
    pred = r.predictions()[f"{part}_pred"]
    wrong = np.flatnonzero(pred != y)[: int(spec.get("max_images", 32))]
    labels = np.unique(y)
    names = dict(zip(labels.tolist(), class_names(spec, labels), strict=True))
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
    names = dict(zip(labels.tolist(), class_names(spec, labels), strict=True))
    images, titles = [], []
    for c in labels:
        for i in np.flatnonzero(y == c)[:per]:
            images.append(X[i])
            titles.append(f"{names[c]} ({c})")
    image_grid(ax.figure, images, titles, ncols=per)


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
