"""The local processes under supervisord, for the scripts (`make up`, `make status`).

    procs.py status --socket S --state F --logs D [--ops leads=8091 ...] [--http gateway=URL/ready]
    procs.py wait   --socket S --state F --logs D [--ops leads=8091 ...] [--http gateway=URL/ready] [--timeout 60]
    procs.py ports-free 8091 8092 127.0.0.1:8080

``status`` prints one line per program: its state, pid and uptime, its restarts (count, and the last
exit: when, how, after how long; the next restart when one is pending, see
scripts/supervisor/restarter.py), and for the services and the gateway whether they are ready, from
their ops port's ``/readyz`` (or the gateway's ``/ready``), with the outbox and dead-letter figures of
the service's ``/metrics``. ``wait`` polls the same URLs until each answers 200, and fails early, with
the program's log, when a program keeps dying. ``ports-free`` fails when something already listens on
one of the ports. One Python process does all the checks, over plain HTTP.

When a service's ops port does not answer at all while the program runs (OPS_PORT=0, or a kit without
the ops server), both fall back to the service's health RPC.
"""

import argparse
import json
import re
import socket
import sys
import time
import urllib.error
import urllib.request
import xmlrpc.client
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# After this long running with its ops port closed, a service is asked over RPC instead.
OPS_PORT_GRACE_SECONDS = 10
# A program that died this often while `wait` waited for it is crash-looping: stop waiting.
DEATHS_BEFORE_GIVING_UP = 3
HTTP_TIMEOUT = 3
METRIC_DETAILS = re.compile(r"outbox|dead_?letter", re.I)


def supervisor(socket_path):
    from supervisor.xmlrpc import SupervisorTransport

    return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None,
                                                                                       f"unix://{socket_path}"))


def load_restarts(path):
    try:
        return json.loads(Path(path).read_text()).get("programs", {})
    except (OSError, ValueError):
        return {}


def http_get(url, timeout=HTTP_TIMEOUT):
    """(status, body text); status 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return 0, ""


def describe_checks(body):
    """``database failed (...)`` from a readiness answer's ``checks``; '' when all pass or it says none."""
    try:
        checks = json.loads(body).get("checks") or {}
    except (ValueError, AttributeError):
        return ""
    failing = [f"{name} {value}" if isinstance(value, str) else f"{name} {json.dumps(value)}"
               for name, value in checks.items() if value not in ("ok", True)]
    return ", ".join(failing)


def metric_details(port):
    """The outbox and dead-letter samples of a service's /metrics (``name{labels} value``)."""
    status, text = http_get(f"http://127.0.0.1:{port}/metrics")
    if status != 200:
        return []
    lines = [line for line in text.splitlines() if line and not line.startswith("#") and METRIC_DETAILS.search(line)]
    return [line for line in lines if not re.match(r"\S+_created[{ ]", line)]


def health_rpc(name):
    """(answered, one line) from the service's health RPC, through the broker."""
    sys.path.insert(0, str(ROOT))
    try:
        from shared.kit.config import load_component_config
        from shared.kit.health import check, describe

        return True, describe(check(name, load_component_config(name), timeout=HTTP_TIMEOUT))
    except Exception as exc:  # noqa: BLE001 - any failure means not answering
        return False, f"{name}: health RPC failed ({type(exc).__name__}: {exc})"


class Target:
    """A program whose readiness is an HTTP GET: a service's ops port, or the gateway's /ready."""

    def __init__(self, name, url, ops_port=None):
        self.name, self.url, self.ops_port = name, url, ops_port

    @classmethod
    def parse(cls, text, ops):
        name, _, value = text.partition("=")
        if not name or not value:
            raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=PORT or NAME=URL")
        if ops:
            return cls(name, f"http://127.0.0.1:{int(value)}/readyz", int(value))
        return cls(name, value)

    def probe(self):
        """('ready'|'unavailable'|'closed', detail)."""
        status, body = http_get(self.url)
        if status == 200:
            return "ready", ""
        if status == 0:
            return "closed", ""
        return "unavailable", describe_checks(body) or f"HTTP {status}"


def program_infos(rpc):
    infos = {}
    for info in rpc.supervisor.getAllProcessInfo():
        name = info["name"] if info["group"] == info["name"] else f"{info['group']}:{info['name']}"
        infos[name] = info
    return infos


def clock(at, now):
    if not at:
        return "-"
    fmt = "%H:%M:%S" if time.strftime("%Y%m%d", time.localtime(at)) == time.strftime("%Y%m%d", time.localtime(now)) \
        else "%Y-%m-%d %H:%M:%S"
    return time.strftime(fmt, time.localtime(at))


def duration(seconds):
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def restart_summary(entry, now):
    if not entry or not entry.get("restarts") and not entry.get("last_exit"):
        return "0"
    text = str(entry.get("restarts", 0))
    last = entry.get("last_exit")
    if last:
        ran = "" if last.get("ran_seconds") is None else f" after {last['ran_seconds']:g} s"
        text += f", last exit {clock(last['at'], now)}: {last['how']}{ran}"
    pending = entry.get("next_restart_at")
    if pending:
        text += f"; restarting in {max(0, pending - now):.0f} s"
    return text


# ---------------------------------------------------------------- status
def status(args):
    rpc = supervisor(args.socket)
    try:
        infos = program_infos(rpc)
    except OSError as exc:
        print(f"supervisord does not answer on {args.socket}: {exc}")
        return 1
    restarts = load_restarts(args.state)
    targets = {target.name: target for target in args.ops + args.http}
    now = time.time()
    rows = [("program", "state", "pid", "uptime", "ready", "restarts")]
    details = []
    for name, info in infos.items():
        if info["group"] == "restarter":
            continue
        running = info["statename"] == "RUNNING"
        uptime = duration(info["now"] - info["start"]) if running else "-"
        ready = "-"
        target = targets.get(name)
        if target is not None:
            state, detail = target.probe()
            where = f":{target.ops_port}" if target.ops_port else target.url
            if state == "closed" and target.ops_port and running:
                answered, line = health_rpc(name)
                ready = f"{'ready' if answered else 'unavailable'} (ops port {where} closed; health RPC)"
                details.append(line)
            else:
                ready = {"ready": "ready", "closed": "not answering", "unavailable": "unavailable"}[state]
                ready += f" ({where}{': ' + detail if detail else ''})"
            if target.ops_port and state != "closed":
                details += [f"{name}: {line}" for line in metric_details(target.ops_port)]
        rows.append((name, info["statename"], str(info["pid"] or "-"), uptime, ready,
                     restart_summary(restarts.get(name), now)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    for line in details:
        print(f"    {line}")
    return 0


# ---------------------------------------------------------------- wait
def log_tail(logs, name, lines=40):
    path = Path(logs) / f"{name}.log"
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log yet)"


def deaths(restarts_path, name):
    entry = load_restarts(restarts_path).get(name) or {}
    return entry.get("restarts", 0) + (1 if entry.get("next_restart_at") else 0)


def wait(args):
    rpc = supervisor(args.socket)
    for target in args.ops + args.http:
        deadline = time.monotonic() + args.timeout
        dead_before = deaths(args.state, target.name)
        closed_since = None
        while True:
            state, detail = target.probe()
            if state == "ready":
                print(f" ok  {target.name} is ready")
                break
            info = rpc.supervisor.getProcessInfo(target.name)
            why = None
            if deaths(args.state, target.name) - dead_before >= DEATHS_BEFORE_GIVING_UP:
                why = f"it keeps dying ({DEATHS_BEFORE_GIVING_UP} times while waiting; it is restarted with a " \
                      "growing delay)"
            elif time.monotonic() >= deadline:
                why = f"not ready within {args.timeout:g} s" + (f": {detail}" if detail else "")
            elif state == "closed" and target.ops_port and info["statename"] == "RUNNING":
                closed_since = closed_since or time.monotonic()
                if time.monotonic() - closed_since >= OPS_PORT_GRACE_SECONDS:
                    answered, line = health_rpc(target.name)
                    if answered:
                        print(f" ok  {line} (its ops port :{target.ops_port} does not answer: health RPC)")
                        break
            if why:
                print(f"FAIL {target.name}: {why} (supervisor state: {info['statename']})", file=sys.stderr)
                print(f"     last 40 lines of {Path(args.logs) / (target.name + '.log')}:", file=sys.stderr)
                print(log_tail(args.logs, target.name), file=sys.stderr)
                return 1
            time.sleep(0.5)
    return 0


# ---------------------------------------------------------------- ports-free
def ports_free(args):
    taken = []
    for spec in args.ports:
        host, _, port = spec.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if host in ("0.0.0.0", "*"):
            host = "127.0.0.1"
        try:
            socket.create_connection((host, int(port)), timeout=1).close()
            taken.append(spec)
        except OSError:
            pass
    if taken:
        print(f"FAIL something already listens on {', '.join(taken)}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("status", "wait"):
        command = commands.add_parser(name)
        command.add_argument("--socket", required=True, help="supervisord's unix socket")
        command.add_argument("--state", required=True, help="the restarter's state file")
        command.add_argument("--logs", required=True, help="the programs' log directory")
        command.add_argument("--ops", action="append", default=[], type=lambda text: Target.parse(text, True),
                             help="SERVICE=PORT: the service's ops port")
        command.add_argument("--http", action="append", default=[], type=lambda text: Target.parse(text, False),
                             help="PROGRAM=URL: a readiness URL")
        if name == "wait":
            command.add_argument("--timeout", type=float, default=60, help="seconds per program")
    free = commands.add_parser("ports-free")
    free.add_argument("ports", nargs="+", help="PORT or HOST:PORT")
    args = parser.parse_args(argv)
    return {"status": status, "wait": wait, "ports-free": ports_free}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
