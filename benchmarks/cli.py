"""The benchmark's command line (`python -m benchmarks SUB-COMMAND`; see
benchmarks/README.md). Every sub-command runs in its own process (Odoo's
registry is per process, and peak RSS must be the worker's own).

    run [--sizes 1000,10000,100000] [--quick] [--sample M]   the benchmark
    one --size N [--limit M] [--profile] [--sqlstats]        one measurement by hand
    render                      ratios and Markdown of results/latest.json again
    template [--rebuild]        build the template database once
    prepare --size N            clone N invoices into tal_bench_n<N>
    transfer ...                one transfer worker (used by `run`)
    commit ...                  one-row INSERT + COMMIT loop (used by `run`)
    xmlrpc ...                  the old script's work over XML-RPC (used by `run`)
"""

import argparse
import json
import os
import subprocess
import time
from datetime import datetime

from .backlog import cmd_prepare, cmd_template, snapshot_addons
from .measure import commit_ceiling, run_workers
from .report import ratios, render_markdown, save
from .settings import DATA_DIR, RESULTS, bench_cmd, log
from .worker import cmd_commit, cmd_transfer
from .xmlrpc_client import cmd_xmlrpc, run_xmlrpc


def cmd_run(args):
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([1000] if args.quick else [1000, 10000, 100000])
    )
    sample = args.sample if args.sample is not None else (1000 if args.quick else 3000)
    variants = args.variants.split(",")
    xml_sample = args.xmlrpc_sample or (30 if args.quick else 100)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = os.path.join(DATA_DIR, "runs", stamp)
    os.makedirs(workdir, exist_ok=True)
    t_run = time.perf_counter()
    addon_hash = snapshot_addons()
    subprocess.run(
        bench_cmd("template") + (["--rebuild"] if args.rebuild else []),
        check=True,
    )
    report = {
        "started": stamp,
        "addon_hash": addon_hash,
        "machine": {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg()},
        "args": vars(args),
        "sample": sample,
        "sizes": sizes,
        "runs": [],
        "references": {},
    }

    def rec(agg, size):
        agg["size"] = size
        report["runs"].append(agg)
        save(report)

    for size in sizes:
        subprocess.run(
            bench_cmd("prepare", "--size", str(size))
            + (["--rebuild"] if args.rebuild else []),
            check=True,
        )
        src = f"tal_bench_n{size}"
        limit = size if sample == 0 else min(size, sample)
        for variant in variants:
            for target in ("dms", "documents"):
                rec(
                    run_workers(
                        src,
                        target,
                        variant,
                        limit,
                        1,
                        "cron",
                        workdir,
                        f"{target}_{variant}_{size}_cron",
                    ),
                    size,
                )
        if size == sizes[-1] or args.quick:
            for variant in variants:
                for workers in (1, 2):
                    rec(
                        run_workers(
                            src,
                            "dms",
                            variant,
                            limit,
                            workers,
                            "direct",
                            workdir,
                            f"dms_{variant}_{size}_direct_w{workers}",
                        ),
                        size,
                    )
    ref_db = f"tal_bench_n{sizes[0]}"
    log("reference: commit ceiling")
    report["references"]["commit_1"] = commit_ceiling(ref_db, workdir, 3000, 1)
    report["references"]["commit_2"] = commit_ceiling(ref_db, workdir, 3000, 2)
    for target in ("dms", "documents"):
        log(f"reference: XML-RPC client, {target}, {xml_sample} invoices")
        report["references"][f"xmlrpc_{target}"] = run_xmlrpc(
            ref_db, target, xml_sample, workdir
        )
    report["seconds_total"] = round(time.perf_counter() - t_run, 1)
    report["machine"]["load_avg_end"] = os.getloadavg()
    report["ratios"] = ratios(report)
    save(report)
    print(render_markdown(report))


def cmd_render(args):
    """Recompute the ratios and the Markdown of results/latest.json."""
    with open(os.path.join(RESULTS, "latest.json")) as f:
        report = json.load(f)
    report["ratios"] = ratios(report)
    save(report)
    print(render_markdown(report))


def cmd_one(args):
    snapshot_addons()
    subprocess.run(bench_cmd("template"), check=True)
    subprocess.run(bench_cmd("prepare", "--size", str(args.size)), check=True)
    workdir = os.path.join(DATA_DIR, "runs", "one")
    os.makedirs(workdir, exist_ok=True)
    label = f"{args.target}_{args.variant}_{args.size}_{args.mode}_w{args.workers}"
    agg = run_workers(
        f"tal_bench_n{args.size}",
        args.target,
        args.variant,
        args.limit,
        args.workers,
        args.mode,
        workdir,
        label,
        profile=args.profile,
        keep=args.keep,
        sqlstats=args.sqlstats,
    )
    agg.pop("workers_detail")
    print(json.dumps(agg))


def main():
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--sizes")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--sample", type=int, help="invoices measured per size (0: all)")
    p.add_argument("--variants", default="stock", choices=["stock"])
    p.add_argument("--xmlrpc-sample", type=int)
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("render")
    p.set_defaults(func=cmd_render)
    p = sub.add_parser("template")
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_template)
    p = sub.add_parser("prepare")
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--rebuild", action="store_true")
    p.set_defaults(func=cmd_prepare)
    p = sub.add_parser("transfer")
    p.add_argument("--db", required=True)
    p.add_argument("--variant", default="stock", choices=["stock"])
    p.add_argument("--limit", type=int)
    p.add_argument("--mode", choices=["cron", "direct"], default="cron")
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--start-file")
    p.add_argument("--profile")
    p.add_argument("--sqlstats")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_transfer)
    p = sub.add_parser("commit")
    p.add_argument("--db", required=True)
    p.add_argument("--count", type=int, default=3000)
    p.add_argument("--worker", type=int, default=0)
    p.add_argument("--start-file")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_commit)
    p = sub.add_parser("xmlrpc")
    p.add_argument("--db", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--sample", type=int, default=50)
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_xmlrpc)
    p = sub.add_parser("one")  # one measurement, for profiling by hand
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--target", default="dms")
    p.add_argument("--variant", default="stock", choices=["stock"])
    p.add_argument("--limit", type=int, default=500)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--mode", default="cron")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--sqlstats", action="store_true")
    p.add_argument("--keep", action="store_true")
    p.set_defaults(func=cmd_one)
    args = parser.parse_args()
    args.func(args)
