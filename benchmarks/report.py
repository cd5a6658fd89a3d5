"""The benchmark's report: ratios and goals from the runs through the
scheduler and the references, results/latest.json and its Markdown
rendering results/latest.md."""

import json
import os

from .settings import RESULTS

TARGETS = ("dms", "documents")
# Goals of issue 12 (on this 2-core machine).
GOAL_2_VS_1 = 1.8
GOAL_4_VS_2 = 1.0
GOAL_COST_GROWTH = 1.1
GOAL_DMS_MS = 25  # at 100,000 invoices


def find(report, target, size, workers):
    for r in report["runs"]:
        if (r["target"], r["size"], r["workers"]) == (target, size, workers):
            return r
    return None


def ratios(report):
    """{name: value} and the goals [(name, value, goal text, met)]."""
    out, goals = {}, []
    refs = report.get("references", {})
    sizes = report["sizes"]
    for target in TARGETS:
        for size in sizes:
            w1, w2, w4 = (find(report, target, size, w) for w in (1, 2, 4))
            if w1:
                out[f"{target}/{size}/ms_per_invoice"] = w1["ms_per_invoice"]
            if w1 and w2:
                out[f"{target}/{size}/2_workers_vs_1"] = round(
                    w2["invoices_per_s"] / w1["invoices_per_s"], 2
                )
            if w2 and w4:
                out[f"{target}/{size}/4_workers_vs_2"] = round(
                    w4["invoices_per_s"] / w2["invoices_per_s"], 2
                )
        for key, goal, text in (
            ("2_workers_vs_1", GOAL_2_VS_1, f">= {GOAL_2_VS_1}"),
            ("4_workers_vs_2", GOAL_4_VS_2, f">= {GOAL_4_VS_2} (no slower)"),
        ):
            for size in sizes:
                value = out.get(f"{target}/{size}/{key}")
                if value is not None:
                    goals.append(
                        (f"{target} {key} at {size:,}", value, text, value >= goal)
                    )
        first, last = (
            find(report, target, sizes[0], 1),
            find(report, target, sizes[-1], 1),
        )
        if first and last and sizes[-1] != sizes[0]:
            key = f"{target}/cost_{sizes[-1]}_vs_{sizes[0]}"
            out[key] = round(last["ms_per_invoice"] / first["ms_per_invoice"], 2)
            out[f"{target}/cpu_cost_{sizes[-1]}_vs_{sizes[0]}"] = round(
                last["cpu_ms_per_invoice"] / first["cpu_ms_per_invoice"], 2
            )
            goals.append(
                (
                    f"{target} ms/invoice at {sizes[-1]:,} / at {sizes[0]:,}",
                    out[key],
                    f"<= {GOAL_COST_GROWTH}",
                    out[key] <= GOAL_COST_GROWTH,
                )
            )
        if last and target == "dms" and sizes[-1] >= 100000:
            goals.append(
                (
                    f"dms ms/invoice at {sizes[-1]:,} (1 worker)",
                    last["ms_per_invoice"],
                    f"<= {GOAL_DMS_MS}",
                    last["ms_per_invoice"] <= GOAL_DMS_MS,
                )
            )
        if last:
            for ref in ("peer", "xmlrpc"):
                r = refs.get(f"{ref}_{target}")
                if r:
                    out[f"{target}/x_vs_{ref}"] = round(
                        r["ms_per_invoice"] / last["ms_per_invoice"], 2
                    )
            if f"{target}/x_vs_peer" in out:
                value = out[f"{target}/x_vs_peer"]
                goals.append(
                    (
                        f"{target}: addon faster than the shell loop",
                        value,
                        "> 1",
                        value > 1,
                    )
                )
    busy = sum(r["busy_failed"] for r in report["runs"])
    out["invoices_failed_on_a_lock"] = busy
    goals.append(("invoices failed on a lock, all runs", busy, "= 0", busy == 0))
    report["goals"] = goals
    return out


def save(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(render_markdown(report))


def _load(report):
    m = report["machine"]
    text = "load average (1 min) at start {:.2f}".format(m["load_avg_start"][0])
    if "load_avg_end" in m:
        text += ", at end {:.2f}".format(m["load_avg_end"][0])
    return text


def _run_row(r):
    rss = ", ".join(f"{x['end_mb']:.0f} ({x['peak_mb']:.0f})" for x in r["rss"])
    return (
        f"| {r['target']} | {r['invoices']:,} | {r['workers']} "
        f"({r['servers']}×{r['cron_threads']}) | {r['seconds']} | {r['invoices_per_s']} | "
        f"{r['ms_per_invoice']} | {r['first_invoice_s']} | "
        f"{r['odoo_cpu_ms_per_invoice']}+{r['pg_cpu_ms_per_invoice']} | {rss} | "
        f"{'/'.join(str(j) for j in r['jobs_per_server'])} | "
        f"{r['done']}/{r['failed']}/{r['busy_failed']} | "
        f"{r['documents']}/{r['files_of_done']} | {r['load_avg'][0]:.1f} |"
    )


def render_markdown(report):
    plan = report.get("plan", {})
    lines = [
        f"# Transfer benchmark, run {report['started']} ({plan.get('name', '?')})",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, shared; {_load(report)}. "
        f"Addon source hash {report.get('addon_hash')}."
        + (
            f" Resumed at {', '.join(report['resumed'])} (its process was killed;"
            " each measurement is independent, on a fresh clone)."
            if report.get("resumed")
            else ""
        )
        + "".join(
            f" Sizes {', '.join(f'{n:,}' for n in x['sizes'])} measured again at"
            f" {x['at']}."
            for x in report.get("remeasured", ())
        ),
        "",
        "Every run below goes through Odoo's scheduler: a fresh clone of the "
        "backlog, the Parallel workers setting at N, real Odoo servers "
        "(servers × cron threads), the N scheduled actions triggered, and the "
        "wall time until no invoice is pending.",
        "",
        "| target | invoices | workers (servers×threads) | wall s | inv/s | ms/inv | "
        "1st invoice s | CPU ms/inv Odoo+PG | RSS end (peak) MB per server | "
        "jobs per server | done/failed/failed on a lock | docs/files of done | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(_run_row(r) for r in report["runs"]),
        "",
        "Rate over time (invoices/s in 10 successive slices of each run's wall time):",
        "",
    ]
    for r in report["runs"]:
        lines.append(
            f"- {r['label']}: " + ", ".join(str(x) for x in r.get("rate_windows", []))
        )
    if any(len(r.get("tries", ())) > 1 for r in report["runs"]):
        lines += [
            "",
            "Each run measured several times, the fastest kept (inv/s of each try):",
            "",
        ]
        lines += [f"- {r['label']}: {r['tries']}" for r in report["runs"]]
    refs = report.get("references", {})
    if refs:
        lines += ["", "References (same PostgreSQL server, same run):", ""]
        for k in ("commit_1", "commit_2"):
            if k in refs:
                c = refs[k]
                lines.append(
                    f"- one-row INSERT + COMMIT, {c['clients']} client(s): "
                    f"{c['commits_per_s']}/s, {c['ms_per_commit']} ms each"
                )
        for target in TARGETS:
            p = refs.get(f"peer_{target}")
            if p:
                lines.append(
                    f"- `odoo shell` loop ({target}), first {p['sample']} invoices of "
                    f"{p['backlog']}: {p['ms_per_invoice']} ms/invoice, "
                    f"{p['invoices_per_s']}/s, Odoo CPU {p['odoo_cpu_ms_per_invoice']} "
                    f"ms/inv; done/docs/files {p['done']}/{p['documents']}/"
                    f"{p['files_of_done']}"
                )
            x = refs.get(f"xmlrpc_{target}")
            if x:
                lines.append(
                    f"- XML-RPC client ({target}), {x['sample']} invoices: "
                    f"{x['ms_per_invoice']:.1f} ms/invoice (median {x['median_ms']:.1f}), "
                    f"{x['invoices_per_s']:.1f}/s"
                )
    if report.get("ratios"):
        lines += ["", "Ratios:", ""]
        lines += [f"- {k}: {v}" for k, v in report["ratios"].items()]
    if report.get("goals"):
        lines += ["", "| goal | value | wanted | met |", "|---|---|---|---|"]
        for name, value, wanted, met in report["goals"]:
            lines.append(f"| {name} | {value} | {wanted} | {'yes' if met else 'NO'} |")
    if "seconds_total" in report:
        lines += ["", f"Total run time: {report['seconds_total']} s"]
    return "\n".join(lines) + "\n"
