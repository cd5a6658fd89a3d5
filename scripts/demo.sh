#!/usr/bin/env bash
# The project's main job on a fresh machine (README "Run").
#
#   bash scripts/demo.sh
#   ODOO_SERIES=18.0 bash scripts/demo.sh
#
# 1. finds Odoo of the series ODOO_SERIES (default 19.0; 18.0 too: see
#    scripts/odoo_series.sh), or installs it into /opt/odoo19 (/opt/odoo18)
#    when there is none (ODOO_SRC: from a local source of the series; see
#    scripts/odoo_install.sh), and starts (or installs) PostgreSQL
#    (scripts/odoo_env.sh);
# 2. creates the database tal_demo (recreated each time) with Invoicing, OCA
#    DMS and tal_invoice_transfer, and a few hundred posted invoices carrying
#    real PDF files;
# 3. configures the DMS target (an attachment storage and its root directory);
# 4. serves Odoo on http://localhost:8069, where the scheduled action runs the
#    transfer, and opens the progress view for admin (login admin / admin).
#
# Environment overrides (optional): DEMO_DB (tal_demo), DEMO_INVOICES (300),
# DEMO_PDF_INVOICES (60: customer invoices without any file, whose PDFs the
# transfer makes with the old script's three templates),
# DEMO_PORT (8069), DEMO_EXIT=1 to stop once the transfer is done instead of
# serving until Ctrl-C, ODOO_SERIES, ODOO_PYTHON, ODOO_HOME, ODOO_SRC (see
# scripts/odoo_env.sh).
set -euo pipefail

DEMO_DB=${DEMO_DB:-tal_demo}
DEMO_INVOICES=${DEMO_INVOICES:-300}
DEMO_PDF_INVOICES=${DEMO_PDF_INVOICES:-60}
DEMO_PORT=${DEMO_PORT:-8069}
DEMO_EXIT=${DEMO_EXIT:-0}

SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPTS_DIR/.." && pwd)
DATA_DIR=${DEMO_DATA_DIR:-$HOME/.local/share/tal_invoice_transfer_demo}
LOG="$DATA_DIR/odoo.log"

# shellcheck source=scripts/odoo_env.sh
. "$SCRIPTS_DIR/odoo_env.sh"

mkdir -p "$DATA_DIR"
CONF="$DATA_DIR/odoo.conf"
# ODOO_CORE_ADDONS: Odoo's own addons, where an explicit path must name them (18.0)
ADDONS_PATH="${ODOO_CORE_ADDONS:+$ODOO_CORE_ADDONS,}$REPO_ROOT"
cat >"$CONF" <<EOF
[options]
addons_path = $ADDONS_PATH
data_dir = $DATA_DIR/data
db_host =
http_interface = 127.0.0.1
http_port = $DEMO_PORT
max_cron_threads = 1
EOF

if ss -ltn "sport = :$DEMO_PORT" 2>/dev/null | grep -q LISTEN; then
    echo "demo: port $DEMO_PORT is in use; stop what listens there or set DEMO_PORT" >&2
    exit 1
fi

echo "demo: creating database $DEMO_DB (about 2 minutes)"
dropdb --if-exists "$DEMO_DB"
rm -rf "$DATA_DIR/data/filestore/$DEMO_DB"
createdb "$DEMO_DB"
(cd "$DATA_DIR" && odoo_run -c "$CONF" -d "$DEMO_DB" -i account,dms,tal_invoice_transfer \
    --stop-after-init --log-level=warn ${ODOO_WITHOUT_DEMO:+"$ODOO_WITHOUT_DEMO"}) >"$LOG" 2>&1 || {
    echo "demo: installing the modules failed, see $LOG" >&2
    tail -20 "$LOG" >&2
    exit 1
}

echo "demo: creating $DEMO_INVOICES posted invoices with PDF files, DMS target"
(cd "$DATA_DIR" && "$ODOO_PYTHON" "$SCRIPTS_DIR/invoice_factory.py" -d "$DEMO_DB" \
    --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR/data" --count "$DEMO_INVOICES" \
    --target dms --demo-home) 2>>"$LOG"

echo "demo: creating $DEMO_PDF_INVOICES posted invoices without any file, three PDF templates and their rules"
(cd "$DATA_DIR" && "$ODOO_PYTHON" "$SCRIPTS_DIR/demo_pdf.py" -d "$DEMO_DB" \
    --addons-path="$ADDONS_PATH" --data-dir="$DATA_DIR/data" --count "$DEMO_PDF_INVOICES" \
    --report-url "http://127.0.0.1:$DEMO_PORT") 2>>"$LOG"

echo "demo: serving Odoo on http://localhost:$DEMO_PORT (log: $LOG)"
(cd "$DATA_DIR" && exec "$ODOO_PYTHON" -m odoo -c "$CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$") >>"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null' EXIT
trap 'exit 130' INT TERM

# Wake the cron worker now rather than at its next minute poll.
for _ in $(seq 60); do
    ss -ltn "sport = :$DEMO_PORT" 2>/dev/null | grep -q LISTEN && break
    sleep 1
done
sleep 2
psql -X -q -d postgres -c "NOTIFY cron_trigger, '$DEMO_DB'"

pending() {
    psql -X -d "$DEMO_DB" -tAc "SELECT count(*) FROM account_move WHERE tal_transfer_state = 'pending'"
}
started=$(date +%s)
while [ "$(pending)" -gt 0 ]; do
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "demo: Odoo stopped, see $LOG" >&2
        exit 1
    fi
    if [ $(($(date +%s) - started)) -gt 900 ]; then
        echo "demo: the transfer did not finish in 15 minutes, see $LOG" >&2
        exit 1
    fi
    left=$(pending)
    printf '\rdemo: transferring, %s invoices pending ' "$left"
    if [ "$left" -eq $((DEMO_INVOICES + DEMO_PDF_INVOICES)) ]; then
        # The cron thread listens only once it has started: wake it again
        # until the first invoice moves, rather than wait for its minute.
        psql -X -q -d postgres -c "NOTIFY cron_trigger, '$DEMO_DB'"
    fi
    sleep 2
done
printf '\rdemo: transfer finished in %ss                  \n' $(($(date +%s) - started))
psql -X -d "$DEMO_DB" -c "SELECT tal_transfer_state AS state, count(*) AS invoices
                            FROM account_move WHERE tal_transfer_state IS NOT NULL
                           GROUP BY 1 ORDER BY 1" \
     -c "SELECT count(*) AS dms_files FROM dms_file" \
     -c "SELECT r.name->>'en_US' AS template, count(*) AS pdfs_made
           FROM account_move m JOIN ir_act_report_xml r ON r.id = m.tal_transfer_pdf_report_id
          GROUP BY 1 ORDER BY 1"

URL="http://localhost:$DEMO_PORT/odoo/invoice-files-transfer"
if [ "$DEMO_EXIT" = 1 ]; then
    echo "demo: done (DEMO_EXIT=1); database $DEMO_DB kept"
    exit 0
fi
echo "demo: open $URL  (login admin / password admin); Ctrl-C stops the server"
wait "$SERVER"
