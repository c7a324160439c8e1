from scratchnet.pipeline.runner import run_step
from scratchnet.report import build_report_page

smk = snakemake  # noqa: F821
p, o = smk.params, smk.output
args = (p.spec, p.experiments, p.not_run, p.layout, p.config_sha256, list(smk.input.benchmarks), p.repo_dir)
seed_text = smk.input.seed_text  # the seed report's text: one path, or none where it is not found
seed_text = seed_text if isinstance(seed_text, str) else next(iter(seed_text), None)
files = (o.md, o.html, smk.input.template, seed_text, list(smk.input))  # the inputs: verified, counted on the page
run_step(smk, build_report_page, smk.wildcards.report, *args, *files)
