rule report:
    input:
        unpack(lambda wc: JOBS.report_inputs(wc.report)),
        template=lambda wc: JOBS.report_template(wc.report),
        seed_text=lambda wc: JOBS.report_seed_text(wc.report),
        seed_config=lambda wc: JOBS.report_seed_files(wc.report),
        claims=lambda wc: JOBS.reports[wc.report].get("claims", []),
    output:
        md=L(paths.REPORT_MD),
        html=L(paths.REPORT_HTML),
    log:
        L.log("report", "{report}"),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: JOBS.reports[wc.report],
        experiments=lambda wc: {
            e: JOBS.experiments[e].to_dict() for e in JOBS.page_experiments(wc.report)
        },
        not_run=lambda wc: JOBS.not_run(wc.report),
        layout=L.to_dict(),
        config_sha256=config_hash(config),
        repo_dir=paths.portable(workflow.basedir),
        reduced=bool(config.get("reduced")),
        code=fingerprint("report"),
    script:
        "../scripts/report.py"


rule index:
    input:
        md=[L(paths.REPORT_MD, report=r) for r in JOBS.reports],
    output:
        md=L(paths.INDEX_MD),
        html=L(paths.INDEX_HTML),
    log:
        L.log("report", "index"),
    conda:
        "../../environment.yml"
    params:
        reports=JOBS.reports,
        config_sha256=config_hash(config),
        repo_dir=paths.portable(workflow.basedir),
        code=fingerprint("report"),
    script:
        "../scripts/index.py"
