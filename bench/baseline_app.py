"""The one-process baseline of the HTTP benchmark: a minimal Flask app on a
psycopg_pool pool that serves the gateway's two benchmarked operations
straight from the leads table, with no service, broker or outbox between:

    GET  /api/v1/leads/<id>   SELECT * FROM leads.leads WHERE id = %s -> JSON
    POST /api/v1/leads        INSERT INTO leads.leads ... RETURNING * -> 201 JSON

Run as one gunicorn worker process with the gateway's threads (bench/stack.py
does it)::

    DATABASE_URL=... BASELINE_TOKEN=... gunicorn -w 1 -k gthread --threads 8 'bench.baseline_app:create_app()'

The bearer token is checked against one hash held in memory: as cheap as
the gateway's token cache on a hit.  JSON goes out through orjson, as in the
services.
"""

import atexit
import hashlib
import hmac
import os
import uuid

import orjson
from flask import Flask, Response, request
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

CREATE_FIELDS = ("first_name", "last_name", "email", "company", "title", "country")


def json_response(value, status=200):
    return Response(orjson.dumps(value), status=status, mimetype="application/json")


def problem(status, detail):
    return Response(orjson.dumps({"status": status, "detail": detail}), status=status,
                    mimetype="application/problem+json")


def create_app(database_url=None, token=None, pool_size=None):
    database_url = database_url or os.environ["DATABASE_URL"]
    token = token or os.environ["BASELINE_TOKEN"]
    size = pool_size or int(os.environ.get("BASELINE_POOL_SIZE", "8"))
    pool = ConnectionPool(database_url, min_size=size, max_size=size, name="crm-bench-baseline", timeout=30, open=True,
                          kwargs={"autocommit": True, "row_factory": dict_row,
                                  "application_name": "crm-bench-baseline"})
    pool.wait(timeout=30)
    atexit.register(pool.close)
    token_hash = hashlib.sha256(token.encode()).digest()
    app = Flask("baseline")
    app.extensions["baseline_pool"] = pool

    @app.before_request
    def authorize():
        if request.endpoint == "health":
            return None
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                                                                   token_hash):
            return problem(401, "Send 'Authorization: Bearer <token>'.")
        return None

    @app.get("/health")
    def health():
        return json_response({"status": "ok"})

    @app.get("/api/v1/leads/<uuid:lead_id>")
    def get_lead(lead_id):
        with pool.connection() as conn:
            row = conn.execute("SELECT * FROM leads.leads WHERE id = %s", (lead_id,)).fetchone()
        if row is None:
            return problem(404, "No such lead.")
        return json_response(row)

    @app.post("/api/v1/leads")
    def create_lead():
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not data.get("last_name"):
            return problem(422, "Send a JSON object with at least last_name.")
        values = {name: data.get(name) for name in CREATE_FIELDS}
        email = values["email"]
        with pool.connection() as conn:
            row = conn.execute(
                "INSERT INTO leads.leads (id, first_name, last_name, email, email_norm, company, title, country,"
                " source) VALUES (%(id)s, %(first_name)s, %(last_name)s, %(email)s, %(email_norm)s, %(company)s,"
                " %(title)s, %(country)s, 'api') RETURNING *",
                {**values, "id": uuid.uuid4(), "email_norm": email.strip().lower() if email else None},
            ).fetchone()
        return json_response(row, 201)

    return app
