"""URL converters: ids in paths are UUIDs; anything else is a 404 problem
that says so (not a 500 from the database, not a bare 'no such route')."""

import uuid

from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter


class IdNotFound(NotFound):
    crm_detail = True


class UUIDConverter(BaseConverter):
    """``<uuid:lead_id>``: matches any path segment, gives the canonical
    UUID string, and answers 404 for anything that is not a UUID."""

    regex = r"[^/]+"

    def to_python(self, value):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise IdNotFound(f"{value[:100]!r} is not an id here: ids are UUIDs, like {uuid.UUID(int=0)}.") from None

    def to_url(self, value):
        return str(value)
