#!/usr/bin/env bash
# End-to-end harness of tal_invoice_transfer (see e2e/README.md).
#
#   bash e2e/run.sh            reduced run (a few minutes; CI)
#   bash e2e/run.sh --full     full run
#   bash e2e/run.sh --help     options (--seed, --only, --keep, --no-pg-restart)
#   bash e2e/run.sh --series 18.0 --only kill_random:dms
#                              on another Odoo series (ODOO_SERIES; default
#                              19.0; see scripts/odoo_series.sh)
#
# Last line: `N passed, N failed`; exit status 0 only if every scenario passed.
# The harness (the e2e package, run as `python -m e2e`) starts its own
# databases (tal_e2e_<pid>_*) and Odoo processes on 127.0.0.1:18100-18199 and
# removes them when it ends, also on Ctrl-C / SIGTERM.
set -uo pipefail
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$E2E_DIR/.." && pwd)
# --series S: the Odoo series (read here, before scripts/odoo_env.sh)
args=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --series) export ODOO_SERIES=${2:-}; shift 2 || shift ;;
        --series=*) export ODOO_SERIES=${1#--series=}; shift ;;
        *) args+=("$1"); shift ;;
    esac
done
set -- "${args[@]}"
# shellcheck source=scripts/odoo_env.sh
if ! ODOO_ENV_QUIET=1 . "$REPO_ROOT/scripts/odoo_env.sh"; then
    echo "FAIL e2e: environment (scripts/odoo_env.sh, Odoo ${ODOO_SERIES:-19.0}) not ready"
    echo "0 passed, 1 failed"
    exit 1
fi
unset PGHOST PGHOSTADDR
echo "e2e: Odoo $ODOO_SERIES ($ODOO_PYTHON)"
# the repository root holds the packages e2e and harness_tools;
# ODOO_CORE_ADDONS (exported by odoo_env.sh) goes first in e2e/settings.py's
# addons path
export PYTHONPATH="$REPO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
# python handles SIGINT/SIGTERM itself and cleans up (see e2e/runner.py)
exec "$ODOO_PYTHON" -u -m e2e "$@"
