# shellcheck shell=bash
# The Odoo series the scripts install and run, and what each one needs: the
# one place to change when a series is added (20.0 is one more `case` entry).
#
#   ODOO_SERIES=18.0 bash scripts/demo.sh      (default: 19.0)
#
# Sourced by scripts/odoo_env.sh and scripts/odoo_install.sh (so by every
# script that finds or installs Odoo). It reads, all optional:
#   ODOO_SERIES        18.0 or 19.0 (default 19.0)
#   ODOO_HOME_18, ODOO_HOME_19      the home of one series; else ODOO_HOME;
#                      else /opt/odoo18 or /opt/odoo19
#   ODOO_PYTHON_18, ODOO_PYTHON_19  the python of one series; else ODOO_PYTHON
#   ODOO_SRC_18, ODOO_SRC_19        a local source (tree or tarball) of one
#                      series; else ODOO_SRC. Either is checked to be of the
#                      series before anything is installed from it.
# and sets (never exported, but ODOO_HOME/ODOO_PYTHON/ODOO_SRC keep their
# exported state):
#   ODOO_SERIES, ODOO_SERIES_MAJOR (18 / 19), ODOO_HOME, ODOO_PYTHON, ODOO_SRC
#   ODOO_SERIES_COMMIT    what scripts/odoo_install.sh fetches of
#                         odoo/odoo when no ODOO_SRC is given
#   ODOO_SERIES_PY_MIN, ODOO_SERIES_PY_MAX   the Python 3 minor versions the
#                         series supports (its setup.py)
#   ODOO_SERIES_PIP_CONSTRAINTS  lines of the PIP_CONSTRAINT file the install
#                         uses for every pip command (build environments too),
#                         empty if none
#   ODOO_SERIES_DMS_REQ   the OCA dms wheel of the series
#   ODOO_SERIES_WITHOUT_DEMO  the option that keeps Odoo's demo data out of
#                         the modules -i installs (18.0 loads it by default;
#                         19.0 does not, and takes --without-demo as a boolean)
# A series this file does not know: odoo_series_error is set, and the caller
# stops with it.

ODOO_SERIES=${ODOO_SERIES:-19.0}
odoo_series_error=""
case "$ODOO_SERIES" in
    19.0)
        # One commit of the 19.0 branch of odoo/odoo. Bump it here.
        ODOO_SERIES_COMMIT=62e1055715a918c1815253ffc5a67cf0f04111b9
        ODOO_SERIES_PY_MIN=10 ODOO_SERIES_PY_MAX=13
        ODOO_SERIES_PIP_CONSTRAINTS=""
        ODOO_SERIES_WITHOUT_DEMO=""
        ;;
    18.0)
        # The 18.0 branch of odoo/odoo. No 18.0 commit of odoo/odoo could be
        # checked from the machine this was written on (no access to
        # GitHub), so the branch itself is fetched: pin a commit here once
        # one is checked. odoo_install.sh checks what it fetched is 18.0.
        ODOO_SERIES_COMMIT=18.0
        ODOO_SERIES_PY_MIN=10 ODOO_SERIES_PY_MAX=12
        # Some sdists of 18.0's requirements.txt import pkg_resources in
        # their build, which setuptools 70 dropped: pip's isolated build
        # environments need the cap too, hence a PIP_CONSTRAINT file.
        ODOO_SERIES_PIP_CONSTRAINTS="setuptools<70"
        ODOO_SERIES_WITHOUT_DEMO="--without-demo=all"
        ;;
    *)
        odoo_series_error="ODOO_SERIES=$ODOO_SERIES is not a series these scripts know (18.0, 19.0)"
        ;;
esac
ODOO_SERIES_MAJOR=${ODOO_SERIES%%.*}
ODOO_SERIES_DMS_REQ="odoo-addon-dms==$ODOO_SERIES.*"

# the per-series settings win over the plain ones
_os_var="ODOO_HOME_$ODOO_SERIES_MAJOR"
[ -n "${!_os_var:-}" ] && ODOO_HOME=${!_os_var}
_os_var="ODOO_PYTHON_$ODOO_SERIES_MAJOR"
[ -n "${!_os_var:-}" ] && ODOO_PYTHON=${!_os_var}
_os_var="ODOO_SRC_$ODOO_SERIES_MAJOR"
[ -n "${!_os_var:-}" ] && ODOO_SRC=${!_os_var}
unset _os_var
ODOO_HOME=${ODOO_HOME:-/opt/odoo$ODOO_SERIES_MAJOR}

# odoo_tree_series PATH: prints the series of the Odoo source tree, or of the
# tarball (.tar*, .tgz, .zip) holding one at its root or in its only top
# directory; empty if PATH holds none. A tree also needs setup.py and
# requirements.txt.
odoo_tree_series() {
    local path=$1 release
    if [ -d "$path" ]; then
        [ -f "$path/setup.py" ] && [ -f "$path/requirements.txt" ] || return 0
        release=$(cat "$path/odoo/release.py" 2>/dev/null)
    elif [ -f "$path" ]; then
        case "$path" in
            *.zip) release=$(unzip -p "$path" 'odoo/release.py' '*/odoo/release.py' 2>/dev/null) ;;
            *) release=$(tar -xOf "$path" --wildcards --no-wildcards-match-slash \
                'odoo/release.py' '*/odoo/release.py' 2>/dev/null) ;;
        esac
    fi
    printf '%s\n' "$release" | sed -nE 's/^version_info = \(([0-9]+), ([0-9]+),.*/\1.\2/p' | head -n 1
}
