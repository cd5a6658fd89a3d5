"""The PDF benchmark's report (benchmarks/pdf.py): ratios, goals,
results/pdf_latest.json and its Markdown rendering results/pdf_latest.md."""

import json
import os

from .settings import RESULTS

# Goals (on this 2-core machine).
GOAL_VS_FLOOR = 1.15  # addon ms/invoice / Odoo's batch render's
GOAL_VS_SINGLE = 10  # one render per invoice / the addon
GOAL_2_VS_1 = 1.8
GOAL_UNPATCHED = 1.15  # addon / one per invoice, both with Debian's wkhtmltopdf


def _run(report, target, size, workers, unpatched=False):
    for r in report["runs"]:
        if (
            (r["target"], r["size"], r["workers"]) == (target, size, workers)
            and bool(r.get("unpatched")) == unpatched
            and not r.get("stalled")
            and not r.get("as_shipped")
        ):
            return r
    return None


def ratios(report):
    """{name: value}; report["goals"]: [(name, value, wanted, met)]."""
    out, goals = {}, []
    direct = report.get("direct", {})
    targets = report["plan"].get("targets", ())
    single = direct.get("single_patched")
    for size in report["sizes"]:
        # Odoo's batch render costs the same per invoice at any size: a size
        # without its own floor (--pdf-floor-sizes) is set against the
        # smallest size's.
        floor_size = size
        if f"floor_{size}_b{report['floor_batch']}" not in direct:
            floor_size = report["sizes"][0]
        floor = direct.get(f"floor_{floor_size}_b{report['floor_batch']}")
        same = direct.get(f"floor_{floor_size}_b{report['addon_pdf_batch']}")
        send = direct.get(f"floor_{floor_size}_b{report['floor_batch']}_send")
        for target in targets:
            w1, w2 = (_run(report, target, size, w) for w in (1, 2))
            key = f"{target}/{size}"
            if w1 and floor:
                value = out[f"{key}/vs_floor"] = round(
                    w1["ms_per_invoice"] / floor["ms_per_invoice"], 2
                )
                goals.append(
                    (
                        f"{target} at {size:,}, 1 worker / Odoo's batch render "
                        f"({report['floor_batch']} per run"
                        + (f", at {floor_size:,}" if floor_size != size else "")
                        + "), ms per invoice",
                        value,
                        f"<= {GOAL_VS_FLOOR}",
                        value <= GOAL_VS_FLOOR,
                    )
                )
                if "cpu_all_ms_per_invoice" in w1:
                    out[f"{key}/cpu_vs_floor"] = round(
                        w1["cpu_all_ms_per_invoice"] / floor["cpu_ms_per_invoice"], 2
                    )
            if w1 and same and same is not floor:
                out[f"{key}/vs_floor_same_batch"] = round(
                    w1["ms_per_invoice"] / same["ms_per_invoice"], 2
                )
            if w1 and send:
                out[f"{key}/vs_floor_with_send_step"] = round(
                    w1["ms_per_invoice"] / send["ms_per_invoice"], 2
                )
            if w1 and single:
                value = out[f"{key}/x_vs_single"] = round(
                    single["ms_per_invoice"] / w1["ms_per_invoice"], 1
                )
                goals.append(
                    (
                        f"{target} at {size:,}: one render per invoice / the addon "
                        "(1 worker)",
                        value,
                        f">= {GOAL_VS_SINGLE}",
                        value >= GOAL_VS_SINGLE,
                    )
                )
            if w1 and w2:
                value = out[f"{key}/2_workers_vs_1"] = round(
                    w2["invoices_per_s"] / w1["invoices_per_s"], 2
                )
                goals.append(
                    (
                        f"{target} at {size:,}: 2 workers / 1",
                        value,
                        f">= {GOAL_2_VS_1}",
                        value >= GOAL_2_VS_1,
                    )
                )
        if floor and same and same is not floor:
            key = (
                f"floor/{size}/b{report['addon_pdf_batch']}_vs_b{report['floor_batch']}"
            )
            out[key] = round(same["ms_per_invoice"] / floor["ms_per_invoice"], 2)
    if single and any(k.startswith("floor_") for k in direct):
        floor = direct[f"floor_{report['sizes'][0]}_b{report['floor_batch']}"]
        out["single_vs_floor"] = round(
            single["ms_per_invoice"] / floor["ms_per_invoice"], 1
        )
    unpatched = next((r for r in report["runs"] if r.get("unpatched")), None)
    single_u = direct.get("single_unpatched")
    if unpatched and single_u and not unpatched.get("stalled"):
        value = out["unpatched/addon_vs_single"] = round(
            unpatched["ms_per_invoice"] / single_u["ms_per_invoice"], 2
        )
        goals.append(
            (
                "Debian's wkhtmltopdf: the addon (1 worker) / one render per invoice",
                value,
                f"<= {GOAL_UNPATCHED}",
                value <= GOAL_UNPATCHED,
            )
        )
    memory = [v for k, v in direct.items() if k.startswith("memory_")]
    largest = max(memory, key=lambda v: v["batch"], default=None)
    for v in memory:
        out[f"memory/batch_{v['batch']}"] = {
            "ms_per_invoice": v["ms_per_invoice"],
            "vs_largest_batch": round(
                v["ms_per_invoice"] / largest["ms_per_invoice"], 2
            ),
            "wkhtmltopdf_peak_mb": v["wkhtmltopdf_peak_mb"],
            "odoo_peak_mb": v["rss_peak_mb"],
        }
    stalled = [r["label"] for r in report["runs"] if r.get("stalled")]
    if stalled:
        goals.append(
            (
                f"scheduler runs that stalled ({', '.join(stalled)})",
                len(stalled),
                "= 0",
                False,
            )
        )
    report["goals"] = goals
    return out


def save(report):
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "pdf_latest.json"), "w") as f:
        json.dump(report, f, indent=1, default=str)
    with open(os.path.join(RESULTS, "pdf_latest.md"), "w") as f:
        f.write(render_markdown(report))


def _load(report):
    m = report["machine"]
    text = "load average (1 min) at start {:.2f}".format(m["load_avg_start"][0])
    if "load_avg_end" in m:
        text += ", at end {:.2f}".format(m["load_avg_end"][0])
    return text


def _what(r):
    return (
        r["target"]
        + (" (Debian wkhtmltopdf)" if r.get("unpatched") else "")
        + (" (the addon as shipped: no --pdf-set)" if r.get("as_shipped") else "")
    )


def _run_row(r):
    w = r.get("watch", {})
    if r.get("stalled"):
        return (
            f"| {_what(r)} | {r['size']:,} | {r['workers']} | STALLED: {r['stalled']}; "
            f"{r.get('done_before_stall', '?')} done before (failed "
            f"{r.get('failed_before_stall', '?')}, PDF errors {r.get('pdf_errors', '?')}), "
            f"{r.get('ms_per_invoice_while_moving')} ms/inv from the first to the last "
            f"| | | | | {w.get('wkhtmltopdf_peak_mb')} ({w.get('wkhtmltopdf_peak_all_mb')}) "
            f"| {w.get('wkhtmltopdf_runs_seen')} | | | {r['load_avg'][0]:.1f} |"
        )
    rss = ", ".join(f"{x['peak_mb']:.0f}" for x in r["rss"])
    return (
        f"| {_what(r)} "
        f"| {r['invoices']:,} | {r['workers']} ({r['servers']}×{r['cron_threads']}) "
        f"| {r['seconds']} | {r['ms_per_invoice']} | {r['invoices_per_s']} "
        f"| {r['odoo_cpu_ms_per_invoice']} + {r.get('wkhtmltopdf_cpu_ms_per_invoice', '?')} "
        f"+ {r['pg_cpu_ms_per_invoice']} | {rss} | {w.get('wkhtmltopdf_peak_mb')} "
        f"({w.get('wkhtmltopdf_peak_all_mb')}) | {w.get('wkhtmltopdf_runs_seen')} "
        f"| {r['done']}/{r['failed']}/{r['pdfs_made']}/{r['documents']} "
        f"| {r['styled_sample']} | {r['load_avg'][0]:.1f} |"
    )


def _direct_row(name, d):
    return (
        f"| {name} | {d['invoices']:,} | {d['seconds']} | {d['ms_per_invoice']} "
        f"| {d['odoo_cpu_ms_per_invoice']} + {d['wkhtmltopdf_cpu_ms_per_invoice']} + "
        f"{d['pg_cpu_ms_per_invoice']} | {d['rss_start_mb']:.0f} → {d['rss_peak_mb']:.0f} "
        f"| {d['wkhtmltopdf_peak_mb']:.0f} | {d.get('styled', d.get('styled_sample'))} "
        f"| {d['wkhtmltopdf']['bin']} | {d['load_avg'][0]:.1f} |"
    )


def render_markdown(report):
    plan = report.get("plan", {})
    direct = report.get("direct", {})
    wk = report.get("wkhtmltopdf", {})
    lines = [
        f"# PDF benchmark, run {report['started']} ({plan.get('name', '?')})",
        "",
        f"Machine: {report['machine']['cpus']} CPUs, shared; {_load(report)}. "
        f"Addon source hash {report.get('addon_hash')}; its PDF batch "
        f"{report.get('addon_pdf_batch')}. wkhtmltopdf: {wk.get('patched')} "
        f"({wk.get('patched_version')}); {wk.get('unpatched')} "
        f"({wk.get('unpatched_version')}).",
        "",
    ]
    if report.get("constants_set"):
        lines += [
            "**Constants of the addon set by the benchmark (--pdf-set), in every "
            f"Odoo process:** `{json.dumps(report['constants_set'])}`",
            "",
        ]
    lines += [
        "Backlogs of customer invoices without files (each wants its official "
        "PDF). Through Odoo's scheduler: a fresh clone, the Parallel workers "
        "setting at N, real Odoo servers (servers × cron threads), the wall time "
        "from the trigger until no invoice is pending; the report's CSS served "
        "by the first server.",
        "",
        "| target | invoices | workers | wall s | ms/inv | inv/s | CPU ms/inv "
        "Odoo + wkhtmltopdf + PG | server peak RSS MB | wkhtmltopdf peak MB "
        "(all at once) | wkhtmltopdf runs seen | done/failed/PDFs made/docs "
        "| styled (sample) | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *(_run_row(r) for r in report["runs"]),
        "",
    ]
    seen = [
        r for r in report["runs"] if r.get("watch", {}).get("invoices_per_run_seen")
    ]
    if seen:
        lines += [
            "Invoices per wkhtmltopdf run, as seen during the scheduler runs "
            "(invoices per run: runs): "
            + "; ".join(
                f"{r['label']}: "
                + ", ".join(
                    f"{k}: {v}" for k, v in r["watch"]["invoices_per_run_seen"].items()
                )
                for r in seen
            ),
            "",
        ]
    refs = [(k, v) for k, v in direct.items() if k.startswith(("floor_", "single_"))]
    if refs:
        lines += [
            "References, one Odoo process each on a fresh clone (no scheduler), "
            "the report's CSS from the asset server: Odoo's batch render "
            "(`account.move.send._prepare_invoice_pdf_report`, N invoices per "
            "call, nothing stored) and one render per invoice (N = 1).",
            "",
            "| reference | invoices | wall s | ms/inv | CPU ms/inv Odoo + "
            "wkhtmltopdf + PG | Odoo RSS start → peak MB | wkhtmltopdf peak MB "
            "| styled | wkhtmltopdf | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        names = {
            "single_patched": "one render per invoice",
            "single_unpatched": "one render per invoice, Debian's wkhtmltopdf",
        }
        for k, v in refs:
            name = names.get(k) or (
                f"Odoo's batch render, {v['batch']} per run"
                + (
                    " + Send's after-render step (Factur-X)"
                    if v.get("send_hook")
                    else ""
                )
                + f" ({k})"
            )
            lines.append(_direct_row(name, v))
        lines.append("")
    memory = [(k, v) for k, v in direct.items() if k.startswith("memory_")]
    if memory:
        lines += [
            "Memory per PDF batch size: the addon's scheduled action called "
            "directly in one process (no scheduler, so no job time budget), "
            "PDF_BATCH = PDF_CHUNK = N set in that process: PDFs made, stored "
            "and filed (Documents stand-in), one commit each.",
            "",
            "| batch | invoices | wall s | ms/inv | CPU ms/inv Odoo + wkhtmltopdf + "
            "PG | Odoo RSS start → peak MB | wkhtmltopdf peak MB | styled "
            "| wkhtmltopdf | load |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [_direct_row(str(v["batch"]), v) for _k, v in memory]
        lines.append("")
    if report.get("ratios"):
        lines += ["Ratios:", ""]
        lines += [f"- {k}: {v}" for k, v in report["ratios"].items()]
        lines.append("")
    if report.get("goals"):
        lines += ["| goal | value | wanted | met |", "|---|---|---|---|"]
        for name, value, wanted, met in report["goals"]:
            lines.append(f"| {name} | {value} | {wanted} | {'yes' if met else 'NO'} |")
        lines.append("")
    if "seconds_total" in report:
        lines.append(f"Total run time: {report['seconds_total']} s")
    return "\n".join(lines) + "\n"
