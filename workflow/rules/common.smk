import json
import re

from snakemake.utils import validate

from scratchnet.pipeline import paths
from scratchnet.pipeline.spec import load_experiments
from scratchnet.report.build import TEMPLATES


validate(config, schema="../schemas/config.schema.yaml")

EXPERIMENTS = load_experiments(config)
REPORTS = config["reports"]


wildcard_constraints:
    experiment=r"[^/]+",
    variant=r"[^/]+",
    seed=r"\d+",
    source=r"[^/]+",
    dataset=r"[^/]+",
    split=r"[^/]+",
    report="|".join(re.escape(r) for r in config["reports"]),
    figure=r"[^/]+",


def source_of(dataset):
    return config["datasets"][dataset]["source"]


def dataset_of(split):
    return config["splits"][split]["dataset"]


def is_raw(dataset):
    return source_of(dataset) != "synthetic"


def raw_status(dataset):
    return paths.RAW.format(source=source_of(dataset))


def availability(experiment):
    """(available, reason) of an experiment's raw data, read from the fetch_raw checkpoint's status."""
    for split in EXPERIMENTS[experiment].splits:
        dataset = dataset_of(split)
        if is_raw(dataset):
            status_file = checkpoints.fetch_raw.get(source=source_of(dataset)).output[0]
            with open(status_file) as fh:
                status = json.load(fh)
            if not status.get("available"):
                return False, status.get("reason", "raw data not available")
    return True, ""


def run_files(template, experiment, seeds=None):
    exp = EXPERIMENTS[experiment]
    return [
        paths.run_path(template, experiment, variant, seed)
        for variant in exp.variants
        for seed in (exp.seeds if seeds is None else seeds)
    ]


def report_experiments(report):
    return [name for name, exp in EXPERIMENTS.items() if exp.report == report]


def figure_experiments(spec):
    return sorted({ref["experiment"] for ref in spec.get("runs", []) if "experiment" in ref})


def figure_splits(spec):
    splits = {ref["split"] for ref in spec.get("runs", []) if "split" in ref}
    for experiment in figure_experiments(spec):
        splits.update(EXPERIMENTS[experiment].splits)
    return sorted(splits)


def all_targets():
    return [paths.INDEX_HTML] + [paths.REPORT_HTML.format(report=r) for r in REPORTS]


def run_split_data(wc):
    return paths.SPLIT_DATA.format(split=EXPERIMENTS[wc.experiment].split_of(wc.variant))


def run_threads(wc):
    """One BLAS thread per job: with --cores N, N jobs run side by side. Measured on 2 cores, two-thread jobs that
    share the machine were 4-10x slower than one-thread jobs (thread oversubscription)."""
    return 1


def figure_spec(wc):
    return REPORTS[wc.report]["figures"][wc.figure]


def figure_inputs(wc):
    spec = figure_spec(wc)
    files = [paths.SPLIT_DATA.format(split=s) for s in figure_splits(spec)]
    for experiment in figure_experiments(spec):
        first_seed = [EXPERIMENTS[experiment].seeds[0]]
        files.append(paths.SUMMARY.format(experiment=experiment))
        for template in (paths.MODEL, paths.HISTORY, paths.PREDICTIONS):
            files += run_files(template, experiment, seeds=first_seed)
    return files


def report_inputs(wc):
    """Tables and figures of the experiments whose data is available (the rest is reported as not run), the page's
    template and its claims file."""
    available = {e: availability(e)[0] for e in report_experiments(wc.report)}
    spec = REPORTS[wc.report]
    files = [str(TEMPLATES / spec["template"])] + ([spec["claims"]] if spec.get("claims") else [])
    files += [paths.SUMMARY.format(experiment=e) for e, ok in available.items() if ok]
    # claims may read a run's history at a given epoch (claim metric epoch.<N>.<key>)
    files += [h for e, ok in available.items() if ok for h in run_files(paths.HISTORY, e)]
    for name, spec in REPORTS[wc.report].get("figures", {}).items():
        if all(available.get(e, True) for e in figure_experiments(spec)) and all(
            not is_raw(dataset_of(s)) or _split_available(s) for s in figure_splits(spec)
        ):
            files.append(paths.FIGURE.format(report=wc.report, figure=name))
    return files


def _split_available(split):
    status_file = checkpoints.fetch_raw.get(source=source_of(dataset_of(split))).output[0]
    with open(status_file) as fh:
        return json.load(fh).get("available", False)


def report_status(wc):
    return {e: availability(e)[1] for e in report_experiments(wc.report)}
