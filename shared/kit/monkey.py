"""Make a process cooperative, as every service process is: green threads
for sockets, locks and sleeps, and psycopg waiting through them.  Call
``patch_all()`` first thing, before anything else is imported (the service
runner and the test suite do)."""


def patch_all():
    import eventlet

    eventlet.monkey_patch()
    from shared.kit.db import cooperative_waits

    cooperative_waits()


def is_patched(module):
    """Whether ``patch_all()`` made the standard module ``module`` ("os",
    "select", ...) cooperative in this process."""
    from eventlet import patcher

    return patcher.is_monkey_patched(module)


def original(module):
    """The standard module ``module`` as it was before ``patch_all()``: for
    code that must really block (a foreign event loop such as a browser
    driver's), never for code that runs beside green threads."""
    from eventlet import patcher

    return patcher.original(module)
