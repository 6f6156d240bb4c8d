"""Plain py-amqp connections from an ``amqp://`` URI, for the kit's own
publishers and clients (RPC replies, the RPC client, the outbox relay).

Only py-amqp's public API is used.  ``keepalive(connection)`` reads whatever
the broker sent (heartbeats, a close) without waiting and sends a heartbeat
when one is due: call it about once a second on a connection that is
otherwise only written to, so that heartbeats stay on and a dead broker is
noticed instead of written into the void.
"""

import contextlib
import socket
import ssl
from urllib.parse import unquote, urlsplit

import amqp

DEFAULT_HEARTBEAT = 30
CONNECT_TIMEOUT = 5


def connection_params(uri, heartbeat=DEFAULT_HEARTBEAT, name=None):
    """Keyword arguments of ``amqp.Connection`` for an ``amqp://`` or ``amqps://`` URI."""
    parts = urlsplit(uri)
    if parts.scheme not in ("amqp", "amqps", "pyamqp"):
        raise ValueError(f"not an AMQP URI: {parts.scheme}://...")
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    vhost = unquote(parts.path[1:]) if parts.path not in ("", "/") else "/"
    params = {
        "host": f"{host}:{port}",
        "userid": unquote(parts.username or "guest"),
        "password": unquote(parts.password or "guest"),
        "virtual_host": vhost,
        "heartbeat": heartbeat,
        "connect_timeout": CONNECT_TIMEOUT,
        "ssl": ssl.create_default_context() if parts.scheme == "amqps" else False,
    }
    if name:
        params["client_properties"] = {"connection_name": name}
    return params


def connect(uri, heartbeat=DEFAULT_HEARTBEAT, name=None):
    connection = amqp.Connection(**connection_params(uri, heartbeat, name))
    connection.connect()
    return connection


# What a broken or refused connection raises.
CONNECTION_ERRORS = (OSError, socket.timeout, amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError,
                     amqp.exceptions.RecoverableConnectionError, amqp.exceptions.IrrecoverableConnectionError)


def keepalive(connection):
    """Read what is pending without waiting, then send a heartbeat if due;
    raises one of CONNECTION_ERRORS when the connection is gone."""
    with contextlib.suppress(TimeoutError):
        connection.drain_events(timeout=0)
    connection.heartbeat_tick()


def close_quietly(connection):
    if connection is None:
        return
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection
        with contextlib.suppress(Exception):
            connection.collect()
