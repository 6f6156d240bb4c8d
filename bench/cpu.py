"""CPU time per process from /proc, for "CPU per request per process".

A :class:`Sampler` knows which processes play which role (``gateway worker
1``, ``leads 2``, ``rabbitmq``, ``postgres crm-leads`` ...): fixed pids, the
children of a pid found at sampling time (gunicorn's workers), processes
found by command line (RabbitMQ's ``beam.smp``), and the PostgreSQL
backends of the benchmark database, grouped by ``application_name``.
``sample()`` reads utime + stime of each; ``delta(before, after)`` gives CPU
seconds per role over the window, with the caveats of the method:

- a process that started during the window counts with all its CPU (it
  cannot have run before); one that ended during it is lost (its counters
  went with it) and is counted in ``ended``;
- a shared server (RabbitMQ, PostgreSQL's background processes) also works
  for others: its figure is what it used while the load ran, whoever asked;
- the kernel's network work is partly charged to whichever process was
  running, partly to no process (it shows in ``machine busy`` only).
"""

import os
import time
from collections import defaultdict
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_PROCESSES = "postgres server processes"
PROC = Path("/proc")


def stat_fields(pid):
    """The fields of /proc/<pid>/stat after the command name (state first),
    or None when the process is gone."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid):
    """utime + stime of ``pid`` (all its threads), or None when it is gone."""
    fields = stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of proc(5)


def children(pid):
    """Pids whose parent is ``pid``."""
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = stat_fields(entry.name)
            if fields is not None and fields[1] == str(pid):
                found.append(int(entry.name))
    return sorted(found)


def pids_by_command(*words):
    """Pids whose command line holds every one of ``words``."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if cmdline and all(word in cmdline for word in words):
            found.append(int(entry.name))
    return sorted(found)


def machine_cpu_seconds():
    """(busy, stolen): CPU seconds all cores spent busy since boot, and the
    time the hypervisor gave them to other machines (the "cpu" line of /proc/stat)."""
    for line in (PROC / "stat").read_text().splitlines():
        if line.startswith("cpu "):
            user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in line.split()[1:9])
            return (user + nice + system + irq + softirq) / CLOCK_TICKS, steal / CLOCK_TICKS
    return 0.0, 0.0


class Sampler:
    def __init__(self):
        self.fixed = {}  # role -> pid
        self.parents = {}  # role prefix -> parent pid (its children are "<prefix> 1", "<prefix> 2", ...)
        self.commands = {}  # role -> words of the command line
        self.pg_conninfo = None

    def add(self, role, pid):
        self.fixed[role] = pid

    def add_children(self, prefix, parent_pid):
        self.parents[prefix] = parent_pid

    def add_command(self, role, *words):
        self.commands[role] = words

    def add_postgres(self, conninfo):
        """The PostgreSQL server ``conninfo`` points at: the client backends of
        its database, one role per application_name (``postgres crm-leads``;
        the sampler's own connection is left out), and its background
        processes (WAL writer, checkpointer, background writer, autovacuum)
        as ``postgres server processes``."""
        self.pg_conninfo = conninfo

    def processes(self):
        """(pid, role) pairs as they are now."""
        found = [(pid, role) for role, pid in self.fixed.items()]
        for prefix, parent in self.parents.items():
            found += [(pid, f"{prefix} {n}") for n, pid in enumerate(children(parent), start=1)]
        for role, words in self.commands.items():
            found += [(pid, role) for pid in pids_by_command(*words)]
        found += self._postgres_backends()
        return found

    def _postgres_backends(self):
        if self.pg_conninfo is None:
            return []
        import psycopg

        with psycopg.connect(self.pg_conninfo, autocommit=True, application_name="crm-bench-sampler") as conn:
            rows = conn.execute(
                "SELECT pid, backend_type, coalesce(nullif(application_name, ''), '(no name)') FROM pg_stat_activity"
                " WHERE pid <> pg_backend_pid() AND (datname = current_database() OR datname IS NULL)"
            ).fetchall()
        return [(pid, f"postgres {name}" if kind == "client backend" else SERVER_PROCESSES)
                for pid, kind, name in rows]

    def sample(self):
        """{pid: (role, cpu seconds)} for every process alive now."""
        taken = {}
        for pid, role in self.processes():
            seconds = cpu_seconds(pid)
            if seconds is not None:
                taken[pid] = (role, seconds)
        busy, stolen = machine_cpu_seconds()
        return {"processes": taken, "machine_busy": busy, "machine_stolen": stolen, "at": time.monotonic()}


def delta(before, after):
    """CPU seconds per role between two samples, and what the method missed."""
    per_role = defaultdict(float)
    started = ended = 0
    for pid, (role, seconds) in after["processes"].items():
        if pid in before["processes"]:
            per_role[role] += max(0.0, seconds - before["processes"][pid][1])
        else:
            per_role[role] += seconds
            started += 1
    for pid, (role, _seconds) in before["processes"].items():
        if pid not in after["processes"]:
            per_role[role] += 0.0  # the role stays visible; its CPU went with the process
            ended += 1
    return {
        "roles": dict(per_role),
        "machine_busy_seconds": after["machine_busy"] - before["machine_busy"],
        "machine_stolen_seconds": after["machine_stolen"] - before["machine_stolen"],
        "wall_seconds": after["at"] - before["at"],
        "processes_started": started,
        "processes_ended": ended,
    }
