#!/usr/bin/env python3
"""Read the log of an Odoo 19.0 test run (``--test-enable --log-level=info``).

Two sub-commands, used by scripts/test.sh:

``stream LOGFILE``
    Copy standard input to LOGFILE and echo a readable subset to standard
    output (warnings, errors with their tracebacks, one line per test, module
    loading progress). ``TEST_VERBOSE=1`` echoes everything.

``report LOGFILE --rc N``
    Count, per test method, passed / failed / errored / skipped and check the
    run. Exit 1 if anything is wrong. The last line printed is
    ``N passed, N failed`` (``, N skipped`` appended when some were skipped),
    where failed = failed + errored test methods + failed run checks.

What it relies on (odoo/tests/result.py, case.py, suite.py, service/server.py
of Odoo 19.0); every record starts with
``YYYY-MM-DD HH:MM:SS,mmm PID LEVEL DB LOGGER: MESSAGE``, other lines are the
continuation (traceback) of the record above:

* ``INFO  <test module logger>: Starting Class.test_x ...``  (startTest: one per
  test method run, whatever its outcome);
* ``INFO  <test module logger>: skipped Class.test_x : reason``  (addSkip; also
  ``skipped setUpClass (path.Class) : reason`` for a skipped class, and
  ``skipped Subtest Class.test_x (params) : reason``);
* ``ERROR <logger>: FAIL: Class.test_x`` / ``ERROR <logger>: ERROR: Class.test_x``
  followed by the traceback (addFailure / addError; ``Subtest Class.test_x (...)``
  for a failing subTest; ``setUpClass (path.Class)`` / ``tearDownClass (...)``
  for class-level errors, logged by odoo.tests.suite);
* ``odoo.tests.result: F failed, E error(s) of N tests when loading database 'DB'``
  (once, at the end; its absence means the registry did not load or the run was
  cut short). Its numbers are cross-checked with what was parsed.

A test method is: errored if any ERROR: report names it (or one of its
subtests), else failed if any FAIL: report does, else skipped if a skip names
it, else passed. Skipped tests are never counted as passed.

Run checks, each adding 1 to "failed" when it fails:
* any ERROR/CRITICAL record that is not a test's FAIL:/ERROR: report nor one
  of Odoo's own summaries of those failures (printed in full);
* Odoo's exit status is non-zero while no test failed;
* the closing odoo.tests.result line is missing (registry failed to load);
* no test ran at all, or a module named in --require ran none;
* the closing line's numbers differ from what was parsed.
"""

import argparse
import os
import re
import sys
from collections import OrderedDict

RECORD_RE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) (?P<pid>\d+) "
    r"(?P<level>[A-Z]+) (?P<db>\S+) (?P<logger>[^\s:]+): (?P<msg>.*)$"
)
START_RE = re.compile(r"^Starting (?P<desc>\S+) \.\.\.$")
SKIP_RE = re.compile(r"^skipped (?P<desc>.+?) : (?P<reason>.*)$", re.S)
REPORT_RE = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<desc>.+)$")
SUBTEST_RE = re.compile(r"^Subtest (?P<desc>\S+)(?: .*)?$", re.S)
CLASS_LEVEL_RE = re.compile(
    r"^(?P<what>setUpClass|tearDownClass|setUpModule|tearDownModule) \((?P<where>.*)\)$"
)
CLOSING_RE = re.compile(
    r"^(?P<failed>\d+) failed, (?P<errors>\d+) error\(s\) of (?P<run>\d+) tests "
    r"when loading database (?P<db>.*)$"
)
# ERROR records that only summarise test failures already reported one by one.
EXPECTED_ERRORS = [
    (
        "odoo.modules.loading",
        re.compile(r"^Module \S+: \d+ failures, \d+ errors of \d+ tests$"),
    ),
    (
        "odoo.modules.loading",
        re.compile(r"^At least one test failed when loading the modules\.$"),
    ),
    ("odoo.tests.result", CLOSING_RE),
    ("odoo.tests.result", re.compile(r"^Test suite halted: max failed tests")),
]
MAX_LINES_SHOWN = 60


class Record:
    __slots__ = ("lineno", "level", "logger", "msg", "lines")

    def __init__(self, lineno, level, logger, msg, line):
        self.lineno = lineno
        self.level = level
        self.logger = logger
        self.msg = msg.rstrip()  # drop the (empty) perf_info suffix
        self.lines = [line]

    @property
    def text(self):
        """The whole message: first line plus continuation lines."""
        return "\n".join([self.msg] + self.lines[1:])


def read_records(path):
    """Yield (Record or None, line) ... as complete records; stray lines that
    come before any record are returned as pseudo-records of level 'RAW'."""
    current = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            m = RECORD_RE.match(line)
            if m:
                if current is not None:
                    yield current
                current = Record(lineno, m["level"], m["logger"], m["msg"], line)
            elif current is not None:
                current.lines.append(line)
            else:
                yield Record(lineno, "RAW", "", line, line)
    if current is not None:
        yield current


def is_test_logger(logger):
    return ".tests." in logger or logger.endswith(".tests")


def test_module_of(logger):
    # odoo.addons.<module>.tests.<file>  /  odoo.upgrade.<module>.tests...
    parts = logger.split(".")
    if len(parts) > 2 and parts[0] == "odoo" and parts[1] in ("addons", "upgrade"):
        return parts[2]
    return logger


class Test:
    __slots__ = ("key", "module", "name", "started", "fail", "error", "skip", "reports")

    def __init__(self, key, module, name):
        self.key = key
        self.module = module
        self.name = name
        self.started = 0
        self.fail = 0
        self.error = 0
        self.skip = None
        self.reports = []

    @property
    def status(self):
        if self.error:
            return "errored"
        if self.fail:
            return "failed"
        if self.skip is not None:
            return "skipped"
        return "passed"


def last_line(text):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[-1].strip() if lines else ""


def show_record(rec, out, indent="    "):
    lines = rec.lines
    for ln in lines[:MAX_LINES_SHOWN]:
        out.write(f"{indent}{ln}\n")
    if len(lines) > MAX_LINES_SHOWN:
        out.write(
            f"{indent}... ({len(lines) - MAX_LINES_SHOWN} more lines, see the log)\n"
        )


def report(args):
    out = sys.stdout
    tests = OrderedDict()
    stray = []
    closing = None
    n_fail_records = n_error_records = 0
    n_started = 0
    current = None  # last started test, for context on stray errors

    def get_test(key, module, name):
        t = tests.get(key)
        if t is None:
            t = tests[key] = Test(key, module, name)
        return t

    def key_for(logger, desc):
        """Map a description from a report/skip line to its test method."""
        m = CLASS_LEVEL_RE.match(desc)
        if m:
            where = m["where"]
            module = test_module_of(where)
            return ("class", desc), module, f"{m['what']} of {where.rsplit('.', 1)[-1]}"
        m = SUBTEST_RE.match(desc)
        if m:
            desc = m["desc"]
        return (logger, desc), test_module_of(logger), desc

    for rec in read_records(args.log):
        if rec.level == "RAW":
            continue
        msg = rec.msg
        if rec.level == "INFO" and is_test_logger(rec.logger):
            m = START_RE.match(msg)
            if m:
                n_started += 1
                t = get_test(
                    (rec.logger, m["desc"]), test_module_of(rec.logger), m["desc"]
                )
                t.started += 1
                current = t
                continue
        if rec.level == "INFO":
            m = SKIP_RE.match(rec.text)
            if m and (is_test_logger(rec.logger) or rec.logger == "odoo.tests.suite"):
                key, module, name = key_for(rec.logger, m["desc"])
                t = get_test(key, module, name)
                if t.skip is None:
                    t.skip = (
                        m["reason"].strip().splitlines()[0]
                        if m["reason"].strip()
                        else ""
                    )
                continue
            if rec.logger == "odoo.tests.result":
                m = CLOSING_RE.match(msg)
                if m:
                    closing = m
                continue
        if rec.level in ("ERROR", "CRITICAL"):
            m = REPORT_RE.match(msg)
            if m and rec.level == "ERROR":
                key, module, name = key_for(rec.logger, m["desc"].strip())
                t = get_test(key, module, name)
                if m["kind"] == "FAIL":
                    t.fail += 1
                    n_fail_records += 1
                else:
                    t.error += 1
                    n_error_records += 1
                t.reports.append(rec)
                continue
            expected = False
            for logger, rx in EXPECTED_ERRORS:
                mm = rx.match(msg)
                if rec.logger == logger and mm:
                    expected = True
                    if rx is CLOSING_RE:
                        closing = mm
                    break
            if not expected:
                stray.append((rec, current))
            continue
        if rec.logger == "odoo.tests.result":
            m = CLOSING_RE.match(msg)
            if m:
                closing = m
        if (
            rec.logger == "odoo.modules.loading"
            and msg.startswith("Module ")
            and " loaded in " in msg
        ):
            current = None
        if rec.logger == "odoo.service.server" and msg == "Starting post tests":
            current = None

    by_status = {"passed": [], "failed": [], "errored": [], "skipped": []}
    per_module = OrderedDict()
    for t in tests.values():
        by_status[t.status].append(t)
        counts = per_module.setdefault(
            t.module, {"passed": 0, "failed": 0, "errored": 0, "skipped": 0}
        )
        counts[t.status] += 1

    checks = []  # (ok, text)

    # 1. ERROR/CRITICAL lines outside the failure reports
    if stray:
        checks.append(
            (
                False,
                f"{len(stray)} ERROR/CRITICAL log line(s) outside test failure reports",
            )
        )
    else:
        checks.append((True, "no ERROR/CRITICAL log line outside test failure reports"))
    # 2. the registry loaded and the run reached its end
    if closing is None:
        checks.append(
            (
                False,
                "Odoo's closing test line (odoo.tests.result: ... when loading "
                "database) is missing: the registry failed to load or the run was "
                f"cut short (Odoo exit status {args.rc})",
            )
        )
    else:
        checks.append((True, f"Odoo's closing line: {closing.group(0)}"))
    # 3. Odoo's exit status (not repeated when the closing line is missing)
    n_bad_tests = len(by_status["failed"]) + len(by_status["errored"])
    if closing is None:
        pass
    elif args.rc != 0 and n_bad_tests == 0:
        why = {124: " (timed out)", 255: " (registry failed to load)"}.get(args.rc, "")
        checks.append(
            (False, f"Odoo exited with status {args.rc}{why} although no test failed")
        )
    else:
        checks.append((True, f"Odoo exit status {args.rc}"))
    # 4. tests did run
    if closing is None:
        pass
    elif n_started == 0:
        checks.append(
            (False, "no test ran (check TEST_TAGS / the tests/__init__.py imports)")
        )
    else:
        checks.append((True, f"{n_started} test method(s) ran"))
    for module in [
        m for m in (args.require or "").replace(",", " ").split() if closing and m
    ]:
        ran = sum(1 for t in tests.values() if t.module == module and t.started)
        if ran == 0:
            checks.append((False, f"module {module} ran no test"))
    # 5. cross-check with Odoo's own counts
    if closing is not None:
        o_failed, o_errors, o_run = (
            int(closing["failed"]),
            int(closing["errors"]),
            int(closing["run"]),
        )
        if (o_failed, o_errors, o_run) != (n_fail_records, n_error_records, n_started):
            checks.append(
                (
                    False,
                    f"parsed {n_fail_records} FAIL, {n_error_records} ERROR reports "
                    f"and {n_started} started tests, but Odoo counted "
                    f"{o_failed} failed, {o_errors} error(s) of {o_run} tests",
                )
            )
    failed_checks = [text for ok, text in checks if not ok]

    # ---- output ----
    out.write(f"\n==== Odoo test results (log: {args.log}) ====\n")
    if per_module:
        out.write("Per module (test methods):\n")
        for module, c in per_module.items():
            out.write(
                f"  {module}: {c['passed']} passed, {c['failed']} failed, "
                f"{c['errored']} errored, {c['skipped']} skipped\n"
            )
    if args.verbose:
        for t in by_status["passed"]:
            out.write(f"  PASSED   {t.module}: {t.name}\n")
    for t in by_status["skipped"]:
        out.write(f"  SKIPPED  {t.module}: {t.name} : {t.skip}\n")
    for status in ("failed", "errored"):
        for t in by_status[status]:
            out.write(
                f"  {status.upper():<8} {t.module}: {t.name}  "
                f"(log line {t.reports[0].lineno})\n"
            )
            for rec in t.reports:
                out.write(f"           {last_line(rec.text)}\n")
    if stray:
        out.write("\nERROR/CRITICAL log lines outside test failure reports:\n")
        for rec, during in stray:
            where = (
                f" [while/after test {during.module}: {during.name}]" if during else ""
            )
            out.write(f"  log line {rec.lineno}{where}:\n")
            show_record(rec, out)
    out.write("\nRun checks:\n")
    for ok, text in checks:
        out.write(f"  [{'ok' if ok else 'FAILED'}] {text}\n")

    passed = len(by_status["passed"])
    skipped = len(by_status["skipped"])
    failed = n_bad_tests + len(failed_checks)
    out.write(
        f"\nTest methods: {passed} passed, {len(by_status['failed'])} failed, "
        f"{len(by_status['errored'])} errored, {skipped} skipped"
        f"; failed run checks: {len(failed_checks)}\n"
    )
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    out.write(line + "\n")
    return 1 if failed else 0


def stream(args):
    verbose = os.environ.get("TEST_VERBOSE", "0") not in ("", "0")
    show = False
    with open(args.log, "w", encoding="utf-8") as log:
        for line in sys.stdin:
            log.write(line)
            log.flush()
            if verbose:
                sys.stdout.write(line)
                sys.stdout.flush()
                continue
            m = RECORD_RE.match(line.rstrip("\n"))
            if m:
                level, logger, msg = m["level"], m["logger"], m["msg"].rstrip()
                show = (
                    level not in ("DEBUG", "INFO")
                    or (
                        is_test_logger(logger)
                        and (START_RE.match(msg) or msg.startswith("skipped "))
                    )
                    or logger in ("odoo.tests.result", "odoo.tests.stats")
                    or (
                        logger == "odoo.modules.loading"
                        and re.match(r"(loading )?\d+ modules", msg)
                    )
                    or (logger == "odoo.service.server" and "post-tests" in msg)
                )
            elif not line.strip():
                continue
            if show:  # a continuation line follows its record
                sys.stdout.write(line)
                sys.stdout.flush()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("stream")
    p.add_argument("log")
    p = sub.add_parser("report")
    p.add_argument("log")
    p.add_argument("--rc", type=int, required=True, help="Odoo's exit status")
    p.add_argument(
        "--require", default="", help="modules that must run at least one test"
    )
    p.add_argument("--verbose", action="store_true", help="also list passed tests")
    args = parser.parse_args()
    return stream(args) if args.cmd == "stream" else report(args)


if __name__ == "__main__":
    sys.exit(main())
