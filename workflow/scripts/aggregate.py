from scratchnet.pipeline.aggregate import aggregate
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
i, o = smk.input, smk.output
run_step(smk, aggregate, smk.params.experiment, list(i.metrics), list(i.benchmarks), o.table, o.summary)
