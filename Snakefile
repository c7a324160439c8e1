# scratchnet: rebuild every table and figure of the seed reports from raw data.
#   snakemake --cores 2                                   # full reproduction (config/config.yaml)
#   snakemake --cores 2 --configfile config/ci.yaml       # reduced configuration (minutes), under results/reduced/
import glob

from snakemake.utils import min_version

from scratchnet.pipeline.validate import check_yaml_files

min_version("9.0")


# config.yaml, then one file per seed report (datasets, splits, experiments, analyses, figures), then - for the
# reduced configuration (config/ci.yaml sets reduced: true) - the overlays in config/reduced/. A YAML syntax error
# in any of them is reported with file, line and column before anything else.
SEED_CONFIGS = sorted(glob.glob("config/seeds/*.yaml"))
REDUCED_CONFIGS = sorted(glob.glob("config/reduced/*.yaml"))
check_yaml_files(["config/config.yaml", *SEED_CONFIGS, *REDUCED_CONFIGS])


configfile: "config/config.yaml"


for _seed_config in SEED_CONFIGS:

    configfile: _seed_config


if config.get("reduced"):
    for _overlay in REDUCED_CONFIGS:

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
        JOBS.all_targets(),
