"""Check a results tree against the manifests its jobs wrote (:mod:`.manifest`), like ``dvc status`` for a DVC lock:

    python -m scratchnet.pipeline.verify [results/ ...] [--quick] [--reject]

lists every artefact that was **edited** or **truncated** since its job wrote it (both digests named), every
manifest whose artefact is **missing**, and every file without a manifest (**orphaned**: written by hand, or before
manifests were recorded); then, as notes that do not fail, files a job has **marked** for rebuilding, the bad
copies jobs kept (``*.rejected``) and temporary files left by interrupted writes. Exit status 1 when anything is
edited, truncated, missing or orphaned, else 0. Every file is hashed in full (``--quick``: trust a large file whose
size and mtime match, as jobs do). ``--reject`` marks edited and truncated files for rebuilding as a job would, so
that the next ``snakemake`` run rebuilds them (a missing file is rebuilt by the next run anyway).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import REBUILD, REJECTED, IntegrityError, artefact_of, check, manifest_path, reject

FAILING = ("edited", "truncated", "missing", "orphaned", "manifest")  # "manifest": a manifest that cannot be read
_TEMP = re.compile(r"^\..+\.[0-9a-f]{12}\.tmp$")  # scratchnet.atomic's temporary files


@dataclass(frozen=True)
class Finding:
    kind: str  # edited, truncated, missing, orphaned, manifest (unreadable); marked, rejected, leftover (notes)
    path: str
    detail: str


@dataclass
class Audit:
    artefacts: int = 0
    hashed: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.kind in FAILING]


def _finding(folder: str, name: str, names: set[str], quick: bool, out: Audit) -> Finding | None:
    """What is wrong with the file ``name`` of ``folder`` (None: nothing); counts and hashes artefacts into ``out``."""
    path = os.path.join(folder, name)
    if (artefact := artefact_of(name)) is not None:
        if artefact.name in names:
            return None
        return Finding("missing", os.path.join(folder, artefact.name),
                       f"its manifest {path} remains; the next snakemake run rebuilds it")  # fmt: skip
    if (artefact := artefact_of(name, REBUILD)) is not None:
        return Finding("marked", os.path.join(folder, artefact.name), "a job found it edited or truncated; the next "
                       "snakemake run rebuilds it")  # fmt: skip
    if name.endswith(REJECTED):
        return Finding("rejected", path, "the content a job found edited or truncated, kept for inspection; delete "
                       "it when done")  # fmt: skip
    if _TEMP.match(name):
        return Finding("leftover", path, "temporary file of an interrupted write")
    out.artefacts += 1
    if manifest_path(name).name not in names:
        return Finding("orphaned", path, "no manifest: not written by a pipeline job, or written before manifests "
                       "were recorded")  # fmt: skip
    try:
        c = check(path, full=not quick)
    except IntegrityError as exc:
        return Finding(exc.kind, path, str(exc).removeprefix(f"{path}: "))
    out.hashed += c.hashed if c else 0
    return None


def audit(roots: Iterable[str | os.PathLike], quick: bool = False) -> Audit:
    """Check every file under ``roots`` (see the module's docstring)."""
    t = time.perf_counter()
    out = Audit()
    for root in roots:
        if not Path(root).is_dir():
            raise FileNotFoundError(f"{root}: not a folder (give a results folder: results/, results/reduced/, ...)")
        for folder, _dirs, files in os.walk(root):
            names = set(files)
            out.findings += [f for name in sorted(files) if (f := _finding(folder, name, names, quick, out))]
    out.seconds = time.perf_counter() - t
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scratchnet.pipeline.verify", description=__doc__.split("\n\n")[0])
    ap.add_argument("roots", nargs="*", default=["results"], help="folders to check (default: results)")
    ap.add_argument("--quick", action="store_true", help="trust large files whose size and mtime match")
    ap.add_argument("--reject", action="store_true", help="mark edited and truncated files for the next run to rebuild")
    args = ap.parse_args(argv)
    try:
        result = audit(args.roots, quick=args.quick)
    except FileNotFoundError as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    for f in result.findings:
        print(f"{f.kind:<9} {f.path}: {f.detail}")
        if args.reject and f.kind in ("edited", "truncated", "manifest"):
            reject(f.path, f"{f.path}: {f.detail} (found by verify)")
            print(f"          marked: the next snakemake run rebuilds it; the bad copy is kept as {f.path}.rejected")
    counts: dict[str, int] = {}
    for f in result.failed:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    verdict = ", ".join(f"{n} {k}" for k in FAILING if (n := counts.get(k))) if counts else "all verified"
    print(f"verify: {result.artefacts} artefacts under {', '.join(map(str, args.roots))} "
          f"({result.hashed / 1e6:,.1f} MB hashed in {result.seconds:.2f} s): {verdict}")  # fmt: skip
    return 1 if counts else 0


if __name__ == "__main__":
    raise SystemExit(main())
