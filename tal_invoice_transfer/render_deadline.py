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
import types

from odoo.addons.base.models import ir_actions_report as base_report

from . import compat

_deadline_seconds = contextvars.ContextVar("tal_render_timeout", default=None)
if compat.V19:
    # Odoo's own function, also when this module is imported again.
    _odoo_run_wkhtmltopdf = getattr(
        base_report._run_wkhtmltopdf, "_tal_odoo_original", base_report._run_wkhtmltopdf
    )


class RenderTimeout(Exception):
    """wkhtmltopdf did not finish within the transfer's time limit."""

    def __init__(self, seconds):
        super().__init__(f"wkhtmltopdf did not finish within {seconds:.0f} s")
        self.seconds = seconds


def _with_killer(command, seconds):
    """`command` run under coreutils' timeout, which kills wkhtmltopdf also
    when this process dies first (a server killed mid-render would leave it
    running forever); whether it is."""
    killer = shutil.which("timeout")
    if not killer:
        return command, False
    return [killer, "-s", "KILL", f"{seconds:.0f}", *command], True


def _killed(returncode):
    return returncode in (124, 128 + signal.SIGKILL, -signal.SIGKILL)


def _run_wkhtmltopdf_with_deadline(args):
    """19.0: Odoo's module-level _run_wkhtmltopdf(args), with a limit."""
    seconds = _deadline_seconds.get()
    if seconds is None:
        return _odoo_run_wkhtmltopdf(args)
    command, killer = _with_killer([base_report._wkhtml().bin, *args], seconds)
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
    if killer and _killed(process.returncode):
        raise RenderTimeout(seconds)
    return process


class _PopenWithDeadline(subprocess.Popen):
    """18.0: Odoo runs wkhtmltopdf inline in IrActionsReport._run_wkhtmltopdf
    with its module's subprocess.Popen; this one applies the limit."""

    def __init__(self, args, *pargs, **kwargs):
        self._tal_seconds = _deadline_seconds.get()
        self._tal_killer = False
        if self._tal_seconds is not None:
            args, self._tal_killer = _with_killer(list(args), self._tal_seconds)
        super().__init__(args, *pargs, **kwargs)

    def communicate(self, data=None, timeout=None):
        if self._tal_seconds is None:
            return super().communicate(data, timeout)
        try:
            result = super().communicate(data, timeout=self._tal_seconds + 5)
        except subprocess.TimeoutExpired as error:
            self.kill()
            super().communicate()
            raise RenderTimeout(self._tal_seconds) from error
        if self._tal_killer and _killed(self.returncode):
            raise RenderTimeout(self._tal_seconds)
        return result


@contextlib.contextmanager
def render_deadline(seconds):
    """wkhtmltopdf runs started in this block are killed after `seconds`."""
    token = _deadline_seconds.set(max(1.0, seconds))
    try:
        yield
    finally:
        _deadline_seconds.reset(token)


# Inert outside render_deadline(), see above.
if compat.V19:
    _run_wkhtmltopdf_with_deadline._tal_odoo_original = _odoo_run_wkhtmltopdf
    base_report._run_wkhtmltopdf = _run_wkhtmltopdf_with_deadline
else:
    # 18.0: the report module's own `subprocess`, with the Popen above.
    _subprocess = types.ModuleType("subprocess")
    _subprocess.__dict__.update(vars(subprocess))
    _subprocess.Popen = _PopenWithDeadline
    base_report.subprocess = _subprocess
