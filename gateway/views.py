"""What the resource views share: who is acting, versioned answers (ETag,
Location), and the usual list / create / PATCH round trips to a service, each
validating its input with the shared schemas before anything is sent."""

from flask import g, request, url_for

from gateway.bodies import etag, if_match_version, json_body, query_args, wire
from gateway.problems import HttpProblem
from gateway.resources import call


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


def optional_json_body(schema):
    """A body whose fields are all optional: an empty body is ``{}``."""
    if not request.get_data(cache=True).strip():
        return (schema() if isinstance(schema, type) else schema).load({})
    return json_body(schema)


def changes(schema):
    """A PATCH body: only the given fields, and at least one."""
    data = json_body(schema)
    if not data:
        raise HttpProblem(422, "Send at least one field to change.", title="Validation failed",
                          errors={"_schema": ["Nothing to change."]})
    return data


def listing(service, method, schema, *args):
    """``method(*args, query)`` with the query string loaded through ``schema``."""
    query = query_args(schema)
    return call(service, method, *args, wire(schema, query))


def create(service, method, schema, endpoint, id_name):
    """``method(data, actor)`` -> 201 with the new entity's Location and ETag."""
    data = json_body(schema)
    entity = call(service, method, wire(schema, data), actor())
    return created(entity, endpoint, **{id_name: entity["id"]})


def patch(service, method, entity_id, schema):
    """``If-Match`` + a PATCH body -> ``method(entity_id, changes, actor, expected_version)``."""
    expected_version = if_match_version()
    data = changes(schema)
    return versioned(call(service, method, entity_id, wire(schema, data), actor(), expected_version))
