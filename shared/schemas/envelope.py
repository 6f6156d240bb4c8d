"""The envelope every event travels in (topic exchange ``<service>.events``,
routing key = event type)."""

from marshmallow import RAISE, Schema, fields, validate


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.UUID(required=True, metadata={"description": "Unique event id; consumers dedupe on it."})
    type = fields.String(required=True, validate=validate.Length(min=3, max=100),
                         metadata={"description": "Event type, also the routing key, e.g. lead.created."})
    version = fields.Integer(required=True, validate=validate.Range(min=1),
                             metadata={"description": "Bumped on any breaking change of data."})
    occurred_at = fields.AwareDateTime(required=True)
    producer = fields.String(required=True, metadata={"description": "The service that published it."})
    correlation_id = fields.String(allow_none=True, load_default=None,
                                   metadata={"description": "Ties the event to the request that caused it."})
    data = fields.Dict(required=True, metadata={"description": "Event-specific payload, see its schema."})
