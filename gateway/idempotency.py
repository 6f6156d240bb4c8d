"""``Idempotency-Key`` on POST: the first answer is stored per (user, key)
for 24 hours and replayed for a repeat of the same request.

- same method, path, query and body: the stored status and body are replayed
  (with ``Idempotent-Replayed: true``);
- a different request under the same key: 422;
- a repeat while the first is still running: 409.

Only answers that reached a service (2xx, or a 4xx the service gave) are
kept; when the gateway turned the request down itself (bad JSON, validation,
503) or it failed, the key is released, so the client can fix the request
and retry with the same key.

The key also travels to the services (``answer_key``): each RPC the request
makes carries it (with the method and its ordinal), and the service records
its answer in the same transaction as its writes.  So a request whose
outcome the gateway could not tell (a 503 after a timeout: the service may
have done the work) is safe to retry with the same key: the service answers
the retry with what it did the first time instead of doing it twice.  A streamed upload is fingerprinted while it is
read (the CSV bytes, not the multipart framing, whose boundary changes on
every retry).
"""

import collections
import hashlib
import json
import logging
import random
import threading
import time
from functools import wraps

import psycopg
from flask import current_app, g, request
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from gateway.bodies import parsed_json
from gateway.problems import HttpProblem
from gateway.resources import resources

log = logging.getLogger(__name__)
TTL = "24 hours"
KEY_MAX = 255
REPLAYED_HEADERS = ("Location", "ETag", "Content-Type", "Retry-After")


class HashingReader:
    """A binary stream that hashes what is read through it."""

    def __init__(self, raw, seed):
        self.raw = raw
        self.digest = hashlib.sha256(seed)

    def read(self, size=-1):
        chunk = self.raw.read(size)
        self.digest.update(chunk)
        return chunk

    def drain(self, chunk_size=1024 * 1024):
        while self.read(chunk_size):
            pass

    def hexdigest(self):
        self.drain()
        return self.digest.hexdigest()


def _seed():
    return f"{request.method}\n{request.path}\n{request.query_string.decode('latin-1')}\n".encode()


def answer_key(user_id, key):
    """What the services record this request's answers under."""
    return hashlib.sha256(f"{user_id}\n{key}".encode()).hexdigest()


def fingerprint(body):
    digest = hashlib.sha256(_seed())
    digest.update(_canonical(body) if request.is_json else body)
    return digest.hexdigest()


def _canonical(body):
    """A JSON body as its meaning: the same request sent again with its keys
    in another order or other spacing (a client that serialises again on
    retry) is the same request; a body that is not JSON stays as it came."""
    try:
        value = parsed_json()
    except ValueError:
        return body
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


# -- the store ---------------------------------------------------------------

def claim(conn, user_id, key, method, path, request_hash, claim_seconds):
    """('new', None) when this request now owns the key, else ('running'|'done', row)."""
    conn.execute(
        "DELETE FROM idempotency_keys WHERE user_id = %s AND key = %s AND (created_at < now() - %s::interval"
        " OR (status_code IS NULL AND created_at < now() - make_interval(secs => %s)))",
        (user_id, key, TTL, claim_seconds),
    )
    row = conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT DO NOTHING RETURNING key",
        (user_id, key, method, path, request_hash),
    ).fetchone()
    if row is not None:
        if random.random() < 0.01:
            purge_expired(conn)
        return "new", None
    row = conn.execute("SELECT * FROM idempotency_keys WHERE user_id = %s AND key = %s", (user_id, key)).fetchone()
    if row is None:  # expired and deleted by a concurrent request just now
        return claim(conn, user_id, key, method, path, request_hash, claim_seconds)
    return ("running" if row["status_code"] is None else "done"), row


def complete(conn, user_id, key, request_hash, status, body, headers):
    conn.execute(
        "UPDATE idempotency_keys SET request_hash = %s, status_code = %s, response_body = %s, response_headers = %s"
        " WHERE user_id = %s AND key = %s",
        (request_hash, status, Jsonb(body), Jsonb(headers), user_id, key),
    )


def release(conn, user_id, key):
    conn.execute("DELETE FROM idempotency_keys WHERE user_id = %s AND key = %s AND status_code IS NULL",
                 (user_id, key))


def purge_expired(conn):
    return conn.execute(f"DELETE FROM idempotency_keys WHERE created_at < now() - interval '{TTL}'").rowcount


# -- keys whose release must wait for the database ------------------------------

DATABASE_DOWN = (psycopg.OperationalError, PoolTimeout)
_pending_releases = collections.deque()
_releaser = None
_releaser_lock = threading.Lock()


def _release_or_later(res, user_id, key):
    try:
        with res.db.connection() as conn:
            release(conn, user_id, key)
    except DATABASE_DOWN:
        _release_later(res, user_id, key)


def _release_later(res, user_id, key):
    """Release the claim as soon as the gateway's database answers again (a
    thread of this process retries every second)."""
    global _releaser
    _pending_releases.append((user_id, key))
    with _releaser_lock:
        if _releaser is None or not _releaser.is_alive():
            _releaser = threading.Thread(target=_release_pending, args=(res,), name="idempotency-releases",
                                         daemon=True)
            _releaser.start()


def _release_pending(res):
    while _pending_releases and not res.closed:
        user_id, key = _pending_releases[0]
        try:
            with res.db.connection(timeout=5) as conn:
                release(conn, user_id, key)
        except DATABASE_DOWN:
            time.sleep(1)
            continue
        _pending_releases.popleft()


# -- the view wrapper ----------------------------------------------------------

def not_idempotent(view):
    """Opt a POST out: its answer holds a secret (a new token) that must not
    be stored in the database to be replayed."""
    view.crm_not_idempotent = True
    return view


def _key():
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise HttpProblem(400, f"Idempotency-Key must be 1 to {KEY_MAX} printable characters (a UUID is ideal).",
                          errors={"Idempotency-Key": ["Invalid."]})
    return key


def _replay(row):
    response = current_app.response_class(
        json.dumps(row["response_body"]) if row["response_body"] is not None else b"",
        status=row["status_code"],
    )
    for name, value in (row["response_headers"] or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _mismatch(detail):
    return HttpProblem(422, detail, title="Idempotency-Key reused",
                       errors={"Idempotency-Key": ["Already used for a different request."]})


def _storable(response):
    if g.get("crm_not_storable"):  # the view knows its client never got this answer
        return False
    if 200 <= response.status_code < 300:
        return True
    return 400 <= response.status_code < 500 and g.get("crm_rpc_called", False)


def idempotent(view):
    """Wrap a POST view.  A view with ``crm_upload`` (a function returning the
    raw binary body source) is fingerprinted while it streams: the view
    reads ``g.crm_upload`` (a HashingReader) instead."""
    upload = getattr(view, "crm_upload", None)

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _key() if request.method == "POST" else None
        if key is None or g.get("principal") is None:
            return view(*args, **kwargs)
        res = resources()
        user_id = g.principal.user_id
        request_hash = None if upload else fingerprint(request.get_data(cache=True))
        with res.db.connection() as conn:
            state, row = claim(conn, user_id, key, request.method, request.path, request_hash,
                               res.settings["IDEMPOTENCY_CLAIM_SECONDS"])
        if state == "running":
            raise HttpProblem(409, "A request with this Idempotency-Key is still running; retry when it is done.",
                              title="Request in progress", headers={"Retry-After": "1"})
        if state == "done":
            if (row["method"], row["path"]) != (request.method, request.path):
                raise _mismatch(f"This Idempotency-Key was used for {row['method']} {row['path']}.")
            if upload:
                request_hash = HashingReader(upload(), _seed()).hexdigest()
            if row["request_hash"] != request_hash:
                raise _mismatch("This Idempotency-Key was used with a different body or query.")
            return _replay(row)
        reader = None
        g.crm_answer_key = answer_key(user_id, key)
        try:
            try:
                if upload:
                    reader = g.crm_upload = HashingReader(upload(), _seed())
                response = current_app.make_response(view(*args, **kwargs))
            except Exception as exc:  # noqa: BLE001 - rendered by the app's handlers, then judged
                response = current_app.make_response(current_app.handle_user_exception(exc))
        except BaseException:
            _release_or_later(res, user_id, key)
            raise
        try:
            with res.db.connection() as conn:
                if _storable(response):
                    if reader is not None:
                        request_hash = reader.hexdigest()
                    body = response.get_json(silent=True) if response.data else None
                    headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
                    complete(conn, user_id, key, request_hash, response.status_code, body, headers)
                else:
                    release(conn, user_id, key)
        except DATABASE_DOWN as exc:
            # The answer stands (the work is done, or it was refused); the key
            # must not stay "running": a retry goes to the service again,
            # which answers from what it recorded.
            log.warning("could not record the answer of Idempotency-Key %r (%s); releasing it later", key, exc)
            _release_later(res, user_id, key)
        return response

    return wrapper
