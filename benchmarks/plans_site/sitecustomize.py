"""Benchmark only (benchmarks/filing_plans.py): the time an Odoo server
spends preparing the Documents folders of the filing plans, apart from the
invoices' own work. Python imports this file at start-up (`sitecustomize`)
when its folder leads PYTHONPATH and TAL_BENCH_TIME_FOLDERS is set; without
that variable nothing happens.

Each call of the Documents batch preparation (finding, claiming and making
the folders of a batch of invoices, in a cursor of its own, committed apart:
tal.transfer.target.documents.batch._tal_prepare_folders) is timed: wall
time, this thread's CPU time, and the CPU time of the PostgreSQL backend
serving its cursor (/proc/<pid>/stat, same machine). One log line per call,
`TAL_BENCH_FOLDERS {json}`, which the benchmark sums from the server's log.
The figures of one call are coarse (the kernel counts CPU time in ticks of
10 ms); their sum over a run is what is reported.
"""

import functools
import importlib.abc
import json
import logging
import os
import sys
import time

MODULE = "odoo.addons.tal_invoice_transfer.models.tal_transfer_target_documents_batch"
TICK = os.sysconf("SC_CLK_TCK")
_logger = logging.getLogger("tal_bench.folders")


def _backend_cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _timed(prepare):
    # wraps: keeps the method's Odoo markers (api.model) and its doc.
    @functools.wraps(prepare)
    def _tal_prepare_folders(self, move_ids):
        # libpq knows it: no statement (the preparation's first one must
        # set its transaction's isolation level).
        pid = self.env.cr._cnx.get_backend_pid()
        pg0, cpu0, t0 = _backend_cpu(pid), time.thread_time(), time.perf_counter()
        try:
            return prepare(self, move_ids)
        finally:
            line = {
                "invoices": len(move_ids),
                "wall_s": round(time.perf_counter() - t0, 6),
                "odoo_cpu_s": round(time.thread_time() - cpu0, 6),
                "pg_cpu_s": round(_backend_cpu(pid) - pg0, 3),
            }
            _logger.info("TAL_BENCH_FOLDERS %s", json.dumps(line))

    return _tal_prepare_folders


class _WrapAfterImport(importlib.abc.MetaPathFinder):
    """Finds MODULE as the other finders do, and wraps the method once the
    module's code has run (before Odoo builds its registry from the class)."""

    def find_spec(self, name, path, target=None):
        if name != MODULE:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        run_module = spec.loader.exec_module

        def exec_module(module):
            run_module(module)
            cls = module.TalTransferTargetDocumentsBatch
            cls._tal_prepare_folders = _timed(cls._tal_prepare_folders)
            sys.stderr.write("TAL_BENCH_TIME_FOLDERS: the folders' preparation timed\n")

        spec.loader.exec_module = exec_module
        return spec


if os.environ.get("TAL_BENCH_TIME_FOLDERS"):
    sys.meta_path.insert(0, _WrapAfterImport())
