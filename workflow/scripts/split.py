from scratchnet.pipeline.data_steps import make_split
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(smk, make_split, smk.wildcards.split, smk.params.spec, smk.input[0], smk.output[0])
