#!/usr/bin/env bash
# The SLURM executor plugin in a directory of its own, put on PYTHONPATH only for the runs that submit to SLURM:
#
#   bash scripts/slurm-plugin.sh          # installs it into .venv/slurm-plugin if missing; prints the directory
#   PYTHONPATH="$(bash scripts/slurm-plugin.sh)" snakemake --workflow-profile profiles/slurm ...
#
# Not into .venv itself: Snakemake imports every executor plugin installed there at every start, and
# snakemake-executor-plugin-slurm 2.8.0 runs `scontrol show config` when imported, which waits 10 s where scontrol is
# installed and no controller answers (this machine once its local cluster is stopped): every local run and every
# test would start 10 s late (docs/upstream/slurm-plugin-scontrol-at-import.md). On a cluster's login node, where the
# controller answers, `pip install -e ".[slurm]"` is fine.
# The version range is pyproject.toml's "slurm" extra; pip resolves it against what .venv holds, so only the plugin
# packages land in the directory (scratchnet.pipeline.cluster.slurm_plugin_dir says where).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || { echo "slurm-plugin: no .venv here; create it first (bash scripts/test.sh does)" >&2; exit 1; }
SITE="$("$PY" -c 'from scratchnet.pipeline.cluster import slurm_plugin_dir; print(slurm_plugin_dir())')"
if [ ! -d "$SITE/snakemake_executor_plugin_slurm" ]; then
  mapfile -t REQUIREMENTS < <("$PY" -c '
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["slurm"]))')
  PREFIX="${SITE%/lib/python*}"
  "$PY" -m pip install --quiet --prefix "$PREFIX" "${REQUIREMENTS[@]}" >&2
  [ -d "$SITE/snakemake_executor_plugin_slurm" ] || { echo "slurm-plugin: pip did not install into $SITE" >&2; exit 1; }
fi
if "$PY" -c 'import sys; from scratchnet.pipeline.cluster import slurm_plugin_in_environment as f; sys.exit(not f())'; then
  echo "slurm-plugin: note: the plugin is also installed in .venv itself, so every snakemake start imports it;" \
    "pip uninstall snakemake-executor-plugin-slurm snakemake-executor-plugin-slurm-jobstep keeps it out" >&2
fi
echo "$SITE"
