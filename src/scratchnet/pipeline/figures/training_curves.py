"""Training curves: the running cost and stopping signal per update, loss and accuracy per epoch, a grid of
loss-curve panels (e.g. activation × initialisation) and curves side by side per experiment. All read runs'
histories only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..params import Param
from ..registry import figure_kind
from . import LABELS, LINESTYLES, FigureContext, Run

WINDOW = Param("int", "running-cost window (updates)", min=1)
SERIES = Param("strs", "history keys to plot", min_len=1)


def _handle(**style: Any) -> Any:
    """A legend entry: a line without data (matplotlib imported when a figure is drawn, not at the DAG build)."""
    from matplotlib.lines import Line2D

    return Line2D([], [], **style)


def _params(run: Run) -> dict[str, Any]:
    return run.experiment.run_params(run.variant)


def _label(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


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


@figure_kind("epoch_curves", {
        "series": Param("strs", "history keys to plot", min_len=1),
        "x": Param("str", "history key on the x axis (epoch, updates)"),
        "compare_runs": Param("bool", "one colour per run, one line style per series"),
        "logx": Param("bool", "log x axis"),
        "logy": Param("bool", "log y axis"),
        "legend_loc": Param("str", "matplotlib legend location of the runs"),
        "series_legend_loc": Param("str", "matplotlib legend location of the series"),
        **LABELS,
    }, history=("series", "x"))
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
            _handle(color=f"C{i % 10}", label=r.variant if one_experiment else r.label) for i, r in enumerate(runs)
        ]
        legend = ax.legend(handles=run_handles, fontsize="small", loc=spec.get("legend_loc", "best"))
        ax.add_artist(legend)
        if len(keys) > 1:
            key_handles = [
                _handle(color="0.3", linestyle=LINESTYLES[j % len(LINESTYLES)], label=k) for j, k in enumerate(keys)
            ]
            ax.legend(handles=key_handles, fontsize="small", loc=spec.get("series_legend_loc", "lower left"))
    else:
        ax.legend(fontsize="small")


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
    history=("series",),
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
    handles = [_handle(color=f"C{s}", label=k) for s, k in enumerate(keys)]
    handles.append(_handle(color="0.5", linestyle=":", label="best epoch (weights kept)"))
    axes[0][0].legend(handles=handles, fontsize="x-small")


@figure_kind(
    "curves_by_experiment",
    {
        "series": SERIES,
        "titles": Param("mapping", "panel title per experiment"),
        "logy": Param("bool", "log y axis"),
        "ylabel": Param("str", "y-axis label"),
    },
    history=("series",),
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
        handles = [_handle(color=f"C{i % 10}", label=v) for i, v in enumerate(variants)]
        handles += [_handle(color="0.3", linestyle=LINESTYLES[s % 4], label=k) for s, k in enumerate(keys)]
        ax.legend(handles=handles, fontsize="x-small")
    axes[0].set_ylabel(spec.get("ylabel", ", ".join(keys)))
