"""Pieces shared by every service's contracts."""

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, pre_load, validate


class StrictSchema(Schema):
    """Unknown fields are an error, so a typo never silently drops data."""

    class Meta:
        unknown = RAISE


class VersionedSchema(StrictSchema):
    """What every stored record shows besides its own fields: its version (for
    If-Match) and when it was created and last changed."""

    version = fields.Integer(required=True, metadata={"description": "Increases with every change."})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class AuthoredSchema(VersionedSchema):
    """A stored record that also names who created it."""

    created_by = fields.String(allow_none=True)


class TrimmedSchema(StrictSchema):
    """An input contract that tidies what a client typed, the same way in
    every service; a schema says where it differs with class attributes.

    Before loading (an object; anything else is left for the fields to refuse):

    - ``trimmed``: the fields whose string values lose their surrounding
      whitespace; ``None`` (the default) means every field, ``()`` none.
      A trimmed string left empty is no value (``None``) ...
    - ``keep_blank``: ... except in these fields, where it stays ``""`` so
      that the field refuses it with its own message ("Must not be blank").
    - ``trimmed_items``: list fields whose string items lose their
      surrounding whitespace (an item is never dropped nor made ``None``).

    After loading:

    - ``upper``: code fields (country, currency) upper-cased when given.
    """

    trimmed = None
    keep_blank = ()
    trimmed_items = ()
    upper = ()

    @pre_load
    def trim_strings(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        tidy = {}
        for key, value in data.items():
            if isinstance(value, str) and (self.trimmed is None or key in self.trimmed):
                value = value.strip()
                if not value and key not in self.keep_blank:
                    value = None
            elif isinstance(value, list) and key in self.trimmed_items:
                value = [item.strip() if isinstance(item, str) else item for item in value]
            tidy[key] = value
        return tidy

    @post_load
    def upper_codes(self, data, **kwargs):
        for key in self.upper:
            if data.get(key):
                data[key] = data[key].upper()
        return data


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
