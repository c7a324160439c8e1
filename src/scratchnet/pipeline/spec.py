"""Experiments as declared in configuration, expanded into runs (experiment, variant, seed).

An experiment's ``model`` names a registered run kind (:mod:`scratchnet.pipeline.registry`) and its ``params`` is one
flat mapping that the run kind's parameter spec checks (``split`` names the data split). ``variants``
(name → overrides) or ``grid`` (key → list of values, expanded as a Cartesian product with names like
``hidden32_lr0.1``) produce the variants.
This module knows nothing of Snakemake.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

from .registry import RunSpec


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

    def run_spec(self, variant: str, seed: int) -> RunSpec:
        return RunSpec(self.name, variant, int(seed), self.model, self.run_params(variant))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["seeds"] = list(self.seeds)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Experiment:
        return cls(**{**d, "seeds": tuple(d["seeds"]), "variants": {k: dict(v) for k, v in d["variants"].items()}})


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
    """Expand ``config['experiments']`` into :class:`Experiment` objects (checked by :mod:`.validate`)."""
    default_seeds = tuple(config.get("seeds", [0]))
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
        )
        out[name] = exp
    return out

