from scratchnet.pipeline.runner import run_step
from scratchnet.report import build_index, provenance

smk = snakemake  # noqa: F821
p = smk.params
prov = provenance(None, [], p.repo_dir, config_sha256=p.config_sha256)
run_step(smk, build_index, dict(p.reports), list(smk.input.md), smk.output.md, smk.output.html, provenance=prov)
