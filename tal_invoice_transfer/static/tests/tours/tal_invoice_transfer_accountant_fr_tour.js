import {assertFacets} from "./tal_invoice_transfer_tour";
import {registry} from "@web/core/registry";

/**
 * An accounting administrator, in French, with no other right: from the apps
 * menu to a failed invoice, which they retry from its tab, then an invoice
 * they exclude with a reason.
 */
registry.category("web_tour.tours").add("tal_invoice_transfer_accountant_fr_tour", {
    steps: () => [
        {
            content: "Open the apps",
            trigger: ".o_navbar_apps_menu button",
            run: "click",
        },
        {
            content: "Invoicing",
            trigger: ".o_app[data-menu-xmlid='account.menu_finance']",
            run: "click",
        },
        {
            content: "Reporting",
            trigger: "button[data-menu-xmlid='account.menu_finance_reports']",
            run: "click",
        },
        {
            content: "Invoice Files Transfer > Progress",
            trigger:
                ".dropdown-item[data-menu-xmlid='tal_invoice_transfer.account_move_menu_transfer']:contains(Avancement)",
            run: "click",
        },
        {
            content: "The failed invoice is counted, in French",
            trigger: ".o_tal_card_failed:contains(1):contains(En échec)",
        },
        {
            content: "Its error is said in French",
            trigger: ".o_tal_failed_group:contains(Aucun répertoire DMS)",
        },
        {
            content: "Show the failed invoices",
            trigger: ".o_tal_card_failed",
            run: "click",
        },
        {
            content: "Open the failed invoice",
            trigger: ".o_data_row:contains(Tour Failing Partner) td[name=partner_id]",
            run: "click",
        },
        {
            content: "Its Files Transfer tab",
            trigger:
                ".o_notebook a.nav-link[name=tal_transfer]:contains(Transfert des fichiers)",
            run: "click",
        },
        {
            content: "The error, in French",
            trigger:
                ".o_field_widget[name=tal_transfer_error_display]:contains(définissez-en un dans Facturation)",
        },
        {
            content: "Retry, from the tab",
            trigger: ".o_notebook button[name=action_tal_transfer_retry_now]",
            run: "click",
        },
        {
            content: "Transferred at once",
            trigger: ".o_notification:contains(1 transférées)",
        },
        {
            content: "The tab says so",
            trigger: ".o_field_widget[name=tal_transfer_state]:contains(Transféré)",
        },
        {
            content: "Back to the progress list",
            trigger: ".o_breadcrumb .o_back_button, .breadcrumb-item:not(.active) a",
            run: "click",
        },
        {
            content: "Every invoice",
            trigger: ".o_searchview_facet:contains(En échec) .o_facet_remove",
            run: "click",
        },
        {
            content: "Select the waiting invoice",
            trigger:
                ".o_data_row:contains(Tour Waiting Partner) .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Exclude it",
            trigger: ".o_control_panel button[name=action_tal_transfer_exclude_wizard]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Doublon de la facture 12",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Excluded",
            trigger: ".o_notification:contains(1 factures exclues du transfert)",
        },
        {
            content: "The list shows the excluded invoices",
            trigger: ".o_data_row:contains(Tour Waiting Partner):contains(Exclue)",
            run() {
                assertFacets(["Exclue"], ["En échec"]);
            },
        },
    ],
});
