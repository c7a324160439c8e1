from scratchnet.pipeline.data_steps import prepare_dataset
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(
    smk, prepare_dataset, smk.wildcards.dataset, smk.params.spec, smk.input[0] if smk.input else None, smk.output[0]
)
