"""Runs wrk (the HTTP load generator) with bench/lua/crm.lua and reads its
figures: requests, errors and latency percentiles from the script's
``done()`` line, and the CPU wrk itself used."""

import json
import os
import resource
import shutil
import subprocess
import uuid
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "lua" / "crm.lua"
MARKER = "CRM_WRK_JSON "


class WrkMissing(RuntimeError):
    pass


def executable():
    path = shutil.which("wrk")
    if path is None:
        raise WrkMissing("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return path


def version():
    result = subprocess.run([executable(), "--version"], capture_output=True, text=True)
    first = (result.stdout or result.stderr).splitlines()
    return first[0].split(" Copyright")[0].strip() if first else "wrk"


def parse(stdout):
    """The figures of the ``done()`` line, in milliseconds and requests per second."""
    for line in stdout.splitlines():
        if line.startswith(MARKER):
            raw = json.loads(line[len(MARKER):])
            break
    else:
        raise RuntimeError(f"wrk printed no {MARKER.strip()} line:\n{stdout[-2000:]}")
    seconds = raw["duration_us"] / 1e6
    latency = raw["latency_us"]
    errors = raw["errors"]
    return {
        "requests": raw["requests"],
        "seconds": round(seconds, 3),
        "rps": round(raw["requests"] / seconds, 1) if seconds else 0.0,
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p90_ms": round(latency["p90"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "max_ms": round(latency["max"] / 1000, 2),
        "mean_ms": round(latency["mean"] / 1000, 2),
        "non_2xx_3xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
    }


def command(url, connections, seconds, token=None, threads=None, timeout=10):
    threads = threads or min(connections, os.cpu_count() or 1)
    cmd = [executable(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s",
           "--latency", "-s", str(SCRIPT)]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    return [*cmd, url]


def run(url, connections, seconds, mode="get", token=None, threads=None):
    """One wrk run; ``mode`` is ``get`` (the URL as is), ``create`` (a
    unique lead POSTed per request) or ``case`` (a unique support case
    POSTed per request).  Adds ``wrk_cpu_seconds``."""
    env = {**os.environ, "CRM_WRK_MODE": mode, "CRM_WRK_RUN": uuid.uuid4().hex[:10]}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(command(url, connections, seconds, token, threads), env=env, capture_output=True,
                            text=True, timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed ({result.returncode}): {result.stderr.strip() or result.stdout[-2000:]}")
    figures = parse(result.stdout)
    figures["wrk_cpu_seconds"] = round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 3)
    return figures
