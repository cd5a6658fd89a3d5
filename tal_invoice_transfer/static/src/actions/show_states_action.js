import {registry} from "@web/core/registry";

/**
 * After Transfer Now, Retry or Exclude: the progress list, when it is on
 * screen, shows the invoices' new states and keeps the user's other filters
 * (see TalTransferDashboard.showStates); any other screen (an invoice's form)
 * reloads. With `close`, the dialog that asked (the Exclude wizard) closes.
 */
function showStates(env, action) {
    const {states, close} = action.params || {};
    const detail = {states: states || [], handled: false};
    env.bus.trigger("TAL_TRANSFER:SHOW_STATES", detail);
    if (close) {
        return {type: "ir.actions.act_window_close"};
    }
    return detail.handled ? undefined : {type: "ir.actions.client", tag: "soft_reload"};
}

registry.category("actions").add("tal_transfer_show_states", showStates);
