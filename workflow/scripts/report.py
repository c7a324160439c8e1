from scratchnet.pipeline.runner import run_step
from scratchnet.report import build_report_page

smk = snakemake  # noqa: F821
p, o = smk.params, smk.output
run_step(smk, build_report_page, smk.wildcards.report, p.spec, p.experiments, p.not_run, p.layout, o.md, o.html)
