"""Make a process cooperative, as every service process is: green threads
for sockets, locks and sleeps, and psycopg waiting through them.  Call
``patch_all()`` first thing, before anything else is imported (the service
runner and the test suite do)."""


def patch_all():
    import eventlet

    eventlet.monkey_patch()
    from shared.kit.db import cooperative_waits

    cooperative_waits()
