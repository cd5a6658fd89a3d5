import {registry} from "@web/core/registry";

const ROW = ".o_data_row:contains(Tour Failing Partner)";

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
            content: "Show the failed invoices",
            trigger: ".o_tal_card_failed",
            run: "click",
        },
        {
            content: "Select the failed invoice",
            trigger: `${ROW}:contains(Failed) .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Retry it",
            trigger: "button[name=action_tal_transfer_retry]",
            run: "click",
        },
        {
            content: "It is queued again",
            trigger: ".o_notification:contains(1 invoices queued)",
        },
        {
            content: "Show the pending invoices",
            trigger: ".o_tal_card_pending",
            run: "click",
        },
        {
            content: "Select the retried invoice",
            trigger: `${ROW}:contains(Pending) .o_list_record_selector input`,
            run: "click",
        },
        {
            content: "Transfer it now",
            trigger: "button[name=action_tal_transfer_now]",
            run: "click",
        },
        {
            content: "The transfer reports it done",
            trigger: ".o_notification:contains(1 transferred)",
        },
        {
            content: "Show the transferred invoices",
            trigger: ".o_tal_card_done",
            run: "click",
        },
        {
            content: "The invoice is transferred",
            trigger: `${ROW}:contains(Transferred)`,
        },
    ],
});
