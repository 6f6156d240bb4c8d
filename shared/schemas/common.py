"""Pieces shared by every service's contracts."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data."""

    class Meta:
        unknown = RAISE


def text(max_length, **kwargs):
    return fields.String(validate=validate.Length(max=max_length), allow_none=True, **kwargs)


class JsonObject(fields.Dict):
    """A free-form JSON object with string keys, bounded in size."""

    def __init__(self, max_keys=100, **kwargs):
        super().__init__(keys=fields.String(validate=validate.Length(min=1, max=64)), **kwargs)
        self.max_keys = max_keys

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(result) > self.max_keys:
            raise ValidationError(f"At most {self.max_keys} keys.")
        return result


class PageQuerySchema(StrictSchema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "Opaque cursor from the previous page's next_cursor."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String()
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "Per-field messages on 400/422."})
