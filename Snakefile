# scratchnet: rebuild every table and figure of the seed reports from raw data.
#   snakemake --cores 2                                   # full reproduction (config/config.yaml)
#   snakemake --cores 2 --configfile config/ci.yaml       # reduced configuration (minutes)
import glob

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# One file per seed report: its datasets, splits, experiments, figures and claims file.
for _seed_config in sorted(glob.glob("config/seeds/*.yaml")):

    configfile: _seed_config


# The reduced configuration (config/ci.yaml sets reduced: true) overlays config/reduced/*.yaml.
if config.get("reduced"):
    for _overlay in sorted(glob.glob("config/reduced/*.yaml")):

        configfile: _overlay



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
