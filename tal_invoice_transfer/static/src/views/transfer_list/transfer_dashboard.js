import {Component, onWillStart, onWillUpdateProps, useState} from "@odoo/owl";
import {useService} from "@web/core/utils/hooks";
import {deserializeDateTime, formatDateTime} from "@web/core/l10n/dates";
import {formatFloat, formatInteger} from "@web/views/fields/formatters";

/**
 * Counts per state, share done, rate and estimated end, above the progress
 * list. A click on a state or an error group filters the list.
 */
export class TalTransferDashboard extends Component {
    static template = "tal_invoice_transfer.TransferDashboard";
    static props = {list: {type: Object, optional: true}};

    setup() {
        this.orm = useService("orm");
        this.state = useState({data: null});
        onWillStart(() => this.load());
        onWillUpdateProps(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call(
            "account.move",
            "tal_transfer_dashboard",
            []
        );
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
        const {counts, labels} = this.state.data;
        return ["pending", "failed", "done", "no_attachment", "excluded"].map(
            (key) => ({
                key,
                label: labels[key],
                count: formatInteger(counts[key]),
                empty: !counts[key],
            })
        );
    }

    get percentDone() {
        return formatFloat(this.state.data.percent_done, {digits: [16, 1]});
    }

    get rate() {
        return formatFloat(this.state.data.rate_per_minute, {digits: [16, 1]});
    }

    filterState(state) {
        this.applyFilters([`filter_${state}`]);
    }

    filterErrorKind(group) {
        const searchModel = this.env.searchModel;
        this.applyFilters(["filter_failed"]);
        const field = searchModel
            .getSearchItems(
                (item) =>
                    item.type === "field" &&
                    item.fieldName === "tal_transfer_error_kind"
            )
            .at(0);
        if (field && group.kind) {
            searchModel.addAutoCompletionValues(field.id, {
                label: group.label,
                operator: "=",
                value: group.kind,
            });
        }
    }

    applyFilters(names) {
        const searchModel = this.env.searchModel;
        searchModel.query = [];
        for (const item of searchModel.getSearchItems((item) =>
            names.includes(item.name)
        )) {
            searchModel.toggleSearchItem(item.id);
        }
    }
}
