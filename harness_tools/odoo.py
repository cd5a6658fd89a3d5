"""Odoo processes seen from outside: its command line, a real server, one-shot
`--stop-after-init` runs, and tasks run inside Odoo (in_odoo.task_main).

Nothing here imports Odoo: the processes run Odoo's Python (`PYTHON`)."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from .procs import HarnessError

PYTHON = os.environ.get("ODOO_PYTHON") or sys.executable
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def odoo_cmd(db, addons_path, data_dir, *args, conf=None):
    """`odoo` on `db` over the local socket, HTTP on 127.0.0.1 only; `conf`: an
    empty odoo.conf that keeps ~/.odoorc and $ODOO_RC out. Odoo's demo data
    stays out of the modules it installs (ODOO_WITHOUT_DEMO, set by
    scripts/odoo_env.sh: 18.0 loads it by default)."""
    return [
        PYTHON,
        "-m",
        "odoo",
        *(["-c", conf] if conf else []),
        "-d",
        db,
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        "--db_host=",
        "--http-interface=127.0.0.1",
        *(
            [os.environ["ODOO_WITHOUT_DEMO"]]
            if os.environ.get("ODOO_WITHOUT_DEMO")
            else []
        ),
        *args,
    ]


def run_odoo(procs, cmd, logfile, timeout):
    """Run an `odoo ... --stop-after-init` command line to its end."""
    proc = procs.spawn(cmd, logfile)
    rc = procs.wait(proc, timeout)
    if rc:
        raise HarnessError(
            f"odoo {' '.join(cmd[3:])} exited {rc}, see {logfile or 'the output'}"
        )


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


class OdooServer:
    """A real Odoo server: HTTP on 127.0.0.1, `cron_threads` cron threads,
    `workers` (0: threaded), its output in `logfile`."""

    def __init__(
        self,
        procs,
        ports,
        db,
        addons_path,
        data_dir,
        logfile,
        conf=None,
        cron_threads=1,
        workers=0,
        log_level="info",
        extra_args=(),
        env=None,
    ):
        """`env`: the server process's environment (None: this process's),
        e.g. a PATH that picks another wkhtmltopdf."""
        self.procs, self.ports = procs, ports
        self.db, self.addons_path, self.data_dir = db, addons_path, data_dir
        self.logfile, self.conf = logfile, conf
        self.cron_threads, self.workers = cron_threads, workers
        self.log_level, self.extra_args = log_level, list(extra_args)
        self.env = env
        self.proc = None
        self.port = None
        self.starts = 0
        self.uids = {}

    def start(self, wait=True):
        self.port = self.ports.take()
        cmd = odoo_cmd(
            self.db,
            self.addons_path,
            self.data_dir,
            f"--http-port={self.port}",
            f"--workers={self.workers}",
            f"--max-cron-threads={self.cron_threads}",
            f"--log-level={self.log_level}",
            *self.extra_args,
            f"--db-filter=^{self.db}$",
            conf=self.conf,
        )
        self.proc = self.procs.spawn(cmd, self.logfile, env=self.env)
        self.starts += 1
        self.uids = {}
        if wait:
            self.wait_ready()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.alive():
                raise HarnessError(
                    f"server exited ({self.proc.returncode}), see {self.logfile}"
                )
            try:
                self.call("common", "version", [])
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise HarnessError(f"server not ready after {timeout}s, see {self.logfile}")

    def kill(self, sig=signal.SIGKILL):
        if self.proc:
            self.procs.kill(self.proc, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(30)

    def stop(self):
        """Graceful stop (SIGTERM; SIGKILL after 30 s)."""
        if self.alive():
            self.procs.kill(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def call(self, service, method, args, timeout=120):
        """One JSON-RPC call (/jsonrpc); RpcError carries Odoo's error."""
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {"service": service, "method": method, "args": args},
            }
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/jsonrpc",
            payload.encode(),
            {"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
        if "error" in body:
            data = body["error"].get("data") or {}
            raise RpcError(
                data.get("name") or "", data.get("message") or str(body["error"])
            )
        # A method returning None: Odoo's answer may carry no "result".
        return body.get("result")

    def rpc(self, user, model, method, args, kwargs=None):
        """execute_kw as `user` = (login, password)."""
        login, password = user
        if login not in self.uids:
            self.uids[login] = self.call("common", "login", [self.db, login, password])
        return self.call(
            "object",
            "execute_kw",
            [self.db, self.uids[login], password, model, method, args, kwargs or {}],
        )

    def log_text(self):
        with open(self.logfile, errors="replace") as f:
            return f.read()


def run_task(
    procs,
    module,
    db,
    name,
    args=None,
    *,
    addons_path,
    data_dir,
    logfile,
    conf=None,
    timeout=600,
    background=False,
    env=None,
):
    """Run task `name` of `module` (a module whose main is in_odoo.task_main)
    in a process of its own: Odoo's log goes to `logfile`, the printed result
    to `logfile`.out. Returns the task's result, or with `background` the
    process (task_result(proc) once it has ended). `env`: the process's
    environment (None: this process's), PYTHONPATH still led by the repository."""
    cmd = [
        PYTHON,
        "-m",
        module,
        "--db",
        db,
        "--data-dir",
        data_dir,
        "--addons-path",
        addons_path,
        *(["--config", conf] if conf else []),
        "--logfile",
        logfile,
        name,
        "--args",
        json.dumps(args or {}),
    ]
    base = os.environ if env is None else env
    path = base.get("PYTHONPATH")
    env = dict(base, PYTHONPATH=REPO + (os.pathsep + path if path else ""))
    resfile = logfile + ".out"
    proc = procs.spawn(cmd, resfile, env=env, append=False)
    proc.resfile = resfile
    if background:
        return proc
    procs.wait(proc, timeout)
    return task_result(proc)


def task_result(proc):
    """The `RESULT <json>` a task printed; HarnessError with its output if none."""
    with open(proc.resfile, errors="replace") as f:
        text = f.read()
    for line in text.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise HarnessError(f"task failed (rc {proc.returncode}): {text[-1500:]}")
