"""Experiments as declared in configuration, expanded into runs (experiment, variant, seed).

An experiment's ``params`` is one flat mapping: TrainConfig fields (``lr``, ``epochs``, ``batch_size``, ...) go to
training, ``split`` names the data split, ``hidden`` / ``output`` are conveniences that build ``layer_sizes`` from
the data, and everything else is a constructor argument of the model. ``variants`` (name → overrides) or ``grid``
(key → list of values, expanded as a Cartesian product with names like ``hidden32_lr0.1``) produce the variants.
This module knows nothing of Snakemake.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, fields
from typing import Any

from ..train import TrainConfig

TRAIN_KEYS = {f.name for f in fields(TrainConfig)}
RUN_KEYS = {"split", "hidden", "output", "monitor"}


def _fmt(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(_fmt(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "none"
    return str(value)


def variant_name(overrides: dict[str, Any]) -> str:
    return "_".join(f"{k}{_fmt(v)}" for k, v in overrides.items()) or "default"


@dataclass(frozen=True)
class Experiment:
    name: str
    report: str
    model: str
    params: dict[str, Any]
    variants: dict[str, dict[str, Any]]
    seeds: tuple[int, ...]
    select_by: str = "val_acc"
    description: str = ""
    trainer: str = "scratchnet"
    extra: dict[str, Any] = field(default_factory=dict)

    def run_params(self, variant: str) -> dict[str, Any]:
        if variant not in self.variants:
            raise KeyError(f"experiment {self.name!r} has no variant {variant!r}; known: {sorted(self.variants)}")
        return {**self.params, **self.variants[variant]}

    def split_of(self, variant: str) -> str:
        split = self.run_params(variant).get("split")
        if not split:
            raise KeyError(f"experiment {self.name!r}, variant {variant!r}: no 'split' given")
        return split

    @property
    def splits(self) -> list[str]:
        return sorted({self.split_of(v) for v in self.variants})

    def runs(self) -> list[tuple[str, int]]:
        return [(v, s) for v in self.variants for s in self.seeds]


def expand_variants(spec: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    variants = spec.get("variants")
    grid = spec.get("grid")
    if variants and grid:
        raise ValueError(f"{where}: give 'variants' or 'grid', not both")
    if variants:
        return {str(k): dict(v or {}) for k, v in variants.items()}
    if grid:
        keys = list(grid)
        for k in keys:
            if not isinstance(grid[k], list) or not grid[k]:
                raise ValueError(f"{where}.grid.{k}: must be a non-empty list, got {grid[k]!r}")
        out = {}
        for combo in itertools.product(*(grid[k] for k in keys)):
            overrides = dict(zip(keys, combo, strict=True))
            out[variant_name(overrides)] = overrides
        return out
    return {"default": {}}


def load_experiments(config: dict[str, Any]) -> dict[str, Experiment]:
    """Expand ``config['experiments']`` into :class:`Experiment` objects (validated references)."""
    default_seeds = tuple(config.get("seeds", [0]))
    splits = config.get("splits", {})
    out: dict[str, Experiment] = {}
    for name, spec in config.get("experiments", {}).items():
        where = f"experiments.{name}"
        if "/" in name or not name:
            raise ValueError(f"{where}: experiment names may not contain '/'")
        exp = Experiment(
            name=name,
            report=str(spec["report"]),
            model=spec["model"],
            params=dict(spec.get("params", {})),
            variants=expand_variants(spec, where),
            seeds=tuple(spec.get("seeds", default_seeds)),
            select_by=spec.get("select_by", "val_acc"),
            description=spec.get("description", ""),
            trainer=spec.get("trainer", "scratchnet"),
            extra={k: v for k, v in spec.items() if k == "options"},
        )
        for v in exp.variants:
            split = exp.split_of(v)
            if split not in splits:
                raise ValueError(f"{where}: variant {v!r} uses split {split!r}, not declared under 'splits'")
        out[name] = exp
    return out


def resolve(params: dict[str, Any], n_features: int, n_classes: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split flat run parameters into (model kwargs, train kwargs), building ``layer_sizes`` from ``hidden``.

    ``output``: ``"sigmoid"`` (one output unit; the default for two classes) or ``"softmax"`` (one unit per class).
    """
    model_kw: dict[str, Any] = {}
    train_kw: dict[str, Any] = {}
    for k, v in params.items():
        if k in TRAIN_KEYS:
            train_kw[k] = v
        elif k not in RUN_KEYS:
            model_kw[k] = v
    if "hidden" in params:
        output = params.get("output", "sigmoid" if n_classes == 2 else "softmax")
        if output not in ("sigmoid", "softmax", "identity"):
            raise ValueError(f"output must be 'sigmoid', 'softmax' or 'identity', got {output!r}")
        n_out = 1 if output == "sigmoid" else n_classes
        model_kw["layer_sizes"] = [n_features, *list(params["hidden"] or []), n_out]
    return model_kw, train_kw
