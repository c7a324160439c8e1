from scratchnet.pipeline.run_steps import train_run
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(smk, train_run, smk.params.run, smk.input.data, smk.output.model, smk.output.history)
