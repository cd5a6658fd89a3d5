# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import Counter, defaultdict

from markupsafe import Markup

from odoo import api, models
from odoo.tools import SQL, format_datetime, formatLang

from .. import compat
from .account_move import STATE_DONE, STATE_FAILED, STATE_NOTHING

_logger = logging.getLogger(__name__)

# The list of failed invoices (the progress view, filtered): its URL path.
FAILED_LIST_PATH = "/odoo/invoice-files-transfer-failed"


class TalInvoiceTransferNotice(models.AbstractModel):
    """What the transfer tells people in Odoo: a large backlog done, and the
    new failures once a day. Inbox notifications (or emails, as each person
    chose), in each reader's language, with only the figures of the
    companies the reader may see."""

    _name = "tal.invoice.transfer.notice"
    _description = "Invoice Files Transfer Notices"

    @api.model
    def _tal_managers(self):
        """The accounting administrators (people, not OdooBot)."""
        group = self.env.ref("account.group_account_manager")
        return group.sudo()[compat.GROUP_ALL_USERS_FIELD].filtered(
            lambda user: user.active and not user.share and not user._is_superuser()
        )

    @api.model
    def _tal_send(self, users, compose):
        """One notification per language, time zone and set of companies:
        `compose(env, company_ids)` returns (subject, body) said in `env`'s
        language, or None when there is nothing for those companies."""
        groups = defaultdict(lambda: self.env["res.users"])
        for user in users:
            key = (user.lang or "en_US", user.tz or "UTC", tuple(user.company_ids.ids))
            groups[key] |= user
        root = self.env.ref("base.partner_root")
        messages = self.env["mail.message"]
        for (lang, tz, company_ids), members in groups.items():
            env = self.with_context(lang=lang, tz=tz).env
            composed = compose(env, set(company_ids))
            if not composed:
                continue
            subject, body = composed
            messages |= (
                env["mail.thread"]
                .sudo()
                .message_notify(
                    partner_ids=members.partner_id.ids,
                    author_id=root.id,
                    subject=subject,
                    body=body,
                )
            )
        return messages

    @api.model
    def _tal_duration(self, env, seconds):
        minutes = round(seconds / 60)
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        if days:
            return env._(
                "%(days)s d %(hours)s h %(minutes)s min",
                days=days,
                hours=hours,
                minutes=minutes,
            )
        if hours:
            return env._("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
        return env._("%(minutes)s min", minutes=minutes)

    @api.model
    def _tal_kinds(self, env, failures):
        """A list (HTML) of failures by kind, the largest first."""
        labels = dict(
            env["account.move"]
            ._fields["tal_transfer_error_kind"]
            ._description_selection(env)
        )
        items = Markup("").join(
            Markup("<li>%s: %s</li>")
            % (labels.get(kind, env._("Other")), formatLang(env, count, digits=0))
            for kind, count in failures.most_common()
        )
        return Markup("<ul>%s</ul>") % items

    @api.model
    def _tal_failed_link(self, env):
        return Markup('<a href="%s%s">%s</a>') % (
            self.get_base_url(),
            FAILED_LIST_PATH,
            env._("See the failed invoices"),
        )

    @api.model
    def _tal_backlog_done(self, backlog, figures):
        """Tell whoever started the backlog (or the accounting
        administrators) that it is done, with its figures."""
        starter = backlog.user_id
        users = (
            starter
            if starter
            and starter.active
            and starter.has_group("account.group_account_manager")
            else self._tal_managers()
        )

        def compose(env, company_ids):
            totals = Counter()
            failures = Counter()
            for (company_id, state, kind), count in figures.items():
                if company_id not in company_ids:
                    continue
                totals[state] += count
                if state == STATE_FAILED:
                    failures[kind] += count
            handled = sum(totals.values())
            if not handled:
                return None

            def number(value):
                return formatLang(env, value, digits=0)

            seconds = (backlog.date_end - backlog.date_start).total_seconds()
            figures_args = {
                "handled": number(handled),
                "duration": self._tal_duration(env, seconds),
                "start": format_datetime(env, backlog.date_start),
            }
            body = Markup("<p>%s</p><p>%s</p>") % (
                env._(
                    "The invoice files backlog you started is done: %(handled)s "
                    "invoices in %(duration)s (started %(start)s).",
                    **figures_args,
                )
                if backlog.user_id
                else env._(
                    "The invoice files backlog is done: %(handled)s invoices in "
                    "%(duration)s (started %(start)s).",
                    **figures_args,
                ),
                env._(
                    "%(done)s transferred, %(nothing)s without files, "
                    "%(failed)s failed.",
                    done=number(totals[STATE_DONE]),
                    nothing=number(totals[STATE_NOTHING]),
                    failed=number(totals[STATE_FAILED]),
                ),
            )
            if failures:
                body += (
                    Markup("<p>%s</p>") % env._("Failures by kind:")
                    + self._tal_kinds(env, failures)
                    + Markup("<p>%s</p>") % self._tal_failed_link(env)
                )
            return env._("Invoice files transfer: backlog done"), body

        return self._tal_send(users, compose)

    @api.model
    def _cron_failure_summary(self):
        """Scheduled action, daily: the failures not yet told, in one
        message to the accounting administrators; never one per invoice."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id, company_id, COALESCE(tal_transfer_error_kind, '')
                  FROM account_move
                 WHERE tal_transfer_state = %s
                   AND NOT COALESCE(tal_transfer_failure_reported, FALSE)
                """,
                STATE_FAILED,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            return self.env["mail.message"]

        def compose(env, company_ids):
            failures = Counter(
                kind for _id, company_id, kind in rows if company_id in company_ids
            )
            if not failures:
                return None
            body = (
                Markup("<p>%s</p>")
                % env._(
                    "%(count)s invoices failed their files transfer since the "
                    "last summary:",
                    count=formatLang(env, failures.total(), digits=0),
                )
                + self._tal_kinds(env, failures)
                + Markup("<p>%s</p>") % self._tal_failed_link(env)
            )
            return env._("Invoice files transfer: new failures"), body

        messages = self._tal_send(self._tal_managers(), compose)
        # Told once: a failure is new again only after the invoice went again.
        self.env["account.move"].browse([row[0] for row in rows])._tal_transfer_write(
            {"tal_transfer_failure_reported": True}
        )
        _logger.info(
            "Invoice files transfer: %s new failures summed up in %s messages",
            len(rows),
            len(messages),
        )
        return messages
