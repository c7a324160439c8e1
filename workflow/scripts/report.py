from scratchnet.pipeline.runner import run_step
from scratchnet.pipeline.spec import load_experiments
from scratchnet.report.build import ReportInputs, build_report

smk = snakemake  # noqa: F821
inputs = ReportInputs(
    report=smk.wildcards.report,
    spec=smk.params.spec,
    experiments=load_experiments(smk.config),
    not_run=dict(smk.params.not_run),
    config=smk.config,
)
run_step(smk, build_report, inputs, smk.output.md, smk.output.html)
