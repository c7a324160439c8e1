"""The analysis step: run one configured analysis (a registered analysis kind) on its input runs."""

from __future__ import annotations

import logging
from typing import Any

from .registry import AnalysisJob, RunFiles, get_analysis_kind

log = logging.getLogger(__name__)


def run_analysis(
    name: str, spec: dict[str, Any], inputs: dict[str, list[dict[str, Any]]], json_out: str, npz_out: str
) -> Any:
    """``spec``: the analysis's config entry; ``inputs``: role -> runs with their file paths (as the rule passes
    them, from :meth:`~scratchnet.pipeline.dag.Dag.analysis_refs`)."""
    kind = get_analysis_kind(spec["kind"])
    job = AnalysisJob(
        name=name,
        kind=spec["kind"],
        params=dict(spec.get("params") or {}),
        inputs={role: [RunFiles.from_dict(r) for r in runs] for role, runs in inputs.items()},
        json_out=json_out,
        npz_out=npz_out,
    )
    log.info("%s: %s on %s", job.where, kind.name, {r: [f"{x.experiment}/{x.variant}/seed{x.seed}" for x in v]
                                                     for r, v in job.inputs.items()})  # fmt: skip
    return kind.run(job)
