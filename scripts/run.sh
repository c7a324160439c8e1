#!/usr/bin/env bash
# Set up a virtual environment (Python 3.11) and run the whole pipeline: snakemake --cores N [extra args].
#   bash scripts/run.sh                                  # full reproduction, all cores
#   bash scripts/run.sh --configfile config/ci.yaml      # reduced configuration
# Raw data: set SCRATCHNET_DATA_MIRROR to an offline mirror folder, or let the pipeline download (checksummed).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
# After a Snakemake killed with SIGKILL: remove its stale locks (no manual --unlock), unless a Snakemake still runs here.
.venv/bin/python -m scratchnet.pipeline.lock
exec .venv/bin/snakemake --cores "${CORES:-$(nproc)}" --keep-going "$@"
