rule fetch_raw:
    output:
        L(paths.RAW),
    log:
        L.log("fetch_raw", "{source}"),
    conda:
        "../../environment.yml"
    params:
        data=config["data"],
        code=fingerprint("data"),
    script:
        "../scripts/fetch_raw.py"


rule prepare_dataset:
    input:
        lambda wc: JOBS.prepare_inputs(wc.dataset),
    output:
        L(paths.DATASET),
    log:
        L.log("prepare_dataset", "{dataset}"),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: config["datasets"][wc.dataset],
        code=fingerprint("data"),
    script:
        "../scripts/prepare_dataset.py"


rule split:
    input:
        lambda wc: L(paths.DATASET, dataset=JOBS.dataset_of(wc.split)),
    output:
        L(paths.SPLIT),
    log:
        L.log("split", "{split}"),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: config["splits"][wc.split],
        code=fingerprint("data"),
    script:
        "../scripts/split.py"


rule standardise:
    input:
        dataset=lambda wc: L(paths.DATASET, dataset=JOBS.dataset_of(wc.split)),
        split=L(paths.SPLIT),
    output:
        L(paths.SPLIT_DATA),
    log:
        L.log("standardise", "{split}"),
    conda:
        "../../environment.yml"
    params:
        spec=lambda wc: config["splits"][wc.split],
        code=fingerprint("data"),
    script:
        "../scripts/standardise.py"
