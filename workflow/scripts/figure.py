from scratchnet.pipeline.figures import make_figure
from scratchnet.pipeline.runner import run_step
from scratchnet.pipeline.spec import load_experiments

smk = snakemake  # noqa: F821
run_step(smk, make_figure, smk.params.spec, load_experiments(smk.config), smk.config, smk.output[0])
