import {Component} from "@odoo/owl";
import {registry} from "@web/core/registry";
import {useService} from "@web/core/utils/hooks";
import {standardFieldProps} from "@web/views/fields/standard_field_props";

/**
 * The transferred document's name as a link that opens the invoice's
 * documents (or its own files, for someone without rights on the app).
 */
export class TalTransferDocumentLink extends Component {
    static template = "tal_invoice_transfer.DocumentLinkField";
    static props = {...standardFieldProps};

    setup() {
        this.action = useService("action");
    }

    get value() {
        return this.props.record.data[this.props.name] || "";
    }

    async open() {
        const record = this.props.record;
        await this.action.doActionButton({
            type: "object",
            name: "action_tal_transfer_open_documents",
            resModel: record.resModel,
            resId: record.resId,
            context: record.context,
        });
    }
}

registry.category("fields").add("tal_transfer_document_link", {
    component: TalTransferDocumentLink,
    displayName: "Transferred document link",
    supportedTypes: ["char"],
});
