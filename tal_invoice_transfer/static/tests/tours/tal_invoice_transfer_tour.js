import {registry} from "@web/core/registry";

const ROW = ".o_data_row:contains(Tour Failing Partner)";
const SELECTOR = ".o_list_record_selector input";

/** The search bar shows every facet of `present` and none of `absent`. */
export function assertFacets(present, absent) {
    const facets = [...document.querySelectorAll(".o_searchview_facet")].map(
        (facet) => facet.textContent
    );
    for (const label of present) {
        if (!facets.some((text) => text.includes(label))) {
            throw new Error(`No "${label}" facet in ${JSON.stringify(facets)}`);
        }
    }
    for (const label of absent) {
        if (facets.some((text) => text.includes(label))) {
            throw new Error(`A "${label}" facet remains in ${JSON.stringify(facets)}`);
        }
    }
}

registry.category("web_tour.tours").add("tal_invoice_transfer_tour", {
    steps: () => [
        {
            content: "The dashboard counts the failed invoice",
            trigger: ".o_tal_card_failed:contains(1)",
        },
        {
            content: "Its error is listed among the groups that need a person",
            trigger: ".o_tal_failed_group:contains(No DMS directory is set)",
        },
        {
            content: "The vendor bill waits",
            trigger: ".o_tal_card_pending:contains(1)",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Only customer invoices",
            trigger: ".o_menu_item:contains(Customer Invoices)",
            run: "click",
        },
        {
            content: "The cards follow the search: no customer invoice waits",
            trigger: ".o_tal_card_pending:contains(0)",
        },
        {
            content: "Show the failed invoices",
            trigger: ".o_tal_card_failed",
            run() {
                // The list reloads after the click, its rows looking the
                // same: they are marked, so that the next steps wait for the
                // rows of the reloaded list (a row selected before the
                // reload is no longer selected after it).
                for (const row of document.querySelectorAll(".o_data_row")) {
                    row.classList.add("o_tal_tour_before_reload");
                }
                document.querySelector(".o_tal_card_failed").click();
            },
        },
        {
            content: "The user's filter is kept",
            trigger: ".o_searchview_facet:contains(Failed)",
            run() {
                assertFacets(["Customer Invoices", "Failed"], []);
            },
        },
        {
            content: "Select the failed invoice",
            trigger: `${ROW}:not(.o_tal_tour_before_reload):contains(Failed) ${SELECTOR}`,
            run: "click",
        },
        {
            content: "Reverse and Confirm Entries are not offered here",
            trigger: ".o_cp_action_menus button:contains(Actions)",
            run: "click",
        },
        {
            content: "Only the list's own actions",
            trigger: ".o-dropdown--menu .o-dropdown-item:contains(Export)",
            run() {
                const menu = document.querySelector(".o-dropdown--menu").textContent;
                for (const forbidden of ["Reverse", "Confirm Entries"]) {
                    if (menu.includes(forbidden)) {
                        throw new Error(
                            `"${forbidden}" is offered on the progress list`
                        );
                    }
                }
            },
        },
        {
            content: "Close the menu",
            trigger: ".o_cp_action_menus button:contains(Actions)",
            run: "click",
        },
        {
            content: "Retry it",
            trigger: "button[name=action_tal_transfer_retry_now]",
            run: "click",
        },
        {
            content: "It is transferred at once",
            trigger: ".o_notification:contains(1 transferred)",
        },
        {
            content: "The list shows it in its new state, still customer invoices only",
            trigger: `${ROW}:contains(Transferred)`,
            run() {
                assertFacets(["Customer Invoices"], ["Failed"]);
            },
        },
        {
            content:
                "The invoice is transferred, with a link to its document (which this user may not read)",
            trigger: `${ROW}:contains(Transferred) .o_tal_document_link:contains(Restricted document)`,
            run: "click",
        },
        {
            content: "The invoice's own file opens instead",
            trigger: ".o_list_view .o_data_row:contains(invoice.pdf)",
        },
    ],
});
