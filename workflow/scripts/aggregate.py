from scratchnet.pipeline import paths
from scratchnet.pipeline.aggregate import aggregate
from scratchnet.pipeline.runner import run_step
from scratchnet.pipeline.spec import load_experiments

smk = snakemake  # noqa: F821
exp = load_experiments(smk.config)[smk.wildcards.experiment]
files = {(v, s): paths.run_path(paths.METRICS, exp.name, v, s) for v, s in exp.runs()}
benchmarks = {(v, s): paths.run_path(paths.BENCHMARK_TRAIN, exp.name, v, s) for v, s in exp.runs()}
run_step(smk, aggregate, exp, files, smk.output.table, smk.output.summary, benchmarks=benchmarks)
