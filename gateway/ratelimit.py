"""Fixed-window rate limits counted in the gateway's database, so every
gunicorn worker and every replica shares one count per client.

The window comes from the database clock (one clock for all replicas):
``hit`` adds one to the current window's counter and says whether the limit
is exceeded and how long until the window ends.
"""

import math
import random

from flask import request

from gateway.problems import HttpProblem
from gateway.resources import resources

WINDOW_SECONDS = 60


def hit(conn, bucket, window_seconds=WINDOW_SECONDS):
    """(count in the current window including this hit, seconds until the
    window ends)."""
    row = conn.execute(
        "WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / %(w)s) * %(w)s) AS start)"
        " INSERT INTO rate_limits (bucket, window_start, count) SELECT %(b)s, w.start, 1 FROM w"
        " ON CONFLICT (bucket, window_start) DO UPDATE SET count = rate_limits.count + 1"
        " RETURNING count, extract(epoch FROM window_start + make_interval(secs => %(w)s) - now()) AS remaining",
        {"w": window_seconds, "b": bucket},
    ).fetchone()
    if random.random() < 0.01:
        conn.execute("DELETE FROM rate_limits WHERE window_start < now() - interval '1 hour'")
    return row["count"], max(1, math.ceil(float(row["remaining"])))


def client_ip():
    """The client's address (ProxyFix applies TRUSTED_PROXY_HOPS of X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def enforce(name, limit):
    """429 problem with Retry-After when ``name`` for this client is over
    ``limit`` per minute."""
    if limit <= 0:
        return
    with resources().db.connection() as conn:
        count, retry_after = hit(conn, f"{name}:{client_ip()}")
    if count > limit:
        raise HttpProblem(
            429, f"At most {limit} requests a minute from one address; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
