"""Where every pipeline output lives: one home for path conventions, used by the Snakemake rules and the steps.

Templates start with a root placeholder (``{results}``, ``{reports}``, ``{logs}``, ``{benchmarks}``) that a
:class:`Layout` fills: ``results/`` etc. for the full configuration, ``results/<tag>/`` etc. for a configuration with
a ``tag`` (the reduced one has ``tag: reduced``), so both can live in one clone. Raw files are shared by every layout
(``resources/raw/<source>/``); each layout records its own fetch status.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RAW_DIR = "resources/raw/{source}"
RAW = "{results}/raw/{source}/status.json"
DATASET = "{results}/data/{dataset}.npz"
SPLIT = "{results}/splits/{split}/indices.npz"
SPLIT_DATA = "{results}/splits/{split}/data.npz"
RUN = "{results}/runs/{experiment}/{variant}/seed{seed}"
MODEL = RUN + "/model.npz"
MODEL_META = RUN + "/model.json"
HISTORY = RUN + "/history.json"
METRICS = RUN + "/metrics.json"
PREDICTIONS = RUN + "/predictions.npz"
TABLE = "{results}/tables/{experiment}.csv"
SUMMARY = "{results}/tables/{experiment}.json"
ANALYSIS_JSON = "{results}/analyses/{analysis}/result.json"
ANALYSIS_NPZ = "{results}/analyses/{analysis}/arrays.npz"
FIGURE = "{results}/figures/{report}/{figure}.png"
# A page (a report id, or "index") is built under results/pages/ and published to reports/ once built, so a build
# that fails never removes the published page (scratchnet.report.publish); its status file says how its last build
# went.
PAGE_MD = "{results}/pages/{report}.md"
PAGE_HTML = "{results}/pages/{report}.html"
PAGE_STATUS = "{results}/pages/{report}.status.json"
REPORT_MD = "{reports}/{report}.md"
REPORT_HTML = "{reports}/{report}.html"
INDEX_MD = "{reports}/index.md"  # REPORT_MD of the page "index"
INDEX_HTML = "{reports}/index.html"
BENCHMARK_TRAIN = "{benchmarks}/train/{experiment}/{variant}/seed{seed}.tsv"
BENCHMARK_EVAL = "{benchmarks}/evaluate/{experiment}/{variant}/seed{seed}.tsv"
BENCHMARK_ANALYSIS = "{benchmarks}/analysis/{analysis}.tsv"

ROOTS = ("results", "reports", "logs", "benchmarks")


@dataclass(frozen=True)
class Layout:
    """The output roots of one configuration."""

    results: str = "results"
    reports: str = "reports"
    logs: str = "logs"
    benchmarks: str = "benchmarks"

    @classmethod
    def from_tag(cls, tag: str | None) -> Layout:
        return cls(*(f"{root}/{tag}" if tag else root for root in ROOTS))

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layout:
        return cls.from_tag(config.get("tag"))

    def __call__(self, template: str, **wildcards: Any) -> str:
        """``template`` with its root filled in, and the given wildcards (the others stay ``{name}``)."""
        out = template
        for root in ROOTS:
            out = out.replace("{" + root + "}", getattr(self, root))
        for k, v in wildcards.items():
            out = out.replace("{" + k + "}", str(v))
        return out

    def run(self, template: str, experiment: str, variant: str, seed: int) -> str:
        return self(template, experiment=experiment, variant=variant, seed=seed)

    def log(self, step: str, name: str) -> str:
        return f"{self.logs}/{step}/{name}.log"

    def to_dict(self) -> dict[str, str]:
        return {root: getattr(self, root) for root in ROOTS}


# Where a report's sources live. A name without "/" is looked up in the default place (the package's templates, the
# ``seed_texts`` folder); a path with "/" is taken relative to the workflow's directory, so that a report can be
# added without touching the package.
TEMPLATES = Path(__file__).resolve().parents[1] / "report" / "templates"
SEED_TEXTS = "../shared/seeds"
SEED_CONFIGS = "config/seeds/*.yaml"  # every seed file the Snakefile loads


def report_template(spec: Mapping[str, Any], templates_dir: str | Path = TEMPLATES) -> Path:
    """The template file of a report (``reports.<id>``): ``template`` under ``templates_dir``, or a path."""
    name = str(spec["template"])
    return Path(name) if "/" in name else Path(templates_dir) / name


def seed_text(spec: Mapping[str, Any], config: Mapping[str, Any]) -> Path | None:
    """The seed report's text (``reports.<id>.seed_file``: a name under ``seed_texts``, or a path); None if not set."""
    name = spec.get("seed_file")
    if not name:
        return None
    return Path(name) if "/" in name else Path(config.get("seed_texts") or SEED_TEXTS) / name


def portable(path: str | os.PathLike) -> str:
    """An absolute ``path`` relative to the working directory when it lies inside it (a relative one as it is): the
    form for a rule's inputs and params, so that a clone moved to another folder names the same files and reruns
    nothing."""
    if not Path(path).is_absolute():
        return os.fspath(path)
    real, here = Path(path).resolve(), Path.cwd().resolve()
    return os.path.relpath(real, here) if real.is_relative_to(here) else os.fspath(path)
