import {registry} from "@web/core/registry";
import {listView} from "@web/views/list/list_view";
import {ListController} from "@web/views/list/list_controller";
import {ListRenderer} from "@web/views/list/list_renderer";
import {TalTransferDashboard} from "./transfer_dashboard";

export class TalTransferListRenderer extends ListRenderer {
    static template = "tal_invoice_transfer.ListRenderer";
    static components = {...ListRenderer.components, TalTransferDashboard};
}

export class TalTransferListController extends ListController {
    /**
     * A monitoring screen: the invoices' own bound actions (Reverse, Confirm
     * Entries...) stay on the invoice lists; this one's are its buttons.
     */
    get actionMenuItems() {
        const items = super.actionMenuItems;
        const staticKeys = new Set(Object.keys(this.getStaticActionMenuItems()));
        return {
            ...items,
            action: items.action.filter((item) => staticKeys.has(item.key)),
        };
    }
}

export const talTransferListView = {
    ...listView,
    Controller: TalTransferListController,
    Renderer: TalTransferListRenderer,
};

registry.category("views").add("tal_transfer_list", talTransferListView);
