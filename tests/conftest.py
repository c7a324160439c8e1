"""Shared test helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ("Snakefile", "workflow", "config", "profiles", "environment.yml")


def copy_workflow(dest: Path, with_sources: bool = False) -> Path:
    """A scratch copy of the workflow (and, ``with_sources``, of ``src/``) in ``dest``, which it returns."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in WORKFLOW + (("src",) if with_sources else ()):
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, dest / item)
    return dest


def _update(a: dict, b: dict) -> None:
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            _update(a[k], v)
        else:
            a[k] = v


def load_merged_config(reduced: bool = False) -> dict:
    """The configuration as the Snakefile merges it: config.yaml, then config/seeds/*.yaml, then (reduced) ci.yaml
    and config/reduced/*.yaml; dicts merge, lists are replaced."""
    cfg = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for f in sorted((ROOT / "config" / "seeds").glob("*.yaml")):
        _update(cfg, yaml.safe_load(f.read_text()))
    if reduced:
        _update(cfg, yaml.safe_load((ROOT / "config" / "ci.yaml").read_text()))
        for f in sorted((ROOT / "config" / "reduced").glob("*.yaml")):
            _update(cfg, yaml.safe_load(f.read_text()))
    return cfg


@pytest.fixture(scope="session")
def merged_config():
    """``merged_config(reduced=False) -> dict``: see :func:`load_merged_config`."""
    return load_merged_config
