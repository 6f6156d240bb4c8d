"""Contracts of the campaigns service's templates area: email templates
(subject, HTML and text parts with merge fields in a sandboxed Jinja2
engine), their saved versions, the preview with a real person and the test
send."""

from marshmallow import fields, validate

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    AuthoredSchema,
    SortedPageQuerySchema,
    StrictSchema,
    TrimmedSchema,
    email_address,
    text,
)

NAME_MAX = 200
SUBJECT_MAX = 300
HTML_MAX = 200_000
TEXT_MAX = 100_000
DESCRIPTION_MAX = 2000
QUERY_MAX = 200
TEMPLATE_SORTS = ("name", "-name", "-updated_at", "updated_at")
MERGE_FIELDS = ("person.first_name", "person.last_name", "person.email", "person.company", "person.title",
                "person.country", "account.name", "account.industry", "campaign.name", "unsubscribe_url",
                "preferences_url")
MERGE_HELP = ("Jinja2 syntax in a sandbox: `{{ person.first_name|default(\"there\") }}`. Fields: "
              + ", ".join(MERGE_FIELDS) + ". A field without a value is empty (or the `default`). Values are "
              "HTML-escaped in the HTML part, not in the subject and text. A syntax error or anything the "
              "sandbox forbids is refused with 422 naming the part and line.")


def _not_blank(max_length, **kwargs):
    metadata = {"pattern": NOT_BLANK_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=validate.Length(min=1, max=max_length), metadata=metadata, **kwargs)


class TemplateCreateSchema(TrimmedSchema):
    trimmed = ("name", "subject", "description")

    name = _not_blank(NAME_MAX, required=True, metadata={"example": "Spring newsletter"})
    description = text(DESCRIPTION_MAX, load_default=None)
    subject = _not_blank(SUBJECT_MAX, required=True, metadata={"description": MERGE_HELP})
    html = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=HTML_MAX), metadata={
        "description": "The HTML part (a template). Scripts, event handlers and javascript: links are removed "
                       "when it is rendered; inline styles and tables stay."})
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX), metadata={
        "description": "The plain-text part (a template); when left empty it is made from the HTML part. "
                       "One of html and text is required."})


class TemplateUpdateSchema(TrimmedSchema):
    trimmed = ("name", "subject", "description")
    json_schema_extra = {"minProperties": 1}

    name = _not_blank(NAME_MAX)
    description = text(DESCRIPTION_MAX)
    subject = _not_blank(SUBJECT_MAX)
    html = fields.String(allow_none=True, validate=validate.Length(max=HTML_MAX))
    text = fields.String(allow_none=True, validate=validate.Length(max=TEXT_MAX), metadata={
        "description": "Empty or null: made from the HTML part again."})


class TemplateSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    subject = fields.String(required=True)
    html = fields.String(allow_none=True)
    text = fields.String(required=True)
    text_generated = fields.Boolean(required=True, metadata={
        "description": "The text part was made from the HTML part (it follows the HTML on every change)."})
    updated_by = fields.String(allow_none=True)


class TemplateSummarySchema(StrictSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    subject = fields.String(required=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    updated_by = fields.String(allow_none=True)


class TemplatePageSchema(StrictSchema):
    items = fields.List(fields.Nested(TemplateSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True)


class TemplateQuerySchema(TrimmedSchema, SortedPageQuerySchema):
    trimmed = ("q",)

    q = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=QUERY_MAX),
                      metadata={"description": "Words of the name or subject (every word must match)."})
    sort = fields.String(load_default="name", validate=validate.OneOf(TEMPLATE_SORTS), metadata={
        "description": "name (default) / -name; -updated_at / updated_at. The id breaks ties."})


class TemplateVersionSchema(StrictSchema):
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    subject = fields.String(required=True)
    html = fields.String(allow_none=True)
    text = fields.String(required=True)
    saved_by = fields.String(allow_none=True)
    saved_at = fields.AwareDateTime(required=True)


class TemplateVersionListSchema(StrictSchema):
    items = fields.List(fields.Nested(TemplateVersionSchema), required=True, metadata={
        "description": "Every saved version, newest first."})


class PreviewQuerySchema(StrictSchema):
    person_id = fields.UUID(required=True, metadata={"description": "A person of the campaigns service."})
    campaign_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "Fills campaign.name (the person need not be a member)."})


class RenderedSchema(StrictSchema):
    subject = fields.String(required=True)
    html = fields.String(allow_none=True, metadata={"description": "Sanitised; null when the template has none."})
    text = fields.String(required=True)


class TemplateTestSendSchema(TrimmedSchema):
    to = email_address(required=True, metadata={"description": "Where the test goes (consent is not checked)."})
    person_id = fields.UUID(load_default=None, allow_none=True, metadata={
        "description": "Whose data fills the merge fields; none: a sample person."})
    campaign_id = fields.UUID(load_default=None, allow_none=True)


class TemplateTestSentSchema(StrictSchema):
    email_id = fields.UUID(required=True, metadata={"description": "The queued email."})
    to = fields.String(required=True)
    subject = fields.String(required=True)
