"""Loading RPC arguments through the shared schemas: marshmallow errors
become the registered ``ValidationFailed`` (422) with per-field messages."""

import uuid

from marshmallow import ValidationError

from shared.schemas.errors import NotFound, ValidationFailed

_MAX_DIGITS = 100  # more than any number an argument means (int() refuses over 4,300 digits)


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


def whole_number(value, name, minimum):
    """An integer RPC argument of at least ``minimum`` (digits in a string do
    too); anything else is ValidationFailed on ``name`` (a 422, not a crash)."""
    if isinstance(value, str) and value.strip().isdecimal() and len(value) <= _MAX_DIGITS:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValidationFailed(f"{name} must be a whole number of at least {minimum}.",
                               {name: [f"A whole number of at least {minimum}."]})
    return value
