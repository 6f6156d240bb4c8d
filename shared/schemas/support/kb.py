"""Contracts of the support service's knowledge base: categories, articles
(Markdown, shown as sanitised HTML), their published versions and diffs,
search, suggestions for a case, links to cases, votes, and the event
``article.published``."""

import re

import pycountry
from marshmallow import fields, validate

from shared.schemas.common import (
    NOT_BLANK_PATTERN,
    AuthoredSchema,
    StrictSchema,
    TrimmedSchema,
    VersionedSchema,
    WholeNumber,
    filter_values,
    text,
)
from shared.schemas.events import register_event

ARTICLE_STATUSES = ("draft", "in_review", "published", "archived")
DRAFT_STATUSES = ("draft", "in_review")
VISIBILITIES = ("internal", "public")
ARTICLE_SORTS = ("relevance", "-updated_at", "updated_at", "-published_at", "title")
TITLE_MAX = 200
BODY_MAX = 200_000
TAG_MAX = 50
TAGS_MAX = 20
SLUG_MAX = 120
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_HELP = "Lower-case letters and digits in words joined by single hyphens, like reset-your-password."
LANGUAGE_CODES = frozenset(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2"))
LANGUAGE_HELP = "An ISO 639-1 two-letter language code in lower case, like en, de or fr."
QUERY_MAX = 200
COMMENT_MAX = 2000
# Deep pages of a ranked search are refused: refine the search instead.
PAGE_MAX = 1000


def not_blank(max_length, **kwargs):
    metadata = {"pattern": NOT_BLANK_PATTERN, **kwargs.pop("metadata", {})}
    return fields.String(validate=validate.Length(min=1, max=max_length), metadata=metadata, **kwargs)


def slug_field(**kwargs):
    return fields.String(validate=[validate.Length(min=1, max=SLUG_MAX), validate.Regexp(SLUG_PATTERN,
                                                                                           error=SLUG_HELP)],
                         metadata={"description": SLUG_HELP}, **kwargs)


def language_field(**kwargs):
    return fields.String(validate=validate.OneOf(sorted(LANGUAGE_CODES), error=LANGUAGE_HELP),
                         metadata={"description": LANGUAGE_HELP, "maxLength": 2}, **kwargs)


def tags_field(**kwargs):
    return fields.List(fields.String(validate=[validate.Length(min=1, max=TAG_MAX),
                                               validate.Regexp(r"^[^,\s][^,]*$",
                                                               error="A tag holds no comma and is not blank.")]),
                       validate=validate.Length(max=TAGS_MAX),
                       metadata={"description": f"At most {TAGS_MAX} tags of at most {TAG_MAX} characters; "
                                                "stored in lower case, each once."}, **kwargs)


def tidy_tags(tags):
    """Tags as stored: trimmed, lower case, each once, in the given order."""
    seen = []
    for tag in tags or ():
        tag = re.sub(r"\s+", " ", tag.strip()).lower()
        if tag and tag not in seen:
            seen.append(tag)
    return seen


# Categories ---------------------------------------------------------------------

class CategoryCreateSchema(TrimmedSchema):
    name = not_blank(100, required=True)
    slug = slug_field(load_default=None, allow_none=True)
    description = text(1000, load_default=None)
    position = WholeNumber(load_default=0, validate=validate.Range(min=0, max=10_000))


class CategoryUpdateSchema(TrimmedSchema):
    name = not_blank(100)
    slug = slug_field()
    description = text(1000)
    position = WholeNumber(validate=validate.Range(min=0, max=10_000))


class CategorySchema(AuthoredSchema):
    id = fields.UUID(required=True)
    name = fields.String(required=True)
    slug = fields.String(required=True)
    description = fields.String(allow_none=True)
    position = fields.Integer(required=True)
    articles = fields.Integer(required=True, metadata={"description": "Published articles in it."})


class CategoryListSchema(StrictSchema):
    items = fields.List(fields.Nested(CategorySchema), required=True)


# Articles -----------------------------------------------------------------------

class ArticleCreateSchema(TrimmedSchema):
    trimmed = ("title", "slug", "language", "visibility", "category_id")
    trimmed_items = ("tags",)

    title = not_blank(TITLE_MAX, required=True)
    body = fields.String(required=True, validate=validate.Length(max=BODY_MAX),
                         metadata={"description": "Markdown (raw HTML is shown as text)."})
    slug = slug_field(load_default=None, allow_none=True)
    category_id = fields.UUID(load_default=None, allow_none=True)
    tags = tags_field(load_default=list)
    language = language_field(load_default="en")
    visibility = fields.String(load_default="internal", validate=validate.OneOf(VISIBILITIES))


class ArticleUpdateSchema(TrimmedSchema):
    """The changes of an article; on a published article they go to its draft
    copy, and readers keep seeing the published text until it is published."""

    trimmed = ("title", "slug", "language", "visibility", "category_id")
    trimmed_items = ("tags",)
    json_schema_extra = {"minProperties": 1}

    title = not_blank(TITLE_MAX)
    body = fields.String(validate=validate.Length(max=BODY_MAX))
    slug = slug_field()
    category_id = fields.UUID(allow_none=True)
    tags = tags_field()
    language = language_field()
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))


class ArticleQuerySchema(TrimmedSchema):
    trimmed = ("q", "language", "tag")

    q = text(QUERY_MAX, load_default=None, metadata={
        "description": "Words to find (web search syntax: \"a phrase\", -word, or). Ranked: the title "
                       "counts above tags, tags above the body."})
    status = filter_values(fields.String(validate=validate.OneOf(ARTICLE_STATUSES)))
    visibility = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(VISIBILITIES))
    category_id = fields.UUID(load_default=None, allow_none=True)
    language = language_field(load_default=None, allow_none=True)
    tag = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=TAG_MAX))
    sort = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ARTICLE_SORTS), metadata={
        "description": "relevance (the default with q: best match first), -updated_at (the default without q), "
                       "updated_at, -published_at, title."})
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    limit = WholeNumber(load_default=20, validate=validate.Range(min=1, max=100))


class PublicArticleQuerySchema(TrimmedSchema):
    trimmed = ("q", "language", "tag")

    q = text(QUERY_MAX, load_default=None, metadata={"description": "Words to find (web search syntax)."})
    category_id = fields.UUID(load_default=None, allow_none=True)
    language = language_field(load_default=None, allow_none=True)
    tag = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=TAG_MAX))
    page = WholeNumber(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))
    limit = WholeNumber(load_default=20, validate=validate.Range(min=1, max=100))


class ArticleDraftSchema(StrictSchema):
    """The pending edit of a published article."""

    title = fields.String(required=True)
    body = fields.String(required=True)
    body_html = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))
    status = fields.String(required=True, validate=validate.OneOf(DRAFT_STATUSES))
    updated_by = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)


class VotesSchema(StrictSchema):
    helpful_yes = fields.Integer(required=True)
    helpful_no = fields.Integer(required=True)
    views = fields.Integer(required=True)


class ArticleSchema(AuthoredSchema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "Markdown."})
    body_html = fields.String(required=True, metadata={"description": "The body rendered and sanitised."})
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    visibility = fields.String(required=True, validate=validate.OneOf(VISIBILITIES))
    status = fields.String(required=True, validate=validate.OneOf(ARTICLE_STATUSES))
    author = fields.String(allow_none=True)
    published_number = fields.Integer(allow_none=True, metadata={"description": "The published version shown."})
    published_at = fields.AwareDateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    archived_at = fields.AwareDateTime(allow_none=True)
    draft = fields.Nested(ArticleDraftSchema, allow_none=True, metadata={
        "description": "A published article's pending edit (PATCH writes here), none when there is none."})
    stats = fields.Nested(VotesSchema, required=True)
    actions = fields.List(fields.String(), required=True, metadata={
        "description": "What can be done now: update, submit, withdraw, publish, archive, restore."})


class ArticleHitSchema(StrictSchema):
    """An article in a list or a search answer (no body)."""

    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    visibility = fields.String(required=True)
    status = fields.String(required=True)
    published_at = fields.AwareDateTime(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    has_draft = fields.Boolean(required=True)
    rank = fields.Float(allow_none=True, metadata={"description": "Relevance (with q)."})
    title_highlight = fields.String(allow_none=True, metadata={
        "description": "The title as HTML-escaped text with the matched words in <mark> (with q)."})
    snippet = fields.String(allow_none=True, metadata={
        "description": "Part of the body as HTML-escaped text with the matched words in <mark> (with q); "
                       "<mark> is the only tag it carries."})


class ArticlePageSchema(StrictSchema):
    items = fields.List(fields.Nested(ArticleHitSchema), required=True)
    page = fields.Integer(required=True)
    next_page = fields.Integer(allow_none=True, metadata={"description": "None on the last page."})


class PublicArticleSchema(StrictSchema):
    """A published public article as anyone may read it."""

    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    body_html = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    published_at = fields.AwareDateTime(allow_none=True)
    helpful_yes = fields.Integer(required=True)
    helpful_no = fields.Integer(required=True)


class PublicArticleHitSchema(StrictSchema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    published_at = fields.AwareDateTime(allow_none=True)
    title_highlight = fields.String(allow_none=True)
    snippet = fields.String(allow_none=True)


class PublicArticlePageSchema(StrictSchema):
    items = fields.List(fields.Nested(PublicArticleHitSchema), required=True)
    page = fields.Integer(required=True)
    next_page = fields.Integer(allow_none=True)


# Versions ------------------------------------------------------------------------

class ArticleVersionSchema(StrictSchema):
    number = fields.Integer(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    language = fields.String(required=True)
    visibility = fields.String(required=True)
    published_at = fields.AwareDateTime(required=True)
    published_by = fields.String(allow_none=True)


class ArticleVersionListSchema(StrictSchema):
    items = fields.List(fields.Nested(ArticleVersionSchema), required=True)


class VersionDiffQuerySchema(StrictSchema):
    from_ = WholeNumber(required=True, data_key="from", validate=validate.Range(min=1, max=1_000_000),
                        metadata={"description": "A version number."})
    to = fields.String(required=True, validate=[validate.Length(max=7), validate.Regexp(
        r"^(draft|[1-9][0-9]{0,6})$", error="A version number, or draft.")],
                       metadata={"description": "A version number, or draft (the pending edit)."})


class VersionDiffSchema(StrictSchema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.String(required=True)
    diff = fields.String(required=True, metadata={"description": "A unified diff of the title and body."})
    changed = fields.Boolean(required=True)


# Preview ---------------------------------------------------------------------------

class PreviewSchema(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(max=BODY_MAX))


class PreviewResultSchema(StrictSchema):
    html = fields.String(required=True)


# Cases ---------------------------------------------------------------------------

class SuggestionQuerySchema(StrictSchema):
    limit = WholeNumber(load_default=5, validate=validate.Range(min=1, max=20))


class SuggestedArticleSchema(StrictSchema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    visibility = fields.String(required=True)
    language = fields.String(required=True)
    rank = fields.Float(required=True)
    snippet = fields.String(allow_none=True)
    linked = fields.Boolean(required=True, metadata={"description": "Linked to this case already."})


class SuggestedArticleListSchema(StrictSchema):
    items = fields.List(fields.Nested(SuggestedArticleSchema), required=True)


class CaseLinkSchema(StrictSchema):
    case_id = fields.UUID(required=True)


class LinkedCaseSchema(StrictSchema):
    case_id = fields.UUID(required=True)
    number = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    linked_by = fields.String(allow_none=True)
    linked_at = fields.AwareDateTime(required=True)


class LinkedCaseListSchema(StrictSchema):
    items = fields.List(fields.Nested(LinkedCaseSchema), required=True)


class LinkedArticleSchema(StrictSchema):
    article_id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    visibility = fields.String(required=True)
    linked_by = fields.String(allow_none=True)
    linked_at = fields.AwareDateTime(required=True)


class LinkedArticleListSchema(StrictSchema):
    items = fields.List(fields.Nested(LinkedArticleSchema), required=True)


# Votes -----------------------------------------------------------------------------

class StrictBoolean(fields.Boolean):
    """true or false only (not 1, "yes" or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class VoteSchema(TrimmedSchema):
    helpful = StrictBoolean(required=True)
    comment = text(COMMENT_MAX, load_default=None)


class VoteResultSchema(StrictSchema):
    helpful_yes = fields.Integer(required=True)
    helpful_no = fields.Integer(required=True)


# Events --------------------------------------------------------------------------

class PublishedArticleSchema(VersionedSchema):
    id = fields.UUID(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    tags = fields.List(fields.String(), required=True)
    category_id = fields.UUID(allow_none=True)
    language = fields.String(required=True)
    visibility = fields.String(required=True)
    published_number = fields.Integer(required=True)
    published_at = fields.AwareDateTime(required=True)
    published_by = fields.String(allow_none=True)


class ArticlePublishedEventSchema(StrictSchema):
    article = fields.Nested(PublishedArticleSchema, required=True)
    first = fields.Boolean(required=True, metadata={"description": "The article's first publish."})


register_event("article.published", ArticlePublishedEventSchema, "support",
               "A knowledge base article was published (a new version of it readers see).")
