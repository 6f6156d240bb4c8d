"""supervisord event listener: restart every program that dies, after a growing delay, and never give up.

supervisord alone puts a program that dies a few times while starting into FATAL and leaves it there, and
restarts one that dies after starting at once, however often. Under `make up` the programs have
``autorestart=false`` and ``startretries=0``, and this listener owns every restart:

- a program that dies (FATAL: before ``startsecs``; EXITED: later) is started again after
  ``min(max, base * 2 ** (failures - 1))`` seconds: 1, 2, 4, ... 60 s by default, forever;
- ``failures`` counts the deaths since the program last ran healthy: a run of ``--healthy`` seconds
  (60 by default) resets it, so the next crash restarts at once again;
- a program stopped on purpose (``supervisorctl stop``, ``make down``) is left alone: that is STOPPED,
  never EXITED or FATAL.

What happened is written to ``--state`` (JSON) for ``make status``: per program the restarts, the last
exit (when, how, after how long) and the next restart. The listener speaks supervisord's event listener
protocol on stdin/stdout; its own messages go to stderr (``restarter.log``).

    python scripts/supervisor/restarter.py --state .crm/restarts.json --log .crm/logs/supervisord.log
"""

import argparse
import json
import os
import re
import select
import sys
import time
import xmlrpc.client
from pathlib import Path

from supervisor import childutils

# States of supervisord's processes that a restart may start from.
DEAD = ("FATAL", "EXITED", "BACKOFF")
# Exits kept per program in the state file (the last one is also ``last_exit``).
RECENT = 10


def log(message):
    print(time.strftime("%Y-%m-%d %H:%M:%S"), message, file=sys.stderr, flush=True)


class Policy:
    def __init__(self, base=1.0, maximum=60.0, healthy=60.0):
        self.base, self.maximum, self.healthy = base, maximum, healthy

    def delay(self, failures):
        """Seconds to wait before restarting after the ``failures``-th death in a row (1, 2, ...)."""
        return min(self.maximum, self.base * 2 ** max(0, failures - 1))

    def as_dict(self):
        return {"base_seconds": self.base, "max_seconds": self.maximum, "healthy_seconds": self.healthy}


def exit_detail(log_path, name):
    """How the program's last run ended, from supervisord's log (``exit status 3``,
    ``terminated by SIGKILL``); None when the log does not say."""
    if not log_path:
        return None
    try:
        with open(log_path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - 64 * 1024))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    found = re.findall(rf"exited: {re.escape(name)} \(([^;)]+)", tail)
    return found[-1] if found else None


class Restarter:
    def __init__(self, rpc, policy, state_path, log_path=None, own_name=None, clock=time.time):
        self.rpc, self.policy, self.clock = rpc, policy, clock
        self.state_path, self.log_path, self.own_name = Path(state_path), log_path, own_name
        self.programs = {}  # name -> its record (saved as JSON)
        self.supervisord = os.getppid()

    # --- state ----------------------------------------------------------------------------
    def record(self, name):
        return self.programs.setdefault(name, {
            "restarts": 0, "failures": 0, "started_at": None, "last_exit": None, "last_restart_at": None,
            "next_restart_at": None,
        })

    def load(self):
        """Pick up the counts of an earlier listener of the same supervisord (it was restarted)."""
        try:
            saved = json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return
        if saved.get("supervisord_pid") == self.supervisord:
            self.programs = saved.get("programs", {})

    def save(self):
        data = {"supervisord_pid": self.supervisord, "policy": self.policy.as_dict(), "programs": self.programs}
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, self.state_path)

    # --- events ---------------------------------------------------------------------------
    def recover(self):
        """Schedule a restart for every program that is already dead when this listener starts. Its death
        is not counted here: supervisord kept the event for this listener, which counts it when it comes
        (and reschedules); this restart only covers an event that was lost (the listener was restarted)."""
        now = self.clock()
        for info in self.rpc.supervisor.getAllProcessInfo():
            name = info["name"] if info["group"] == info["name"] else f"{info['group']}:{info['name']}"
            if info["group"] == self.own_name:
                continue
            entry = self.record(name)
            if info["statename"] in ("FATAL", "EXITED") and entry["next_restart_at"] is None:
                entry["next_restart_at"] = now + self.policy.delay(entry["failures"] + 1)
        self.save()

    def handle(self, event, payload):
        fields = dict(token.split(":", 1) for token in payload.split())
        group, process = fields.get("groupname"), fields.get("processname")
        if not process or group == self.own_name:
            return
        name = process if group == process else f"{group}:{process}"
        entry, now = self.record(name), self.clock()
        if event == "PROCESS_STATE_STARTING":
            # Started by this listener, or by hand: either way no restart is pending any more.
            entry["started_at"] = now
            entry["next_restart_at"] = None
        elif event == "PROCESS_STATE_EXITED":
            self.died(name, "EXITED")
        elif event == "PROCESS_STATE_FATAL":
            self.died(name, "FATAL")
        elif event == "PROCESS_STATE_STOPPED":
            # Stopped on purpose: no restart pending any more.
            entry["next_restart_at"] = None
            entry["started_at"] = None
        else:
            return
        self.save()

    def ran_seconds(self, name, entry, now):
        """How long the run that just ended lasted: supervisord's own start and stop times, else since
        this listener heard of the start; None when neither is known."""
        try:
            info = self.rpc.supervisor.getProcessInfo(name)
            if info["start"] and info["stop"] >= info["start"]:
                return round(info["stop"] - info["start"], 1)
        except (OSError, xmlrpc.client.Fault):
            pass
        return None if entry["started_at"] is None else round(now - entry["started_at"], 1)

    def died(self, name, state):
        entry, now = self.record(name), self.clock()
        ran = self.ran_seconds(name, entry, now)
        if ran is not None and ran >= self.policy.healthy:
            entry["failures"] = 0
        entry["failures"] += 1
        delay = self.policy.delay(entry["failures"])
        how = exit_detail(self.log_path, name.rsplit(":", 1)[-1]) or ("died while starting" if state == "FATAL"
                                                                      else "exited")
        entry["last_exit"] = {"at": now, "how": how, "state": state, "ran_seconds": ran, "delay_seconds": delay}
        entry["recent_exits"] = [*entry.get("recent_exits", [])[-(RECENT - 1):], entry["last_exit"]]
        entry["next_restart_at"] = now + delay
        entry["started_at"] = None
        log(f"{name}: {how}" + ("" if ran is None else f" after {ran:g} s") + f" ({state}); failure "
            f"{entry['failures']} in a row, restarting in {delay:g} s")

    # --- restarts -------------------------------------------------------------------------
    def seconds_to_next(self):
        due = [entry["next_restart_at"] for entry in self.programs.values() if entry["next_restart_at"]]
        return None if not due else max(0.0, min(due) - self.clock())

    def run_due(self):
        now, changed = self.clock(), False
        for name, entry in self.programs.items():
            if entry["next_restart_at"] is None or entry["next_restart_at"] > now:
                continue
            entry["next_restart_at"] = None
            changed = True
            try:
                state = self.rpc.supervisor.getProcessInfo(name)["statename"]
                if state not in DEAD:
                    log(f"{name}: {state} already, not restarting it")
                    continue
                self.rpc.supervisor.startProcess(name, False)
            except (OSError, xmlrpc.client.Fault) as exc:
                # supervisord is shutting down, or the program was removed from the config.
                log(f"{name}: could not restart it: {exc}")
                continue
            entry["restarts"] += 1
            entry["last_restart_at"] = now
            log(f"{name}: restarted (restart {entry['restarts']})")
        if changed:
            self.save()


def serve(restarter, stdin, stdout):
    """The event listener protocol: READY, then one event (header line + payload) at a time, answered
    with RESULT. Restarts fall due between events, so stdin is waited on with a timeout."""
    while True:
        stdout.write(b"READY\n")
        stdout.flush()
        while not select.select([stdin], [], [], restarter.seconds_to_next())[0]:
            restarter.run_due()
        line = stdin.readline()
        if not line:
            return  # supervisord went away
        headers = dict(token.split(":", 1) for token in line.decode().split())
        payload = stdin.read(int(headers["len"])).decode()
        try:
            restarter.handle(headers["eventname"], payload)
        except Exception as exc:  # noqa: BLE001 - one odd event must not stop every restart
            log(f"could not handle {headers.get('eventname')} {payload!r}: {type(exc).__name__}: {exc}")
        stdout.write(b"RESULT 2\nOK")
        stdout.flush()
        restarter.run_due()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--state", required=True, help="JSON file make status reads")
    parser.add_argument("--log", help="supervisord's log, where it says how each program exited")
    parser.add_argument("--base", type=float, default=1.0, help="first delay, seconds (default 1)")
    parser.add_argument("--max", type=float, default=60.0, help="longest delay, seconds (default 60)")
    parser.add_argument("--healthy", type=float, default=60.0,
                        help="a run this long resets the delay (seconds, default 60)")
    args = parser.parse_args(argv)
    if "SUPERVISOR_SERVER_URL" not in os.environ:
        parser.error("run me as a supervisord [eventlistener] (SUPERVISOR_SERVER_URL is not set)")
    restarter = Restarter(childutils.getRPCInterface(os.environ), Policy(args.base, args.max, args.healthy),
                          args.state, args.log, own_name=os.environ.get("SUPERVISOR_PROCESS_NAME"))
    restarter.load()
    restarter.recover()
    log(f"restarting dead programs after {args.base:g} s, doubling up to {args.max:g} s; "
        f"a run of {args.healthy:g} s resets the delay")
    serve(restarter, sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main()
