# scratchnet: rebuild every table and figure of the seed reports from raw data.
#   snakemake --cores 2                                   # full reproduction (config/config.yaml)
#   snakemake --cores 2 --configfile config/ci.yaml       # reduced configuration (minutes), under results/reduced/
import glob

from snakemake.utils import min_version

from scratchnet.pipeline.config_files import load_config_files

min_version("9.0")


# config.yaml, then one file per seed report (datasets, splits, experiments, analyses, figures), then - for the
# reduced configuration (config/ci.yaml sets reduced: true) - the overlays in config/reduced/, merged as configfile:
# directives would merge them (the command line's --configfile and --config values still win), without Snakemake's
# "Config file ... is extended by additional config specified via the command line" line per file. Every file is
# checked first, all problems listed with their file: a YAML syntax error (line and column), an empty file or one that
# is not a mapping, a section of the wrong type, an alias bomb, a name declared in two seed files, an overlay naming
# something no seed file declares (scratchnet/pipeline/config_files.py).
workflow.configfiles.extend(
    load_config_files(
        config,
        ["config/config.yaml", *sorted(glob.glob("config/seeds/*.yaml"))],
        sorted(glob.glob("config/reduced/*.yaml")),
        workflow.config_settings.overwrite_config,
        replace=workflow.config_settings.replace_workflow_config,
    )
)


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
