import {Component, onWillStart, useState} from "@odoo/owl";
import {useBus, useService} from "@web/core/utils/hooks";
import {deserializeDateTime, formatDateTime} from "@web/core/l10n/dates";
import {formatFloat, formatInteger} from "@web/views/fields/formatters";
import {_t} from "@web/core/l10n/translation";

export const STATES = ["pending", "failed", "done", "no_attachment", "excluded"];

/**
 * Counts per state, share done, rate and estimated end, above the progress
 * list. The counts follow the list's search; a click on a state or an error
 * group narrows the list to it and keeps the user's other filters.
 */
export class TalTransferDashboard extends Component {
    static template = "tal_invoice_transfer.TransferDashboard";
    static props = {list: {type: Object, optional: true}};

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({data: null, counts: null});
        onWillStart(() => this.load());
        useBus(this.env.searchModel, "update", () => this.load());
        // After Transfer Now, Retry or Exclude (see show_states_action.js).
        useBus(this.env.bus, "TAL_TRANSFER:SHOW_STATES", (ev) => {
            ev.detail.handled = true;
            this.showStates(ev.detail.states);
        });
    }

    async load() {
        const [data, counts] = await Promise.all([
            this.orm.call("account.move", "tal_transfer_dashboard", []),
            this.orm.call("tal.invoice.transfer.ui", "tal_transfer_counts", [
                this.env.searchModel.domain,
            ]),
        ]);
        Object.assign(this.state, {data, counts});
    }

    /** Pause every worker after its current invoice, on every server. */
    async pause() {
        await this.orm.call("account.move", "tal_transfer_pause", []);
        await this.load();
    }

    /** Start the workers again, at once. */
    async resume() {
        await this.orm.call("account.move", "tal_transfer_resume", []);
        await this.load();
    }

    formatWhen(value) {
        return value ? formatDateTime(deserializeDateTime(value)) : "";
    }

    get pausedText() {
        const paused = this.state.data.paused;
        return _t(
            "by %(user)s on %(date)s: the workers wait; Transfer Now and Retry on chosen invoices still work.",
            {user: paused.by, date: this.formatWhen(paused.at)}
        );
    }

    get paceText() {
        const pace = this.state.data.pace_per_minute;
        return pace ? _t("(limit: %s)", formatInteger(pace)) : false;
    }

    windowText(window) {
        const until = this.formatWhen(window.next_change);
        if (window.open) {
            return _t("%(company)s: working hours, until %(until)s", {
                company: window.company,
                until,
            });
        }
        return _t(
            "%(company)s: outside working hours, %(count)s invoices wait until %(until)s",
            {company: window.company, count: formatInteger(window.waiting), until}
        );
    }

    /** Check every transferred invoice now (the weekly check, at once). */
    async check() {
        const action = await this.orm.call(
            "account.move",
            "action_tal_transfer_check",
            []
        );
        await this.action.doAction(action);
    }

    get eta() {
        const eta = this.state.data.eta;
        return eta ? formatDateTime(deserializeDateTime(eta)) : false;
    }

    get nextRun() {
        const nextRun = this.state.data.next_run;
        return nextRun ? formatDateTime(deserializeDateTime(nextRun)) : false;
    }

    get stateCards() {
        const {counts, labels} = this.state.counts;
        const active = new Set(this.activeStates());
        return STATES.map((key) => ({
            key,
            label: labels[key],
            count: formatInteger(counts[key]),
            empty: !counts[key],
            active: active.has(key),
        }));
    }

    get doneTitle() {
        return _t(
            "Invoices whose files are all in the document app now. An invoice that gets a new file leaves this card until that file is transferred; the run history keeps counting its first transfer."
        );
    }

    get percentDone() {
        return formatFloat(this.state.counts.percent_done, {digits: [16, 1]});
    }

    get rate() {
        return formatFloat(this.state.data.rate_per_minute, {digits: [16, 1]});
    }

    stateFilters() {
        return this.env.searchModel.getSearchItems(
            (item) =>
                item.type === "filter" &&
                STATES.map((s) => `filter_${s}`).includes(item.name)
        );
    }

    activeStates() {
        return this.stateFilters()
            .filter((item) => item.isActive)
            .map((item) => item.name.replace("filter_", ""));
    }

    /** A second click on the only active card shows every state again. */
    filterState(state) {
        const active = this.activeStates();
        this.showStates(active.length === 1 && active[0] === state ? [] : [state]);
    }

    /**
     * The list shows these states ([] for all) and keeps every other filter.
     * @param {String[]} states
     */
    showStates(states) {
        const searchModel = this.env.searchModel;
        const items = this.stateFilters();
        const wanted = items.filter((item) =>
            states.includes(item.name.replace("filter_", ""))
        );
        const current = items.filter((item) => item.isActive);
        const same =
            wanted.length === current.length && wanted.every((item) => item.isActive);
        if (same) {
            // Nothing to change in the search: the records did change.
            this.props.list.model.load();
            this.load();
            return;
        }
        const ids = new Set(items.map((item) => item.id));
        searchModel.query = searchModel.query.filter((el) => !ids.has(el.searchItemId));
        const last = wanted.pop();
        for (const item of wanted) {
            searchModel.query.push({searchItemId: item.id});
        }
        if (last) {
            searchModel.toggleSearchItem(last.id);
        } else {
            searchModel._notify();
        }
    }

    filterErrorKind(group) {
        const searchModel = this.env.searchModel;
        const field = searchModel
            .getSearchItems(
                (item) =>
                    item.type === "field" &&
                    item.fieldName === "tal_transfer_error_kind"
            )
            .at(0);
        if (field && group.kind) {
            // One error group at a time: replace the previous one, if any.
            searchModel.query = searchModel.query.filter(
                (el) => el.searchItemId !== field.id
            );
            searchModel.addAutoCompletionValues(field.id, {
                label: group.label,
                operator: "=",
                value: group.kind,
            });
        }
        this.showStates(["failed"]);
    }
}
