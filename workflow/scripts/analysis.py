from scratchnet.pipeline.analysis_steps import run_analysis
from scratchnet.pipeline.runner import run_step

smk = snakemake  # noqa: F821
p, o = smk.params, smk.output
run_step(smk, run_analysis, smk.wildcards.analysis, p.spec, p.inputs, o.json, o.npz)
