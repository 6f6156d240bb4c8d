"""The suite side by side (pytest-xdist): which process is patched, and how the
test files are shared out (scripts/test.sh runs ``pytest -n 2 --dist loadfile``).

Every test process runs on green threads, as a service does (``patch_all()``).
Under pytest-xdist (``pytest -n 2``, see scripts/test.sh) two processes need
care:

- the controller runs no test: it only hands test files to the workers and
  gathers their reports through execnet's threads. Patched, those threads
  would be green threads doing blocking pipe reads, and the run would hang;
  so the controller is left unpatched.
- a worker is patched as it loads tests/conftest.py, after execnet started its
  receiver thread (a real one). The queue through which that thread hands
  tests to the main thread is made afterwards, so its lock and event are made
  of the real ``threading`` here (a green event set from a real thread never
  wakes its waiter); the main thread waits for it while letting the green
  threads of its fixtures run.
"""

import os
import shlex
import sys
import time

# Options that make pytest the controller of xdist workers (``-n 0`` does not).
_WORKER_COUNT = ("-n", "--numprocesses")
_DIST = ("--dist", "-d", "--tx")


def worker_id():
    """``gw0``, ``gw1``... in a pytest-xdist worker; None elsewhere."""
    return os.environ.get("PYTEST_XDIST_WORKER") or None


def _option_values(args, names):
    values = []
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                values.append(args[index + 1])
            elif arg.startswith(name + "="):
                values.append(arg.split("=", 1)[1])
            elif len(name) == 2 and arg.startswith(name) and len(arg) > 2:  # -n2
                values.append(arg[2:])
    return values


def is_controller(argv=None, addopts=None):
    """Whether this process is the controller of a pytest-xdist run, from its
    command line (and PYTEST_ADDOPTS): the test files are not imported yet, so
    this is known before pytest's configuration is."""
    if worker_id():
        return False
    args = list(sys.argv[1:] if argv is None else argv)
    args += shlex.split(os.environ.get("PYTEST_ADDOPTS", "") if addopts is None else addopts)
    if "-p" in args and "no:xdist" in args:
        return False
    counts = _option_values(args, _WORKER_COUNT)
    if counts and counts[-1] not in ("0", ""):
        return True
    dist = _option_values(args, _DIST)
    return bool(dist) and dist[-1] != "no"


def is_patched():
    """Whether this process runs on green threads (without importing eventlet where it was not)."""
    if "eventlet.patcher" not in sys.modules:
        return False
    from shared.kit.monkey import is_patched as patched

    return patched("socket")


def cooperative_process():
    """``patch_all()`` in every test process but an xdist controller; in a
    worker, execnet's primitives stay real (see the module's text).  Returns
    whether the process was patched."""
    if is_controller():
        return False
    from shared.kit.monkey import original, patch_all

    if worker_id():
        _real_execnet_primitives(original("threading"))
    patch_all()
    return True


def _real_execnet_primitives(real_threading):
    import execnet.gateway_base as gateway_base

    class Event:
        """Set by execnet's receiver thread (a real thread); waited for by the
        main thread without stopping its green threads."""

        def __init__(self):
            self._event = real_threading.Event()

        def set(self):
            self._event.set()

        def clear(self):
            self._event.clear()

        def is_set(self):
            return self._event.is_set()

        def wait(self, timeout=None):
            if real_threading.current_thread() is not real_threading.main_thread():
                return self._event.wait(timeout)
            from shared.kit.green import sleep  # green: the fixtures' green threads run meanwhile

            deadline = None if timeout is None else time.monotonic() + timeout
            while not self._event.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    return False
                sleep(0.005)
            return True

    model = gateway_base.MainThreadOnlyExecModel
    model.Lock = model.RLock = lambda self: real_threading.RLock()
    model.Event = lambda self: Event()


# The packages that run the whole suite live (tests/api/stack.py: every service
# as a process, the gateway under gunicorn; the console's adds Chromium): their
# files are one unit of work, so they run on one worker one after the other.
# Two such stacks at once would hold more PostgreSQL connections than a default
# server allows (max_connections = 100; a stack keeps about 30, more under load).
# They come first: the longest work, not to be left to one worker at the end.
LIVE_STACK_PACKAGES = ("tests/console", "tests/api")
FIRST = LIVE_STACK_PACKAGES


def first_rank(nodeid):
    """0 for the long work of FIRST (in its order), len(FIRST) for everything else."""
    for rank, prefix in enumerate(FIRST):
        if nodeid.startswith(prefix + "/"):
            return rank
    return len(FIRST)


def make_scheduler(config, log):
    """pytest-xdist's ``--dist loadfile``, with all of LIVE_STACK_PACKAGES as one
    unit, in collection order (tests/conftest.py puts FIRST first)."""
    from xdist.scheduler import LoadFileScheduling

    class SuiteScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            path = nodeid.split("::", 1)[0]
            if any(path.startswith(package + "/") for package in LIVE_STACK_PACKAGES):
                return "live stacks"
            return path

    config.option.loadscopereorder = False  # its order is by test count, not by time
    return SuiteScheduling(config, log)
