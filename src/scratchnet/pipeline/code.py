"""Fingerprints of the package code each job runs, passed to the rules as a parameter so that Snakemake's
params trigger reruns exactly the jobs whose code changed (the workflow scripts themselves are covered by
Snakemake's own code trigger). A fingerprint is the SHA-256 of the relevant source files (paths relative to the
package and contents), so it works the same for an editable and a released install.

A step without kinds (``data``, ``aggregate``, ``report``) hashes the files of its :data:`GROUPS` entry. A step
whose jobs each run one kind (``train`` and evaluate: a run kind; ``analysis``; ``figure``) hashes its
:data:`GROUPS` entry (the code every job of the step runs) plus, per kind, the module that holds the kind
(:mod:`.kind_index`) and every package module that module imports, directly or through others, read from the
import statements (nothing is imported). Editing a kind's module reruns the jobs of the kinds it holds and of the
kinds whose modules import it, and no other. Report templates are not package code here: each is an input of its
own page."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from .kind_index import KIND_MODULES, PACKAGES

PACKAGE = Path(__file__).resolve().parents[1]  # src/scratchnet

_ENGINE = (
    "atomic.py", "init.py", "layers.py", "losses.py", "models.py", "noise.py", "optim.py", "persist.py", "registry.py",
    "train.py",
)  # fmt: skip
_IO = ("pipeline/io.py", "pipeline/paths.py", "atomic.py")
_SPEC = ("pipeline/spec.py", "pipeline/registry.py")  # experiments and their variants; spec imports the registry

# step -> package files or folders (relative to the package; a folder: its .py files) whose content every job of the
# step depends on; with the modules of a job's kind (KIND_STEPS) this is every package module the step's script
# reaches by import (tests/test_dag.py checks it), and every entry exists
GROUPS: dict[str, tuple[str, ...]] = {
    "data": ("data", "pipeline/data_steps.py", *_IO),
    "train": (*_ENGINE, "pipeline/run_steps.py", "pipeline/scores.py", "pipeline/registry.py", *_IO),
    "aggregate": ("pipeline/aggregate.py", "stats.py", *_SPEC, *_IO),
    "analysis": ("pipeline/analysis_steps.py", "pipeline/scores.py", "pipeline/registry.py", "atomic.py"),
    "figure": ("pipeline/figures/__init__.py", *_ENGINE, *_SPEC, *_IO),
    "report": ("report", "stats.py", *_SPEC, *_IO),
}

# steps whose jobs each run one kind -> the kind's registry (a key of kind_index.KIND_MODULES)
KIND_STEPS: dict[str, str] = {"train": "run", "analysis": "analysis", "figure": "figure"}

# Modules a step imports that cannot change its outputs: the step harness, parameter specs, these fingerprints, and
# the kind index (which module holds a kind only decides where a job imports it from; that module is hashed, and
# the kind's own line of the index with it), and the manifests beside the outputs (they record and verify digests;
# the artefacts do not depend on them).
NOT_OUTPUT = frozenset({"pipeline/runner.py", "pipeline/params.py", "pipeline/code.py", "pipeline/kind_index.py",
                        "pipeline/manifest.py"})  # fmt: skip


@cache
def _source(f: Path) -> bytes:
    return f.read_bytes()


def _files(entry: str) -> list[Path]:
    p = PACKAGE / entry
    if p.is_dir():
        return sorted(f for f in p.rglob("*.py") if f.is_file())
    return [p] if p.is_file() else []


@cache
def module_file(module: str) -> Path | None:
    """The source file of a ``scratchnet...`` module name (a package: its ``__init__.py``), None if there is none
    (a name imported from a module rather than a module)."""
    rel = Path(*module.split(".")[1:])
    pkg = PACKAGE / rel
    if (pkg / "__init__.py").is_file():
        return pkg / "__init__.py"
    f = pkg.with_suffix(".py")
    return f if f.is_file() else None


def module_files(module: str) -> set[Path]:
    """The files importing ``module`` runs: importing ``a.b.c`` runs ``a``, ``a.b`` and ``a.b.c``."""
    parts = module.split(".")
    return {f for i in range(1, len(parts) + 1) if (f := module_file(".".join(parts[:i]))) is not None}


def _statements(tree: ast.Module) -> Iterator[ast.stmt]:
    """Every statement of ``tree``, nested ones too (in functions, classes, if/try/with/for/match blocks); an import
    is a statement, so these hold every import."""
    todo: list[ast.AST] = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.stmt):
            yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            todo.extend(getattr(node, name, None) or [])


@cache
def imports_of(file: Path) -> frozenset[Path]:
    """The package modules ``file`` imports, anywhere in it (absolute ``scratchnet.`` and relative imports, with the
    packages they run, see :func:`module_files`)."""
    here = ["scratchnet", *file.relative_to(PACKAGE).with_suffix("").parts]
    package = here[:-1]  # the package a relative import starts from (for __init__.py: the package itself)
    out = set()
    for node in _statements(ast.parse(file.read_text(), str(file))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + (node.module.split(".") if node.module else []))
            names = [mod] + [f"{mod}.{a.name}" for a in node.names]  # "from . import paths" imports a module
        for name in names:
            if name.startswith("scratchnet"):
                out |= module_files(name)
    return frozenset(out)


def reached(files: set[Path]) -> set[Path]:
    """``files`` and every package module they import, directly or through others."""
    seen: set[Path] = set()
    todo = set(files)
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo |= imports_of(f)
    return seen


def kind_module(step: str, kind: str) -> str:
    """The module holding ``kind`` of ``step`` (from :mod:`.kind_index`), checked to exist."""
    what = KIND_STEPS[step]
    if kind not in KIND_MODULES[what]:
        raise ValueError(f"{what} kind {kind!r} is not in scratchnet/pipeline/kind_index.py (KIND_MODULES[{what!r}])")
    module = f"{PACKAGES[what]}.{KIND_MODULES[what][kind]}"
    if module_file(module) is None:
        raise ValueError(f"{what} kind {kind!r}: module {module} (kind_index.py) does not exist")
    return module


@cache
def kind_files(step: str, kind: str) -> tuple[Path, ...]:
    """The package modules a job of ``step`` running ``kind`` reaches through the kind's module, beyond its step's
    :data:`GROUPS` entry, less :data:`NOT_OUTPUT`."""
    base = {f for entry in GROUPS[step] for f in _files(entry)}
    used = reached(module_files(kind_module(step, kind))) - base
    return tuple(sorted(f for f in used if str(f.relative_to(PACKAGE)) not in NOT_OUTPUT))


@cache
def fingerprint(step: str, kind: str | None = None) -> str:
    """SHA-256 (first 16 hex digits) of the package sources ``step`` uses (a key of :data:`GROUPS`); for a step of
    :data:`KIND_STEPS`, those of its job's ``kind`` too (which a job of such a step must name)."""
    if (step in KIND_STEPS) != (kind is not None):
        raise ValueError(f"fingerprint({step!r}, {kind!r}): a kind is given for, and only for, {sorted(KIND_STEPS)}")
    h = hashlib.sha256()

    def add(f: Path) -> None:
        h.update(str(f.relative_to(PACKAGE)).encode() + b"\0" + _source(f) + b"\0")

    for entry in GROUPS[step]:
        for f in _files(entry):
            add(f)
    if kind is not None:
        module = kind_module(step, kind)
        h.update(f"{KIND_STEPS[step]} kind {kind}: {module}\0".encode())
        for f in kind_files(step, kind):
            add(f)
    return h.hexdigest()[:16]
