# scratchnet: rebuild every table and figure of the seed reports from raw data.
#   snakemake --cores 2                                   # full reproduction (config/config.yaml)
#   snakemake --cores 2 --configfile config/ci.yaml       # reduced configuration (minutes)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        all_targets(),
