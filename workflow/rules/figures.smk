rule figure:
    input:
        lambda wc: JOBS.figure_inputs(wc.report, wc.figure),
    output:
        report(
            L(paths.FIGURE),
            caption="../report/figure.rst",
            category="{report}",
            labels={"report": "{report}", "figure": "{figure}"},
        ),
    log:
        L.log("figure", "{report}/{figure}"),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: JOBS.figure_spec(wc.report, wc.figure),
        experiments=lambda wc: JOBS.figure_experiments(wc.report, wc.figure),
        layout=L.to_dict(),
        code=lambda wc: fingerprint(
            "figure", JOBS.figure_spec(wc.report, wc.figure)["kind"]
        ),
    script:
        "../scripts/figure.py"
