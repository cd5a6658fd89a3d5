#!/usr/bin/env python3
"""Check that the addon's translations are complete.

    # full check: export a fresh .pot from a new database (about a minute)
    $ODOO_PYTHON scripts/i18n_check.py
    # same, and write the fresh .pot into the addon (then translate what is new)
    $ODOO_PYTHON scripts/i18n_check.py --write-pot
    # quick check against the committed .pot, no database (what lint.sh runs)
    python3 scripts/i18n_check.py --static

Checks, each counted once: the committed ``i18n/<addon>.pot`` has the same
messages as a fresh export (skipped with --static); then for each
``i18n/*.po``: every message of the .pot is there, translated, not fuzzy, with
the same placeholders (``%(name)s``, ``%s``, ``{name}``), no message the .pot
lacks is left, and ``msgfmt -c`` accepts the file. Ends with
``N passed, N failed``; exit status 1 when a check failed.

The fresh export installs the addon (and its dependencies) in a new database
``tal_pkg_i18n_<pid>`` (dropped afterwards unless --keep-db) and runs
``odoo i18n export``; ``--db NAME`` exports from an existing database where the
addon is installed and up to date instead. Needs ``polib`` (in Odoo's venv).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

import polib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ADDON = "tal_invoice_transfer"
PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)[sdfr]|%[sdfr]|\{[a-zA-Z0-9_]*\}")


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def result(self, name, problems, limit=30):
        if problems:
            self.failed += 1
            print(f"FAIL {name}: {len(problems)} problem(s)")
            for problem in problems[:limit]:
                print(f"    {problem}")
            if len(problems) > limit:
                print(f"    ... and {len(problems) - limit} more")
        else:
            self.passed += 1
            print(f"ok   {name}")


def key(entry):
    return (entry.msgctxt or "", entry.msgid)


def short(text, width=70):
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[: width - 1] + "…"


def odoo_python():
    return os.environ.get("ODOO_PYTHON") or sys.executable


def export_pot(db, out, keep_db, addons_path):
    """Write a fresh .pot of the addon into `out`; create `db` if not given."""
    python = odoo_python()
    work = tempfile.mkdtemp(prefix="tal_i18n_")
    conf = os.path.join(work, "odoo.conf")
    with open(conf, "w", encoding="utf-8") as f:
        f.write(
            "[options]\n"
            f"addons_path = {addons_path}\n"
            "db_host =\n"
            f"data_dir = {os.path.join(work, 'data')}\n"
        )
    created = None
    try:
        if not db:
            created = db = f"tal_pkg_i18n_{os.getpid()}"
            print(f"installing {ADDON} into a new database {db} ...", flush=True)
            subprocess.run(["createdb", db], check=True)
            install = subprocess.run(
                [python, "-m", "odoo", "-c", conf, "-d", db, "-i", ADDON]
                + ["--stop-after-init", "--log-level=warn", "--no-http"],
                cwd=work,
                capture_output=True,
                text=True,
            )
            if install.returncode:
                sys.stderr.write(install.stdout[-3000:] + install.stderr[-3000:])
                raise SystemExit(f"installing {ADDON} failed")
        export = subprocess.run(
            [python, "-m", "odoo", "i18n", "export", "-c", conf, "-d", db]
            + ["-o", out, ADDON],
            cwd=work,
            capture_output=True,
            text=True,
        )
        if export.returncode or not os.path.isfile(out):
            sys.stderr.write(export.stdout[-3000:] + export.stderr[-3000:])
            raise SystemExit("odoo i18n export failed")
    finally:
        if created and not keep_db:
            subprocess.run(["dropdb", "--if-exists", created], check=False)
        elif created:
            print(f"kept database {created}")
        shutil.rmtree(work, ignore_errors=True)


def check_pot(checks, fresh_path, pot_path, write):
    fresh = polib.pofile(fresh_path)
    name = f"{os.path.relpath(pot_path, REPO)} matches a fresh export"
    if write:
        shutil.copyfile(fresh_path, pot_path)
        print(f"wrote {os.path.relpath(pot_path, REPO)} ({len(fresh)} messages)")
    if not os.path.isfile(pot_path):
        checks.result(name, ["missing: run with --write-pot"])
        return fresh
    committed = {key(e) for e in polib.pofile(pot_path)}
    current = {key(e) for e in fresh}
    problems = [f"new: {short(m)}" for _c, m in sorted(current - committed)]
    problems += [f"gone: {short(m)}" for _c, m in sorted(committed - current)]
    if problems:
        problems.append("fix: re-run with --write-pot, then translate the .po files")
    checks.result(name, problems)
    return fresh


def check_po(checks, pot, po_path):
    rel = os.path.relpath(po_path, REPO)
    po = polib.pofile(po_path)
    entries = {key(e): e for e in po if not e.obsolete}
    expected = {key(e) for e in pot}
    checks.result(
        f"{rel}: has every message of the .pot",
        [f"missing: {short(m)}" for c, m in sorted(expected - set(entries))],
    )
    checks.result(
        f"{rel}: no message the .pot lacks",
        [f"extra: {short(m)}" for c, m in sorted(set(entries) - expected)]
        + [f"obsolete (#~): {short(e.msgid)}" for e in po if e.obsolete],
    )
    untranslated = [
        f"untranslated: {short(e.msgid)}"
        for k, e in entries.items()
        if k in expected and not e.msgstr.strip()
    ]
    fuzzy = [f"fuzzy: {short(e.msgid)}" for e in entries.values() if e.fuzzy]
    checks.result(f"{rel}: all translated, none fuzzy", untranslated + fuzzy)
    placeholders = []
    for e in entries.values():
        if e.msgstr and sorted(PLACEHOLDER.findall(e.msgid)) != sorted(
            PLACEHOLDER.findall(e.msgstr)
        ):
            placeholders.append(
                f"{short(e.msgid, 50)} -> {short(e.msgstr, 50)}: "
                f"{PLACEHOLDER.findall(e.msgid)} != {PLACEHOLDER.findall(e.msgstr)}"
            )
    checks.result(f"{rel}: same placeholders", placeholders)
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        checks.result(
            f"{rel}: msgfmt -c", ["msgfmt not found (apt-get install gettext)"]
        )
        return
    run = subprocess.run(
        [msgfmt, "-c", "-o", os.devnull, po_path], capture_output=True, text=True
    )
    checks.result(f"{rel}: msgfmt -c", run.stderr.strip().splitlines() or [])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--static", action="store_true", help="no export, no DB")
    parser.add_argument("--db", help="export from this database (addon installed)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--write-pot", action="store_true")
    parser.add_argument(
        "--addons-path",
        default=",".join(
            p for p in (REPO, os.path.join(REPO, "test_addons")) if os.path.isdir(p)
        ),
    )
    args = parser.parse_args()

    i18n = os.path.join(REPO, ADDON, "i18n")
    pot_path = os.path.join(i18n, f"{ADDON}.pot")
    checks = Checks()
    if args.static:
        if not os.path.isfile(pot_path):
            checks.result(os.path.relpath(pot_path, REPO), ["missing"])
            print(f"{checks.passed} passed, {checks.failed} failed")
            return 1
        pot = polib.pofile(pot_path)
    else:
        with tempfile.TemporaryDirectory(prefix="tal_i18n_pot_") as tmp:
            fresh_path = os.path.join(tmp, f"{ADDON}.pot")
            export_pot(args.db, fresh_path, args.keep_db, args.addons_path)
            pot = check_pot(checks, fresh_path, pot_path, args.write_pot)
    po_files = sorted(
        os.path.join(i18n, f) for f in os.listdir(i18n) if f.endswith(".po")
    )
    if not po_files:
        checks.result(f"{os.path.relpath(i18n, REPO)}/*.po", ["no translation"])
    for po_path in po_files:
        check_po(checks, pot, po_path)
    print(f"{checks.passed} passed, {checks.failed} failed")
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
