from scratchnet.pipeline.run_steps import evaluate_run
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
i, o = smk.input, smk.output
run_step(smk, evaluate_run, smk.params.run, i.model, i.history, i.data, o.metrics, o.predictions)
