"""A missing or corrupt intermediate is rebuilt on the next plain run: at DAG build, every artefact a job found
edited or truncated, and every artefact whose manifest outlives it, is forced as ``--forcerun <file>`` would force
it, so its job reruns and so does everything made from it.

How they are found: a job that finds an input edited or truncated marks it (``.<name>.rebuild``) and fails
(:mod:`.runner`); a file deleted by hand, or an output Snakemake removed, leaves its manifest behind (a job removes
its outputs' manifests and markers only when it starts). :func:`~.manifest.to_rebuild` finds both from folder
listings alone (no file opened), at every DAG build of the main Snakemake process.

Why forcing, and why here. Snakemake decides from files, timestamps, parameters and code. A missing intermediate
whose consumers' outputs are present is not rebuilt: Snakemake treats it like a ``temp()`` file, and a plain run
prints "Nothing to be done" (deleting a run's ``metrics.json`` and its experiment's table leaves page 001 as it
is); a corrupt one is read again by the same consumers, which fail again, run after run. The alternatives we tried
or ruled out:

- deleting the bad file (or its manifest) at detection or at DAG build: "Nothing to be done", as above; and a file
  taken away while Snakemake runs stops the whole run ("Missing files after 5 seconds") in every other job that
  reads it;
- a parameter, or an input function, whose value changes while something is wrong: the job reruns, but Snakemake
  records the value of the repair run, so the run after it sees the value change back and reruns the job again;
- touching an input of the bad file's job: every other consumer of that input reruns as well;
- Snakemake's incomplete-file markers (its own way to rerun interrupted jobs): internal, and read only with
  ``--rerun-incomplete``.

Snakemake itself forces files at one place: ``DAG.check_incomplete``, which adds the outputs of interrupted jobs to
the DAG's forced files after building the jobs and before deciding what needs to run. :func:`force_rebuild` wraps
that method to add ours the same way, so a dry run shows them ("reason: Forced execution") and their consumers
("Input files updated by another job"), and a warning names each file. Files that no job of this run's DAG produces
(another page's, when one page is the target) wait for a run that needs them. On a Snakemake without that method the
warning names the files and the command that rebuilds them, and nothing is patched.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any

from . import manifest

_FORCED: dict[str, str] = {}  # normalised path -> why it is rebuilt
_ORIGINAL: Any = None  # Snakemake's DAG.check_incomplete, once wrapped
_SHOWN = 8  # files named in the warning; the rest are counted


def _warn(files: list[str], action: str) -> None:
    listed = "\n".join(f"    {f} ({_FORCED.get(os.path.normpath(f), '?')})" for f in files[:_SHOWN])
    more = f"\n    ... and {len(files) - _SHOWN} more" if len(files) > _SHOWN else ""
    print(f"Integrity: {len(files)} file(s) {action}:\n{listed}{more}", file=sys.stderr)


def _forced_outputs(dag: Any) -> list[str]:
    """The outputs of ``dag``'s jobs among the files to rebuild, as the jobs name them."""
    return sorted({str(f) for job in dag.jobs for f in job.output if os.path.normpath(str(f)) in _FORCED})


async def _check_incomplete(self: Any) -> None:
    await _ORIGINAL(self)
    files = _forced_outputs(self)
    if files:
        _warn(files, "to rebuild, with what is made from them")
        self.forcefiles.update(files)


def force_rebuild(roots: Iterable[str | os.PathLike]) -> dict[str, str]:
    """Find the artefacts under ``roots`` to rebuild (:func:`~.manifest.to_rebuild`) and make this Snakemake run
    rebuild them (see the module's docstring); returns them, with why. Call once per DAG build, from the main
    Snakemake process only."""
    global _ORIGINAL
    files = manifest.to_rebuild(r for r in roots if os.path.isdir(r))
    _FORCED.clear()
    _FORCED.update((os.path.normpath(f), why) for f, why in files.items())
    if not files or _ORIGINAL is not None:
        return files
    try:
        from snakemake.dag import DAG
    except ImportError:
        DAG = None  # noqa: N806
    if DAG is None or not hasattr(DAG, "check_incomplete"):
        _warn(list(files), "to rebuild, which this Snakemake cannot force (no DAG.check_incomplete): rebuild them "
                           "with snakemake --forcerun <file>")  # fmt: skip
        return files
    _ORIGINAL = DAG.check_incomplete
    DAG.check_incomplete = _check_incomplete
    return files
