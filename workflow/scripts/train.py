from scratchnet.pipeline.run_steps import train_run
from scratchnet.pipeline.runner import run_step
from scratchnet.pipeline.spec import load_experiments

smk = snakemake  # noqa: F821
exp = load_experiments(smk.config)[smk.wildcards.experiment]
run_step(
    smk,
    train_run,
    exp,
    smk.wildcards.variant,
    int(smk.wildcards.seed),
    smk.input.data,
    smk.output.model,
    smk.output.history,
)
