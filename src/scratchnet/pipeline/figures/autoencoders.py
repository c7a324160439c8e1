"""Figure kinds of seed 002's autoencoder section, drawn from analysis results only (``runs: [{analysis: ...}]``):
annotated heatmaps of the latent size x depth study, image pairs and image matrices, a coloured 2-D embedding and
curves of a table against the noise level. Nothing is computed here that an analysis did not already compute."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import FigureContext

LABELS = {"xlabel": Param("str", "x-axis label"), "ylabel": Param("str", "y-axis label")}


def _array(arrays: dict[str, np.ndarray], name: str, kind: str) -> np.ndarray:
    if name not in arrays:
        raise ValueError(f"figure kind {kind!r}: the analysis has no array {name!r} (has: {', '.join(sorted(arrays))})")
    return arrays[name]


def _show(ax: Any, img: np.ndarray) -> None:
    side = int(round(np.sqrt(img.size)))
    ax.imshow(np.asarray(img, dtype=float).reshape(side, side), cmap="gray", vmin=0.0, vmax=1.0)
    ax.set_xticks([])
    ax.set_yticks([])


@figure_kind("ae_heatmap", {
    "panels": Param("strs", "which panels (values of the analysis's 'losses' array), in order", min_len=1),
    "panel_titles": Param("strs", "a title per panel"),
    "value": Param("name", "what the colour shows", choices=("mean", "sd")),
    "fmt": Param("str", "format of the annotations, e.g. '{:.4f}'"),
    "cmap": Param("str", "matplotlib colour map (low values dark with 'viridis')"),
    **LABELS,
})  # fmt: skip
def fig_ae_heatmap(ctx: FigureContext) -> None:
    """One annotated heatmap per loss of an ``ae_grid`` analysis: latent size on the y axis, depth on the x axis,
    the mean (or sd) over seeds of the reconstruction loss in each cell; each panel has its own colour bar (the two
    losses have different scales). Missing cells are blank."""
    spec, res = ctx.spec, ctx.analysis()
    arrays = res.arrays
    losses = [str(v) for v in _array(arrays, "losses", "ae_heatmap")]
    latent, depth = _array(arrays, "latent", "ae_heatmap"), _array(arrays, "depth", "ae_heatmap")
    values = _array(arrays, spec.get("value", "mean"), "ae_heatmap")
    panels = spec.get("panels", losses)
    titles = spec.get("panel_titles", [f"{p.upper()} loss" for p in panels])
    if len(titles) != len(panels):
        raise ValueError(f"figure kind 'ae_heatmap': {len(titles)} panel_titles for {len(panels)} panels")
    fmt = spec.get("fmt", "{:.4f}")
    cmap = spec.get("cmap", "viridis")
    fig = ctx.fig
    fig.set_size_inches(*spec.get("size", (5.2 * len(panels), 4.4)))
    for n, (panel, title) in enumerate(zip(panels, titles, strict=True)):
        if panel not in losses:
            raise ValueError(f"figure kind 'ae_heatmap': panel {panel!r} not in the analysis (has {losses})")
        v = values[losses.index(panel)]
        ax = fig.add_subplot(1, len(panels), n + 1)
        im = ax.imshow(np.ma.masked_invalid(v), cmap=cmap, aspect="auto")
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        finite = v[np.isfinite(v)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0.0
        for i in range(v.shape[0]):
            for j in range(v.shape[1]):
                if np.isfinite(v[i, j]):
                    ax.text(j, i, fmt.format(v[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if v[i, j] < mid else "black")  # fmt: skip
        ax.set_xticks(range(len(depth)), [str(d) for d in depth])
        ax.set_yticks(range(len(latent)), [str(a) for a in latent])
        ax.set(xlabel=spec.get("xlabel", "depth (Linear layers in the encoder)"),
               ylabel=spec.get("ylabel", "latent size"), title=title)  # fmt: skip


@figure_kind("ae_image_pairs", {
    "left": Param("str", "array of the left images, shape (n, D) or (m, n, D)"),
    "right": Param("str", "array of the right images, same shape"),
    "index": Param("int", "index along the first axis of 3-D arrays", min=0),
    "labels": Param("str", "array of the class of each pair"),
    "left_title": Param("str", "title over each left image"),
    "right_title": Param("str", "title over each right image"),
    "pairs_per_row": Param("int", "pairs side by side", min=1),
})  # fmt: skip
def fig_ae_image_pairs(ctx: FigureContext) -> None:
    """Pairs of images side by side (the seed's originals left, reconstructions right), ``pairs_per_row`` pairs
    per row, each titled with its class."""
    spec, arrays = ctx.spec, ctx.analysis().arrays
    left = _array(arrays, spec.get("left", "originals"), "ae_image_pairs")
    right = _array(arrays, spec.get("right", "reconstructions"), "ae_image_pairs")
    if left.ndim == 3 or right.ndim == 3:
        i = int(spec.get("index", 0))
        if left.ndim != 3 or right.ndim != 3 or i >= len(left):
            raise ValueError(f"figure kind 'ae_image_pairs': index {i} of arrays shaped {left.shape}, {right.shape}")
        left, right = left[i], right[i]
    if left.shape != right.shape:
        raise ValueError(f"figure kind 'ae_image_pairs': left {left.shape} and right {right.shape} differ")
    labels = arrays.get(spec.get("labels", "labels"))
    n = len(left)
    per_row = min(int(spec.get("pairs_per_row", 5)), max(n, 1))
    rows = int(np.ceil(n / per_row))
    fig = ctx.fig
    fig.set_size_inches(*spec.get("size", (2.3 * per_row, 1.45 * rows + 0.3)))
    lt, rt = spec.get("left_title", "original"), spec.get("right_title", "reconstruction")
    for k in range(n):
        r, c = divmod(k, per_row)
        name = f"{labels[k]}: " if labels is not None and len(labels) == n else ""
        for side, img, title in ((0, left[k], f"{name}{lt}"), (1, right[k], rt)):
            ax = fig.add_subplot(rows, 2 * per_row, r * 2 * per_row + 2 * c + side + 1)
            _show(ax, img)
            ax.set_title(title, fontsize=7)


@figure_kind("ae_image_matrix", {
    "array": Param("str", "array of images, shape (R, C, D)"),
    "labels": Param("str", "array of the row (and column) names"),
    "highlight_diagonal": Param("bool", "frame the diagonal images"),
    **LABELS,
})  # fmt: skip
def fig_ae_image_matrix(ctx: FigureContext) -> None:
    """An R x C matrix of images (the seed's centroid interpolation: centroids on the diagonal, mixes of the row
    and column centroids off it), rows and columns named by ``labels``."""
    spec, arrays = ctx.spec, ctx.analysis().arrays
    images = _array(arrays, spec.get("array", "images"), "ae_image_matrix")
    if images.ndim != 3:
        raise ValueError(f"figure kind 'ae_image_matrix': images must have shape (R, C, D), got {images.shape}")
    R, C, _ = images.shape
    labels = arrays.get(spec.get("labels", "labels"))
    names = [str(v) for v in labels] if labels is not None and len(labels) == max(R, C) else None
    fig = ctx.fig
    fig.set_size_inches(*spec.get("size", (0.8 * C + 0.8, 0.8 * R + 0.8)))
    axes = fig.subplots(R, C, squeeze=False)
    for i in range(R):
        for j in range(C):
            ax = axes[i][j]
            _show(ax, images[i, j])
            if i == j and spec.get("highlight_diagonal", True):
                for s in ax.spines.values():
                    s.set_edgecolor("tab:red")
                    s.set_linewidth(2)
            if names and i == 0:
                ax.set_title(names[j], fontsize=8)
            if names and j == 0:
                ax.set_ylabel(names[i], fontsize=8, rotation=0, labelpad=8, va="center")
    if spec.get("xlabel"):
        fig.supxlabel(spec["xlabel"], fontsize=9)
    if spec.get("ylabel"):
        fig.supylabel(spec["ylabel"], fontsize=9)


@figure_kind("ae_embedding", {
    "array": Param("str", "array of the 2-D points, shape (n, 2)"),
    "labels": Param("str", "array of the class of each point"),
    "point_size": Param("float", "marker size", min=0, exclusive_min=True),
    "annotate_centroids": Param("bool", "write each class at the mean of its points"),
    **LABELS,
})  # fmt: skip
def fig_ae_embedding(ctx: FigureContext) -> None:
    """A 2-D embedding (e.g. t-SNE of latent codes), one colour per class, with a legend."""
    spec, arrays = ctx.spec, ctx.analysis().arrays
    E = _array(arrays, spec.get("array", "embedding"), "ae_embedding")
    y = _array(arrays, spec.get("labels", "labels"), "ae_embedding")
    if E.ndim != 2 or E.shape[1] != 2 or len(E) != len(y):
        raise ValueError(f"figure kind 'ae_embedding': points {E.shape} and labels {y.shape} do not match")
    ax = ctx.ax
    ctx.fig.set_size_inches(*spec.get("size", (7, 6)))
    size = float(spec.get("point_size", 3))
    for n, c in enumerate(np.unique(y)):
        pts = E[y == c]
        ax.scatter(pts[:, 0], pts[:, 1], s=size, color=f"C{n % 10}", label=str(c), alpha=0.6, linewidths=0)
        if spec.get("annotate_centroids", True):
            m = pts.mean(axis=0)
            ax.text(m[0], m[1], str(c), fontsize=12, weight="bold", ha="center", va="center",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0})  # fmt: skip
    ax.legend(title="digit", markerscale=4, fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    ax.set(xlabel=spec.get("xlabel", "t-SNE 1"), ylabel=spec.get("ylabel", "t-SNE 2"))


@figure_kind("ae_table_curves", {
    "x": Param("str", "column of the analysis table on the x axis"),
    "panels": Param("any", "a list of panels, each a list of table columns"),
    "panel_ylabels": Param("strs", "a y label per panel"),
    "legend": Param("mapping", "legend text per column (default: the column name)"),
    "xlabel": Param("str", "x-axis label"),
})  # fmt: skip
def fig_ae_table_curves(ctx: FigureContext) -> None:
    """Columns of an analysis's table against one column (e.g. accuracy and error against the noise level), one
    panel per list of columns."""
    spec, res = ctx.spec, ctx.analysis()
    rows = res.table.get("table", [])
    x_key = spec.get("x", "sigma")
    default = [[k for k in rows[0] if k != x_key]] if rows else []
    panels = spec.get("panels") or default
    if not isinstance(panels, list) or any(not isinstance(p, list) for p in panels):
        raise ValueError(f"figure kind 'ae_table_curves': panels must be a list of lists of columns, got {panels!r}")
    ylabels = spec.get("panel_ylabels", [""] * len(panels))
    fig = ctx.fig
    fig.set_size_inches(*spec.get("size", (5 * max(1, len(panels)), 4)))
    for n, cols in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), n + 1)
        for col in cols:
            missing = [i for i, r in enumerate(rows) if col not in r or x_key not in r]
            if missing:
                raise ValueError(f"figure kind 'ae_table_curves': {col!r} or {x_key!r} missing in rows {missing}")
            label = (spec.get("legend") or {}).get(col, col)
            ax.plot([r[x_key] for r in rows], [r[col] for r in rows], marker="o", label=label)
        ax.set(xlabel=spec.get("xlabel", x_key), ylabel=ylabels[n] if n < len(ylabels) else "")
        ax.legend(fontsize="small")
        ax.grid(alpha=0.3)
