# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A time limit on the transfer's own wkhtmltopdf runs.

Odoo runs wkhtmltopdf with no timeout: a page whose image never loads holds
the worker until the scheduler kills it, and the next job meets the same
invoice (the old script hung for good on one). The limit applies only inside
`render_deadline()`, i.e. to the transfer's renders; every other render
(Print, Send) runs exactly as Odoo runs it.
"""

import contextlib
import contextvars
import shutil
import signal
import subprocess

from odoo.addons.base.models import ir_actions_report as base_report

_deadline_seconds = contextvars.ContextVar("tal_render_timeout", default=None)
# Odoo's own function, also when this module is imported again.
_odoo_run_wkhtmltopdf = getattr(
    base_report._run_wkhtmltopdf, "_tal_odoo_original", base_report._run_wkhtmltopdf
)


class RenderTimeout(Exception):
    """wkhtmltopdf did not finish within the transfer's time limit."""

    def __init__(self, seconds):
        super().__init__(f"wkhtmltopdf did not finish within {seconds:.0f} s")
        self.seconds = seconds


def _run_wkhtmltopdf_with_deadline(args):
    seconds = _deadline_seconds.get()
    if seconds is None:
        return _odoo_run_wkhtmltopdf(args)
    command = [base_report._wkhtml().bin, *args]
    killer = shutil.which("timeout")
    if killer:
        # coreutils' timeout kills wkhtmltopdf also when this process dies
        # first (a server killed mid-render would leave it running forever).
        command = [killer, "-s", "KILL", f"{seconds:.0f}", *command]
    try:
        # The same call as Odoo's, with a time limit.
        process = subprocess.run(
            command,
            capture_output=True,
            encoding="utf-8",
            check=False,
            timeout=seconds + 5,
        )
    except subprocess.TimeoutExpired as error:
        raise RenderTimeout(seconds) from error
    if killer and process.returncode in (124, 128 + signal.SIGKILL, -signal.SIGKILL):
        raise RenderTimeout(seconds)
    return process


@contextlib.contextmanager
def render_deadline(seconds):
    """wkhtmltopdf runs started in this block are killed after `seconds`."""
    token = _deadline_seconds.set(max(1.0, seconds))
    try:
        yield
    finally:
        _deadline_seconds.reset(token)


# Inert outside render_deadline(), see above.
_run_wkhtmltopdf_with_deadline._tal_odoo_original = _odoo_run_wkhtmltopdf
base_report._run_wkhtmltopdf = _run_wkhtmltopdf_with_deadline
