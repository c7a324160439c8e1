from scratchnet.pipeline.runner import run_step
from scratchnet.report.publish import publish_page

smk = snakemake  # noqa: F821
run_step(smk, publish_page, smk.input.md, smk.input.html, smk.output.md, smk.output.html)
