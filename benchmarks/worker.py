"""Processes measured outside the scheduler, each writing its figures as JSON
to `--out`: the profiling run's transfer process inside Odoo (`transfer`:
the scheduled action's method called directly with the scheduler's context,
NOT the scheduler path) and the commit ceiling's client (`commit`)."""

import json
import resource
import time

from harness_tools import addon
from harness_tools.in_odoo import open_registry, ready_then_wait, superuser_env
from harness_tools.procs import proc_cpu_s, proc_status_kb

from .backlog import ensure_stock_addons
from .settings import DATA_DIR


def cmd_transfer(args):
    registry = open_registry(args.db, ensure_stock_addons(), DATA_DIR)
    import odoo.sql_db as sql_db

    sqlstats = {}
    if args.sqlstats:
        import re

        orig_execute = sql_db.Cursor.execute
        norm = re.compile(r"\b\d+\b|'[^']*'")

        def execute(self, query, params=None, log_exceptions=True):
            t = time.perf_counter()
            try:
                return orig_execute(self, query, params, log_exceptions)
            finally:
                key = norm.sub("?", getattr(query, "code", None) or str(query))[:300]
                key = re.sub(r'SAVEPOINT "[^"]*"', "SAVEPOINT x", key)
                key = re.sub(
                    r'(RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT) "[^"]*"', r"\1 x", key
                )
                n, total = sqlstats.get(key, (0, 0.0))
                sqlstats[key] = (n + 1, total + time.perf_counter() - t)

        sql_db.Cursor.execute = execute

    engine = addon.engine_class(registry)
    marks, candidate_times = [], []
    orig_candidates = getattr(engine, addon.CANDIDATES_METHOD)
    orig_process = getattr(engine, addon.PROCESS_METHOD)

    def timed_candidates(self, *a, **kw):
        t0 = time.perf_counter()
        result = orig_candidates(self, *a, **kw)
        candidate_times.append((len(marks), (time.perf_counter() - t0) * 1000))
        return result

    def marked_process(self, *a, **kw):
        marks.append((time.perf_counter(), sql_db.sql_counter))
        return orig_process(self, *a, **kw)

    setattr(engine, addon.CANDIDATES_METHOD, timed_candidates)
    setattr(engine, addon.PROCESS_METHOD, marked_process)

    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    # Warm-up outside the measure: registry, caches; no invoice touched.
    with registry.cursor() as cr:
        env = superuser_env(cr)
        addon.warm_up(env)
        cron_id = env.ref(addon.CRON_XMLID).id
    rss_start = proc_status_kb()
    q0 = sql_db.sql_counter
    t0 = time.perf_counter()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    with registry.cursor() as cr:
        env = superuser_env(cr)
        # CPU time of this process and of its PostgreSQL backend: a cost that
        # other jobs on a shared machine disturb much less than wall time.
        backend_pid = cr._cnx.get_backend_pid()
        pg_cpu0 = proc_cpu_s(backend_pid)
        if args.profile:
            profiler.enable()
        # What ir.cron's _run_job gives the action: a progress record in the
        # context, so each _commit_progress writes it and commits.
        cron = (
            env["ir.cron"]
            .browse(cron_id)
            .with_context(
                cron_id=cron_id,
                lastcall=False,
                cron_end_time=time.monotonic() + 10**7,
            )
        )
        cron, _progress = cron._add_progress()
        cr.commit()  # pylint: disable=invalid-commit - a benchmark script: its setup must be saved
        stats = addon.cron_transfer(env(context=cron.env.context), args.limit)
        if args.profile:
            profiler.disable()
        pg_cpu = proc_cpu_s(backend_pid) - pg_cpu0
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    odoo_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    queries = sql_db.sql_counter - q0
    processed = sum(v for k, v in stats.items() if k != "skipped")
    # Per-window cost (ms/invoice) as the folders fill and the backlog shrinks.
    windows = []
    step = max(1, len(marks) // 10)
    for i in range(0, len(marks) - step + 1, step):
        (ta, qa), (tb, qb) = marks[i], marks[min(i + step, len(marks) - 1)]
        count = min(i + step, len(marks) - 1) - i
        if count:
            windows.append(
                {
                    "from": i,
                    "to": i + count,
                    "ms_per_invoice": round((tb - ta) * 1000 / count, 2),
                    "queries_per_invoice": round((qb - qa) / count, 1),
                }
            )
    result = {
        "db": args.db,
        "stats": dict(stats),
        "processed": processed,
        "seconds": round(elapsed, 3),
        "t_start": t0,
        "t_end": t0 + elapsed,
        "epoch_start": time.time() - elapsed,
        "epoch_end": time.time(),
        "ms_per_invoice": round(elapsed * 1000 / processed, 2) if processed else None,
        "invoices_per_s": round(processed / elapsed, 1) if elapsed else None,
        "odoo_cpu_s": round(odoo_cpu, 3),
        "pg_cpu_s": round(pg_cpu, 3),
        "cpu_ms_per_invoice": round((odoo_cpu + pg_cpu) * 1000 / processed, 2)
        if processed
        else None,
        "odoo_cpu_ms_per_invoice": round(odoo_cpu * 1000 / processed, 2)
        if processed
        else None,
        "pg_cpu_ms_per_invoice": round(pg_cpu * 1000 / processed, 2)
        if processed
        else None,
        "queries": queries,
        "queries_per_invoice": round(queries / processed, 1) if processed else None,
        "rss_start_mb": round(rss_start / 1024, 1),
        "rss_end_mb": round(proc_status_kb() / 1024, 1),
        "rss_peak_mb": round(proc_status_kb("self", "VmHWM") / 1024, 1),
        "candidate_ms": [(i, round(ms, 2)) for i, ms in candidate_times],
        "windows": windows,
    }
    if args.profile:
        import io
        import pstats

        buf = io.StringIO()
        ps = pstats.Stats(profiler, stream=buf)
        ps.sort_stats("cumulative").print_stats(60)
        ps.sort_stats("tottime").print_stats(40)
        with open(args.profile, "w") as f:
            f.write(buf.getvalue())
        profiler.dump_stats(args.profile + ".prof")
    if args.sqlstats:
        with open(args.sqlstats, "w") as f:
            for key, (n, total) in sorted(sqlstats.items(), key=lambda kv: -kv[1][1]):
                f.write(
                    f"{n:7d} {total * 1000:10.1f} ms {total * 1000 / n:7.2f} ms/q  "
                    f"{n / max(processed, 1):5.2f}/inv  {' '.join(key.split())}\n"
                )
    with open(args.out, "w") as f:
        json.dump(result, f)


def cmd_commit(args):
    """The commit ceiling: one-row INSERT committed per transaction."""
    import psycopg2

    conn = psycopg2.connect(dbname=args.db)  # Unix socket
    cur = conn.cursor()
    cur.execute(
        f"CREATE TABLE IF NOT EXISTS tal_bench_commit_{args.worker} (id serial, v text)"
    )
    conn.commit()
    if args.start_file:  # parallel clients start together (procs.StartLine)
        ready_then_wait(f"{args.start_file}.ready{args.worker}", args.start_file, 0.002)
    t0 = time.perf_counter()
    for i in range(args.count):
        cur.execute(
            f"INSERT INTO tal_bench_commit_{args.worker} (v) VALUES (%s)", [str(i)]
        )
        conn.commit()
    elapsed = time.perf_counter() - t0
    cur.execute(f"DROP TABLE tal_bench_commit_{args.worker}")
    conn.commit()
    json.dump(
        {
            "count": args.count,
            "seconds": elapsed,
            "t_start": t0,
            "t_end": t0 + elapsed,
            "epoch_start": time.time() - elapsed,
            "epoch_end": time.time(),
            "ms_per_commit": elapsed * 1000 / args.count,
        },
        open(args.out, "w"),
    )
