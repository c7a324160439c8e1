rule train:
    input:
        data=lambda wc: JOBS.run_data(wc.experiment, wc.variant),
    output:
        model=L(paths.MODEL),
        meta=L(paths.MODEL_META),
        history=L(paths.HISTORY),
    log:
        L.log("train", "{experiment}/{variant}/seed{seed}"),
    benchmark:
        L(paths.BENCHMARK_TRAIN)
    conda:
        "../../environment.yml"
    threads: run_threads
    params:
        run=lambda wc: JOBS.run_spec(wc.experiment, wc.variant, wc.seed),
        code=lambda wc: fingerprint("train", JOBS.experiments[wc.experiment].model),
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        model=L(paths.MODEL),
        meta=L(paths.MODEL_META),
        history=L(paths.HISTORY),
        data=lambda wc: JOBS.run_data(wc.experiment, wc.variant),
    output:
        metrics=L(paths.METRICS),
        predictions=L(paths.PREDICTIONS),
    log:
        L.log("evaluate", "{experiment}/{variant}/seed{seed}"),
    benchmark:
        L(paths.BENCHMARK_EVAL)
    conda:
        "../../environment.yml"
    threads: run_threads
    params:
        run=lambda wc: JOBS.run_spec(wc.experiment, wc.variant, wc.seed),
        code=lambda wc: fingerprint("train", JOBS.experiments[wc.experiment].model),
    script:
        "../scripts/evaluate.py"


rule aggregate:
    input:
        metrics=lambda wc: JOBS.run_files(paths.METRICS, wc.experiment),
        benchmarks=lambda wc: JOBS.run_files(paths.BENCHMARK_TRAIN, wc.experiment),
    output:
        table=report(
            L(paths.TABLE),
            caption="../report/table.rst",
            category="{experiment}",
            labels={"experiment": "{experiment}", "type": "table"},
        ),
        summary=L(paths.SUMMARY),
    log:
        L.log("aggregate", "{experiment}"),
    conda:
        "../../environment.yml"
    params:
        experiment=lambda wc: JOBS.experiments[wc.experiment].to_dict(),
        code=fingerprint("aggregate"),
    script:
        "../scripts/aggregate.py"


rule analysis:
    input:
        lambda wc: JOBS.analysis_inputs(wc.analysis),
    output:
        json=L(paths.ANALYSIS_JSON),
        npz=L(paths.ANALYSIS_NPZ),
    log:
        L.log("analysis", "{analysis}"),
    benchmark:
        L(paths.BENCHMARK_ANALYSIS)
    conda:
        "../../environment.yml"
    threads: run_threads
    params:
        spec=lambda wc: JOBS.analyses[wc.analysis],
        inputs=lambda wc: JOBS.analysis_refs(wc.analysis),
        code=lambda wc: fingerprint("analysis", JOBS.analyses[wc.analysis]["kind"]),
    script:
        "../scripts/analysis.py"
