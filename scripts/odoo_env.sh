# shellcheck shell=bash
# Finds Odoo of the series ODOO_SERIES (default 19.0; scripts/odoo_series.sh),
# installs it if there is none, and makes sure what the tests need is there.
#
# Sourced by the other scripts (`. scripts/odoo_env.sh`); can also be run on
# its own (`bash scripts/odoo_env.sh`) to check/prepare a machine. It relies on
# no shell variable: CI runs it with none of ours. Optional overrides:
#   ODOO_SERIES   18.0 or 19.0 (default 19.0): the series found or installed
#   ODOO_PYTHON   python of an Odoo install of the series: used as it is, never
#                 installed into (default: $ODOO_HOME/venv/bin/python, then
#                 python3 on PATH if it imports Odoo of the series)
#   ODOO_HOME     where Odoo is looked for and, if absent, installed
#                 (default /opt/odoo19, or /opt/odoo18 for 18.0: source in
#                 src/, virtualenv in venv/)
#   ODOO_SRC      a local Odoo source tree or tarball of the series to install
#                 from instead of fetching the pinned commit (see
#                 scripts/odoo_install.sh)
#   ODOO_PYTHON_18, ODOO_HOME_18, ODOO_SRC_18 (and _19): the same for one
#                 series only, winning over the plain ones (scripts/odoo_series.sh)
#   ODOO_ENV_QUIET=1   print only what was changed and errors
#   ODOO_ENV_NO_INSTALL=1  never install Odoo: where it would, fail with
#                 ODOO_ENV_NOT_FOUND=1 set (scripts/test.sh then skips a series)
#
# After sourcing: ODOO_PYTHON is exported, `odoo_run ARGS...` runs
# "$ODOO_PYTHON" -m odoo ARGS..., and ODOO_CMD holds the same as an array;
# ODOO_SERIES (exported) is the series; ODOO_SERIES_MAJOR is 18 or 19;
# ODOO_CORE_ADDONS (exported) is the directory of Odoo's own addons that an
# explicit --addons-path must name (18.0: <source>/addons; empty for 19.0,
# whose addons all live in the odoo package): the scripts put it first in
# their addons paths with ${ODOO_CORE_ADDONS:+$ODOO_CORE_ADDONS,};
# PATH (exported) starts with $ODOO_HOME/wkhtmltox/bin when the patched
# wkhtmltopdf is there, and ODOO_WKHTMLTOPDF (exported) is the wkhtmltopdf
# Odoo will use (empty if none).
# ODOO_WITHOUT_DEMO (exported) is the option that keeps Odoo's demo data out
# of a -i (18.0: --without-demo=all; empty for 19.0, which loads none): the
# scripts add it to their Odoo command lines.
# What it ensures (idempotent; about a second when all is present):
#   - Odoo of the series importable by ODOO_PYTHON: when none is found, or the
#     one in ODOO_HOME is half-built, scripts/odoo_install.sh installs it into
#     ODOO_HOME (Debian packages, the source, the virtualenv; minutes);
#   - PostgreSQL reachable over the Unix socket with a superuser role named
#     after the current OS user (installs/starts the Debian cluster when root);
#   - odoo-addon-dms==<series>.* and websocket-client in ODOO_PYTHON's environment;
#   - a Chromium for HttpCase browser tests (installed when root; a warning
#     otherwise, as Odoo then skips those tests);
#   - wkhtmltopdf for PDF reports: the build with patched Qt in
#     $ODOO_HOME/wkhtmltox (`scripts/odoo_install.sh --wkhtmltopdf` fetches it
#     for an Odoo installed in ODOO_HOME before that step existed; tried once:
#     after a failure, $ODOO_HOME/.wkhtmltox-unavailable stops the retries,
#     and scripts/odoo_install.sh tries again), else Debian's (unpatched Qt:
#     Odoo renders one document per run; installed when root and there is no
#     wkhtmltopdf at all; a warning otherwise).

_OE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/odoo_series.sh
. "$_OE_DIR/odoo_series.sh"
export ODOO_SERIES
ODOO_DEFAULT_PYTHON=$ODOO_HOME/venv/bin/python
ODOO_DMS_REQ=$ODOO_SERIES_DMS_REQ
_oe_say() { [ "${ODOO_ENV_QUIET:-0}" = 1 ] || printf 'odoo_env: %s\n' "$*"; }
_oe_did() { printf 'odoo_env: %s\n' "$*"; }
_oe_err() { printf 'odoo_env: ERROR: %s\n' "$*" >&2; }

# Prints the Odoo series a python imports (empty if none). Runs from / so a
# current directory holding Odoo's own source (odoo/http.py) cannot shadow
# standard modules.
_oe_series_of() {
    (cd / && "$1" -c 'import odoo.release as r; print(r.series)' 2>/dev/null) || true
}

# Odoo installed by scripts/odoo_install.sh into ODOO_HOME: rebuilt if the
# build did not finish (its marker of the start without that of the end).
_oe_half_built() {
    [ -f "$ODOO_HOME/venv/.odoo-bootstrap-building" ] && [ ! -f "$ODOO_HOME/venv/.odoo-bootstrap-complete" ]
}

_oe_install() {
    if [ "${ODOO_ENV_NO_INSTALL:-0}" = 1 ]; then
        ODOO_ENV_NOT_FOUND=1
        _oe_err "no Odoo $ODOO_SERIES found (ODOO_PYTHON, $ODOO_DEFAULT_PYTHON, python3) and ODOO_ENV_NO_INSTALL=1: not installed"
        return 1
    fi
    _oe_did "installing Odoo $ODOO_SERIES into ODOO_HOME=$ODOO_HOME${ODOO_SRC:+ from ODOO_SRC=$ODOO_SRC} (scripts/odoo_install.sh; several minutes the first time)"
    if ! ODOO_SERIES=$ODOO_SERIES ODOO_HOME=$ODOO_HOME ODOO_SRC=${ODOO_SRC:-} bash "$_OE_DIR/odoo_install.sh" </dev/null; then
        _oe_err "installing Odoo $ODOO_SERIES failed (see the step and log above); install it by hand (README 'Install') and set ODOO_PYTHON, or fix the cause and run again."
        return 1
    fi
    ODOO_PYTHON=$ODOO_DEFAULT_PYTHON
    if [ "$(_oe_series_of "$ODOO_PYTHON")" != "$ODOO_SERIES" ]; then
        _oe_err "$ODOO_PYTHON still does not import Odoo $ODOO_SERIES after the install."
        return 1
    fi
    _oe_say "Odoo $ODOO_SERIES: $ODOO_PYTHON (installed into $ODOO_HOME)"
}

_oe_find_python() {
    local series
    if [ -n "${ODOO_PYTHON:-}" ]; then
        if ! command -v "$ODOO_PYTHON" >/dev/null 2>&1; then
            _oe_err "ODOO_PYTHON=$ODOO_PYTHON is set but is not an executable."
            return 1
        fi
        series=$(_oe_series_of "$ODOO_PYTHON")
        if [ "$series" != "$ODOO_SERIES" ]; then
            _oe_err "ODOO_PYTHON=$ODOO_PYTHON is set but imports Odoo series '${series:-none}', not $ODOO_SERIES."
            return 1
        fi
        _oe_say "Odoo $ODOO_SERIES: $ODOO_PYTHON (from ODOO_PYTHON)"
        return 0
    fi
    if _oe_half_built; then
        _oe_say "$ODOO_HOME/venv is half-built (an install that did not finish): building it again"
        _oe_install
        return
    fi
    if [ -x "$ODOO_DEFAULT_PYTHON" ]; then
        series=$(_oe_series_of "$ODOO_DEFAULT_PYTHON")
        if [ "$series" = "$ODOO_SERIES" ]; then
            ODOO_PYTHON=$ODOO_DEFAULT_PYTHON
            _oe_say "Odoo $ODOO_SERIES: $ODOO_PYTHON"
            return 0
        fi
        _oe_say "note: $ODOO_DEFAULT_PYTHON imports Odoo series '${series:-none}', not $ODOO_SERIES; trying python3"
    fi
    if command -v python3 >/dev/null 2>&1; then
        series=$(_oe_series_of python3)
        if [ "$series" = "$ODOO_SERIES" ]; then
            ODOO_PYTHON=$(command -v python3)
            _oe_say "Odoo $ODOO_SERIES: $ODOO_PYTHON (python3 on PATH)"
            return 0
        fi
    fi
    _oe_say "Odoo $ODOO_SERIES not found (no $ODOO_DEFAULT_PYTHON, and python3 does not import it)"
    _oe_install
}

_oe_is_root() { [ "$(id -u)" = 0 ]; }

_oe_apt_updated=0
_oe_apt_install() {
    if ! _oe_is_root; then
        _oe_err "cannot install Debian package(s) $* : not root."
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        _oe_err "cannot install $* : no apt-get on this machine."
        return 1
    fi
    if [ "$_oe_apt_updated" = 0 ]; then
        _oe_did "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >/dev/null || {
            _oe_err "apt-get update failed"; return 1; }
        _oe_apt_updated=1
    fi
    _oe_did "apt-get install -y $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null >/dev/null || {
        _oe_err "apt-get install $* failed"; return 1; }
}

_oe_pg_try() { psql -X -q -d postgres -tAc 'select 1' </dev/null 2>&1; }
_oe_pg_ok() { [ "$(_oe_pg_try)" = 1 ]; }
_oe_pg_server_installed() { compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }

_oe_ensure_postgres() {
    local user out ver name status rest started=0
    user=$(id -un)
    # Odoo is run with --db_host= (Unix socket); do the same here.
    unset PGHOST PGHOSTADDR
    if command -v psql >/dev/null 2>&1 && _oe_pg_ok; then
        _oe_say "PostgreSQL: reachable over the socket as role '$user'"
        return 0
    fi
    if ! command -v psql >/dev/null 2>&1 || ! _oe_pg_server_installed; then
        _oe_say "PostgreSQL server or client not installed"
        _oe_apt_install postgresql || {
            _oe_err "PostgreSQL is not installed and could not be installed (need root and apt-get: apt-get install postgresql)."
            return 1; }
    fi
    if command -v pg_lsclusters >/dev/null 2>&1; then
        if [ -z "$(pg_lsclusters -h 2>/dev/null)" ] && _oe_is_root; then
            ver=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)
            _oe_did "no PostgreSQL cluster: pg_createcluster $ver main --start"
            pg_createcluster "$ver" main --start >/dev/null || {
                _oe_err "pg_createcluster $ver main failed"; return 1; }
            started=1
        fi
        while read -r ver name _ status rest; do
            [ -n "$ver" ] || continue
            case "$status" in
                online*) ;;
                *)
                    _oe_did "starting PostgreSQL cluster $ver/$name (pg_ctlcluster $ver $name start)"
                    pg_ctlcluster "$ver" "$name" start || _oe_err "pg_ctlcluster $ver $name start failed"
                    started=1 ;;
            esac
        done < <(pg_lsclusters -h 2>/dev/null)
    fi
    [ "$started" = 1 ] && sleep 1
    if _oe_pg_ok; then
        _oe_say "PostgreSQL: reachable over the socket as role '$user'"
        return 0
    fi
    out=$(_oe_pg_try)
    if printf '%s' "$out" | grep -q 'role .* does not exist'; then
        if _oe_is_root && id postgres >/dev/null 2>&1; then
            _oe_did "creating PostgreSQL superuser role '$user'"
            if command -v runuser >/dev/null 2>&1; then
                runuser -u postgres -- createuser -s "$user" </dev/null
            else
                su postgres -c "createuser -s '$user'" </dev/null
            fi || { _oe_err "createuser -s $user failed"; return 1; }
        else
            _oe_err "PostgreSQL role '$user' does not exist; as a PostgreSQL admin run: createuser -s $user"
            return 1
        fi
    fi
    if _oe_pg_ok; then
        _oe_say "PostgreSQL: reachable over the socket as role '$user'"
        return 0
    fi
    _oe_err "PostgreSQL is not reachable over the Unix socket as role '$user': $(_oe_pg_try)"
    _oe_err "Start the server (pg_lsclusters; pg_ctlcluster <ver> <name> start) and create the role (createuser -s $user)."
    return 1
}

_oe_pip_install() {
    _oe_did "pip install $*"
    (cd / && PIP_ROOT_USER_ACTION=ignore "$ODOO_PYTHON" -m pip install -q --disable-pip-version-check "$@" </dev/null) && return 0
    # A system python (PEP 668) refuses plain installs.
    (cd / && PIP_ROOT_USER_ACTION=ignore "$ODOO_PYTHON" -m pip install -q --disable-pip-version-check --break-system-packages "$@" </dev/null)
}

_oe_ensure_python_packages() {
    local missing
    # One python start: report what is missing, without importing the addon.
    missing=$(cd / && "$ODOO_PYTHON" - "$ODOO_SERIES" <<'EOF' 2>/dev/null
import ast, importlib.util, os, sys
try:
    spec = importlib.util.find_spec('odoo.addons.dms')
except Exception:
    spec = None
ok = False
if spec and spec.submodule_search_locations:
    for loc in spec.submodule_search_locations:
        manifest = os.path.join(loc, '__manifest__.py')
        if os.path.isfile(manifest):
            with open(manifest, encoding='utf-8') as f:
                version = ast.literal_eval(f.read()).get('version', '')
            ok = ok or version.startswith(sys.argv[1] + '.')
if not ok:
    print('dms')
if importlib.util.find_spec('websocket') is None:
    print('websocket')
EOF
) || missing="dms websocket"
    case " $missing " in *dms*)
        _oe_pip_install --no-deps "$ODOO_DMS_REQ" || {
            _oe_err "could not install $ODOO_DMS_REQ into $ODOO_PYTHON's environment"; return 1; } ;;
    *) _oe_say "dms $ODOO_SERIES: present" ;; esac
    case " $missing " in *websocket*)
        _oe_pip_install websocket-client || {
            _oe_err "could not install websocket-client (needed by HttpCase) into $ODOO_PYTHON's environment"; return 1; } ;;
    *) _oe_say "websocket-client: present" ;; esac
}

_oe_find_browser() {
    local b
    for b in google-chrome chromium chromium-browser google-chrome-stable; do
        command -v "$b" 2>/dev/null && return 0
    done
    return 1
}

_oe_ensure_browser() {
    local b
    if [ -n "${ODOO_BROWSER_BIN:-}" ] && [ -x "$ODOO_BROWSER_BIN" ]; then
        _oe_say "browser: $ODOO_BROWSER_BIN (ODOO_BROWSER_BIN)"
        return 0
    fi
    if b=$(_oe_find_browser); then
        _oe_say "browser: $b"
        return 0
    fi
    if _oe_apt_install chromium && b=$(_oe_find_browser); then
        _oe_say "browser: $b"
        return 0
    fi
    printf 'odoo_env: WARNING: no Chromium found; Odoo will SKIP browser (HttpCase tour) tests (apt-get install chromium)\n' >&2
    return 0
}

_oe_ensure_wkhtmltopdf() {
    local dir="$ODOO_HOME/wkhtmltox" failed="$ODOO_HOME/.wkhtmltox-unavailable" version number note=""
    # the patched build, for an Odoo of ODOO_HOME installed before step 9
    if [ ! -f "$dir/.wkhtmltox-complete" ] && [ "$ODOO_PYTHON" = "$ODOO_DEFAULT_PYTHON" ] &&
        [ -w "$ODOO_HOME" ] && [ ! -f "$failed" ]; then
        _oe_did "no wkhtmltopdf with patched Qt in $dir: scripts/odoo_install.sh --wkhtmltopdf"
        ODOO_SERIES=$ODOO_SERIES ODOO_HOME=$ODOO_HOME bash "$_OE_DIR/odoo_install.sh" --wkhtmltopdf </dev/null
    fi
    if [ -f "$dir/.wkhtmltox-complete" ] && [ -x "$dir/bin/wkhtmltopdf" ]; then
        [ "${PATH%%:*}" = "$dir/bin" ] || PATH="$dir/bin:$PATH"
        export PATH
    elif [ -f "$failed" ]; then
        note="; the patched build could not be had ($(cut -c1-20 "$failed")): bash scripts/odoo_install.sh tries again"
    fi
    ODOO_WKHTMLTOPDF=$(command -v wkhtmltopdf 2>/dev/null || true)
    if [ -z "$ODOO_WKHTMLTOPDF" ] && _oe_is_root &&
        _oe_apt_install wkhtmltopdf fonts-dejavu-core; then
        ODOO_WKHTMLTOPDF=$(command -v wkhtmltopdf 2>/dev/null || true)
    fi
    export ODOO_WKHTMLTOPDF
    if [ -z "$ODOO_WKHTMLTOPDF" ]; then
        printf 'odoo_env: WARNING: no wkhtmltopdf: Odoo cannot render PDF reports (as root: apt-get install wkhtmltopdf; then bash scripts/odoo_install.sh for the patched build)\n' >&2
        return 0
    fi
    version=$("$ODOO_WKHTMLTOPDF" --version 2>/dev/null)
    number=${version#wkhtmltopdf }
    number=${number%% *}
    case "$version" in
        *"with patched qt"*)
            _oe_say "wkhtmltopdf: $ODOO_WKHTMLTOPDF ($number, patched Qt: several documents per run)" ;;
        wkhtmltopdf*)
            _oe_say "wkhtmltopdf: $ODOO_WKHTMLTOPDF ($number, NOT patched Qt: Odoo renders one document per run$note)" ;;
        *)
            printf 'odoo_env: WARNING: wkhtmltopdf %s does not run (--version): Odoo cannot render PDF reports\n' "$ODOO_WKHTMLTOPDF" >&2 ;;
    esac
    return 0
}

# Odoo's own addons outside the odoo package (<source>/addons, as 18.0 has
# them): Odoo adds them only when no --addons-path is given.
_oe_core_addons() {
    (cd / && "$ODOO_PYTHON" - <<'EOF' 2>/dev/null
import glob, os, odoo.release
core = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(odoo.release.__file__))), "addons")
if glob.glob(os.path.join(core, "*", "__manifest__.py")):
    print(core)
EOF
    ) || true
}

odoo_run() { "$ODOO_PYTHON" -m odoo "$@"; }

ODOO_ENV_NOT_FOUND=0
_odoo_env_main() {
    if [ -n "$odoo_series_error" ]; then
        _oe_err "$odoo_series_error"
        return 1
    fi
    _oe_find_python || return 1
    export ODOO_PYTHON
    ODOO_CORE_ADDONS=$(_oe_core_addons)
    ODOO_WITHOUT_DEMO=$ODOO_SERIES_WITHOUT_DEMO
    export ODOO_CORE_ADDONS ODOO_WITHOUT_DEMO
    # shellcheck disable=SC2034 # for the scripts that source this one
    ODOO_CMD=("$ODOO_PYTHON" -m odoo)
    _oe_ensure_postgres || return 1
    _oe_ensure_python_packages || return 1
    _oe_ensure_browser || return 1
    _oe_ensure_wkhtmltopdf || return 1
    return 0
}

if ! _odoo_env_main; then
    # `return` when sourced, `exit` when run as a script.
    # shellcheck disable=SC2317
    return 1 2>/dev/null || exit 1
fi
