"""Where every pipeline output lives: one home for path conventions, used by the Snakemake rules and the steps."""

from __future__ import annotations

RAW = "resources/raw/{source}/status.json"
DATASET = "results/data/{dataset}.npz"
SPLIT = "results/splits/{split}/indices.npz"
SPLIT_DATA = "results/splits/{split}/data.npz"
RUN = "results/runs/{experiment}/{variant}/seed{seed}"
MODEL = RUN + "/model.npz"
MODEL_META = RUN + "/model.json"
HISTORY = RUN + "/history.json"
METRICS = RUN + "/metrics.json"
PREDICTIONS = RUN + "/predictions.npz"
TABLE = "results/tables/{experiment}.csv"
SUMMARY = "results/tables/{experiment}.json"
FIGURE = "results/figures/{report}/{figure}.png"
REPORT_MD = "reports/{report}.md"
REPORT_HTML = "reports/{report}.html"
INDEX_MD = "reports/index.md"
INDEX_HTML = "reports/index.html"
LOG = "logs/{step}/{name}.log"
BENCHMARK_TRAIN = "benchmarks/train/{experiment}/{variant}/seed{seed}.tsv"
BENCHMARK_EVAL = "benchmarks/evaluate/{experiment}/{variant}/seed{seed}.tsv"


def run_path(template: str, experiment: str, variant: str, seed: int) -> str:
    return template.format(experiment=experiment, variant=variant, seed=seed)
