import re

from snakemake.utils import validate

from scratchnet.pipeline import paths
from scratchnet.pipeline.cluster import check_slurm_controller
from scratchnet.pipeline.code import fingerprint
from scratchnet.pipeline.dag import Dag
from scratchnet.pipeline.runner import mark_snakemake_process
from scratchnet.pipeline.reasons import shorten_job_reasons
from scratchnet.pipeline.rebuild import force_rebuild
from scratchnet.pipeline.scheduler import coalesce_reevaluation
from scratchnet.pipeline.validate import validate_config
from scratchnet.report import TEMPLATES
from scratchnet.report.index import refresh_index
from scratchnet.report.provenance import config_hash

# Without this, Snakemake's scheduler starts one more once-a-second re-evaluation chain per finished job, and its own
# CPU use grows with the run (see scratchnet/pipeline/scheduler.py).
coalesce_reevaluation()
# A job's "reason:" line gives a long list of files as its count and the first few paths (a page waits for about 200
# files): see scratchnet/pipeline/reasons.py.
shorten_job_reasons()

# Jobs inherit this process's pid, so that none outlives it: a job whose Snakemake is gone (killed) stops without
# writing its outputs (see scratchnet/pipeline/runner.py).
mark_snakemake_process()

# Every problem of the merged configuration (schema, then each resolved run, analysis, figure and claim against the
# registries) is listed at once, naming file, item and key, before any job runs; then the schema's defaults are set.
validate_config(
    config,
    workflow.source_path("../schemas/config.schema.yaml"),
    workflow.configfiles,
    TEMPLATES,
)
validate(config, schema="../schemas/config.schema.yaml")

JOBS = Dag(config)
L = JOBS.layout

# An artefact a job found edited or truncated, or one deleted while its manifest remains, is rebuilt by this run, with
# what is made from it (scratchnet/pipeline/rebuild.py). Not in a cluster job's own Snakemake, which runs just its job.
if workflow.is_main_process:
    force_rebuild([L.results, L.reports])


wildcard_constraints:
    experiment=r"[^/]+",
    variant=r"[^/]+",
    seed=r"\d+",
    source=r"[^/]+",
    dataset=r"[^/]+",
    split=r"[^/]+",
    analysis=r"[^/]+",
    report="|".join(re.escape(r) for r in JOBS.reports),
    figure=r"[^/]+",


# Light steps run on the submitting machine under a cluster executor.
localrules:
    all,
    fetch_raw,
    prepare_dataset,
    split,
    standardise,
    aggregate,
    figure,
    report,
    index,
    publish,


def run_threads(wc):
    """One BLAS thread per job: with --cores N, N jobs run side by side. Measured on 2 cores, two-thread jobs that
    share the machine were 4-10x slower than one-thread jobs (thread oversubscription).
    """
    return 1


# Under the SLURM executor, a controller that is down would leave the run waiting on jobs it cannot follow: stop
# before submitting anything, with the controller's answer.
onstart:
    if "slurm" in str(getattr(workflow.executor_plugin, "name", "")):
        check_slurm_controller()
