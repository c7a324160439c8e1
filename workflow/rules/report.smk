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
    conda:
        "../../environment.yml"
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
    conda:
        "../../environment.yml"
    log:
        "logs/report/index.log",
    script:
        "../scripts/index.py"
