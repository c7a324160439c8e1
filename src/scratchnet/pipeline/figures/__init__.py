"""Figures, drawn from results only. A figure spec (config ``reports.<id>.figures.<name>``) has a ``kind`` (a
registered figure kind, see :mod:`scratchnet.pipeline.registry`), the kind's options, and ``runs``: references
``{experiment, variant: selected | all | <name>, seed: <int> | all}`` (default: the selected variant, the
experiment's first seed), ``{split}`` for data-only figures, or ``{analysis}`` for an analysis's results."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ...atomic import atomic_write_bytes
from ...persist import load_model
from ...train import History
from .. import paths
from ..io import read_json, read_npz
from ..params import Param
from ..spec import Experiment

# Options every figure accepts, besides its kind's own.
COMMON: dict[str, Param] = {
    "kind": Param("str", "figure kind"),
    "runs": Param("any", "what the figure draws: run, split or analysis references"),
    "caption": Param("str", "caption on the report page"),
    "title": Param("str", "title above the figure"),
    "size": Param("floats", "width and height in inches", min=0, exclusive_min=True, min_len=2),
    "dpi": Param("int", "resolution", min=20),
}


# Options and helpers several figure kinds share.
PARTS = ("train", "val", "test")
PART = Param("name", "which part", choices=PARTS)
CLASS_NAMES = Param("any", "display name per class label, in label order")
LABELS = {"xlabel": Param("str", "x-axis label"), "ylabel": Param("str", "y-axis label")}
LINESTYLES = ("-", "--", ":", "-.")


@dataclass
class Run:
    experiment: Experiment
    variant: str
    seed: int
    layout: paths.Layout = field(default_factory=paths.Layout)

    @property
    def label(self) -> str:
        return f"{self.experiment.name} / {self.variant}"

    def file(self, template: str) -> str:
        return self.layout.run(template, self.experiment.name, self.variant, self.seed)

    def history(self) -> History:
        return History.from_dict(read_json(self.file(paths.HISTORY)))

    def model(self):
        return load_model(self.file(paths.MODEL))

    def metrics(self) -> dict[str, Any]:
        return read_json(self.file(paths.METRICS))

    def predictions(self) -> dict[str, np.ndarray]:
        return read_npz(self.file(paths.PREDICTIONS))

    def data(self) -> dict[str, np.ndarray]:
        return read_npz(self.layout(paths.SPLIT_DATA, split=self.experiment.split_of(self.variant)))


@dataclass
class AnalysisResult:
    """An analysis's outputs: ``table`` (its JSON) and ``arrays`` (its npz), read on first use."""

    name: str
    layout: paths.Layout

    @cached_property
    def table(self) -> dict[str, Any]:
        return read_json(self.layout(paths.ANALYSIS_JSON, analysis=self.name))

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        return read_npz(self.layout(paths.ANALYSIS_NPZ, analysis=self.name))


@dataclass
class FigureContext:
    """What a figure kind draws from and on: its spec, the resolved runs and analyses, and the matplotlib figure
    (``ax`` creates a single axes on first use; multi-panel kinds lay out ``fig`` themselves)."""

    spec: dict[str, Any]
    runs: list[Run]
    analyses: dict[str, AnalysisResult]
    fig: Any
    layout: paths.Layout
    _ax: Any = None

    @property
    def ax(self):
        if self._ax is None:
            self._ax = self.fig.add_subplot(111)
        return self._ax

    def split_data(self, split: str) -> dict[str, np.ndarray]:
        return read_npz(self.layout(paths.SPLIT_DATA, split=split))

    def analysis(self) -> AnalysisResult:
        """The single analysis this figure references."""
        if len(self.analyses) != 1:
            raise ValueError(f"figure needs exactly one analysis reference, got {sorted(self.analyses)}")
        return next(iter(self.analyses.values()))


def resolve_runs(spec: dict[str, Any], experiments: dict[str, Experiment], layout: paths.Layout) -> list[Run]:
    """The runs a figure spec references (``variant: selected`` reads the experiment's summary)."""
    runs = []
    for ref in spec.get("runs", []):
        if "experiment" not in ref:
            continue
        exp = experiments[ref["experiment"]]
        seed_ref = ref.get("seed", exp.seeds[0])
        seeds = list(exp.seeds) if seed_ref == "all" else [int(seed_ref)]
        which = ref.get("variant", "selected")
        if which == "selected":
            summary = read_json(layout(paths.SUMMARY, experiment=exp.name))
            variants = [summary["selected"]]
        elif which == "all":
            variants = list(exp.variants)
        else:
            variants = [which]
        runs += [Run(exp, v, s, layout) for v in variants for s in seeds]
    return runs


def image_grid(fig, images: list[np.ndarray], titles: list[str], ncols: int = 8) -> None:
    """Square grey images in a grid of ``ncols`` columns, each with its title (clears ``fig``)."""
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


def make_figure(
    spec: dict[str, Any], experiments: dict[str, dict[str, Any]], layout: dict[str, str], out: str | Path
) -> None:
    """Draw one figure into ``out`` (PNG, written atomically). ``experiments``: the referenced experiments as
    :meth:`Experiment.to_dict`; ``layout``: the output roots (:meth:`Layout.to_dict`)."""
    from ..registry import get_figure_kind

    kind = get_figure_kind(spec.get("kind"))
    lay = paths.Layout(**layout)
    exps = {name: Experiment.from_dict(d) for name, d in experiments.items()}
    import matplotlib  # here, not at module level: the DAG build imports this package for the figure kinds' options

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=tuple(spec.get("size", (7, 4.5))))
    analyses = {ref["analysis"]: AnalysisResult(ref["analysis"], lay) for ref in spec["runs"] if "analysis" in ref}
    ctx = FigureContext(spec, resolve_runs(spec, exps, lay), analyses, fig, lay)
    kind.draw(ctx)
    if spec.get("title"):
        fig.suptitle(spec["title"])
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=int(spec.get("dpi", 110)))
    plt.close(fig)
    atomic_write_bytes(Path(out), png.getvalue())


def one_run(runs: list[Run], kind: str) -> Run:
    """The one run a figure of ``kind`` draws, or a ValueError naming what it got."""
    if len(runs) != 1:
        raise ValueError(f"figure kind {kind!r} needs exactly one run, got {[r.label for r in runs]}")
    return runs[0]


def class_names(spec: dict[str, Any], labels: np.ndarray) -> list[str]:
    """The spec's ``class_names`` when it names every label, else the labels themselves."""
    names = spec.get("class_names")
    return [str(n) for n in names] if names and len(names) == len(labels) else [str(v) for v in labels]
