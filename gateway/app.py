"""The gateway's app factory: ``gunicorn 'gateway.app:create_app()'``.

One app per gunicorn worker process: settings, a psycopg pool on the
``gateway`` schema, a pool of started RPC proxies, tracing, the problem+json
error handlers, authentication, and the API's blueprints.  Every POST of an
authenticated route honours ``Idempotency-Key`` (except token creation,
whose answer is a secret that must not be stored).
"""

import atexit
import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from gateway import auth, metrics, observability
from gateway.auth import TokenCache
from gateway.idempotency import idempotent
from gateway.problems import register_error_handlers
from gateway.resources import Resources
from gateway.routes import BLUEPRINTS
from gateway.routing import UUIDConverter
from gateway.rpc import RpcPool
from gateway.settings import load_settings
from shared.kit.db import make_pool

log = logging.getLogger(__name__)


def _wrap_posts_with_idempotency(app):
    wrapped = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        skip = getattr(view, "crm_public", False) or getattr(view, "crm_not_idempotent", False)
        if "POST" in rule.methods and not skip and rule.endpoint not in wrapped:
            app.view_functions[rule.endpoint] = idempotent(view)
            wrapped.add(rule.endpoint)


def create_app(config=None, *, rpc_pool=None):
    """``config``: a settings dict (default: gateway/config.yaml with the
    environment); ``rpc_pool``: a stand-in for tests."""
    settings = load_settings(config)
    observability.configure_logging(settings["LOG_LEVEL"])

    app = Flask("gateway", static_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=settings["MAX_BODY_BYTES"])
    app.json.sort_keys = False
    app.url_map.converters["uuid"] = UUIDConverter
    app.url_map.strict_slashes = False
    if settings["TRUSTED_PROXY_HOPS"] > 0:
        hops = settings["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db = make_pool(settings["DATABASE_URL"], settings["DB_SCHEMA"], min_size=settings["DB_POOL_MIN"],
                   max_size=settings["DB_POOL_MAX"], name="gateway", open=False)
    db.timeout = settings["DB_WAIT_SECONDS"]
    # Don't wait: the gateway starts (and /health answers) while the database is down.
    db.open(wait=False)
    if rpc_pool is None:
        rpc_pool = RpcPool(settings, size=settings["RPC_POOL_SIZE"], timeout=settings["RPC_TIMEOUT"],
                           on_call=metrics.record_rpc)
    resources = Resources(
        settings=settings, db=db, rpc=rpc_pool, token_cache=TokenCache(settings["TOKEN_CACHE_SECONDS"]),
        tracer=observability.make_tracer(settings["SERVICE_NAME"]),
    )
    app.extensions["gateway"] = resources
    atexit.register(resources.close)

    register_error_handlers(app)
    metrics.install(app)  # first: every request is counted and timed, and /metrics is served
    observability.install(app, resources.tracer)  # before authorize: 401s are traced too
    app.before_request(auth.authorize)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    _wrap_posts_with_idempotency(app)
    log.info("gateway app ready (schema %s, %d RPC proxies at most)", settings["DB_SCHEMA"], rpc_pool.size
             if hasattr(rpc_pool, "size") else 0)
    return app
