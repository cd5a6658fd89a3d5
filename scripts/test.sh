#!/usr/bin/env bash
# The project's test command (README "Tests"; CI runs it through .ci/run).
#
#   bash scripts/test.sh
#
# Runs a sequence of named steps; each step's counts are added up and the last
# line printed is `N passed, N failed` (`, N skipped` when some were skipped).
# Exit status 0 only if every step passed.
#
# Both Odoo series, 19.0 then 18.0 (TEST_SERIES; scripts/odoo_series.sh):
#   the first series (19.0): Odoo's runner with the whole suite, the pass
#     beside documents_account, install/upgrade/uninstall, the wheel, the
#     bootstrap, the e2e reduced run, the lint;
#   each other series (18.0): Odoo's runner with the whole suite, the pass
#     beside documents_account, install/upgrade/uninstall, the wheel, and one
#     e2e kill scenario (E2E_OTHER_SERIES_ONLY). The bootstrap is checked once
#     (the first series'): odoo_install.sh is one script for every series, and
#     the 18.0 install on this project's machines is checked by odoo_env.sh
#     at the start of the 18.0 steps. The lint reads the source, whatever the
#     series.
#   The first series is installed when it is missing (scripts/odoo_env.sh);
#   another series is used where it is found (ODOO_PYTHON_18,
#   ODOO_HOME_18/venv, default /opt/odoo18/venv, python3) or installed from a
#   source given for it (ODOO_SRC_18, or an ODOO_SRC of 18.0); else each of
#   its steps is shown as SKIPPED with the reason and counted as skipped,
#   never as passed.
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
#   TEST_SERIES        the series, first one first (default "19.0 18.0";
#                      ODOO_SERIES=18.0 alone: that series only, all steps)
#   ODOO_PYTHON, ODOO_HOME   see scripts/odoo_env.sh: those of the first series
#   ODOO_SRC           a source tree or tarball: used for the series it holds
#   ODOO_PYTHON_18, ODOO_HOME_18, ODOO_SRC_18 (and _19): those of one series
#                      (the first series is installed when none is found; the
#                      bootstrap step installs it afresh into a temporary
#                      location from its source or the source of the Odoo
#                      found, and is skipped without either)
#   E2E_OTHER_SERIES_ONLY  the e2e scenario run on the other series (default
#                      kill_random:dms)
set -uo pipefail

# ---------------------------------------------------------------- settings --
DEFAULT_TEST_MODULES="tal_invoice_transfer,tal_documents_standin,dms"
DEFAULT_TEST_TAGS="/tal_invoice_transfer,/tal_documents_standin,/tal_invoice_transfer_documents_standin"
DEFAULT_REQUIRE_TESTS_IN="tal_invoice_transfer"
DEFAULT_TEST_SERIES="19.0 18.0"

TEST_MODULES=${TEST_MODULES:-$DEFAULT_TEST_MODULES}
TEST_TAGS=${TEST_TAGS:-$DEFAULT_TEST_TAGS}
REQUIRE_TESTS_IN=${REQUIRE_TESTS_IN-$DEFAULT_REQUIRE_TESTS_IN}
EXTRA_ADDONS_PATH=${EXTRA_ADDONS_PATH:-}
ODOO_EXTRA_ARGS=${ODOO_EXTRA_ARGS:-}
ODOO_TEST_TIMEOUT=${ODOO_TEST_TIMEOUT:-3000}
KEEP_DB=${KEEP_DB:-0}
TEST_SERIES=${TEST_SERIES:-${ODOO_SERIES:-$DEFAULT_TEST_SERIES}}
E2E_OTHER_SERIES_ONLY=${E2E_OTHER_SERIES_ONLY:-kill_random:dms}

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
# In a background lane (BG_LIST set, see start_background) it only runs CMD
# into its output file; join_background shows and counts it.
run_step() {
    local name=$1 slug out rc started
    shift
    slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_-' '_')
    started=$(date +%s)
    if [ -n "${BG_LIST:-}" ]; then
        BG_NO=$((BG_NO + 1))
        out="$RUN_DIR/lane$BG_LANE-$BG_NO-$slug.out"
        ( "$@" ) </dev/null >"$out" 2>&1
        rc=$?
        printf '%s\t%s\t%s\t%s\n' "$name" "$out" "$rc" "$(($(date +%s) - started))" >>"$BG_LIST"
        return 0
    fi
    STEP_NO=$((STEP_NO + 1))
    out="$RUN_DIR/step$STEP_NO-$slug.out"
    printf '\n=== step %d: %s ===\n' "$STEP_NO" "$name"
    ( "$@" ) </dev/null 2>&1 | tee "$out" | sed -u -E "s/$COUNT_LINE_RE/[step $slug] \\2 passed, \\3 failed\\4/"
    rc=${PIPESTATUS[0]}
    count_step "$name" "$out" "$rc" "$(($(date +%s) - started))"
}

# count_step NAME OUT RC SECONDS: adds the counts of a step's output
count_step() {
    local name=$1 out=$2 rc=$3 secs=$4 line p f s
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
    STEP_LINES+=("$(printf '%-50s exit %-3s %4ss  %s passed, %s failed, %s skipped' "$name" "$rc" "$secs" "$p" "$f" "$s")")
}

# start_background FUNCTION: runs FUNCTION (steps of run_step) in the
# background, its steps' output kept in files; join_background waits for it,
# then shows and counts its steps as if they had run then.
BG_PID="" BG_LIST_FILE="" BG_LANE=0
start_background() {
    BG_LANE=$((BG_LANE + 1))
    BG_LIST_FILE="$RUN_DIR/lane$BG_LANE.list"
    : >"$BG_LIST_FILE"
    (
        BG_LIST=$BG_LIST_FILE BG_NO=0
        "$@"
    ) </dev/null >"$RUN_DIR/lane$BG_LANE.out" 2>&1 &
    BG_PID=$!
}
# stop_background: ends the background lane's processes (by their ids,
# children first), if it still runs
descendants() {
    local child
    for child in $(pgrep -P "$1"); do
        descendants "$child"
        echo "$child"
    done
}
stop_background() {
    [ -n "$BG_PID" ] || return 0
    # shellcheck disable=SC2046 # one id a word
    kill $(descendants "$BG_PID") "$BG_PID" 2>/dev/null
    BG_PID=""
}
join_background() {
    local name out rc secs slug
    [ -n "$BG_PID" ] || return 0
    wait "$BG_PID"
    BG_PID=""
    printf '\n=== the steps run behind the steps above (lane %s) ===\n' "$BG_LANE"
    cat "$RUN_DIR/lane$BG_LANE.out"
    while IFS=$'\t' read -r name out rc secs; do
        STEP_NO=$((STEP_NO + 1))
        slug=$(printf '%s' "$name" | tr -c 'A-Za-z0-9_-' '_')
        printf '\n=== step %d: %s (ran in the background, %ss) ===\n' "$STEP_NO" "$name" "$secs"
        sed -E "s/$COUNT_LINE_RE/[step $slug] \\2 passed, \\3 failed\\4/" "$out"
        count_step "$name" "$out" "$rc" "$secs"
    done <"$BG_LIST_FILE"
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
    # Odoo's own addons first where an explicit addons path must name them
    # (18.0: scripts/odoo_env.sh sets ODOO_CORE_ADDONS)
    out=${ODOO_CORE_ADDONS:-}
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
        ${ODOO_WITHOUT_DEMO:+"$ODOO_WITHOUT_DEMO"}
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
# The plain ODOO_PYTHON / ODOO_HOME are the first series'; ODOO_SRC goes to the
# series it holds. Each series then reads its own (scripts/odoo_series.sh).
FIRST_SERIES=${TEST_SERIES%% *}
major() { printf '%s' "${1%%.*}"; }
# odoo_tree_series, from scripts/odoo_series.sh; the caller's settings kept
# (the file sets their defaults)
saved=("${ODOO_PYTHON:-}" "${ODOO_HOME:-}" "${ODOO_SRC:-}" "${ODOO_SERIES:-}")
# shellcheck source=scripts/odoo_series.sh
. "$SCRIPTS_DIR/odoo_series.sh" >/dev/null
ODOO_PYTHON=${saved[0]} ODOO_HOME=${saved[1]} ODOO_SRC=${saved[2]} ODOO_SERIES=${saved[3]}
for var in ODOO_PYTHON ODOO_HOME; do
    own="${var}_$(major "$FIRST_SERIES")"
    if [ -n "${!var:-}" ] && [ -z "${!own:-}" ]; then
        export "$own=${!var}"
    fi
done
if [ -n "${ODOO_SRC:-}" ]; then
    # the scripts run from elsewhere: a relative path is the caller's
    case "$ODOO_SRC" in /*) ;; *) ODOO_SRC="$PWD/$ODOO_SRC" ;; esac
    src_series=$(odoo_tree_series "$ODOO_SRC")
    # not a source of any series: the first series' install names the problem
    own="ODOO_SRC_$(major "${src_series:-$FIRST_SERIES}")"
    [ -n "${!own:-}" ] || export "$own=$ODOO_SRC"
fi
unset ODOO_PYTHON ODOO_HOME ODOO_SRC

trap 'stop_background; cleanup_db' EXIT
trap 'exit 130' INT TERM

SERIES_SKIPPED=""   # the reason this series' steps are skipped, if they are
skipped_step() {
    printf 'SKIPPED: %s\n' "$SERIES_SKIPPED"
    echo "0 passed, 0 failed, 1 skipped"
}
# series_step NAME CMD...: a step of the current series, named after it;
# SKIPPED (counted as skipped) when the series is not there
series_step() {
    local name="$ODOO_SERIES: $1"
    shift
    if [ -n "$SERIES_SKIPPED" ]; then
        run_step "$name" skipped_step
    else
        run_step "$name" "$@"
    fi
}

# use_series SERIES FIRST: finds (FIRST=1: or installs) Odoo of SERIES
use_series() {
    local series=$1 first=$2 src_var no_install=1
    export ODOO_SERIES=$series
    unset ODOO_PYTHON ODOO_HOME ODOO_SRC ODOO_CORE_ADDONS
    src_var="ODOO_SRC_$(major "$series")"
    { [ "$first" = 1 ] || [ -n "${!src_var:-}" ]; } && no_install=0
    SERIES_SKIPPED=""
    printf '\n=== Odoo %s: environment ===\n' "$series"
    export ODOO_ENV_NO_INSTALL=$no_install
    # shellcheck source=scripts/odoo_env.sh
    if ! . "$SCRIPTS_DIR/odoo_env.sh"; then
        if [ "$ODOO_ENV_NOT_FOUND" = 1 ]; then
            SERIES_SKIPPED="no Odoo $series found (ODOO_PYTHON_$(major "$series"), $ODOO_DEFAULT_PYTHON, python3) and no $series source given ($src_var, or an ODOO_SRC of $series)"
        else
            STEP_LINES+=("$series: environment (scripts/odoo_env.sh) FAILED")
            TOTAL_FAILED=$((TOTAL_FAILED + 1))
            SERIES_SKIPPED="its environment failed (scripts/odoo_env.sh, above)"
        fi
        echo "Odoo $series: every step below is SKIPPED: $SERIES_SKIPPED"
    fi
    unset ODOO_ENV_NO_INSTALL
}

# The suite again beside the documents_account stand-in, which files invoice
# files by itself as Enterprise's Accounting bridge does, into Documents. The
# classes on the DMS target are left out of this pass (they run in the first
# pass): the bridge never touches DMS, so what they prove does not change
# beside it (about 280 of its 600 seconds on 19.0). Every other class runs
# again, a new one too until it is listed here. TEST_TAGS_BESIDE_DA replaces
# the tags of this pass.
DMS_TARGET_CLASSES="TestDmsFoldersDeleted TestDmsFoldersDeletedConcurrently
    TestFileSafetyDms TestConcurrentUpload TestConcurrentFileDeletion
    TestDmsPlanSingle TestDmsPlanByCustomer TestDmsPlanAccountingRefused
    TestPlanWorkersDms TestInvoicePdfDms TestInvoicePdfBesideSend
    TestInvoicePdfRenderAhead TestInvoicePdfRenderAheadFreshness
    TestInvoicePdfCopyNamesDms TestTakeoverCheckDms TestTakeoverDmsScriptCopies
    TestTakeoverDmsByContent TestTakeoverDmsDuplicates TestTransferCrashRescue
    TestTransferCron TestTransferDms TestTransferDmsPrepare
    TestTransferDmsWorkers TestDmsTwinFolders TestTransferNotices
    TestTransferPace TestTransferPaceServers TestTransferPause
    TestTransferScheduler TestTransferSecurity TestTransferSettings
    TestTransferTour TestTransferUi TestTransferWindow"
tags_beside_documents_account() {
    local tags="$TEST_TAGS,/tal_documents_account_standin" class
    if [ -n "${TEST_TAGS_BESIDE_DA:-}" ]; then
        printf '%s' "$TEST_TAGS_BESIDE_DA"
        return
    fi
    # only when the default tags run the whole addon
    if [ "$TEST_TAGS" = "$DEFAULT_TEST_TAGS" ]; then
        for class in $DMS_TARGET_CLASSES; do
            tags="$tags,-/tal_invoice_transfer:$class"
        done
    fi
    printf '%s' "$tags"
}
step_odoo_tests_beside_documents_account() {
    TEST_MODULES="$TEST_MODULES,tal_documents_account_standin" \
        TEST_TAGS="$(tags_beside_documents_account)" \
        REQUIRE_TESTS_IN="tal_invoice_transfer,tal_documents_account_standin" \
        ODOO_LOG_NAME="odoo-$ODOO_SERIES-documents-account" \
        step_odoo_tests
}

# odoo_pass KIND: one run of Odoo's runner on a fresh database; KIND "whole"
# (the whole suite) or "documents_account" (beside the documents_account stand-in)
odoo_pass() {
    local suffix
    suffix=$(major "$ODOO_SERIES")
    [ "$1" = whole ] || suffix="${suffix}_documents_account"
    ODOO_DB="tal_test_${RUN_ID}_$suffix"
    ODOO_DATA_DIR="$RUN_DIR/data-$suffix"
    if psql -X -d postgres -tAc "select 1 from pg_database where datname = '$ODOO_DB'" </dev/null 2>/dev/null | grep -q 1; then
        echo "database $ODOO_DB already exists" >&2
        exit 1
    fi
    if [ "$1" = whole ]; then
        ODOO_LOG_NAME="odoo-$ODOO_SERIES" series_step "odoo tests" step_odoo_tests
    else
        series_step "odoo tests beside documents_account" step_odoo_tests_beside_documents_account
    fi
    cleanup_db
}

# A step that prints its own `N passed, N failed[, N skipped]` line has those
# counts added; otherwise it counts as 1 passed or 1 failed by its exit status.
#
# TIME: .ci/run must stay under 40 minutes on the 2-core CI machine; one
# step after the other (TEST_BACKGROUND=0) both series take about 55. Each
# Odoo runner is one process (one core), and the e2e run spends much of its
# time waiting on its Odoo servers and workers (crash_loop waits about 2
# minutes for Odoo's rescue of a job, window_closes for a minute's turn, the
# pace limits), so two lanes run side by side (TEST_BACKGROUND=1, default):
#   phase 1, one lane per series: in front the first series' Odoo runner
#     (whole suite), its install and wheel checks; behind, the same for the
#     other series;
#   phase 2, in front: the first series' e2e reduced run, then the other
#     series' e2e scenario; behind: the first series' pass beside
#     documents_account, the bootstrap check (first series), the other
#     series' pass beside documents_account. Only the e2e's
#     pg_restart scenario cannot share the machine: it restarts the
#     PostgreSQL cluster under the other lane's feet, so it waits for that
#     lane to end (E2E_PG_RESTART_LOCK, a lock the lane holds; pg_restart
#     comes near the end of the e2e run, after the lane has ended);
#   then the lint.
# The steps are the same either way; the lane behind shows (and counts) its
# steps once it has ended. Measured step times: see README "Odoo series".
TEST_BACKGROUND=${TEST_BACKGROUND:-1}
OTHER_SERIES=""
[ "$TEST_SERIES" = "$FIRST_SERIES" ] || OTHER_SERIES=${TEST_SERIES#* }
PG_LOCK="$RUN_DIR/pg-restart.lock"

checks() {  # checks: install/upgrade/uninstall and the wheel, current series
    series_step "install, upgrade, uninstall without target" bash "$SCRIPTS_DIR/install_check.sh"
    series_step "wheel: pip install, the OCA way" bash "$SCRIPTS_DIR/wheel_check.sh"
}
bootstrap() {
    series_step "bootstrap: Odoo $FIRST_SERIES installed afresh" bash "$SCRIPTS_DIR/bootstrap_check.sh"
}
e2e_reduced() {
    series_step "e2e harness (reduced)" bash "$REPO_ROOT/e2e/run.sh"
}
e2e_other() {
    series_step "e2e harness ($E2E_OTHER_SERIES_ONLY)" bash "$REPO_ROOT/e2e/run.sh" --only "$E2E_OTHER_SERIES_ONLY"
}
lane_setup() {  # in a lane behind: its databases dropped when it ends
    trap cleanup_db EXIT
    trap 'exit 143' TERM
}
behind_phase1() {
    local series
    lane_setup
    for series in $OTHER_SERIES; do
        use_series "$series" 0
        odoo_pass whole
        checks
    done
}
behind_phase2() {
    local series
    lane_setup
    exec 8>"$PG_LOCK"
    flock 8
    : >"$PG_LOCK.held"
    # the first series', whose environment this is
    odoo_pass documents_account
    bootstrap
    for series in $OTHER_SERIES; do
        use_series "$series" 0
        odoo_pass documents_account
    done
}

use_series "$FIRST_SERIES" 1
if [ -n "$OTHER_SERIES" ] && [ "$TEST_BACKGROUND" = 1 ]; then
    start_background behind_phase1
    odoo_pass whole
    checks
    join_background
    start_background behind_phase2
    for _ in $(seq 120); do    # the lane holds the lock before the e2e starts
        [ -e "$PG_LOCK.held" ] && break
        sleep 0.5
    done
    E2E_PG_RESTART_LOCK=$PG_LOCK e2e_reduced
    for series in $OTHER_SERIES; do
        use_series "$series" 0
        e2e_other
    done
    join_background
else
    odoo_pass whole
    odoo_pass documents_account
    checks
    bootstrap
    e2e_reduced
    for series in $OTHER_SERIES; do
        use_series "$series" 0
        odoo_pass whole
        odoo_pass documents_account
        checks
        e2e_other
    done
fi
run_step "lint (ruff, pylint-odoo, prettier, i18n)" bash "$SCRIPTS_DIR/lint.sh"

finish
