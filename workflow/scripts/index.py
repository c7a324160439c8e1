from scratchnet.pipeline.runner import run_step
from scratchnet.report.index import build_index_page

smk = snakemake  # noqa: F821
p, o = smk.params, smk.output
run_step(smk, build_index_page, dict(p.reports), p.layout, p.config_sha256, p.repo_dir, o.md, o.html)
