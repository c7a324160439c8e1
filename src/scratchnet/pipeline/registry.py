"""Registries of the pipeline's kinds of step, each with its parameter spec (which also drives config validation).

- **run kinds** (config ``experiments.<name>.model``): how one run (experiment, variant, seed) is trained and
  evaluated: our engine's models, scikit-learn estimators, ... Modules in :mod:`scratchnet.pipeline.kinds`.
- **analysis kinds** (config ``analyses.<name>.kind``): a computation on trained models and their splits whose result
  is a table (JSON) and arrays (npz), computed once and read by figures and report pages. Modules in
  :mod:`scratchnet.pipeline.analyses`.
- **figure kinds** (config ``reports.<id>.figures.<name>.kind``): drawing from results only. Modules in
  :mod:`scratchnet.pipeline.figures`.

Adding a kind is one small module in the matching package (named for what it computes), decorated with
:func:`run_kind`, :func:`analysis_kind` or :func:`figure_kind`, and its line in :mod:`.kind_index`; a lookup by name
imports only that module. Neither the Snakefile nor this file changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .kind_index import KIND_MODULES, PACKAGES
from .params import Param


@dataclass(frozen=True)
class RunSpec:
    """One run as the rule hands it to its job: names, seed and the resolved (validated) parameters."""

    experiment: str
    variant: str
    seed: int
    kind: str
    params: dict[str, Any]

    @property
    def where(self) -> str:
        return f"experiments.{self.experiment} (variant {self.variant}, seed {self.seed})"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunSpec:
        return cls(str(d["experiment"]), str(d["variant"]), int(d["seed"]), str(d["kind"]), dict(d["params"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "variant": self.variant,
            "seed": self.seed,
            "kind": self.kind,
            "params": self.params,
        }


# train(run, data_npz, model_out, history_out) -> None
TrainFn = Callable[[RunSpec, str, str, str], Any]
# evaluate(run, model_path, history_path, data_npz, metrics_out, predictions_out) -> dict
EvaluateFn = Callable[[RunSpec, str, str, str, str, str], Any]


@dataclass(frozen=True)
class RunKind:
    name: str
    params: Mapping[str, Param]
    train: TrainFn
    evaluate: EvaluateFn
    required: tuple[str, ...] = ("split",)
    validate: Callable[[dict[str, Any]], list[str]] | None = None  # cross-key checks on resolved params
    doc: str = ""
    scalars: tuple[str, ...] = ()  # run scalars its evaluation adds to the default ones (metrics.json "scalars")
    # keys its training history records per epoch (``val_*`` named for the monitored part, see
    # run_steps.history_names); None: not declared, so figures' series of its runs are not checked
    history: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RunFiles:
    """A trained run as an analysis or a figure receives it: names, parameters and file paths."""

    experiment: str
    variant: str
    seed: int
    params: dict[str, Any]
    model: str
    history: str
    metrics: str
    predictions: str
    data: str

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RunFiles:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class AnalysisJob:
    """An analysis job: its name, kind, parameters, input runs by role (a list per role: one per seed for
    ``seed: all``), and its two outputs."""

    name: str
    kind: str
    params: dict[str, Any]
    inputs: dict[str, list[RunFiles]]
    json_out: str
    npz_out: str

    @property
    def where(self) -> str:
        return f"analyses.{self.name}"

    def one(self, role: str) -> RunFiles:
        runs = self.inputs.get(role, [])
        if len(runs) != 1:
            raise ValueError(f"{self.where}: input {role!r} must be exactly one run, got {len(runs)}")
        return runs[0]


@dataclass(frozen=True)
class AnalysisKind:
    name: str
    params: Mapping[str, Param]
    run: Callable[[AnalysisJob], Any]
    roles: tuple[str, ...] = ()  # input roles the analysis needs (config ``inputs.<role>``)
    required: tuple[str, ...] = ()
    validate: Callable[[dict[str, Any]], list[str]] | None = None
    doc: str = ""


@dataclass(frozen=True)
class FigureKind:
    name: str
    draw: Callable[..., Any]
    params: Mapping[str, Param] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    doc: str = ""
    # options whose values (a key, a list of keys, or a list of lists) are history keys of the runs it draws (the
    # referenced experiments', or those of the referenced analyses' inputs): checked at DAG build
    history: tuple[str, ...] = ()


RUN_KINDS: dict[str, RunKind] = {}
ANALYSIS_KINDS: dict[str, AnalysisKind] = {}
FIGURE_KINDS: dict[str, FigureKind] = {}


def _add(table: dict[str, Any], item: Any, what: str) -> None:
    if item.name in table and table[item.name] != item:
        raise ValueError(f"{what} {item.name!r} registered twice")
    table[item.name] = item


def run_kind(
    name: str,
    params: Mapping[str, Param],
    evaluate: EvaluateFn,
    required: tuple[str, ...] = ("split",),
    validate: Callable[[dict[str, Any]], list[str]] | None = None,
    scalars: tuple[str, ...] = (),
    history: tuple[str, ...] | None = None,
) -> Callable[[TrainFn], TrainFn]:
    """Register the decorated ``train(run, data_npz, model_out, history_out)`` as run kind ``name``; ``scalars``
    names the run scalars its ``evaluate`` adds (so that ``select_by`` and claims naming them are checked),
    ``history`` the keys its training history records per epoch (so that figures' series, ``epoch.<N>.<key>``
    metrics and ``{{reach}}`` keys naming them are checked)."""

    def deco(train: TrainFn) -> TrainFn:
        kind = RunKind(name, params, train, evaluate, required, validate, train.__doc__ or "", scalars, history)
        _add(RUN_KINDS, kind, "run kind")
        return train

    return deco


def analysis_kind(
    name: str,
    params: Mapping[str, Param],
    roles: tuple[str, ...],
    required: tuple[str, ...] = (),
    validate: Callable[[dict[str, Any]], list[str]] | None = None,
) -> Callable[[Callable[[AnalysisJob], Any]], Callable[[AnalysisJob], Any]]:
    """Register the decorated ``run(job: AnalysisJob)`` as analysis kind ``name`` (it writes job.json_out/npz_out)."""

    def deco(fn: Callable[[AnalysisJob], Any]) -> Callable[[AnalysisJob], Any]:
        _add(ANALYSIS_KINDS, AnalysisKind(name, params, fn, roles, required, validate, fn.__doc__ or ""), "analysis")
        return fn

    return deco


def figure_kind(
    name: str,
    params: Mapping[str, Param] | None = None,
    required: tuple[str, ...] = (),
    history: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated ``draw(ctx: FigureContext)`` as figure kind ``name``; ``history`` names its options
    that hold history keys of its runs (checked against what their run kinds record)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        kind = FigureKind(name, fn, dict(params or {}), required, fn.__doc__ or "", history)
        _add(FIGURE_KINDS, kind, "figure kind")
        return fn

    return deco


def _resolve(table: dict[str, Any], what: str, name: Any, label: str) -> Any:
    """The kind ``name`` of ``what`` (a key of :data:`KIND_MODULES`), importing only the module that holds it."""
    if name not in table:
        modules = KIND_MODULES[what]
        if name not in modules:
            return lookup(modules, name, label)  # raises, naming the known kinds
        importlib.import_module(f"{PACKAGES[what]}.{modules[name]}")
    return lookup(table, name, label)


def get_run_kind(name: str) -> RunKind:
    return _resolve(RUN_KINDS, "run", name, "run kind (experiments.<name>.model)")


def get_analysis_kind(name: str) -> AnalysisKind:
    return _resolve(ANALYSIS_KINDS, "analysis", name, "analysis kind")


def get_figure_kind(name: str) -> FigureKind:
    return _resolve(FIGURE_KINDS, "figure", name, "figure kind")


def kind_names(what: str) -> list[str]:
    """Every kind name of ``what`` (``run``, ``analysis``, ``figure``), from the index: nothing is imported."""
    return sorted(KIND_MODULES[what])


def load_all() -> dict[str, dict[str, str]]:
    """Import every module of the three kind packages (each registers its kinds) and return what they registered:
    ``{"run" | "analysis" | "figure": {kind name: module name}}``, to compare with :data:`KIND_MODULES`. For tests
    and tools (the schema's name lists); jobs resolve their one kind with ``get_*_kind``."""
    for pkg_name in PACKAGES.values():
        pkg = importlib.import_module(pkg_name)
        for mod in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{pkg_name}.{mod.name}")

    def module_of(fn: Callable[..., Any]) -> str:
        return fn.__module__.rsplit(".", 1)[1]

    return {
        "run": {k: module_of(v.train) for k, v in RUN_KINDS.items()},
        "analysis": {k: module_of(v.run) for k, v in ANALYSIS_KINDS.items()},
        "figure": {k: module_of(v.draw) for k, v in FIGURE_KINDS.items()},
    }


def lookup(table: Mapping[str, Any], name: Any, what: str) -> Any:
    """``table[name]``, or a ValueError naming the value, the nearest known name and all known names."""
    import difflib

    if name in table:
        return table[name]
    near = difflib.get_close_matches(str(name), list(table), n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise ValueError(f"unknown {what} {name!r}{hint} (known: {', '.join(sorted(table))})")
