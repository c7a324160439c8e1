from scratchnet.pipeline.data_steps import standardise
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(smk, standardise, smk.wildcards.split, smk.params.spec, smk.input.dataset, smk.input.split, smk.output[0])
