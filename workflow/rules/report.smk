def report_inputs(wc):
    """Tables and figures of the experiments whose data is available; the rest is reported as not run."""
    available = {e: availability(e)[0] for e in report_experiments(wc.report)}
    files = [paths.SUMMARY.format(experiment=e) for e, ok in available.items() if ok]
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


rule report:
    input:
        report_inputs,
    output:
        md=paths.REPORT_MD,
        html=paths.REPORT_HTML,
    params:
        spec=lambda wc: REPORTS[wc.report],
        experiments=lambda wc: report_experiments(wc.report),
        not_run=lambda wc: {e: r for e, r in report_status(wc).items() if r},
    log:
        "logs/report/{report}.log",
    script:
        "../scripts/report.py"


rule index:
    input:
        md=[paths.REPORT_MD.format(report=r) for r in REPORTS],
    output:
        md=paths.INDEX_MD,
        html=paths.INDEX_HTML,
    params:
        reports=REPORTS,
    log:
        "logs/report/index.log",
    script:
        "../scripts/index.py"
