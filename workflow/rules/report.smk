rule report:
    input:
        unpack(lambda wc: JOBS.report_inputs(wc.report)),
        template=lambda wc: JOBS.report_template(wc.report),
        seed_text=lambda wc: JOBS.report_seed_text(wc.report),
        seed_config=lambda wc: JOBS.report_seed_files(wc.report),
        claims=lambda wc: JOBS.reports[wc.report].get("claims", []),
    output:
        md=L(paths.PAGE_MD),
        html=L(paths.PAGE_HTML),
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
        md=L(paths.PAGE_MD, report="index"),
        html=L(paths.PAGE_HTML, report="index"),
    log:
        L.log("report", "index"),
    conda:
        "../../environment.yml"
    params:
        reports=JOBS.reports,
        layout=L.to_dict(),
        config_sha256=config_hash(config),
        repo_dir=paths.portable(workflow.basedir),
        code=fingerprint("report"),
    script:
        "../scripts/index.py"


# A page (a report or the index) that was built goes where readers open it. A page job that fails leaves the
# published page in place, marked stale with the error, and records the failure in the page's status file; the run
# fails. At the end of a run the published index is brought in line with the status files (refresh_index): it says
# which page failed and why, and links only pages that are there.
rule publish:
    input:
        md=L(paths.PAGE_MD),
        html=L(paths.PAGE_HTML),
    output:
        md=L(paths.REPORT_MD),
        html=L(paths.REPORT_HTML),
    log:
        L.log("publish", "{report}"),
    wildcard_constraints:
        report="|".join(re.escape(r) for r in [*JOBS.reports, "index"]),
    conda:
        "../../environment.yml"
    params:
        code=fingerprint("report"),
    script:
        "../scripts/publish.py"


onsuccess:
    refresh_index(JOBS.reports, L.to_dict(), config_hash(config), workflow.basedir)


onerror:
    refresh_index(JOBS.reports, L.to_dict(), config_hash(config), workflow.basedir)
