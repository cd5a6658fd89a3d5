# Copyright 2026 TAL
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

# Saturday and Sunday (datetime.weekday()).
WEEKEND = (5, 6)
# A window changes within a week or never: the days searched for its next change.
SEARCH_DAYS = 9
# The estimate gives up beyond this (a window that never opens).
ETA_HORIZON = timedelta(days=400)


class Window:
    """A company's working hours: when its backlog may run.

    Times are hours of the day in the window's time zone; all datetimes given
    and returned are naive UTC, as Odoo stores them.
    """

    def __init__(self, start, end, weekends, tz, recent_days=0):
        self.start = start
        self.end = end
        self.weekends = weekends
        self.tz = pytz.timezone(tz or "UTC")
        self.recent_days = recent_days

    @classmethod
    def of(cls, company):
        """The company's window, or None when its backlog runs at any time."""
        if not company.tal_transfer_window:
            return None
        return cls(
            company.tal_transfer_window_start,
            company.tal_transfer_window_end,
            company.tal_transfer_window_weekends,
            company.tal_transfer_window_tz or company.partner_id.tz,
            company.tal_transfer_recent_days,
        )

    def _local(self, utc):
        return pytz.utc.localize(utc).astimezone(self.tz)

    def _utc(self, local_naive):
        return self.tz.localize(local_naive).astimezone(pytz.utc).replace(tzinfo=None)

    def is_open(self, utc):
        local = self._local(utc)
        if self.weekends and local.weekday() in WEEKEND:
            return True
        hour = local.hour + local.minute / 60 + local.second / 3600
        if self.start < self.end:
            return self.start <= hour < self.end
        if self.start > self.end:
            # Overnight: from the evening to the next morning.
            return hour >= self.start or hour < self.end
        return False

    def next_change(self, utc):
        """When the window next opens or closes after `utc`; None: never."""
        now_open = self.is_open(utc)
        today = self._local(utc).date()
        edges = set()
        for offset in range(SEARCH_DAYS):
            day = today + timedelta(days=offset)
            for hour in (0.0, self.start, self.end):
                minutes = round(hour * 60)
                local = datetime.combine(day, time()) + timedelta(minutes=minutes)
                edges.add(self._utc(local))
        for edge in sorted(edges):
            if edge > utc and self.is_open(edge) != now_open:
                return edge
        return None

    def next_opening(self, utc):
        """When the window next opens after `utc` (None: never)."""
        change = self.next_change(utc)
        if change is not None and self.is_open(utc):
            change = self.next_change(change)
        return change

    def recent_cutoff(self, utc):
        """Invoices posted from then on are recent: the start of the day
        `recent_days - 1` days ago, in the window's time zone (None: none are)."""
        if self.recent_days <= 0:
            return None
        day = self._local(utc).date() - timedelta(days=self.recent_days - 1)
        return self._utc(datetime.combine(day, time()))


class TalInvoiceTransferWindow(models.AbstractModel):
    """Working hours: where each company's backlog may run now, and when that
    changes; the estimated end counted through them."""

    _name = "tal.invoice.transfer.window"
    _description = "Invoice Files Transfer Working Hours"

    @api.model
    def _tal_windows(self, company_ids):
        """{company id: Window or None} for these companies."""
        companies = self.env["res.company"].sudo().browse(company_ids)
        return {company.id: Window.of(company) for company in companies}

    @api.model
    def _tal_states(self, company_ids, now=None):
        """What the scheduled workers may take now.

        Returns ({company id: cutoff}, until): the companies whose invoices
        may go, with None for all their pending invoices (no window, or the
        window open) or the posting date from which they may (closed); a
        company closed without recent days is left out. `until` is the first
        moment this changes (None: never).
        """
        now = now or fields.Datetime.now()
        cutoffs, changes = {}, []
        for company_id, window in self._tal_windows(company_ids).items():
            if window is None or window.is_open(now):
                cutoffs[company_id] = None
            else:
                cutoff = window.recent_cutoff(now)
                if cutoff is not None:
                    cutoffs[company_id] = cutoff
            change = window and window.next_change(now)
            if change:
                changes.append(change)
            if window and window.recent_days > 0:
                # The recent days move at midnight, in the window's zone.
                local = window._local(now)
                changes.append(
                    window._utc(datetime.combine(local.date(), time()))
                    + timedelta(days=1)
                )
        return cutoffs, min(changes) if changes else None

    @api.model
    def _tal_next_openings(self, company_ids, now=None):
        """{company id: when its window next opens} for the companies of
        `company_ids` that have a closed window now."""
        now = now or fields.Datetime.now()
        openings = {}
        for company_id, window in self._tal_windows(company_ids).items():
            if window is not None and not window.is_open(now):
                opening = window.next_opening(now)
                if opening:
                    openings[company_id] = opening
        return openings

    @api.model
    def _tal_eta(self, rate, pending, now=None):
        """When the pending invoices are done at `rate` a minute, counting
        each company's working hours (None: not within the horizon).

        :param pending: {company id: (pending invoices it may take now
            outside its window, pending invoices that wait for its window)}
        """
        now = now or fields.Datetime.now()
        if rate <= 0:
            return None
        windows = self._tal_windows(list(pending))
        # Work that goes at any time, and work per window.
        free = 0.0
        held = {}
        for company_id, (anytime, waiting) in pending.items():
            if windows[company_id] is None:
                free += anytime + waiting
            else:
                free += anytime
                if waiting:
                    held[company_id] = float(waiting)
        moment = now
        while moment < now + ETA_HORIZON:
            open_ids = [c for c in held if windows[c].is_open(moment)]
            changes = [
                change
                for change in (windows[c].next_change(moment) for c in held)
                if change
            ]
            until = min(changes) if changes else None
            pool = free + sum(held[c] for c in open_ids)
            if pool:
                minutes = (until - moment).total_seconds() / 60 if until else None
                if minutes is None or pool <= rate * minutes:
                    moment += timedelta(minutes=pool / rate)
                    free = 0.0
                    for company_id in open_ids:
                        del held[company_id]
                    if not held:
                        return moment
                else:
                    # Spread over what may go: the workers take invoices in
                    # id order, whatever their company.
                    share = rate * minutes / pool
                    free -= free * share
                    for company_id in open_ids:
                        held[company_id] -= held[company_id] * share
            if not held and not free:
                return moment
            if until is None:
                return None
            moment = max(moment, until)
        return None
