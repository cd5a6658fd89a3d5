#!/usr/bin/env bash
# Lint the repository as the OCA pre-commit hooks do (.pre-commit-config.yaml),
# without pre-commit: the hooks' repositories are fetched from GitHub, which
# this project's machines cannot reach, so the same tools, at the same versions,
# are installed from PyPI and npm into a cache outside the repository.
#
#   bash scripts/lint.sh           check; exit 1 on any finding
#   bash scripts/lint.sh --fix     let ruff, ruff-format and prettier rewrite
#                                  files first, then check what is left
#
# Linters, each counted once in the closing `N passed, N failed[, N skipped]`:
#   ruff            ruff check (.ruff.toml: OCA rules, Odoo isort sections)
#   ruff-format     ruff format --check
#   pylint-odoo     pylint with pylint_odoo, .pylintrc-mandatory, on the addons
#                   (.pylintrc's optional checks are printed, never fail:
#                   LINT_OPTIONAL=0 to skip them)
#   oca-module      oca-checks-odoo-module (manifests, XML, CSV of each addon)
#   oca-po          oca-checks-po (i18n/*.po, *.pot)
#   i18n            scripts/i18n_check.py --static (fr.po complete vs the .pot)
#   prettier        prettier + @prettier/plugin-xml --check (XML, JS, SCSS, YAML)
#   whitespace      trailing whitespace, final newline, LF line ends
# Paths: the addons and folders below that exist (tal_invoice_transfer,
# tal_invoice_transfer_dms, test_addons, scripts, benchmarks, e2e, harness_tools), as tracked
# or added (not ignored) in git.
#
# Environment (optional):
#   LINT_HOME   where the tools are installed
#               (default ${XDG_CACHE_HOME:-~/.cache}/tal_invoice_transfer)
#   LINT_PYTHON python used to create the venv (default python3)
#   LINT_OFFLINE=1  never install: use what LINT_HOME has (a missing tool fails)
set -uo pipefail

# Versions: keep in step with .pre-commit-config.yaml (the OCA template's for 19.0).
RUFF_VERSION=0.13.0
PYLINT_ODOO_VERSION=9.3.15
OCA_HOOKS_VERSION=0.1.7
POLIB_VERSION=1.2.0
PRETTIER_VERSION=3.6.2
PRETTIER_XML_VERSION=3.4.2

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
LINT_HOME=${LINT_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/tal_invoice_transfer}
LINT_PYTHON=${LINT_PYTHON:-python3}
LINT_OFFLINE=${LINT_OFFLINE:-0}
LINT_OPTIONAL=${LINT_OPTIONAL:-1}
VENV="$LINT_HOME/lint-venv"
NODE_DIR="$LINT_HOME/node"
FIX=0
case "${1:-}" in
    --fix) FIX=1 ;;
    "") ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: bash scripts/lint.sh [--fix]" >&2; exit 2 ;;
esac

cd "$REPO_ROOT" || exit 2

PASSED=0 FAILED=0 SKIPPED=0
SUMMARY=()
result() { # NAME ok|failed|skipped [NOTE]
    local name=$1 status=$2 note=${3:-}
    case "$status" in
        ok) PASSED=$((PASSED + 1)) ;;
        failed) FAILED=$((FAILED + 1)) ;;
        skipped) SKIPPED=$((SKIPPED + 1)) ;;
    esac
    SUMMARY+=("$(printf '%-12s %s%s' "$name" "$status" "${note:+  ($note)}")")
    printf 'lint: %s: %s%s\n' "$name" "$status" "${note:+ ($note)}"
}

# ------------------------------------------------------------------ tools ---
python_tools_ok() {
    [ -x "$VENV/bin/python" ] && [ "$(cat "$VENV/.versions" 2>/dev/null)" = "$PY_STAMP" ]
}
PY_STAMP="ruff==$RUFF_VERSION pylint-odoo==$PYLINT_ODOO_VERSION oca-odoo-pre-commit-hooks==$OCA_HOOKS_VERSION polib==$POLIB_VERSION"
ensure_python_tools() {
    python_tools_ok && return 0
    if [ "$LINT_OFFLINE" = 1 ]; then
        echo "lint: LINT_OFFLINE=1 and $VENV lacks $PY_STAMP" >&2
        return 1
    fi
    echo "lint: installing $PY_STAMP into $VENV"
    mkdir -p "$LINT_HOME"
    [ -x "$VENV/bin/python" ] || "$LINT_PYTHON" -m venv "$VENV" || return 1
    # shellcheck disable=SC2086
    PIP_ROOT_USER_ACTION=ignore "$VENV/bin/python" -m pip install -q \
        --disable-pip-version-check $PY_STAMP </dev/null || return 1
    printf '%s' "$PY_STAMP" >"$VENV/.versions"
}

NODE_STAMP="prettier@$PRETTIER_VERSION @prettier/plugin-xml@$PRETTIER_XML_VERSION"
ensure_node_tools() {
    if [ -x "$NODE_DIR/node_modules/.bin/prettier" ] &&
        [ "$(cat "$NODE_DIR/.versions" 2>/dev/null)" = "$NODE_STAMP" ]; then
        return 0
    fi
    if [ "$LINT_OFFLINE" = 1 ] || ! command -v npm >/dev/null 2>&1; then
        return 1
    fi
    echo "lint: installing $NODE_STAMP into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || printf '{"private": true}\n' >"$NODE_DIR/package.json"
    # shellcheck disable=SC2086
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --silent $NODE_STAMP </dev/null) || return 1
    printf '%s' "$NODE_STAMP" >"$NODE_DIR/.versions"
}

# ------------------------------------------------------------------ paths ---
TARGETS=()
for d in tal_invoice_transfer tal_invoice_transfer_documents tal_invoice_transfer_dms test_addons scripts benchmarks e2e harness_tools; do
    [ -d "$d" ] && TARGETS+=("$d")
done
ADDONS=()
for m in */__manifest__.py test_addons/*/__manifest__.py; do
    [ -f "$m" ] && ADDONS+=("$(dirname "$m")")
done
# files tracked or added, not ignored, under the targets
mapfile -t FILES < <(git ls-files -co --exclude-standard -- "${TARGETS[@]}" \
    .pre-commit-config.yaml .ruff.toml .pylintrc .pylintrc-mandatory .editorconfig \
    prettier.config.cjs 2>/dev/null | sort -u | while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done)
files_matching() { # REGEX [EXCLUDE_REGEX]
    printf '%s\n' "${FILES[@]}" | grep -E "$1" | { if [ -n "${2:-}" ]; then grep -Ev "$2"; else cat; fi; }
}

echo "lint: targets: ${TARGETS[*]}"
echo "lint: addons:  ${ADDONS[*]}"

if ! ensure_python_tools; then
    for n in ruff ruff-format pylint-odoo oca-module oca-po i18n; do
        result "$n" failed "tools not installed: see above"
    done
    PY_OK=0
else
    PY_OK=1
fi

# ------------------------------------------------------------------- ruff ---
if [ "$PY_OK" = 1 ]; then
    if [ "$FIX" = 1 ]; then
        "$VENV/bin/ruff" check --fix --quiet "${TARGETS[@]}" >/dev/null 2>&1
        "$VENV/bin/ruff" format --quiet "${TARGETS[@]}"
    fi
    echo "--- ruff check"
    if "$VENV/bin/ruff" check --no-fix --output-format=concise "${TARGETS[@]}"; then
        result ruff ok
    else
        result ruff failed "fixable ones: bash scripts/lint.sh --fix"
    fi

    echo "--- ruff format --check"
    if "$VENV/bin/ruff" format --check "${TARGETS[@]}"; then
        result ruff-format ok
    else
        result ruff-format failed "bash scripts/lint.sh --fix rewrites them"
    fi

    # --------------------------------------------------------- pylint-odoo ---
    echo "--- pylint-odoo (.pylintrc-mandatory)"
    if [ "${#ADDONS[@]}" -eq 0 ]; then
        result pylint-odoo skipped "no addon"
    elif "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory --output-format=text \
        "${ADDONS[@]}"; then
        result pylint-odoo ok
    else
        result pylint-odoo failed
    fi
    if [ "$LINT_OPTIONAL" = 1 ] && [ "${#ADDONS[@]}" -gt 0 ]; then
        echo "--- pylint-odoo optional checks (.pylintrc; informational, never fail)"
        "$VENV/bin/pylint" --rcfile=.pylintrc --output-format=text --exit-zero \
            --disable="$(sed -n '/^enable=/,/^$/p' .pylintrc-mandatory | tr -d ' \n' | sed 's/^enable=//; s/,$//')" \
            "${ADDONS[@]}"
    fi

    # ---------------------------------------------- OCA odoo-pre-commit-hooks ---
    echo "--- oca-checks-odoo-module"
    if [ "${#ADDONS[@]}" -eq 0 ]; then
        result oca-module skipped "no addon"
    elif "$VENV/bin/oca-checks-odoo-module" "${ADDONS[@]/%//__manifest__.py}"; then
        result oca-module ok
    else
        result oca-module failed
    fi

    echo "--- oca-checks-po"
    mapfile -t PO_FILES < <(files_matching '/i18n/[^/]+\.pot?$')
    if [ "${#PO_FILES[@]}" -eq 0 ]; then
        result oca-po skipped "no .po/.pot file"
    elif "$VENV/bin/oca-checks-po" --disable=po-pretty-format "${PO_FILES[@]}"; then
        result oca-po ok
    else
        result oca-po failed
    fi

    echo "--- i18n (scripts/i18n_check.py --static)"
    if "$VENV/bin/python" "$SCRIPTS_DIR/i18n_check.py" --static; then
        result i18n ok
    else
        result i18n failed "translate the new messages; after changing strings run \$ODOO_PYTHON scripts/i18n_check.py --write-pot"
    fi
fi

# --------------------------------------------------------------- prettier ---
echo "--- prettier (with @prettier/plugin-xml)"
# As the OCA template: no README/readme fragments, no generated index.html;
# nor benchmark results, which scripts write.
mapfile -t PRETTY_FILES < <(files_matching '\.(css|htm|html|js|json|jsx|less|scss|toml|ts|xml|yaml|yml)$' \
    '/static/description/index\.html$|/static/(src/)?lib/|(^|/)readme/|\.pot?$|^benchmarks/results/')
if ! ensure_node_tools; then
    if [ "$LINT_OFFLINE" = 1 ] || ! command -v npm >/dev/null 2>&1; then
        result prettier skipped "no npm (apt-get install npm) or LINT_OFFLINE=1"
    else
        result prettier failed "npm install of $NODE_STAMP failed"
    fi
elif [ "${#PRETTY_FILES[@]}" -eq 0 ]; then
    result prettier skipped "no file"
else
    PRETTIER=("$NODE_DIR/node_modules/.bin/prettier" --ignore-unknown)
    if [ "$FIX" = 1 ]; then
        NODE_PATH="$NODE_DIR/node_modules" "${PRETTIER[@]}" --write --log-level=warn "${PRETTY_FILES[@]}"
    fi
    if NODE_PATH="$NODE_DIR/node_modules" "${PRETTIER[@]}" --list-different "${PRETTY_FILES[@]}"; then
        result prettier ok
    else
        result prettier failed "files above differ from prettier's format: bash scripts/lint.sh --fix"
    fi
fi

# ------------------------------------------------------------- whitespace ---
echo "--- whitespace (trailing-whitespace, end-of-file-fixer, mixed-line-ending)"
mapfile -t TEXT_FILES < <(files_matching '\.(py|xml|js|scss|css|csv|md|rst|html|yaml|yml|toml|cfg|sh|txt|cjs|json)$' \
    '/static/description/index\.html$|/static/(src/)?lib/|\.pot?$|/README\.rst$|^benchmarks/results/')
ws_bad=0
for f in "${TEXT_FILES[@]}"; do
    if grep -nE '[[:space:]]+$' "$f" | grep -v $'\r$' | head -5 | sed "s|^|$f:|; s|\$|: trailing whitespace|" | grep .; then
        ws_bad=1
    fi
    if grep -q $'\r' "$f"; then
        echo "$f: CRLF line end"
        ws_bad=1
    fi
    if [ -s "$f" ] && [ -n "$(tail -c 1 "$f")" ]; then
        echo "$f: no newline at end of file"
        ws_bad=1
    fi
done
if [ "$ws_bad" = 0 ]; then result whitespace ok; else result whitespace failed; fi

# ---------------------------------------------------------------- summary ---
echo
echo "=== lint summary ==="
for line in "${SUMMARY[@]}"; do
    printf '  %s\n' "$line"
done
line="$PASSED passed, $FAILED failed"
[ "$SKIPPED" -gt 0 ] && line="$line, $SKIPPED skipped"
echo "$line"
[ "$FAILED" -eq 0 ]
