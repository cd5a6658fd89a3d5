"""Processes in their own session (killed as a group), free ports, bounded
waits, a start line for processes that must start at the same instant, and
a process's size and CPU time (and its children's) read from /proc."""

import contextlib
import os
import signal
import socket
import subprocess
import time

# Heads each start of a process in its appended log.
START_HEADER = "\n===== "


class HarnessError(Exception):
    """A run could not go on: a timeout, a process that failed."""


class ProcessGroup:
    """The processes a run starts; whatever is left is killed at the end."""

    def __init__(self, cwd=None):
        self.cwd = cwd
        self.procs = []

    def spawn(self, cmd, logfile=None, env=None, append=True):
        """Start cmd in its own session, its output to `logfile` (None: this
        process's own output).

        append=False starts the file afresh (a task's result file, parsed)."""
        out = None
        if logfile:
            out = open(logfile, "ab" if append else "wb")
            if append:
                header = f"{START_HEADER}{time.strftime('%H:%M:%S')} {' '.join(cmd)}\n"
                out.write(header.encode())
                out.flush()
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                stdin=subprocess.DEVNULL,
                cwd=self.cwd,
                start_new_session=True,
                env=env,
            )
        finally:
            if out:
                out.close()
        self.procs.append(proc)
        return proc

    @staticmethod
    def kill(proc, sig=signal.SIGKILL):
        """Signal the process and its children (its session: pgid == pid)."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)

    def wait(self, proc, timeout):
        """Its exit status; killed and HarnessError after `timeout` seconds."""
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill(proc)
            proc.wait(10)
            raise HarnessError(
                f"process {proc.args[:6]} timed out after {timeout}s"
            ) from None

    def kill_all(self, wait=0):
        """SIGKILL every process still running; then wait for each up to `wait` s."""
        for proc in self.procs:
            self.kill(proc)
        if wait:
            for proc in self.procs:
                with contextlib.suppress(Exception):
                    proc.wait(wait)


class PortPool:
    """Free TCP ports on 127.0.0.1, taken in turn from `ports`."""

    def __init__(self, ports):
        self.ports = ports
        self.next = 0

    def take(self):
        for _ in range(len(self.ports)):
            port = self.ports[self.next % len(self.ports)]
            self.next += 1
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise HarnessError(f"no free port in {self.ports[0]}-{self.ports[-1]}")


def wait_until(predicate, timeout, what, interval=0.3, on_idle=None, idle_every=3.0):
    """Poll `predicate` until true; `on_idle` every `idle_every` s meanwhile;
    HarnessError after `timeout` s."""
    deadline = time.time() + timeout
    last_idle = time.time()
    while time.time() < deadline:
        if predicate():
            return
        if on_idle and time.time() - last_idle > idle_every:
            on_idle()
            last_idle = time.time()
        time.sleep(interval)
    raise HarnessError(f"timeout after {timeout}s waiting for {what}")


class StartLine:
    """`count` processes load (Odoo's registry...), each says it is ready with
    its file, then all start when the go file appears. The processes' side:
    in_odoo.ready_then_wait(start_line.ready_file(i), start_line.go_file)."""

    def __init__(self, go_file, count):
        self.go_file = go_file
        self.count = count

    def ready_file(self, index):
        return f"{self.go_file}.ready{index}"

    def wait_ready(self, timeout, procs=(), what="the processes to load"):
        """Until every process is ready; returns early when one has failed."""
        files = [self.ready_file(i) for i in range(self.count)]
        wait_until(
            lambda: all(os.path.exists(f) for f in files)
            or any(p.poll() not in (None, 0) for p in procs),
            timeout,
            what,
            interval=0.05,
        )

    def go(self):
        with open(self.go_file, "w"):
            pass


def proc_status_kb(pid="self", field="VmRSS"):
    """A size from /proc/<pid>/status in kB (VmRSS: resident now, VmHWM:
    its peak); 0 if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def proc_cpu_s(pid):
    """User + system CPU seconds of a process, all its threads (an Odoo
    server, a PostgreSQL backend); 0.0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def proc_children_cpu_s(pid):
    """User + system CPU seconds of a process's children that it has waited
    for (e.g. the wkhtmltopdf runs of an Odoo server); 0.0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0
