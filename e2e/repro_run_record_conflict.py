"""Minimal, deterministic reproduction: two concurrent _cron_tal_transfer()
callers collide on the run record (tal.invoice.transfer.run).

    $ODOO_PYTHON e2e/repro_run_record_conflict.py -d DB --addons-path ... [--data-dir ...]

DB: any database with tal_invoice_transfer installed (no invoice needed).
Two cursors play two workers, step by step:

  A: _tal_start("cron") and commit          -> run R, state 'running'
  A: begins its next per-invoice transaction (first statement = snapshot)
  B: _tal_start("cron") and commit          -> marks R 'interrupted' (A is alive)
  A: report() -> R._tal_add(...)            -> SerializationFailure, raised out of
                                               _cron_tal_transfer (not in a savepoint)

Prints "REPRODUCED: ..." and exits 1 when the bug is there, "OK" and exits 0
once fixed.
"""

import argparse
import sys
from collections import Counter


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--data-dir")
    opts = parser.parse_args()

    from psycopg2 import errors

    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    args = [
        "-d",
        opts.database,
        "--db_host=",
        f"--addons-path={opts.addons_path}",
        "--log-level=critical",
    ]
    if opts.data_dir:
        args.append(f"--data-dir={opts.data_dir}")
    odoo.tools.config.parse_config(args, setup_logging=True)
    registry = Registry(opts.database)
    with registry.cursor() as cr_a, registry.cursor() as cr_b:
        env_a = api.Environment(cr_a, SUPERUSER_ID, {})
        env_b = api.Environment(cr_b, SUPERUSER_ID, {})
        run_a = env_a["tal.invoice.transfer.run"]._tal_start("cron")
        cr_a.commit()
        cr_a.execute(
            "SELECT 1 FROM account_move LIMIT 1"
        )  # A's next transaction begins
        run_b = env_b["tal.invoice.transfer.run"]._tal_start("cron")
        cr_b.commit()
        state_a = env_b["tal.invoice.transfer.run"].browse(run_a.id).state
        try:
            run_a._tal_add(Counter(done=1))
            env_a.flush_all()
            cr_a.commit()
        except errors.SerializationFailure as error:
            print(
                f"REPRODUCED: worker B (run {run_b.id}) marked worker A's live run {run_a.id} "
                f"'{state_a}', then A's progress report raised {type(error).__name__}: "
                f"{str(error).strip()}"
            )
            cr_a.rollback()
            return 1
        print(f"OK (A's run {run_a.id} was '{state_a}' after B started run {run_b.id})")
        return 0


if __name__ == "__main__":
    sys.exit(main())
