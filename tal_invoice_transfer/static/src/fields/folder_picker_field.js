import {registry} from "@web/core/registry";
import {
    ReferenceField,
    referenceField,
} from "@web/views/fields/reference/reference_field";

/**
 * The settings' folder: a reference offering only the folders the target can
 * use, given by the settings' tal_transfer_folder_domain (a view cannot put a
 * domain on a reference field).
 */
export class TalTransferFolderPicker extends ReferenceField {
    get m2oProps() {
        return {
            ...super.m2oProps,
            domain: () => this.props.record.data.tal_transfer_folder_domain || [],
        };
    }
}

registry.category("fields").add("tal_transfer_folder_picker", {
    ...referenceField,
    component: TalTransferFolderPicker,
});
