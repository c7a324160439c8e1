from scratchnet.pipeline.figures import make_figure
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
run_step(smk, make_figure, smk.params.spec, smk.params.experiments, smk.params.layout, smk.output[0])
