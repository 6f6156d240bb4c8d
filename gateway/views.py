"""What the resource views share: who is acting, versioned answers (ETag,
Location), rate limits, and the usual list / create / PATCH round trips to a
service.  The views get their input already loaded by ``@operation`` (see
gateway.openapi); ``body.wire()`` and ``query.wire()`` are what a service
is sent."""

import functools

from flask import g, url_for

from gateway.bodies import etag
from gateway.ratelimit import enforce
from gateway.resources import call, resources


def actor():
    """The caller's username, the ``actor`` of every write."""
    return g.principal.username


def versioned(entity, status=200, version_of=None, **headers):
    """An answer with the version of ``version_of`` (default: the answer
    itself) as ETag."""
    headers["ETag"] = etag((entity if version_of is None else version_of)["version"])
    return entity, status, headers


def created(entity, endpoint, **ids):
    """201 with Location (``url_for(endpoint, **ids)``) and ETag."""
    return versioned(entity, 201, Location=url_for(endpoint, **ids))


def rate_limited(bucket, setting):
    """Count the request against ``bucket`` (per client address, limit: the
    setting ``setting`` per minute) before anything else is read; put it
    above ``@operation``."""

    def wrap(view):
        @functools.wraps(view)
        def limited(*args, **kwargs):
            enforce(bucket, resources().settings[setting])
            return view(*args, **kwargs)

        return limited

    return wrap


def listing(service, method, query, *args):
    """``method(*args, query)`` with the loaded query string."""
    return call(service, method, *args, query.wire())


def create(service, method, body, endpoint, id_name):
    """``method(data, actor)`` -> 201 with the new entity's Location and ETag."""
    entity = call(service, method, body.wire(), actor())
    return created(entity, endpoint, **{id_name: entity["id"]})


def patch(service, method, entity_id, body, expected_version):
    """A PATCH -> ``method(entity_id, changes, actor, expected_version)``."""
    return versioned(call(service, method, entity_id, body.wire(), actor(), expected_version))
