"""The declared dependencies agree: every runtime and test dependency of pyproject.toml is in environment.yml (every
rule's conda environment), with the same version range, and every third-party module the package imports is
declared."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "scratchnet"
# pip name -> conda name, where they differ
CONDA_NAME = {"snakemake": "snakemake-minimal"}
# imported module -> pip name, where they differ
PIP_NAME = {"sklearn": "scikit-learn", "yaml": "pyyaml"}
# imported only behind a guard, never required: PyTorch (bench.py's optional cross-check)
OPTIONAL_IMPORTS = {"torch"}


def _requirement(spec: str) -> tuple[str, str]:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*(.*?)\s*", spec)
    assert m, f"cannot read requirement {spec!r}"
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_environment_yml_has_every_runtime_and_test_dependency() -> None:
    project = _pyproject()
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith("python="))
    for spec in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        name, version = _requirement(spec)
        cname = CONDA_NAME.get(name, name)
        assert cname in conda, f"environment.yml lacks {cname} (pyproject.toml: {spec})"
        assert conda[cname] == version, f"environment.yml: {cname}{conda[cname]}, pyproject.toml: {spec}"


def test_every_third_party_import_of_the_package_is_declared() -> None:
    declared = {_requirement(d)[0] for d in _pyproject()["dependencies"]}
    stdlib = set(sys.stdlib_module_names)
    missing = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in stdlib or top in OPTIONAL_IMPORTS or top == "scratchnet":
                    continue
                if PIP_NAME.get(top, top).lower() not in declared:
                    missing.setdefault(top, str(f.relative_to(ROOT)))
    assert not missing, f"imported but not in pyproject.toml's dependencies: {missing}"


def test_licence_is_an_spdx_string() -> None:
    assert isinstance(_pyproject()["license"], str)
