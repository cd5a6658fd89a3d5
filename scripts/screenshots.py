#!/usr/bin/env python3
"""Screenshots of the addon's screens for the Apps store page and the README.

Drives Debian's headless Chromium over the DevTools protocol (package
``websocket-client``, already needed by Odoo's browser tests), logs in to a
running Odoo 19.0 server, opens each screen, waits until it has rendered and
saves a PNG into ``tal_invoice_transfer/static/description/``.

    # a server with the addon installed and some invoices transferred, e.g.
    DEMO_DB=tal_pkg_demo DEMO_PORT=18300 DEMO_EXIT=1 bash scripts/demo.sh
    $ODOO_PYTHON -m odoo -d tal_pkg_demo --addons-path=. --db_host= \\
        --http-interface=127.0.0.1 --http-port=18300 --max-cron-threads=0 &
    $ODOO_PYTHON scripts/screenshots.py --url http://127.0.0.1:18300 \\
        -d tal_pkg_demo --lang fr_FR

Screens (``--shots``, default: all): ``progress`` (the progress view with its
dashboard), ``runs`` (the run history), ``invoice`` (the "Files Transfer" tab of
an invoice, a failed one when there is one) and ``settings`` (the "Invoice Files
Transfer" block of the Invoicing settings). ``--lang fr_FR`` (repeatable) takes
the screens again in that language, saved as ``screenshot_<shot>_fr.png``:
the language is installed with the addon's translations (the "Add languages"
wizard, overwriting terms) and set on the user for the pass, then the user's
language is put back. ``--lang-shots`` limits the translated pass (default:
``progress``).

It only reads, except: the user's language during a translated pass, and the
language install. Nothing is created. Exit status 1 if a screen did not render;
what the page showed instead is saved as ``$TMPDIR/failed_<shot>.png``.

Staging the demo database for the store screenshots (what was done for the
committed ones): after ``scripts/demo.sh``, make a few real failures by moving
the filestore files of 3 invoices away, setting those invoices back to
``pending`` (SQL), running ``env['tal.invoice.transfer']._cron_transfer()`` in
``odoo shell``, then moving the files back; set 40 other invoices back to
``pending`` so the progress bar is under way, and spread the transferred ones'
``tal_transfer_date`` over the last 9 minutes so a rate and an end show; on
the DMS storage tick ``inherit_access_from_parent_record`` so admin may read
the files; restart the server after any ``-u`` (an old server still bound to
the port serves old assets, and the screens then time out).
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(
    os.path.dirname(HERE), "tal_invoice_transfer", "static", "description"
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]
SHOTS = ("progress", "runs", "invoice", "settings")

# A screen is ready when this JS expression is true: its main element is there,
# no RPC is running (Odoo shows .o_loading_indicator) and the UI is not blocked.
IDLE = (
    "!document.querySelector('.o_loading_indicator')"
    " && !document.querySelector('.o_blockUI')"
)


class CDPError(RuntimeError):
    pass


class Chromium:
    """A headless Chromium and one page, spoken to over the DevTools protocol."""

    def __init__(self, binary, width, height, timeout=30):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="tal_screenshots_")
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "TMPDIR": self.profile},
        )
        port = self._devtools_port()
        self.ws = websocket.create_connection(
            self._page_ws_url(port), suppress_origin=True, timeout=timeout
        )
        self._next_id = 0
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _devtools_port(self):
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited with status {self.proc.returncode}")
            if os.path.isfile(port_file) and os.path.getsize(port_file) > 5:
                with open(port_file, encoding="utf-8") as f:
                    return int(f.readline())
            time.sleep(0.1)
        raise CDPError("chromium did not open its DevTools port")

    def _page_ws_url(self, port):
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/json/list", timeout=5
            ) as resp:
                targets = json.load(resp)
            for target in targets:
                if target.get("type") == "page":
                    return target["webSocketDebuggerUrl"]
            time.sleep(0.1)
        raise CDPError("chromium has no page target")

    def send(self, method, **params):
        self._next_id += 1
        msg_id = self._next_id
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") != msg_id:
                continue  # an event, or the answer to an earlier call
            if "error" in msg:
                raise CDPError(f"{method}: {msg['error'].get('message')}")
            return msg.get("result", {})

    def evaluate(self, expression):
        """The value of a JS expression (awaited when it is a promise)."""
        result = self.send(
            "Runtime.evaluate",
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get(
                "text"
            )
            raise CDPError(f"JS error: {text}")
        return result.get("result", {}).get("value")

    def goto(self, url):
        self.send("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def wait_for(self, expression, timeout=None, what=None):
        deadline = time.time() + (timeout or self.timeout)
        while time.time() < deadline:
            try:
                if self.evaluate(f"!!({expression})"):
                    return True
            except CDPError:
                pass  # the page is navigating: its context went away
            time.sleep(0.2)
        raise CDPError(f"timed out waiting for {what or expression}")

    def wait_ready(self, selector, what):
        """Wait for ``selector``, no RPC for a moment, then let fonts settle."""
        self.wait_for(f"document.querySelector({json.dumps(selector)})", what=what)
        stable_since = None
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            if self.evaluate(IDLE):
                stable_since = stable_since or time.time()
                if time.time() - stable_since >= 0.8:
                    break
            else:
                stable_since = None
            time.sleep(0.1)
        self.evaluate("document.fonts.ready.then(() => true)")
        time.sleep(0.5)  # CSS transitions (notebook tabs, badges)

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            shutil.rmtree(self.profile, ignore_errors=True)


class Odoo:
    """The Odoo web client, as seen from the browser's page."""

    def __init__(self, browser, url, db, invoice_id=None):
        self.browser = browser
        self.url = url.rstrip("/")
        self.db = db
        self.invoice_id = invoice_id

    def login(self, login, password):
        b = self.browser
        url = f"{self.url}/web/login"
        if self.db:
            url += f"?db={self.db}"
        b.goto(url)
        b.wait_for("document.querySelector('form input[name=login]')", what="login")
        b.evaluate(
            f"""(() => {{
                const form = document.querySelector('form input[name=login]').form;
                form.querySelector('input[name=login]').value = {json.dumps(login)};
                form.querySelector('input[name=password]').value =
                    {json.dumps(password)};
                form.submit();
                return true;
            }})()"""
        )
        b.wait_for(
            "!location.pathname.startsWith('/web/login')"
            " && document.readyState === 'complete'",
            what="the login to succeed",
        )
        if b.evaluate("!!document.querySelector('.o_web_client, .o_action_manager')"):
            return
        b.wait_for(
            "document.querySelector('.o_web_client')", what="the web client to load"
        )

    def rpc(self, model, method, args=(), **kwargs):
        """call_kw from the page, with its session cookie."""
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "model": model,
                "method": method,
                "args": list(args),
                "kwargs": kwargs,
            },
        }
        answer = self.browser.evaluate(
            f"""fetch('/web/dataset/call_kw/{model}/{method}', {{
                method: 'POST',
                headers: {{'Content-Type': 'application/json'}},
                body: {json.dumps(json.dumps(payload))},
            }}).then((r) => r.json())"""
        )
        if answer.get("error"):
            error = answer["error"]
            message = error.get("data", {}).get("message") or error.get("message")
            raise CDPError(f"{model}.{method}: {message}")
        return answer["result"]

    def open(self, path, selector, what):
        self.browser.goto(f"{self.url}{path}")
        self.browser.wait_ready(selector, what)

    # -- the screens ---------------------------------------------------------
    def shot_progress(self):
        self.open(
            "/odoo/invoice-files-transfer",
            ".o_tal_transfer_dashboard .o_tal_card",
            "the progress dashboard",
        )
        # the list below the dashboard: the groups (grouped by state by default)
        self.browser.wait_ready(".o_list_renderer .o_group_header, .o_data_row", "list")

    def shot_runs(self):
        self.open(
            "/odoo/invoice-files-transfer-runs",
            ".o_list_renderer .o_data_row, .o_view_nocontent",
            "the run history",
        )

    def shot_invoice(self):
        ids = [self.invoice_id] if self.invoice_id else []
        if not ids:
            domain = [("tal_transfer_state", "=", "failed")]
            ids = self.rpc("account.move", "search", [domain], limit=1, order="id")
        if not ids:
            domain = [("tal_transfer_state", "=", "done")]
            ids = self.rpc("account.move", "search", [domain], limit=1, order="id")
        if not ids:
            raise CDPError("no invoice in the transfer: nothing to show")
        self.open(
            f"/odoo/invoice-files-transfer/{ids[0]}",
            ".o_form_view .o_notebook a.nav-link[name=tal_transfer]",
            "the invoice form's Files Transfer tab",
        )
        self.browser.evaluate(
            "document.querySelector('.o_notebook a.nav-link[name=tal_transfer]')"
            ".click(), true"
        )
        self.browser.wait_ready(
            ".o_notebook a.nav-link.active[name=tal_transfer]", "the tab to open"
        )
        # bring the notebook into view, below the invoice's header
        self.browser.evaluate(
            "document.querySelector('.o_notebook').scrollIntoView({block: 'start'}),"
            " document.querySelector('.o_content').scrollBy(0, -180), true"
        )
        time.sleep(0.3)

    def shot_settings(self):
        self.open(
            "/odoo/action-account.action_account_config",
            "#tal_transfer_target_setting",
            "the Invoice Files Transfer settings",
        )
        # the block's title sits just above its .o_settings_container
        self.browser.evaluate(
            """(() => {
                const box = document.getElementById('tal_transfer_target_setting');
                const block = box.closest('.o_settings_container');
                const title = block.previousElementSibling || block;
                title.scrollIntoView({block: 'start'});
                document.querySelector('.o_content, .settings')?.scrollBy?.(0, -20);
                return true;
            })()"""
        )
        time.sleep(0.3)

    # -- language --------------------------------------------------------------
    def user_lang(self):
        info = self.browser.evaluate(
            "fetch('/web/session/get_session_info', {method: 'POST',"
            " headers: {'Content-Type': 'application/json'},"
            " body: JSON.stringify({jsonrpc: '2.0', method: 'call', params: {}})})"
            ".then((r) => r.json()).then((r) => r.result)"
        )
        return info["uid"], info["user_context"]["lang"]

    def install_lang(self, lang):
        """The "Add languages" wizard, with the addon's terms (over)written."""
        lang_ids = self.rpc(
            "res.lang",
            "search",
            [[("code", "=", lang), ("active", "in", [True, False])]],
        )
        if not lang_ids:
            raise CDPError(f"unknown language {lang}")
        wizard = self.rpc(
            "base.language.install",
            "create",
            [{"lang_ids": [(6, 0, lang_ids)], "overwrite": True}],
        )
        wizard_id = wizard[0] if isinstance(wizard, list) else wizard
        self.rpc("base.language.install", "lang_install", [[wizard_id]])

    def set_lang(self, uid, lang):
        self.rpc("res.users", "write", [[uid], {"lang": lang}])


def take(odoo, shots, out_dir, suffix, failures):
    for shot in shots:
        path = os.path.join(out_dir, f"screenshot_{shot}{suffix}.png")
        try:
            getattr(odoo, f"shot_{shot}")()
            odoo.browser.screenshot(path)
            print(f"saved {os.path.relpath(path)}")
        except CDPError as e:
            # what the page showed instead, to see why
            debug = os.path.join(tempfile.gettempdir(), f"failed_{shot}{suffix}.png")
            try:
                odoo.browser.screenshot(debug)
            except (CDPError, OSError):
                debug = None
            failures.append(f"{shot}{suffix}: {e} (page: {debug})")
            print(f"FAILED {shot}{suffix}: {e} (page: {debug})", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", default="http://127.0.0.1:8069")
    parser.add_argument("-d", "--db", default=None, help="database (if several)")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder of the PNGs")
    parser.add_argument("--shots", default=",".join(SHOTS), help="comma-separated")
    parser.add_argument(
        "--invoice-id",
        type=int,
        help="invoice of the 'invoice' shot (default: the first failed one, else"
        " the first transferred one)",
    )
    parser.add_argument("--lang", action="append", default=[], help="e.g. fr_FR")
    parser.add_argument("--lang-shots", default="progress", help="comma-separated")
    parser.add_argument("--no-install-lang", action="store_true")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument(
        "--chromium",
        default=os.environ.get("ODOO_BROWSER_BIN")
        or shutil.which("chromium")
        or shutil.which("google-chrome")
        or "/usr/bin/chromium",
    )
    args = parser.parse_args()
    shots = [s for s in args.shots.split(",") if s]
    lang_shots = [s for s in args.lang_shots.split(",") if s]
    unknown = set(shots + lang_shots) - set(SHOTS)
    if unknown:
        parser.error(f"unknown shot(s) {sorted(unknown)}; known: {', '.join(SHOTS)}")
    os.makedirs(args.out, exist_ok=True)

    failures = []
    browser = Chromium(args.chromium, args.width, args.height, args.timeout)
    try:
        odoo = Odoo(browser, args.url, args.db, args.invoice_id)
        odoo.login(args.login, args.password)
        take(odoo, shots, args.out, "", failures)
        if args.lang:
            uid, user_lang = odoo.user_lang()
            try:
                for lang in args.lang:
                    if not args.no_install_lang:
                        odoo.install_lang(lang)
                    odoo.set_lang(uid, lang)
                    suffix = "_" + lang.split("_")[0].lower()
                    take(odoo, lang_shots, args.out, suffix, failures)
            finally:
                odoo.set_lang(uid, user_lang)
    finally:
        browser.close()
    if failures:
        print(f"{len(failures)} screen(s) failed:", *failures, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
