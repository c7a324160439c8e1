from scratchnet.pipeline.data_steps import fetch_raw
from scratchnet.pipeline.runner import run_step

run_step(snakemake, fetch_raw, snakemake.wildcards.source, snakemake.params.data, snakemake.output[0])  # noqa: F821
