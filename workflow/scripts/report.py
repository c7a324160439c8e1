from scratchnet.pipeline.runner import files, run_step
from scratchnet.report import build_report_page

smk = snakemake  # noqa: F821
p, i, o = smk.params, smk.input, smk.output
run_step(
    smk, build_report_page, smk.wildcards.report, p.spec, p.experiments, p.not_run, p.layout, p.config_sha256,
    files(i.benchmarks), p.repo_dir, o.md, o.html, template=i.template, seed_text=next(iter(files(i.seed_text)), None),
    seed_config=files(i.seed_config), reduced=p.reduced, inputs=list(i),  # the inputs: verified, counted on the page
)  # fmt: skip
