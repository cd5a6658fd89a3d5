"""Benchmark only (benchmarks/pdf.py): module constants of the addon set in
an Odoo process from outside, e.g. the PDF batch size of a server run by
the scheduler. Python imports this file at start-up (`sitecustomize`) when
its folder leads PYTHONPATH; the constants come as JSON in
TAL_BENCH_CONSTANTS: {"module": {"NAME": value}}. Each is set right after
its module is first imported; without the variable nothing happens."""

import importlib.abc
import json
import os
import sys

WANTED = json.loads(os.environ.get("TAL_BENCH_CONSTANTS") or "{}")


class _SetAfterImport(importlib.abc.MetaPathFinder):
    """Finds the modules of WANTED as the other finders do, and sets their
    constants once the module's code has run."""

    def find_spec(self, name, path, target=None):
        if name not in WANTED:
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
            for constant, value in WANTED[name].items():
                setattr(module, constant, value)
            sys.stderr.write(f"TAL_BENCH_CONSTANTS: {name}: {WANTED[name]}\n")

        spec.loader.exec_module = exec_module
        return spec


if WANTED:
    sys.meta_path.insert(0, _SetAfterImport())
