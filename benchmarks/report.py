"""The benchmark's report: ratios between the runs and the references,
results/latest.json and its Markdown rendering results/latest.md."""

import json
import os

from .settings import RESULTS


def ratios(report):
    out = {}
    refs = report["references"]
    commit_ms = refs["commit_1"]["ms_per_commit"]
    sizes = report["sizes"]

    def find(target, variant, size, mode="cron", workers=1):
        for r in report["runs"]:
            if (r["target"], r["variant"], r["size"], r["mode"], r["workers"]) == (
                target,
                variant,
                size,
                mode,
                workers,
            ):
                return r
        return None

    for variant in {r["variant"] for r in report["runs"]}:
        for target in ("dms", "documents"):
            for size in sizes:
                r = find(target, variant, size)
                if not r:
                    continue
                key = f"{target}/{variant}/{size}"
                x = refs.get(f"xmlrpc_{target}")
                out[key] = {
                    "ms_per_invoice": r["ms_per_invoice"],
                    "x_vs_xmlrpc": round(x["ms_per_invoice"] / r["ms_per_invoice"], 1)
                    if x
                    else None,
                    "cost_vs_commit": round(r["ms_per_invoice"] / commit_ms, 1),
                }
            first, last = (
                find(target, variant, sizes[0]),
                find(target, variant, sizes[-1]),
            )
            if first and last and len(sizes) > 1:
                out[f"{target}/{variant}/cost_{sizes[-1]}_vs_{sizes[0]}"] = round(
                    last["ms_per_invoice"] / first["ms_per_invoice"], 2
                )
                if first.get("cpu_ms_per_invoice") and last.get("cpu_ms_per_invoice"):
                    out[f"{target}/{variant}/cpu_cost_{sizes[-1]}_vs_{sizes[0]}"] = (
                        round(
                            last["cpu_ms_per_invoice"] / first["cpu_ms_per_invoice"], 2
                        )
                    )
            stock = find(target, "stock", sizes[-1])
            mine = find(target, variant, sizes[-1])
            if (
                variant != "stock"
                and stock
                and mine
                and stock.get("cpu_ms_per_invoice")
            ):
                out[f"{target}/{variant}_vs_stock/{sizes[-1]}"] = {
                    "wall": round(mine["ms_per_invoice"] / stock["ms_per_invoice"], 2),
                    "cpu": round(
                        mine["cpu_ms_per_invoice"] / stock["cpu_ms_per_invoice"], 2
                    ),
                    "queries": round(
                        mine["queries_per_invoice"] / stock["queries_per_invoice"], 2
                    ),
                }
        for size in sizes:
            w1, w2 = (
                find("dms", variant, size, "direct", 1),
                find("dms", variant, size, "direct", 2),
            )
            if w1 and w2:
                out[f"dms/{variant}/{size}/2_workers_vs_1"] = round(
                    w2["invoices_per_s"] / w1["invoices_per_s"], 2
                )
    return out


def save(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "latest.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(render_markdown(report))


def render_markdown(report):
    lines = [
        f"# Transfer benchmark, run {report['started']}",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, load average at start "
        f"{report['machine']['load_avg_start'][0]:.2f}"
        + (
            f", at end {report['machine']['load_avg_end'][0]:.2f}"
            if "load_avg_end" in report["machine"]
            else ""
        )
        + f". Invoices measured per size: {report['sample'] or 'all'} "
        "(the first ones of the backlog, in date order).",
        "",
        "| run | size | workers | invoices | s | inv/s | ms/inv (wall) | CPU ms/inv Odoo+PG | queries/inv | "
        "RSS start→peak MB | candidates ms (first/last) | done/docs/files/failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["runs"]:
        cands = r.get("candidate_ms") or []
        cand = f"{cands[0][1]}/{cands[-1][1]}" if cands else "-"
        lines.append(
            f"| {r['target']} {r['variant']} {r['mode']} | {r['size']} | {r['workers']} | "
            f"{r['processed']} | {r['seconds']} | {r['invoices_per_s']} | {r['ms_per_invoice']} | "
            f"{r.get('odoo_cpu_ms_per_invoice', '-')}+{r.get('pg_cpu_ms_per_invoice', '-')} | "
            f"{r['queries_per_invoice']} | {r['rss_start_mb']}→{r['rss_peak_mb']} | {cand} | "
            f"{r['done']}/{r['documents']}/{r['files_of_done']}/{r['failed']} |"
        )
    refs = report.get("references", {})
    if refs:
        lines += ["", "References (same DB server, same run):", ""]
        for k in ("commit_1", "commit_2"):
            if k in refs:
                c = refs[k]
                lines.append(
                    f"- one-row INSERT + COMMIT, {c['clients']} client(s): "
                    f"{c['commits_per_s']}/s, {c['ms_per_commit']} ms each"
                )
        for k in ("xmlrpc_dms", "xmlrpc_documents"):
            if k in refs:
                x = refs[k]
                lines.append(
                    f"- XML-RPC client ({x['target']}), {x['sample']} invoices: "
                    f"{x['ms_per_invoice']:.1f} ms/invoice (median {x['median_ms']:.1f}), "
                    f"{x['invoices_per_s']:.1f}/s"
                )
    if report.get("ratios"):
        lines += ["", "Ratios:", ""]
        for k, v in report["ratios"].items():
            lines.append(f"- {k}: {v}")
    lines += [
        "",
        "Per-window cost (ms/invoice, queries/invoice) over the measured invoices:",
        "",
    ]
    for r in report["runs"]:
        if r.get("windows"):
            w = ", ".join(
                f"{x['ms_per_invoice']}/{x['queries_per_invoice']}"
                for x in r["windows"]
            )
            lines.append(f"- {r['label']}: {w}")
    lines += ["", "Candidate query (ms) by invoices already processed:", ""]
    for r in report["runs"]:
        c = r.get("candidate_ms")
        if c:
            picks = c if len(c) <= 8 else [c[i * (len(c) - 1) // 7] for i in range(8)]
            lines.append(
                f"- {r['label']}: " + ", ".join(f"@{i}: {ms}" for i, ms in picks)
            )
    if "seconds_total" in report:
        lines += ["", f"Total run time: {report['seconds_total']} s"]
    return "\n".join(lines) + "\n"
