#!/usr/bin/env bash
# Checks that tal_invoice_transfer installs the OCA way, as a wheel that OCA's
# build backend whool makes from tal_invoice_transfer/pyproject.toml (a step
# of scripts/test.sh, or on its own), for the Odoo series ODOO_SERIES
# (default 19.0; scripts/odoo_series.sh):
#
#   bash scripts/wheel_check.sh
#   ODOO_SERIES=18.0 bash scripts/wheel_check.sh
#
# The manifest version is x.y.z (one source for every series): the series of
# the wheel comes from the build (tal_invoice_transfer/_whool_series/
# whool_series.py: the build setting odoo_series, else ODOO_SERIES, else the
# Odoo of the building python).
# Each check prints PASS/FAIL; the last line is `N passed, N failed`.
#   1. `pip wheel --no-deps ./tal_invoice_transfer` builds one wheel;
#   2. its distribution is odoo-addon-tal_invoice_transfer, its version the
#      series then the manifest's x.y.z: <series>.x.y.z (whool appends .N, the
#      number of commits since the version changed, or .dev1 for an
#      uncommitted bump) and it requires odoo==<series>.*;
#   2b. `pip wheel ./tal_invoice_transfer` as a user types it, with no
#      setting: the wheel of the series of the Odoo of the environment;
#   3. it holds every file git tracks in the addon (whool takes those), under
#      odoo/addons/tal_invoice_transfer, and nothing else of the repository
#      (the build backend's folder _whool_series/ neither);
#   4. installed into a throwaway directory (pip --target, no dependencies),
#      Odoo of the series finds the addon there without any --addons-path,
#      and imports it from there;
#   5. pip, in Odoo's own environment, would install it with its dependencies
#      met (a dry run: Odoo's environment is not changed).
# whool is fetched from PyPI by pip's build isolation (cached after the first
# time). Uses ODOO_PYTHON (see scripts/odoo_env.sh).
set -uo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
ADDON=tal_invoice_transfer
DIST=odoo-addon-$ADDON
# shellcheck source=scripts/odoo_env.sh
ODOO_ENV_QUIET=1 . "$SCRIPTS_DIR/odoo_env.sh" || exit 1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PASSED=0 FAILED=0
pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }
finish() {
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit
}
pip() { (cd / && PIP_ROOT_USER_ACTION=ignore "$ODOO_PYTHON" -m pip --disable-pip-version-check "$@") </dev/null; }

MANIFEST_VERSION=$(cd / && "$ODOO_PYTHON" -c 'import ast, sys; print(ast.literal_eval(open(sys.argv[1]).read())["version"])' \
    "$REPO_ROOT/$ADDON/__manifest__.py")
echo "Odoo $ODOO_SERIES ($ODOO_PYTHON), manifest version: $MANIFEST_VERSION"

# ------------------------------------------------------------- 1. build ---
if ODOO_SERIES=$ODOO_SERIES pip wheel --no-deps -w "$WORK/dist" "$REPO_ROOT/$ADDON" >"$WORK/build.log" 2>&1; then
    mapfile -t wheels < <(find "$WORK/dist" -name '*.whl')
else
    wheels=()
fi
if [ "${#wheels[@]}" -eq 1 ]; then
    WHEEL=${wheels[0]}
    pass "pip wheel builds $(basename "$WHEEL")"
else
    tail -n 20 "$WORK/build.log"
    fail "pip wheel --no-deps ./$ADDON builds one wheel (${#wheels[@]} built; log above)"
    finish
fi

# ---------------------------------------------------------- 2. metadata ---
check_metadata() {  # check_metadata WHEEL: PASS/FAIL line, its status
(cd / && "$ODOO_PYTHON" - "$1" "$DIST" "$MANIFEST_VERSION" "$ODOO_SERIES" <<'EOF'
import email.parser
import re
import sys
import zipfile

wheel, dist, manifest_version, series = sys.argv[1:]
if not manifest_version.startswith(series + "."):
    manifest_version = series + "." + manifest_version
name = re.sub(r"[-_.]+", "_", dist).lower()
problems = []
with zipfile.ZipFile(wheel) as z:
    metas = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
    if len(metas) != 1:
        sys.exit(f"FAIL metadata: {len(metas)} METADATA files in the wheel")
    meta = email.parser.Parser().parsestr(z.read(metas[0]).decode())
version = meta["Version"]
if meta["Name"] != dist:
    problems.append(f"distribution name {meta['Name']!r}, not {dist!r}")
if not re.fullmatch(re.escape(manifest_version) + r"(\.\d+|\.dev\d+)?", version or ""):
    problems.append(f"version {version!r} is not the series and the manifest's: {manifest_version}[.N or .devN]")
if not (version or "").startswith(series + "."):
    problems.append(f"version {version!r} is not a {series} one")
if not wheel.endswith(f"/{name}-{version}-py3-none-any.whl"):
    problems.append(f"file name {wheel.rsplit('/', 1)[-1]} is not {name}-{version}-py3-none-any.whl")
requires = meta.get_all("Requires-Dist") or []
if f"odoo=={series}.*" not in requires:
    problems.append(f"Requires-Dist {requires}, without odoo=={series}.*")
if problems:
    print("FAIL metadata: " + "; ".join(problems))
    sys.exit(1)
print(f"PASS metadata: {meta['Name']} {version}, requires {', '.join(requires)}")
EOF
)
}
check_metadata "$WHEEL" && PASSED=$((PASSED + 1)) || FAILED=$((FAILED + 1))

# ------------------------------ 2b. the series of the Odoo that builds it ---
# as a user types it in Odoo's environment: no ODOO_SERIES, no setting
if (cd / && env -u ODOO_SERIES PIP_ROOT_USER_ACTION=ignore "$ODOO_PYTHON" -m pip --disable-pip-version-check \
    wheel --no-deps -w "$WORK/dist-plain" "$REPO_ROOT/$ADDON") </dev/null >"$WORK/build-plain.log" 2>&1 &&
    plain=$(find "$WORK/dist-plain" -name '*.whl') && [ -n "$plain" ]; then
    if out=$(check_metadata "$plain"); then
        pass "with no setting, pip wheel in Odoo $ODOO_SERIES's environment builds its wheel (${out#PASS metadata: })"
    else
        fail "with no setting, pip wheel in Odoo $ODOO_SERIES's environment builds its wheel: ${out#FAIL metadata: }"
    fi
else
    tail -n 20 "$WORK/build-plain.log"
    fail "pip wheel ./$ADDON in Odoo $ODOO_SERIES's environment, with no setting (log above)"
fi

# ---------------------------------------------------------- 3. contents ---
if git -C "$REPO_ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$REPO_ROOT/$ADDON" ls-files | grep -vx pyproject.toml | grep -v '^_whool_series/' | sort >"$WORK/tracked.txt"
    (cd / && "$ODOO_PYTHON" -c '
import sys, zipfile
prefix = "odoo/addons/" + sys.argv[2] + "/"
for n in zipfile.ZipFile(sys.argv[1]).namelist():
    if n.split("/")[0].endswith(".dist-info"):
        continue
    print(n[len(prefix):] if n.startswith(prefix) else "OUTSIDE " + n)
' "$WHEEL" "$ADDON") | sort >"$WORK/in-wheel.txt"
    if diff "$WORK/tracked.txt" "$WORK/in-wheel.txt" >"$WORK/contents.diff"; then
        pass "the wheel holds the $(wc -l <"$WORK/tracked.txt") files git tracks in $ADDON/ (but its build backend), under odoo/addons/$ADDON"
    else
        sed 's/^/    /' "$WORK/contents.diff" | head -n 20
        fail "the wheel's files differ from those git tracks in $ADDON/ (< tracked only, > wheel only)"
    fi
else
    echo "note: $REPO_ROOT is not a git work tree: whool packs every file of $ADDON/, not compared"
fi

# ------------------------------------------------- 4. Odoo finds it there --
if pip install -q --no-deps --target "$WORK/site" "$WHEEL" >"$WORK/target.log" 2>&1; then
    # From /, with the target on PYTHONPATH and Odoo's default addons path only.
    printf '[options]\n' >"$WORK/odoo.conf"
    if (cd / && PYTHONPATH="$WORK/site" "$ODOO_PYTHON" - "$WORK/site" "$ADDON" "$WORK/odoo.conf" <<'EOF'
import importlib
import os
import sys

site, addon, conf = sys.argv[1:]
from odoo.modules import module
from odoo.tools import config

# an empty configuration file (not ~/.odoorc): Odoo's own addons only
config.parse_config(["-c", conf, "--http-interface=127.0.0.1"])
module.initialize_sys_path()
path = module.get_module_path(addon, display_warning=False)
expected = os.path.join(site, "odoo", "addons", addon)
if path != expected:
    sys.exit(f"FAIL Odoo finds {addon} at {path!r}, not in the installed wheel {expected!r}")
manifest = module.get_manifest(addon)
imported = importlib.import_module("odoo.addons." + addon)
if os.path.dirname(imported.__file__) != expected:
    sys.exit(f"FAIL odoo.addons.{addon} is imported from {imported.__file__}, not {expected}")
print(f"PASS Odoo finds {addon} {manifest['version']} in the installed wheel ({path}) and imports it from there")
EOF
    ); then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
    fi
else
    tail -n 20 "$WORK/target.log"
    fail "pip install --no-deps --target DIR the wheel (log above)"
fi

# ------------------------------------------ 5. dependencies in Odoo's env --
if pip install --dry-run "$WHEEL" >"$WORK/dry-run.log" 2>&1 &&
    grep -q "Would install .*$DIST" "$WORK/dry-run.log"; then
    pass "pip install in Odoo's environment would install $DIST with its dependencies met (dry run: $(grep -o 'Would install.*' "$WORK/dry-run.log"))"
else
    tail -n 20 "$WORK/dry-run.log"
    fail "pip install --dry-run in Odoo's environment (log above)"
fi

finish
