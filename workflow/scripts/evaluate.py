from scratchnet.pipeline.run_steps import evaluate_run
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(
    smk, evaluate_run, smk.input.model, smk.input.history, smk.input.data, smk.output.metrics, smk.output.predictions
)
