"""The workflow's jobs computed from the configuration: what each rule's job reads, its parameters, what the
report pages need. Used by ``workflow/rules/common.smk`` once per DAG build; knows nothing of Snakemake, so it is
tested directly."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from . import paths
from .data_steps import raw_availability
from .spec import Experiment, load_experiments

RAW_SOURCES = ("mnist", "fashion_mnist", "emnist_letters")


@dataclass
class Dag:
    config: dict[str, Any]
    layout: paths.Layout = field(init=False)

    def __post_init__(self) -> None:
        self.layout = paths.Layout.from_config(self.config)
        self.experiments: dict[str, Experiment] = load_experiments(self.config)
        self.analyses: dict[str, dict[str, Any]] = dict(self.config.get("analyses") or {})
        self.reports: dict[str, dict[str, Any]] = self.config["reports"]

    # --- data -----------------------------------------------------------------------------------------------------
    def source_of(self, dataset: str) -> str:
        return self.config["datasets"][dataset]["source"]

    def dataset_of(self, split: str) -> str:
        return self.config["splits"][split]["dataset"]

    def is_raw(self, dataset: str) -> bool:
        return self.source_of(dataset) != "synthetic"

    @cached_property
    def raw(self) -> dict[str, dict[str, Any]]:
        """Availability of every raw source some dataset uses, decided at DAG build by looking (no hashing)."""
        used = {self.source_of(d) for d in self.config["datasets"] if self.is_raw(d)}
        return {s: raw_availability(s, self.config.get("data", {})) for s in sorted(used)}

    def split_missing(self, split: str) -> str:
        """Why a split's raw data cannot be had ('' when it can)."""
        dataset = self.dataset_of(split)
        if not self.is_raw(dataset):
            return ""
        status = self.raw[self.source_of(dataset)]
        return "" if status["available"] else f"raw data {self.source_of(dataset)!r}: {status['reason']}"

    def prepare_inputs(self, dataset: str) -> list[str]:
        return [self.layout(paths.RAW, source=self.source_of(dataset))] if self.is_raw(dataset) else []

    # --- runs -----------------------------------------------------------------------------------------------------
    def run_spec(self, experiment: str, variant: str, seed: int | str) -> dict[str, Any]:
        return self.experiments[experiment].run_spec(variant, int(seed)).to_dict()

    def run_data(self, experiment: str, variant: str) -> str:
        return self.layout(paths.SPLIT_DATA, split=self.experiments[experiment].split_of(variant))

    def run_files(self, template: str, experiment: str, seeds: list[int] | None = None) -> list[str]:
        exp = self.experiments[experiment]
        seeds = list(exp.seeds) if seeds is None else seeds
        return [self.layout.run(template, experiment, v, s) for v in exp.variants for s in seeds]

    def missing(self, experiment: str) -> str:
        """Why an experiment cannot run here ('' when it can): the first split whose raw data is unavailable."""
        return next((m for m in map(self.split_missing, self.experiments[experiment].splits) if m), "")

    # --- analyses -------------------------------------------------------------------------------------------------
    def analysis_refs(self, name: str) -> dict[str, list[dict[str, Any]]]:
        """Role -> the runs an analysis reads, with their file paths: one per seed for ``seed: all``, one per variant
        for ``variant: all``; a role given a list of references reads the runs of each, in order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for role, refs in (self.analyses[name].get("inputs") or {}).items():
            out[role] = []
            for ref in refs if isinstance(refs, list) else [refs]:
                exp = self.experiments[ref["experiment"]]
                seed = ref.get("seed", exp.seeds[0])
                seeds = list(exp.seeds) if seed == "all" else [int(seed)]
                variants = list(exp.variants) if ref["variant"] == "all" else [ref["variant"]]
                out[role] += [self._run_files(exp, v, s) for v in variants for s in seeds]
        return out

    def _run_files(self, exp: Experiment, variant: str, seed: int) -> dict[str, Any]:
        files = {
            key: self.layout.run(t, exp.name, variant, seed)
            for key, t in (("model", paths.MODEL), ("history", paths.HISTORY), ("metrics", paths.METRICS),
                           ("predictions", paths.PREDICTIONS))  # fmt: skip
        }
        return {"experiment": exp.name, "variant": variant, "seed": seed, "params": exp.run_params(variant),
                "data": self.run_data(exp.name, variant), **files}  # fmt: skip

    def analysis_inputs(self, name: str) -> list[str]:
        """Every file an analysis may read of its runs: the model (weights and metadata), history, metrics,
        predictions, and the split's data and indices (seed 003's majority analysis rebuilds the dataset order)."""
        files: set[str] = set()
        for runs in self.analysis_refs(name).values():
            for r in runs:
                exp, variant = self.experiments[r["experiment"]], r["variant"]
                files |= {r[k] for k in ("model", "history", "metrics", "predictions", "data")}
                files.add(self.layout.run(paths.MODEL_META, exp.name, variant, r["seed"]))
                files.add(self.layout(paths.SPLIT, split=exp.split_of(variant)))
        return sorted(files)

    def analysis_missing(self, name: str) -> str:
        roles = (self.analyses[name].get("inputs") or {}).values()
        refs = [r for refs in roles for r in (refs if isinstance(refs, list) else [refs])]
        return next((m for m in (self.missing(r["experiment"]) for r in refs) if m), "")

    # --- figures --------------------------------------------------------------------------------------------------
    def figure_spec(self, report: str, figure: str) -> dict[str, Any]:
        return self.reports[report]["figures"][figure]

    def figure_experiments(self, report: str, figure: str) -> dict[str, dict[str, Any]]:
        refs = self.figure_spec(report, figure)["runs"]
        return {r["experiment"]: self.experiments[r["experiment"]].to_dict() for r in refs if "experiment" in r}

    def figure_inputs(self, report: str, figure: str) -> list[str]:
        files: set[str] = set()
        for ref in self.figure_spec(report, figure)["runs"]:
            if "split" in ref:
                files.add(self.layout(paths.SPLIT_DATA, split=ref["split"]))
            elif "analysis" in ref:
                files.add(self.layout(paths.ANALYSIS_JSON, analysis=ref["analysis"]))
                files.add(self.layout(paths.ANALYSIS_NPZ, analysis=ref["analysis"]))
            else:
                exp = self.experiments[ref["experiment"]]
                variant = ref.get("variant", "selected")
                variants = list(exp.variants) if variant in ("selected", "all") else [variant]
                seed = ref.get("seed", exp.seeds[0])
                seeds = list(exp.seeds) if seed == "all" else [int(seed)]
                if variant == "selected":
                    files.add(self.layout(paths.SUMMARY, experiment=exp.name))
                for v in variants:
                    files.add(self.layout(paths.SPLIT_DATA, split=exp.split_of(v)))
                    for s in seeds:
                        for t in (paths.MODEL, paths.MODEL_META, paths.HISTORY, paths.METRICS, paths.PREDICTIONS):
                            files.add(self.layout.run(t, exp.name, v, s))
        return sorted(files)

    def figure_missing(self, report: str, figure: str) -> str:
        for ref in self.figure_spec(report, figure)["runs"]:
            why = (
                self.split_missing(ref["split"]) if "split" in ref
                else self.analysis_missing(ref["analysis"]) if "analysis" in ref
                else self.missing(ref["experiment"])
            )  # fmt: skip
            if why:
                return why
        return ""

    # --- reports --------------------------------------------------------------------------------------------------
    def report_experiments(self, report: str) -> list[str]:
        return [name for name, exp in self.experiments.items() if exp.report == report]

    def report_analyses(self, report: str) -> list[str]:
        return [name for name, a in self.analyses.items() if a["report"] == report]

    def page_reports(self, report: str) -> set[str]:
        """The reports whose results page ``report`` reads: its own, and those it declares (``reports.<id>.reads``)."""
        return {report, *self.reports[report].get("reads", [])}

    def page_experiments(self, report: str) -> list[str]:
        """The experiments whose results page ``report`` reads (of its own report and those it declares it reads)."""
        return [name for name, exp in self.experiments.items() if exp.report in self.page_reports(report)]

    def page_analyses(self, report: str) -> list[str]:
        return [name for name, a in self.analyses.items() if a["report"] in self.page_reports(report)]

    def not_run(self, report: str) -> dict[str, str]:
        """Experiments and analyses whose results a report page reads that cannot run here, with the reason."""
        out = {e: self.missing(e) for e in self.page_experiments(report)}
        out.update({a: self.analysis_missing(a) for a in self.page_analyses(report)})
        return {k: v for k, v in out.items() if v}

    def report_inputs(self, report: str) -> dict[str, list[str]]:
        """What a page is built from: the summaries and run histories of the experiments, and the analyses' results,
        of its report and of those it declares it reads; the benchmarks of its own report's runs (its provenance's
        compute time); its figures."""
        skip = self.not_run(report)
        exps = [e for e in self.page_experiments(report) if e not in skip]
        own = [e for e in self.report_experiments(report) if e not in skip]
        return {
            "summaries": [self.layout(paths.SUMMARY, experiment=e) for e in exps],
            "histories": [h for e in exps for h in self.run_files(paths.HISTORY, e)],
            "benchmarks": [b for e in own for t in (paths.BENCHMARK_TRAIN, paths.BENCHMARK_EVAL)
                           for b in self.run_files(t, e)],  # fmt: skip
            "analyses": [self.layout(paths.ANALYSIS_JSON, analysis=a) for a in self.page_analyses(report)
                         if a not in skip],  # fmt: skip
            "figures": [
                self.layout(paths.FIGURE, report=report, figure=f)
                for f in self.reports[report].get("figures", {})
                if not self.figure_missing(report, f)
            ],
        }

    # --- targets --------------------------------------------------------------------------------------------------
    def report_template(self, report: str) -> str:
        return paths.portable(paths.report_template(self.reports[report]))

    def report_seed_text(self, report: str) -> list[str]:
        """The seed report's text as an input of its page, when it is there (a missing default place is no error:
        the page says so)."""
        text = paths.seed_text(self.reports[report], self.config)
        return [str(text)] if text is not None and text.is_file() else []

    def report_seed_files(self, report: str) -> list[str]:
        """The seed files (``config/seeds/*.yaml``) that declare the report or one of its experiments: their
        ``OUR CHOICE`` comments go on its page."""
        ids = {report, *self.report_experiments(report)}
        out = []
        for f in sorted(glob.glob(paths.SEED_CONFIGS)):
            doc = yaml.safe_load(Path(f).read_text()) or {}
            names = set(doc.get("reports") or {}) | set(doc.get("experiments") or {})
            if isinstance(doc, dict) and ids & {str(n) for n in names}:
                out.append(f)
        return out

    def all_targets(self) -> list[str]:
        return [self.layout(paths.INDEX_HTML)] + [self.layout(paths.REPORT_HTML, report=r) for r in self.reports]
