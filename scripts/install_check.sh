#!/usr/bin/env bash
# Install, upgrade and uninstall tal_invoice_transfer with no target app
# (only `account`), as a step of scripts/test.sh.
#
#   bash scripts/install_check.sh
#   ODOO_SERIES=18.0 bash scripts/install_check.sh    (see scripts/odoo_series.sh)
#
# Each check prints PASS/FAIL; the last line is `N passed, N failed`.
# The e2e harness covers upgrade and uninstall with a target and a backlog.
set -uo pipefail

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
# shellcheck source=scripts/odoo_env.sh
ODOO_ENV_QUIET=1 . "$SCRIPTS_DIR/odoo_env.sh" || exit 1

DB="tal_install_$(date +%Y%m%d_%H%M%S)_$$"
WORK=$(mktemp -d)
trap 'dropdb --if-exists "$DB" </dev/null; rm -rf "$WORK"' EXIT
printf '[options]\n' >"$WORK/odoo.conf"
# ODOO_CORE_ADDONS: Odoo's own addons, where an explicit path must name them (18.0)
COMMON=(-c "$WORK/odoo.conf" -d "$DB" --addons-path="${ODOO_CORE_ADDONS:+$ODOO_CORE_ADDONS,}$REPO_ROOT" --data-dir="$WORK/data"
    --db_host= --http-interface=127.0.0.1 --max-cron-threads=0 --log-level=warn
    ${ODOO_WITHOUT_DEMO:+"$ODOO_WITHOUT_DEMO"})
PASSED=0
FAILED=0

check() {  # check NAME LOGFILE STATUS
    local errors
    errors=$(grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$2" || true)
    if [ "$3" -eq 0 ] && [ -z "$errors" ]; then
        echo "PASS $1"
        PASSED=$((PASSED + 1))
    else
        echo "FAIL $1 (exit $3)"
        [ -n "$errors" ] && printf '%s\n' "$errors"
        tail -20 "$2"
        FAILED=$((FAILED + 1))
    fi
}

odoo_shell() {  # odoo_shell NAME PYTHON: passes when the script prints "ok"
    local status
    (cd "$WORK" && printf '%s\n' "$2" | odoo_run shell "${COMMON[@]}" --no-http) >"$WORK/$1.log" 2>&1
    status=$?
    # The shell exits 0 even when the script raised: require its last word.
    grep -qx ok "$WORK/$1.log" || status=1
    check "$1" "$WORK/$1.log" "$status"
}

createdb "$DB" </dev/null || exit 1
(cd "$WORK" && odoo_run "${COMMON[@]}" -i tal_invoice_transfer --stop-after-init </dev/null) >"$WORK/install.log" 2>&1
check "install without any target app" "$WORK/install.log" $?

odoo_shell "no target: a clear error on the invoice, the run goes on" "
move = env['account.move'].create({'move_type': 'out_invoice', 'partner_id': env.ref('base.partner_admin').id,
    'invoice_date': '2026-01-15',
    'invoice_line_ids': [(0, 0, {'name': 'Service', 'quantity': 1, 'price_unit': 10})]})
env['ir.attachment'].create({'name': 'a.pdf', 'raw': b'%PDF-1.4', 'res_model': 'account.move', 'res_id': move.id})
move.action_post()
assert move.tal_transfer_state == 'pending', move.tal_transfer_state
# No folder can be set yet: the scheduled action leaves the invoice pending.
stats = env['tal.invoice.transfer']._cron_transfer()
assert not stats and move.tal_transfer_state == 'pending', (stats, move.tal_transfer_state)
# Transferred explicitly, it says what is missing.
stats = env['tal.invoice.transfer']._run(move_ids=move.ids)
move.invalidate_recordset()
assert stats['failed'] == 1, stats
assert 'No document app is installed' in move.tal_transfer_error, move.tal_transfer_error
env.cr.commit()
print('ok')
"

(cd "$WORK" && odoo_run "${COMMON[@]}" -u tal_invoice_transfer --stop-after-init </dev/null) >"$WORK/upgrade.log" 2>&1
check "upgrade keeps working" "$WORK/upgrade.log" $?

odoo_shell "upgrade kept the state" "
move = env['account.move'].search([('tal_transfer_state', '=', 'failed')])
assert len(move) == 1, move
print('ok')
"

odoo_shell "uninstall leaves invoices and their files" "
env['ir.module.module'].search([('name', '=', 'tal_invoice_transfer')]).button_immediate_uninstall()
env.cr.execute(\"SELECT count(*) FROM information_schema.columns WHERE table_name = 'account_move' AND column_name LIKE 'tal_transfer_%'\")
assert env.cr.fetchone()[0] == 0, 'columns left behind'
move = env['account.move'].search([('move_type', '=', 'out_invoice')])
assert len(move) == 1 and move.state == 'posted', move
files = env['ir.attachment'].search([('res_model', '=', 'account.move'), ('res_id', '=', move.id)])
assert files.mapped('name') == ['a.pdf'], files
env.cr.commit()
print('ok')
"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
