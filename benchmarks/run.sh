#!/usr/bin/env bash
# Benchmark of the invoice files transfer (issue #4). See benchmarks/README.md.
#   bash benchmarks/run.sh [--sizes 1000,10000,100000] [--quick] [--sample M]
#                          [--variants stock] [--xmlrpc-sample K] [--rebuild]
# Results: benchmarks/results/latest.{json,md}; scratch data in $TAL_BENCH_DATA_DIR
# (default /tmp/tal_bench_data); databases are named tal_bench_*.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
ODOO_ENV_QUIET=1 . "$repo/scripts/odoo_env.sh"
unset PGHOST PGHOSTADDR
# the repository root holds the packages benchmarks and harness_tools
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
exec "$ODOO_PYTHON" -m benchmarks run "$@"
