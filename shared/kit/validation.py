"""Loading RPC arguments through the shared schemas: marshmallow errors
become the registered ``ValidationFailed`` (422) with per-field messages."""

import uuid

from marshmallow import ValidationError

from shared.schemas.errors import NotFound, ValidationFailed


def load(schema, data):
    if not isinstance(data, dict):
        raise ValidationFailed("Expected a JSON object.", {"_schema": ["Expected a JSON object."]})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise ValidationFailed("Some fields are invalid; see errors.", exc.normalized_messages()) from None


def load_uuid(value, what="id"):
    """A UUID string; anything else cannot name a record, so it is a 404."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise NotFound(f"No record with {what} {value!r}.") from None
