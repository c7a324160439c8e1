rule fetch_raw:
    output:
        L(paths.RAW),
    params:
        data=config["data"],
        code=fingerprint("data"),
    conda:
        "../../environment.yml"
    log:
        L.log("fetch_raw", "{source}"),
    script:
        "../scripts/fetch_raw.py"


rule prepare_dataset:
    input:
        lambda wc: JOBS.prepare_inputs(wc.dataset),
    output:
        L(paths.DATASET),
    params:
        spec=lambda wc: config["datasets"][wc.dataset],
        code=fingerprint("data"),
    conda:
        "../../environment.yml"
    log:
        L.log("prepare_dataset", "{dataset}"),
    script:
        "../scripts/prepare_dataset.py"


rule split:
    input:
        lambda wc: L(paths.DATASET, dataset=JOBS.dataset_of(wc.split)),
    output:
        L(paths.SPLIT),
    params:
        spec=lambda wc: config["splits"][wc.split],
        code=fingerprint("data"),
    conda:
        "../../environment.yml"
    log:
        L.log("split", "{split}"),
    script:
        "../scripts/split.py"


rule standardise:
    input:
        dataset=lambda wc: L(paths.DATASET, dataset=JOBS.dataset_of(wc.split)),
        split=L(paths.SPLIT),
    output:
        L(paths.SPLIT_DATA),
    params:
        spec=lambda wc: config["splits"][wc.split],
        code=fingerprint("data"),
    conda:
        "../../environment.yml"
    log:
        L.log("standardise", "{split}"),
    script:
        "../scripts/standardise.py"
