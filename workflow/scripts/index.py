from scratchnet.pipeline.runner import run_step
from scratchnet.report.build import build_index

smk = snakemake  # noqa: F821
run_step(smk, build_index, dict(smk.params.reports), list(smk.input.md), smk.output.md, smk.output.html)
