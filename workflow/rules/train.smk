rule train:
    input:
        data=run_split_data,
    output:
        model=paths.MODEL,
        meta=paths.MODEL_META,
        history=paths.HISTORY,
    params:
        spec=lambda wc: EXPERIMENTS[wc.experiment].run_params(wc.variant),
    threads: run_threads
    conda:
        "../../environment.yml"
    log:
        "logs/train/{experiment}/{variant}/seed{seed}.log",
    benchmark:
        paths.BENCHMARK_TRAIN
    script:
        "../scripts/train.py"


rule evaluate:
    input:
        model=paths.MODEL,
        history=paths.HISTORY,
        data=run_split_data,
    output:
        metrics=paths.METRICS,
        predictions=paths.PREDICTIONS,
    threads: run_threads
    conda:
        "../../environment.yml"
    log:
        "logs/evaluate/{experiment}/{variant}/seed{seed}.log",
    benchmark:
        paths.BENCHMARK_EVAL
    script:
        "../scripts/evaluate.py"


rule aggregate:
    input:
        metrics=lambda wc: run_files(paths.METRICS, wc.experiment),
        benchmarks=lambda wc: run_files(paths.BENCHMARK_TRAIN, wc.experiment),
    output:
        table=report(
            paths.TABLE,
            caption="../report/table.rst",
            category="{experiment}",
            labels={"experiment": "{experiment}", "type": "table"},
        ),
        summary=paths.SUMMARY,
    params:
        spec=lambda wc: EXPERIMENTS[wc.experiment].params,
    conda:
        "../../environment.yml"
    log:
        "logs/aggregate/{experiment}.log",
    script:
        "../scripts/aggregate.py"
