"""Contracts of the support service's mail area: the state of the outgoing
queue and of the polled mailbox (an administrator's page), the outgoing
mail list, and sending a failed mail again.  The area publishes no events of
its own: what mail does to a case shows in the cases' events (case.opened,
case.replied)."""

from marshmallow import fields, validate

from shared.schemas.common import PageQuerySchema, StrictSchema, filter_values

OUTGOING_STATUSES = ("queued", "sent", "failed", "bounced")
INCOMING_OUTCOMES = ("opened", "threaded", "auto_reply", "bounce", "ignored", "failed")


class OutgoingQuerySchema(PageQuerySchema):
    """The outgoing mail list, newest change first."""

    status = filter_values(fields.String(validate=validate.OneOf(OUTGOING_STATUSES)))
    case_id = fields.UUID(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200), strict=False)


class OutgoingMailSchema(StrictSchema):
    id = fields.UUID(required=True)
    kind = fields.String(required=True, metadata={"description": "case_reply, notification, survey, ..."})
    case_id = fields.UUID(allow_none=True)
    message_id = fields.String(required=True, metadata={"description": "Its Message-ID header."})
    from_address = fields.String(required=True)
    to_addresses = fields.List(fields.String(), required=True)
    subject = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(OUTGOING_STATUSES))
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.DateTime(allow_none=True)
    last_error = fields.String(allow_none=True, metadata={"description": "Why the last attempt failed, or the bounce."})
    sent_at = fields.DateTime(allow_none=True)
    bounced_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class OutgoingPageSchema(StrictSchema):
    items = fields.List(fields.Nested(OutgoingMailSchema), required=True)
    next_cursor = fields.String(allow_none=True)


OutgoingCountsSchema = StrictSchema.from_dict(
    {status: fields.Integer(required=True) for status in OUTGOING_STATUSES}, name="OutgoingCountsSchema")


class MailboxStateSchema(StrictSchema):
    mailbox = fields.String(required=True, metadata={"description": "user@host:port/folder"})
    uidvalidity = fields.Integer(allow_none=True)
    last_uid = fields.Integer(required=True)
    last_poll_at = fields.DateTime(allow_none=True)
    last_ok_at = fields.DateTime(allow_none=True)
    last_result = fields.String(allow_none=True, metadata={"description": "What the last poll read, or 'error'."})
    last_error = fields.String(allow_none=True)


class IncomingMailSchema(StrictSchema):
    message_id = fields.String(required=True)
    from_address = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    outcome = fields.String(required=True, validate=validate.OneOf(INCOMING_OUTCOMES))
    reason = fields.String(allow_none=True)
    case_id = fields.UUID(allow_none=True)
    received_at = fields.DateTime(required=True)


class MailStatusSchema(StrictSchema):
    """The mail page of an administrator."""

    sending = fields.Boolean(required=True, metadata={"description": "Whether SMTP is configured (SMTP_HOST)."})
    polling = fields.Boolean(required=True, metadata={"description": "Whether a mailbox is polled (IMAP_HOST)."})
    support_address = fields.String(required=True)
    outgoing = fields.Nested(OutgoingCountsSchema, required=True)
    due = fields.Integer(required=True, metadata={"description": "Queued mails whose time has come."})
    oldest_due_at = fields.DateTime(allow_none=True)
    failures = fields.List(fields.Nested(OutgoingMailSchema), required=True,
                           metadata={"description": "The latest failed or bounced mails, with their errors."})
    mailboxes = fields.List(fields.Nested(MailboxStateSchema), required=True)
    incoming_last_day = fields.Dict(keys=fields.String(validate=validate.OneOf(INCOMING_OUTCOMES)),
                                    values=fields.Integer(), required=True)
    incoming = fields.List(fields.Nested(IncomingMailSchema), required=True,
                           metadata={"description": "The latest mails received and what became of them."})
