#!/usr/bin/env bash
# The project's test command (README "Tests"; CI runs it through .ci/run).
#
#   bash scripts/test.sh
#
# Runs a sequence of named steps; each step's counts are added up and the last
# line printed is `N passed, N failed` (`, N skipped` when some were skipped).
# Exit status 0 only if every step passed.
#
# Step "odoo tests": Odoo's own test runner on a fresh database
# (tal_test_<timestamp>_<pid>, dropped at the end unless KEEP_DB=1), full log
# under .test-logs/, counted per test method by scripts/odoo_test_log.py.
#
# Environment overrides (all optional):
#   TEST_MODULES       modules installed with -i        (default below)
#   TEST_TAGS          --test-tags                      (default below)
#   REQUIRE_TESTS_IN   modules that must run >= 1 test  (default below; "" for none)
#   EXTRA_ADDONS_PATH  comma-separated extra addons directories
#   ODOO_EXTRA_ARGS    extra arguments for odoo (word-split)
#   ODOO_TEST_TIMEOUT  seconds before the Odoo run is killed (default 3000)
#   KEEP_DB=1          keep the database and its filestore
#   TEST_VERBOSE=1     echo the whole Odoo log (the log file always has it)
#   TEST_LOG_DIR       where logs go (default <repo>/.test-logs)
#   ODOO_PYTHON, ODOO_HOME, ODOO_SRC   see scripts/odoo_env.sh (Odoo 19.0 is
#                      installed when none is found; the bootstrap step installs
#                      it afresh into a temporary location from ODOO_SRC or the
#                      source of the Odoo found, and is skipped without either)
set -uo pipefail

# ---------------------------------------------------------------- settings --
DEFAULT_TEST_MODULES="tal_invoice_transfer,tal_documents_standin,dms"
DEFAULT_TEST_TAGS="/tal_invoice_transfer,/tal_documents_standin,/tal_invoice_transfer_documents_standin"
DEFAULT_REQUIRE_TESTS_IN="tal_invoice_transfer"

TEST_MODULES=${TEST_MODULES:-$DEFAULT_TEST_MODULES}
TEST_TAGS=${TEST_TAGS:-$DEFAULT_TEST_TAGS}
REQUIRE_TESTS_IN=${REQUIRE_TESTS_IN-$DEFAULT_REQUIRE_TESTS_IN}
EXTRA_ADDONS_PATH=${EXTRA_ADDONS_PATH:-}
ODOO_EXTRA_ARGS=${ODOO_EXTRA_ARGS:-}
ODOO_TEST_TIMEOUT=${ODOO_TEST_TIMEOUT:-3000}
KEEP_DB=${KEEP_DB:-0}

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
RUN_ID="$(date +%Y%m%d_%H%M%S)_$$"
TEST_LOG_DIR=${TEST_LOG_DIR:-$REPO_ROOT/.test-logs}
RUN_DIR="$TEST_LOG_DIR/$RUN_ID"
mkdir -p "$RUN_DIR"
# keep the 10 newest runs' logs
ls -1dt "$TEST_LOG_DIR"/*/ 2>/dev/null | tail -n +11 | xargs -r rm -rf

# ------------------------------------------------------------ step runner --
TOTAL_PASSED=0
TOTAL_FAILED=0
TOTAL_SKIPPED=0
STEP_LINES=()
STEP_NO=0
COUNT_LINE_RE='^([A-Za-z_-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?[[:space:]]*$'

# run_step NAME CMD [ARGS...]
# Runs CMD (a command or a shell function), shows its output, then adds its
# counts: from its last `N passed, N failed[, N skipped]` line if it prints
# one (a non-zero exit with 0 failed adds 1 failed), else 1 passed or 1 failed
# by its exit status. The step's own count line is shown prefixed with
# "[step NAME]" so that only this script's last line is a closing count line.
run_step() {
    local name=$1 slug out rc line p f s
    shift
    STEP_NO=$((STEP_NO + 1))
    slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_-' '_')
    out="$RUN_DIR/step$STEP_NO-$slug.out"
    printf '\n=== step %d: %s ===\n' "$STEP_NO" "$name"
    ( "$@" ) </dev/null 2>&1 | tee "$out" | sed -u -E "s/$COUNT_LINE_RE/[step $slug] \\2 passed, \\3 failed\\4/"
    rc=${PIPESTATUS[0]}
    line=$(grep -E "$COUNT_LINE_RE" "$out" | tail -n 1)
    if [ -n "$line" ]; then
        p=$(printf '%s' "$line" | sed -E "s/$COUNT_LINE_RE/\\2/")
        f=$(printf '%s' "$line" | sed -E "s/$COUNT_LINE_RE/\\3/")
        s=$(printf '%s' "$line" | sed -E "s/$COUNT_LINE_RE/\\5/")
        s=${s:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
            f=1
        fi
    elif [ "$rc" -eq 0 ]; then
        p=1 f=0 s=0
    else
        p=0 f=1 s=0
    fi
    TOTAL_PASSED=$((TOTAL_PASSED + p))
    TOTAL_FAILED=$((TOTAL_FAILED + f))
    TOTAL_SKIPPED=$((TOTAL_SKIPPED + s))
    STEP_LINES+=("$(printf '%-28s exit %-3s %s passed, %s failed, %s skipped' "$name" "$rc" "$p" "$f" "$s")")
}

finish() {
    local line
    printf '\n=== summary (logs: %s) ===\n' "$RUN_DIR"
    for line in "${STEP_LINES[@]}"; do
        printf '  %s\n' "$line"
    done
    line="$TOTAL_PASSED passed, $TOTAL_FAILED failed"
    [ "$TOTAL_SKIPPED" -gt 0 ] && line="$line, $TOTAL_SKIPPED skipped"
    printf '%s\n' "$line"
    [ "$TOTAL_FAILED" -eq 0 ] && exit 0
    exit 1
}

# ------------------------------------------------------- step: odoo tests --
# the addons-path: every given directory that holds at least one addon
addons_path() {
    local d out=""
    local IFS=,
    for d in "$REPO_ROOT" "$REPO_ROOT/test_addons" $EXTRA_ADDONS_PATH; do
        [ -n "$d" ] || continue
        if compgen -G "$d/*/__manifest__.py" >/dev/null; then
            out="${out:+$out,}$(cd "$d" && pwd)"
        else
            echo "note: $d holds no addon, left out of --addons-path" >&2
        fi
    done
    printf '%s' "$out"
}

free_port() {
    "$ODOO_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ODOO_DB=""
ODOO_DATA_DIR=""
cleanup_db() {
    [ -n "$ODOO_DB" ] || return 0
    if [ "$KEEP_DB" = 1 ]; then
        echo "KEEP_DB=1: kept database $ODOO_DB (data dir $ODOO_DATA_DIR)"
        return 0
    fi
    PGOPTIONS="-c client_min_messages=warning" dropdb --if-exists "$ODOO_DB" </dev/null || echo "warning: could not drop database $ODOO_DB" >&2
    [ -n "$ODOO_DATA_DIR" ] && rm -rf "$ODOO_DATA_DIR"
    ODOO_DB=""
}

step_odoo_tests() {
    local paths port log rc conf
    local -a extra
    paths=$(addons_path)
    port=$(free_port) || return 1
    log="$RUN_DIR/${ODOO_LOG_NAME:-odoo}.log"
    conf="$RUN_DIR/${ODOO_LOG_NAME:-odoo}.conf"
    printf '[options]\n' >"$conf"   # keeps ~/.odoorc and $ODOO_RC out of the run
    read -r -a extra <<<"$ODOO_EXTRA_ARGS"
    # shellcheck disable=SC2206
    local -a cmd=("$ODOO_PYTHON" -m odoo
        -c "$conf"
        -d "$ODOO_DB"
        --addons-path="$paths"
        --data-dir="$ODOO_DATA_DIR"
        -i "$TEST_MODULES"
        --test-enable
        --test-tags "$TEST_TAGS"
        --stop-after-init
        --log-level=info
        --db_host=
        --http-interface=127.0.0.1 --http-port="$port"
        --max-cron-threads=0 --workers=0
        "${extra[@]}")
    echo "database: $ODOO_DB   log: $log"
    echo "+ ${cmd[*]}"
    # run from the log dir: `python -m odoo` puts the working directory on sys.path
    (
        cd "$RUN_DIR" || exit 1
        unset ODOO_TEST_FAILURE_RETRIES ODOO_PY_COLORS PGHOST PGHOSTADDR
        exec timeout --kill-after=30 "$ODOO_TEST_TIMEOUT" "${cmd[@]}"
    ) </dev/null 2>&1 | "$ODOO_PYTHON" -u "$SCRIPTS_DIR/odoo_test_log.py" stream "$log"
    rc=${PIPESTATUS[0]}
    [ "$rc" -eq 124 ] && echo "Odoo was killed after ODOO_TEST_TIMEOUT=${ODOO_TEST_TIMEOUT}s"
    "$ODOO_PYTHON" "$SCRIPTS_DIR/odoo_test_log.py" report "$log" --rc "$rc" --require "$REQUIRE_TESTS_IN"
}

# ------------------------------------------------------------------- main --
echo "=== environment ==="
# shellcheck source=scripts/odoo_env.sh
if ! . "$SCRIPTS_DIR/odoo_env.sh"; then
    STEP_LINES+=("environment (scripts/odoo_env.sh) FAILED")
    TOTAL_FAILED=$((TOTAL_FAILED + 1))
    finish
fi

ODOO_DB="tal_test_${RUN_ID}"
ODOO_DATA_DIR="$RUN_DIR/data"
if psql -X -d postgres -tAc "select 1 from pg_database where datname = '$ODOO_DB'" </dev/null | grep -q 1; then
    echo "database $ODOO_DB already exists" >&2
    exit 1
fi
trap cleanup_db EXIT
trap 'exit 130' INT TERM

run_step "odoo tests" step_odoo_tests
cleanup_db

# The same suite again beside the documents_account stand-in, which files
# invoice files by itself as Enterprise's Accounting bridge does.
step_odoo_tests_beside_documents_account() {
    TEST_MODULES="$TEST_MODULES,tal_documents_account_standin" \
        TEST_TAGS="$TEST_TAGS,/tal_documents_account_standin" \
        REQUIRE_TESTS_IN="tal_invoice_transfer,tal_documents_account_standin" \
        ODOO_LOG_NAME="odoo-documents-account" \
        step_odoo_tests
}
ODOO_DB="tal_test_${RUN_ID}_documents_account"
ODOO_DATA_DIR="$RUN_DIR/data-documents-account"
run_step "odoo tests beside documents_account" step_odoo_tests_beside_documents_account
cleanup_db

# ------------------------------------------------ extra steps go here -------
# Append further checks with run_step NAME CMD...; e.g.
#   run_step "e2e harness" bash "$SCRIPTS_DIR/e2e.sh"
#   run_step "lint" pre-commit run --all-files
# A step that prints its own `N passed, N failed[, N skipped]` line has those
# counts added; otherwise it counts as 1 passed or 1 failed by its exit status.
run_step "install, upgrade, uninstall without target" bash "$SCRIPTS_DIR/install_check.sh"
run_step "wheel: pip install, the OCA way" bash "$SCRIPTS_DIR/wheel_check.sh"
run_step "bootstrap: Odoo 19.0 installed afresh" bash "$SCRIPTS_DIR/bootstrap_check.sh"
run_step "e2e harness (reduced)" bash "$REPO_ROOT/e2e/run.sh"
run_step "lint (ruff, pylint-odoo, prettier, i18n)" bash "$SCRIPTS_DIR/lint.sh"
# ------------------------------------------------ end of extra steps --------

finish
