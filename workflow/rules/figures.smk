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


rule figure:
    input:
        figure_inputs,
    output:
        report(
            paths.FIGURE,
            caption="../report/figure.rst",
            category="{report}",
            labels={"report": "{report}", "figure": "{figure}"},
        ),
    params:
        spec=figure_spec,
    log:
        "logs/figure/{report}/{figure}.log",
    script:
        "../scripts/figure.py"
