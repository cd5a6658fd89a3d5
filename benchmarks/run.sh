#!/usr/bin/env bash
# Benchmark of the invoice files transfer through Odoo's scheduler (issues #4, #12).
# See benchmarks/README.md.
#   bash benchmarks/run.sh [--quick | --full] [--sizes 1000,10000] [--workers 1,2,4]
#                          [--peer-sample M] [--xmlrpc-sample K] [--repeat R] [--resume]
#                          [--remeasure 1000,10000] [--rebuild]
#   bash benchmarks/run.sh --live [--pace 300] [--workers 2] [--size 10000]
#       the pace limit over a 2-minute run and the pause's effect (issue 25);
#       results: benchmarks/results/live.{json,md}
#   bash benchmarks/run.sh --pdf [--quick | --full] [--pdf-set NAME=VALUE] ...
#       the PDF benchmark (missing invoice PDFs made and filed);
#       results: benchmarks/results/pdf_latest.{json,md}
# Results: benchmarks/results/latest.{json,md}; scratch data in $TAL_BENCH_DATA_DIR
# (default /tmp/tal_bench_data); databases are named tal_bench_*.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
ODOO_ENV_QUIET=1 . "$repo/scripts/odoo_env.sh"
unset PGHOST PGHOSTADDR
# the repository root holds the packages benchmarks and harness_tools
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
if [ "${1:-}" = "--live" ]; then
    shift
    exec "$ODOO_PYTHON" -m benchmarks live "$@"
fi
exec "$ODOO_PYTHON" -m benchmarks run "$@"
