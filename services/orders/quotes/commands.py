"""Quote operations (see the area's brief)."""


def expire_due(conn, today, limit):
    """Expire up to ``limit`` sent quotes whose validity ended before ``today``; returns how many."""
    return 0
