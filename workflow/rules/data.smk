checkpoint fetch_raw:
    output:
        paths.RAW,
    params:
        data=config["data"],
    conda:
        "../../environment.yml"
    log:
        "logs/fetch_raw/{source}.log",
    script:
        "../scripts/fetch_raw.py"


rule prepare_dataset:
    input:
        lambda wc: [raw_status(wc.dataset)] if is_raw(wc.dataset) else [],
    output:
        paths.DATASET,
    params:
        spec=lambda wc: config["datasets"][wc.dataset],
    conda:
        "../../environment.yml"
    log:
        "logs/prepare_dataset/{dataset}.log",
    script:
        "../scripts/prepare_dataset.py"


rule split:
    input:
        lambda wc: paths.DATASET.format(dataset=dataset_of(wc.split)),
    output:
        paths.SPLIT,
    params:
        spec=lambda wc: config["splits"][wc.split],
    conda:
        "../../environment.yml"
    log:
        "logs/split/{split}.log",
    script:
        "../scripts/split.py"


rule standardise:
    input:
        dataset=lambda wc: paths.DATASET.format(dataset=dataset_of(wc.split)),
        split=paths.SPLIT,
    output:
        paths.SPLIT_DATA,
    params:
        spec=lambda wc: config["splits"][wc.split],
    conda:
        "../../environment.yml"
    log:
        "logs/standardise/{split}.log",
    script:
        "../scripts/standardise.py"
