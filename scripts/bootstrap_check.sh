#!/usr/bin/env bash
# Tests the bootstrap itself (scripts/odoo_env.sh + scripts/odoo_install.sh),
# as a step of scripts/test.sh or on its own:
#
#   bash scripts/bootstrap_check.sh
#
# For the series ODOO_SERIES (default 19.0; scripts/odoo_series.sh; "19.0"
# below stands for it): on a temporary ODOO_HOME that does not exist yet, it
# installs Odoo 19.0 from
# a local source, then checks, each counted once:
#   1. the first run of scripts/odoo_env.sh installs it, all 9 steps, and the
#      virtualenv it leaves imports Odoo 19.0 from the temporary location;
#   1b. it provides a wkhtmltopdf that Odoo finds with odoo_env.sh's PATH: the
#      patched-Qt build in ODOO_HOME/wkhtmltox, or, only where pip could not
#      download it, Debian's;
#   2. a second run installs nothing and takes seconds;
#   3. a half-built virtualenv (that would import Odoo 19.0) is never used:
#      the next run builds it again;
#   4. a failing step is named with its log file;
#   5. `pip install ./tal_invoice_transfer` (the OCA way: a wheel that whool
#      builds) works in the new virtualenv, its `odoo==19.0.*` dependency met;
# then Odoo's test runner, with the new virtualenv and nothing of this
# repository on --addons-path, installs account, dms and the addon (found
# in site-packages) on a fresh database and runs BOOTSTRAP_TEST; its tests are
# counted one by one. The last line is `N passed, N failed[, N skipped]`.
#
# The source: ODOO_SRC (a source tree or tarball of the series; ODOO_SRC_19 /
# ODOO_SRC_18 first) when set; else the source
# tree of the Odoo 19.0 that scripts/odoo_env.sh would use (ODOO_PYTHON, then
# $ODOO_HOME/venv/bin/python, then python3), when it was installed from one;
# else the check is SKIPPED (counted as skipped, never as passed). It never
# fetches Odoo from the network. About 3 minutes with a warm pip cache on 2
# cores; the temporary location (about 2 GB) is removed at the end unless
# BOOTSTRAP_KEEP=1.
#
# Environment (optional): ODOO_SRC, BOOTSTRAP_KEEP=1, BOOTSTRAP_TMP (parent
# of the temporary location, default /tmp), BOOTSTRAP_TEST (test tags,
# default below), BOOTSTRAP_TIMEOUT (seconds for the Odoo run, default 1200).
set -uo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the series and its ODOO_HOME / ODOO_PYTHON / ODOO_SRC
# shellcheck source=scripts/odoo_series.sh
. "$SCRIPTS_DIR/odoo_series.sh"
[ -z "$odoo_series_error" ] || { echo "FAIL $odoo_series_error"; echo "0 passed, 1 failed"; exit 1; }
SERIES=$ODOO_SERIES
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
BOOTSTRAP_TEST=${BOOTSTRAP_TEST:-/tal_invoice_transfer:TestTransferDms.test_files_are_linked_in_a_journal_year_month_invoice_tree}
BOOTSTRAP_TIMEOUT=${BOOTSTRAP_TIMEOUT:-1200}
BOOTSTRAP_KEEP=${BOOTSTRAP_KEEP:-0}
STARTED=$(date +%s)

PASSED=0 FAILED=0 SKIPPED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }
summary() {
    local line="$PASSED passed, $FAILED failed"
    [ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
    echo "bootstrap check: $(($(date +%s) - STARTED))s in all"
    echo "$line"
    [ "$FAILED" -eq 0 ]
    exit
}

# ---------------------------------------------------------------- source ---
# prints the source tree of the Odoo 19.0 that PYTHON imports, if it has one
source_of() {
    (cd / && "$1" - "$SERIES" <<'EOF' 2>/dev/null
import os, sys, odoo.release
tree = os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__)))
if odoo.release.series == sys.argv[1] and all(
    os.path.isfile(os.path.join(tree, f)) for f in ("setup.py", "requirements.txt")
):
    print(tree)
EOF
    ) || true
}

SRC=${ODOO_SRC:-}
# The scripts run from /: a relative path is the caller's.
case "$SRC" in "" | /*) ;; *) SRC="$PWD/$SRC" ;; esac
if [ -n "$SRC" ]; then
    echo "source: ODOO_SRC=$SRC"
else
    for py in "${ODOO_PYTHON:-}" "$ODOO_HOME/venv/bin/python" python3; do
        if [ -z "$py" ] || ! command -v "$py" >/dev/null 2>&1; then
            continue
        fi
        SRC=$(source_of "$py")
        if [ -n "$SRC" ]; then
            echo "source: $SRC (the source tree of the Odoo $SERIES of $py; ODOO_SRC overrides it)"
            break
        fi
    done
fi
if [ -z "$SRC" ]; then
    echo "SKIPPED: no local Odoo $SERIES source: set ODOO_SRC to a source tree or tarball of Odoo $SERIES (this check never fetches Odoo from the network)"
    SKIPPED=1
    summary
fi

# --------------------------------------------------------------- helpers ---
TMP=$(mktemp -d "${BOOTSTRAP_TMP:-/tmp}/tal-bootstrap-check.XXXXXX") || exit 1
HOME_DIR="$TMP/odoo"   # ODOO_HOME under test: does not exist yet
DB="tal_bootstrap_$(date +%Y%m%d_%H%M%S)_$$"
# shellcheck disable=SC2317,SC2329 # called by the EXIT trap
cleanup() {
    dropdb --if-exists "$DB" </dev/null 2>/dev/null
    if [ "$BOOTSTRAP_KEEP" = 1 ]; then
        echo "BOOTSTRAP_KEEP=1: kept $TMP and database $DB"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "temporary location: $TMP"

# the nested runs get none of the caller's Odoo settings (test.sh exports
# them, and the per-series ones win over ODOO_HOME), nor its wkhtmltopdf
CLEAN_ENV=(env -u ODOO_PYTHON -u ODOO_SRC -u ODOO_HOME -u ODOO_WKHTMLTOPDF -u ODOO_CORE_ADDONS)
for major in 18 19; do
    CLEAN_ENV+=(-u "ODOO_PYTHON_$major" -u "ODOO_SRC_$major" -u "ODOO_HOME_$major")
done

# odoo_env HOME LOG [VAR=VALUE...]: runs scripts/odoo_env.sh as the other
# scripts do, for ODOO_HOME=HOME, with none of the caller's Odoo variables;
# prints its output, keeps it in LOG and returns its exit status
odoo_env() {
    local home=$1 log=$2
    shift 2
    (cd / && "${CLEAN_ENV[@]}" "ODOO_SERIES=$SERIES" "ODOO_HOME=$home" "$@" \
        bash "$SCRIPTS_DIR/odoo_env.sh") </dev/null 2>&1 | tee "$log"
    return "${PIPESTATUS[0]}"
}

series_and_path() {
    (cd / && "$1" -c 'import odoo.release as r; print(r.series, r.__file__)' 2>/dev/null) || true
}

# ------------------------------------------------ 0. a relative ODOO_SRC --
# `ODOO_SRC=odoo.tar.gz bash scripts/test.sh` names a file of the caller's
# directory: this check must find it, although it runs the scripts from /.
# A fake 17.0 tree makes the nested run stop at once, at step 2.
echo "--- 0. a relative ODOO_SRC is the caller's"
mkdir -p "$TMP/rel/fake/odoo"
: >"$TMP/rel/fake/setup.py"
: >"$TMP/rel/fake/requirements.txt"
echo "version_info = (17, 0, 0, 'final', 0)" >"$TMP/rel/fake/odoo/release.py"
(cd "$TMP/rel" && "${CLEAN_ENV[@]}" ODOO_SERIES="$SERIES" ODOO_SRC=fake BOOTSTRAP_TMP="$TMP/rel" \
    bash "$SCRIPTS_DIR/bootstrap_check.sh") </dev/null >"$TMP/relative.log" 2>&1
if grep -q "is not an Odoo $SERIES source tree" "$TMP/relative.log"; then
    pass "a relative ODOO_SRC is read from the caller's directory"
else
    grep -m1 "ODOO_SRC=fake" "$TMP/relative.log"
    fail "a relative ODOO_SRC is read from the caller's directory (log: $TMP/relative.log)"
fi

# ---------------------------------------------------- 1. the first install --
echo "--- 1. first run: installs Odoo $SERIES into $HOME_DIR"
t0=$(date +%s)
odoo_env "$HOME_DIR" "$TMP/first.log" "ODOO_SRC=$SRC"
rc=$?
FIRST_TIME=$(($(date +%s) - t0))
VPY="$HOME_DIR/venv/bin/python"
got=$(series_and_path "$VPY")
problems=()
[ "$rc" -eq 0 ] || problems+=("exit status $rc")
for n in 1 2 3 4 5 6 7 8 9; do
    grep -q "^odoo_install: \[$n/9\] " "$TMP/first.log" || problems+=("no progress line for step $n")
done
grep -q "^odoo_env: Odoo $SERIES: $VPY " "$TMP/first.log" || problems+=("odoo_env.sh did not choose $VPY")
[ -f "$HOME_DIR/venv/.odoo-bootstrap-complete" ] || problems+=("no marker venv/.odoo-bootstrap-complete")
[ ! -e "$HOME_DIR/venv/.odoo-bootstrap-building" ] || problems+=("marker venv/.odoo-bootstrap-building left")
case "$got" in
    "$SERIES $HOME_DIR/src/odoo/release.py") ;;
    *) problems+=("$VPY imports '${got:-nothing}', not Odoo $SERIES from $HOME_DIR/src") ;;
esac
if [ "${#problems[@]}" -eq 0 ]; then
    pass "first run installs Odoo $SERIES into a new ODOO_HOME (${FIRST_TIME}s)"
else
    fail "first run installs Odoo $SERIES into a new ODOO_HOME (${FIRST_TIME}s): $(IFS=';'; echo "${problems[*]}")"
    echo "The other checks need that install; stopping."
    summary
fi

# ---------------------------------------------- 1b. the fresh wkhtmltopdf --
echo "--- 1b. the wkhtmltopdf of the new ODOO_HOME"
WK="$HOME_DIR/wkhtmltox/bin/wkhtmltopdf"
# what Odoo itself finds (ir.actions.report's lookup) with odoo_env.sh's PATH:
# its path, and whether it has patched Qt
cat >"$TMP/wkhtml.py" <<'EOF'
try:  # 19.0
    from odoo.addons.base.models.ir_actions_report import _wkhtml

    w = _wkhtml()
    print(w.bin, w.is_patched_qt)
except ImportError:  # 18.0: the path only; patched Qt as its --version says
    import subprocess

    from odoo.addons.base.models.ir_actions_report import _get_wkhtmltopdf_bin

    path = _get_wkhtmltopdf_bin()
    out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    print(path, "with patched qt" in out)
EOF
# shellcheck disable=SC2016 # expanded by the inner bash
odoo_wk=$( (cd / && "${CLEAN_ENV[@]}" ODOO_SERIES="$SERIES" ODOO_HOME="$HOME_DIR" ODOO_ENV_QUIET=1 bash -c '
    . "$1/odoo_env.sh" >/dev/null 2>&1 || exit 1
    echo "$ODOO_WKHTMLTOPDF"
    "$ODOO_PYTHON" "$2"' _ "$SCRIPTS_DIR" "$TMP/wkhtml.py") </dev/null 2>/dev/null)
env_wk=$(printf '%s\n' "$odoo_wk" | sed -n 1p)
odoo_wk=$(printf '%s\n' "$odoo_wk" | sed -n 2p)
problems=()
if [ -f "$HOME_DIR/wkhtmltox/.wkhtmltox-complete" ]; then
    what="patched: $WK"
    [[ "$("$WK" --version 2>/dev/null)" == *"with patched qt"* ]] || problems+=("$WK --version does not say 'with patched qt'")
    grep -q "^odoo_env: wkhtmltopdf: $WK (.*patched Qt" "$TMP/first.log" || problems+=("odoo_env.sh did not say it uses $WK")
    [ "$env_wk" = "$WK" ] || problems+=("ODOO_WKHTMLTOPDF is '${env_wk:-empty}'")
    [ "$odoo_wk" = "$WK True" ] || problems+=("Odoo finds '${odoo_wk:-nothing}', not the patched $WK")
else
    # only a download that could not be done excuses Debian's
    why=$(cat "$HOME_DIR/.wkhtmltox-unavailable" 2>/dev/null)
    what="Debian's ${env_wk:-none}, unpatched: ${why:-no reason given}"
    grep -q "^odoo_install: \[9/9\] .*could not be had" "$TMP/first.log" || problems+=("step 9 did not say the patched build could not be had")
    [[ "$why" == *"pip download"*"failed"* ]] || problems+=("no patched build, and not because pip could not download it")
    [ -n "$env_wk" ] && [ "$odoo_wk" = "$env_wk False" ] || problems+=("Odoo finds '${odoo_wk:-nothing}', ODOO_WKHTMLTOPDF is '${env_wk:-empty}'")
fi
if [ "${#problems[@]}" -eq 0 ]; then
    pass "the new ODOO_HOME provides the wkhtmltopdf Odoo finds ($what)"
else
    fail "the new ODOO_HOME provides the wkhtmltopdf Odoo finds ($what): $(IFS=';'; echo "${problems[*]}")"
fi

# ------------------------------------------------------ 2. a second run ----
echo "--- 2. second run: nothing to do"
t0=$(date +%s)
odoo_env "$HOME_DIR" "$TMP/second.log" "ODOO_SRC=$SRC"
rc=$?
t1=$(date +%s)
(cd / && "${CLEAN_ENV[@]}" ODOO_SERIES="$SERIES" ODOO_HOME="$HOME_DIR" ODOO_SRC="$SRC" \
    bash "$SCRIPTS_DIR/odoo_install.sh") </dev/null 2>&1 | tee "$TMP/second-install.log"
rc2=${PIPESTATUS[0]}
t2=$(date +%s)
problems=()
[ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] || problems+=("exit status $rc / $rc2")
grep -q 'odoo_install' "$TMP/second.log" && problems+=("odoo_env.sh ran the installer again")
grep -Eq '^odoo_install: \[[4-8]/9\]' "$TMP/second-install.log" && problems+=("odoo_install.sh ran a virtualenv step again")
if [ -f "$HOME_DIR/wkhtmltox/.wkhtmltox-complete" ]; then
    grep -q '^odoo_install: \[9/9\] .* present: ' "$TMP/second-install.log" || problems+=("odoo_install.sh fetched wkhtmltopdf again")
fi
[ $((t1 - t0)) -le 30 ] && [ $((t2 - t1)) -le 30 ] || problems+=("too slow: $((t1 - t0))s and $((t2 - t1))s")
if [ "${#problems[@]}" -eq 0 ]; then
    pass "second run skips what is done ($((t1 - t0))s for odoo_env.sh, $((t2 - t1))s for odoo_install.sh)"
else
    fail "second run skips what is done: $(IFS=';'; echo "${problems[*]}")"
fi

# ----------------------------------------- 3. a half-built venv / 4. failure --
echo "--- 3-4. a half-built virtualenv, and a failing step"
# A half-built virtualenv whose python would import Odoo 19.0 (it runs the
# complete one); no source and an ODOO_SRC that does not exist, so that its
# rebuild fails fast, at step 2.
HALF="$TMP/half"
mkdir -p "$HALF/venv/bin"
: >"$HALF/venv/.odoo-bootstrap-building"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VPY" >"$HALF/venv/bin/python"
chmod +x "$HALF/venv/bin/python"
odoo_env "$HALF" "$TMP/half.log" "ODOO_SRC=$TMP/no-such-source"
rc=$?
problems=()
[ "$rc" -ne 0 ] || problems+=("exit status 0")
grep -q "^odoo_env: Odoo $SERIES: $HALF/venv/bin/python" "$TMP/half.log" && problems+=("the half-built virtualenv was used")
grep -q "half-built" "$TMP/half.log" || problems+=("no word of a half-built virtualenv")
grep -q "^odoo_install: \[2/9\] " "$TMP/half.log" || problems+=("no rebuild started")
if [ "${#problems[@]}" -eq 0 ]; then
    pass "a half-built virtualenv is built again, never used"
else
    fail "a half-built virtualenv is built again, never used: $(IFS=';'; echo "${problems[*]}")"
fi
problems=()
grep -q "^odoo_install: ERROR: step 2/9 'Odoo source' failed" "$TMP/half.log" || problems+=("the failing step is not named")
grep -q "^odoo_install: ERROR: log: $HALF/logs/2-source.log" "$TMP/half.log" || problems+=("its log is not named")
grep -q "no-such-source" "$HALF/logs/2-source.log" 2>/dev/null || problems+=("the log does not hold the cause")
if [ "${#problems[@]}" -eq 0 ]; then
    pass "a failing step is named, with its log"
else
    fail "a failing step is named, with its log: $(IFS=';'; echo "${problems[*]}")"
fi

# ------------------------------------------------- 5. the addon, pip way --
echo "--- 5. pip install ./tal_invoice_transfer into the new virtualenv"
(cd / && PIP_ROOT_USER_ACTION=ignore "$VPY" -m pip install --disable-pip-version-check \
    "$REPO_ROOT/tal_invoice_transfer") </dev/null >"$TMP/pip-addon.log" 2>&1
rc=$?
version=$( (cd / && "$VPY" -m pip show odoo-addon-tal_invoice_transfer) 2>/dev/null | sed -n 's/^Version: //p')
if [ "$rc" -eq 0 ] && [[ "$version" == "$SERIES".* ]]; then
    pass "pip install ./tal_invoice_transfer installs odoo-addon-tal_invoice_transfer $version"
else
    tail -n 15 "$TMP/pip-addon.log"
    fail "pip install ./tal_invoice_transfer (log above)"
fi

# ----------------------------------------------------- 6. Odoo's runner ----
echo "--- 6. Odoo: -i account,dms,tal_invoice_transfer --test-tags $BOOTSTRAP_TEST"
createdb "$DB" </dev/null || { fail "createdb $DB"; summary; }
printf '[options]\n' >"$TMP/odoo.conf"
port=$("$VPY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# No --addons-path: the addon must come from the virtualenv's site-packages.
(
    cd "$TMP" || exit 1
    unset PGHOST PGHOSTADDR
    exec timeout --kill-after=30 "$BOOTSTRAP_TIMEOUT" "$VPY" -m odoo -c "$TMP/odoo.conf" -d "$DB" \
        --data-dir="$TMP/data" -i account,dms,tal_invoice_transfer --test-enable \
        --test-tags "$BOOTSTRAP_TEST" --stop-after-init --log-level=info --db_host= \
        --http-interface=127.0.0.1 --http-port="$port" --max-cron-threads=0 --workers=0 \
        ${ODOO_SERIES_WITHOUT_DEMO:+"$ODOO_SERIES_WITHOUT_DEMO"}
) </dev/null 2>&1 | "$VPY" -u "$SCRIPTS_DIR/odoo_test_log.py" stream "$TMP/odoo.log"
rc=${PIPESTATUS[0]}
"$VPY" "$SCRIPTS_DIR/odoo_test_log.py" report "$TMP/odoo.log" --rc "$rc" \
    --require tal_invoice_transfer >"$TMP/report.out" 2>&1
# its count line reworded, so that only this script's last line is a closing one
sed -E 's/^([0-9]+ passed, [0-9]+ failed.*)$/(Odoo test methods and run checks: \1)/' "$TMP/report.out"
counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$TMP/report.out" | tail -n 1)
if [ -z "$counts" ]; then
    fail "Odoo's test run gave no count"
else
    read -r p _ f _ s _ <<<"$(printf '%s' "$counts" | tr -d ',')"
    PASSED=$((PASSED + p)) FAILED=$((FAILED + f)) SKIPPED=$((SKIPPED + ${s:-0}))
fi
where=$(cd / && "$VPY" -c 'import odoo.addons.tal_invoice_transfer as m; print(m.__file__)' 2>/dev/null)
case "$where" in
    "$HOME_DIR/venv/lib/"*) pass "the addon was loaded from the virtualenv's site-packages (${where%/__init__.py})" ;;
    *) fail "the addon resolves to '${where:-nothing}', not the virtualenv's site-packages" ;;
esac
echo "bootstrap: first install ${FIRST_TIME}s"
summary
