import {registry} from "@web/core/registry";
import {listView} from "@web/views/list/list_view";
import {ListRenderer} from "@web/views/list/list_renderer";
import {TalTransferDashboard} from "./transfer_dashboard";

export class TalTransferListRenderer extends ListRenderer {
    static template = "tal_invoice_transfer.ListRenderer";
    static components = {...ListRenderer.components, TalTransferDashboard};
}

export const talTransferListView = {
    ...listView,
    Renderer: TalTransferListRenderer,
};

registry.category("views").add("tal_transfer_list", talTransferListView);
