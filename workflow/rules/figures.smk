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
    conda:
        "../../environment.yml"
    log:
        "logs/figure/{report}/{figure}.log",
    script:
        "../scripts/figure.py"
