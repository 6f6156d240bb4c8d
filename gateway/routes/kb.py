"""The knowledge base of the support service: articles in Markdown (shown as
sanitised HTML), the review flow, published versions and their diffs,
search, suggestions for a case, links to cases, votes, categories, and the
public reading of published public articles without signing in."""

import functools

from flask import Blueprint
from marshmallow import fields, validate

from gateway.auth import public, requires
from gateway.openapi import operation
from gateway.ratelimit import enforce
from gateway.resources import call, resources
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.support.kb import (
    SLUG_MAX,
    ArticleCreateSchema,
    ArticlePageSchema,
    ArticleQuerySchema,
    ArticleSchema,
    ArticleUpdateSchema,
    ArticleVersionListSchema,
    CaseLinkSchema,
    CategoryCreateSchema,
    CategoryListSchema,
    CategorySchema,
    CategoryUpdateSchema,
    LinkedArticleListSchema,
    LinkedCaseListSchema,
    PreviewResultSchema,
    PreviewSchema,
    PublicArticlePageSchema,
    PublicArticleQuerySchema,
    PublicArticleSchema,
    SuggestedArticleListSchema,
    SuggestionQuerySchema,
    VersionDiffQuerySchema,
    VersionDiffSchema,
    VoteResultSchema,
    VoteSchema,
)

bp = Blueprint("kb", __name__, url_prefix="/api/v1")
TAGS = ["knowledge base"]
PUBLIC_TAGS = ["public"]
MOVE_HEADERS = {"ETag": "The article's new version."}
# Public votes a minute from one client address (gateway setting KB_VOTE_RATE_LIMIT).
VOTE_RATE_LIMIT = 30
REFERENCE = {"reference": fields.String(validate=[
    validate.Length(max=SLUG_MAX),
    validate.Regexp(r"^[A-Za-z0-9-]+$", error="An article's id or slug: letters, digits and hyphens.")])}
ARTICLE = "/articles/<uuid:article_id>"


def _svc(method, *args):
    return call("support", method, *args)


def vote_limited(view):
    """Count the request against the client's address (KB_VOTE_RATE_LIMIT a
    minute, 0: no limit) before anything else is read."""

    @functools.wraps(view)
    def limited(*args, **kwargs):
        enforce("kb-vote", int(resources().settings.get("KB_VOTE_RATE_LIMIT", VOTE_RATE_LIMIT)))
        return view(*args, **kwargs)

    return limited


# Articles ------------------------------------------------------------------------------

@bp.get("/articles")
@requires("cases:read")
@operation("Search and list knowledge base articles", tags=TAGS, query=ArticleQuerySchema,
           response=ArticlePageSchema,
           description="With `q` (web search syntax: `\"a phrase\"`, `-word`, `or`): ranked, the title above tags "
                       "above the body, with `title_highlight` and `snippet` (HTML-escaped text, the matches in "
                       "`<mark>`). Filters: `status` (may repeat), `visibility`, `category_id`, `language`, `tag`. "
                       "Pages: `page` and `limit`; `next_page` is null on the last.")
def list_articles(query):
    return listing("support", "search_articles", query)


@bp.post("/articles")
@requires("kb:write")
@operation("Write a new article (a draft)", tags=TAGS, body=ArticleCreateSchema, response=ArticleSchema, status=201,
           headers={"Location": "The article's URL.", "ETag": "The article's version."}, problems=(409,),
           description="The body is Markdown; raw HTML in it is shown as text. The slug comes from the title "
                       "unless given (409 when another article has it).")
def create_article(body):
    return create("support", "create_article", body, "kb.get_article", "article_id")


@bp.post("/articles/preview")
@requires("kb:write")
@operation("Render Markdown as readers would see it (the editor's preview)", tags=TAGS, body=PreviewSchema,
           response=PreviewResultSchema, description="Nothing is stored.")
def preview_article(body):
    return _svc("preview_article", body.wire())


@bp.get(ARTICLE)
@requires("cases:read")
@operation("Get an article", tags=TAGS, response=ArticleSchema, headers={"ETag": "The article's version."},
           description="`body_html` is what readers see; a published article's pending edit is in `draft`. "
                       "`actions` says what can be done now.")
def get_article(article_id):
    return versioned(_svc("get_article", article_id))


@bp.patch(ARTICLE)
@requires("kb:write")
@operation("Change an article", tags=TAGS, body=ArticleUpdateSchema, response=ArticleSchema,
           headers={"ETag": "The article's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Before its first publish the article itself changes; a published article keeps showing "
                       "its published text and the change goes to its draft copy (`draft`) until that is "
                       "submitted and published. Text under review cannot change (withdraw it first: 409). Send "
                       "the ETag in If-Match to be told (412) of a change in between.")
def update_article(article_id, body, expected_version):
    return patch("support", "update_article", article_id, body, expected_version)


def _move(action, article_id, expected_version):
    return versioned(_svc(f"{action}_article", article_id, actor(), expected_version))


@bp.post(f"{ARTICLE}/submit")
@requires("kb:write")
@operation("Submit an article (or its pending edit) for review", tags=TAGS, response=ArticleSchema,
           headers=MOVE_HEADERS, problems=(409, 412), request_headers=("If-Match",),
           description="draft -> in_review; 409 with `allowed` otherwise.")
def submit_article(article_id, expected_version):
    return _move("submit", article_id, expected_version)


@bp.post(f"{ARTICLE}/withdraw")
@requires("kb:write")
@operation("Withdraw an article (or its pending edit) from review", tags=TAGS, response=ArticleSchema,
           headers=MOVE_HEADERS, problems=(409, 412), request_headers=("If-Match",),
           description="in_review -> draft, to change it again.")
def withdraw_article(article_id, expected_version):
    return _move("withdraw", article_id, expected_version)


@bp.post(f"{ARTICLE}/publish")
@requires("kb:write")
@operation("Publish a reviewed article (or its reviewed edit)", tags=TAGS, response=ArticleSchema,
           headers=MOVE_HEADERS, problems=(409, 412), request_headers=("If-Match",),
           description="in_review -> published: readers see it, a new version is kept and `article.published` "
                       "goes out.")
def publish_article(article_id, expected_version):
    return _move("publish", article_id, expected_version)


@bp.post(f"{ARTICLE}/archive")
@requires("kb:write")
@operation("Archive a published article", tags=TAGS, response=ArticleSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="published -> archived: no longer shown to readers nor suggested.")
def archive_article(article_id, expected_version):
    return _move("archive", article_id, expected_version)


@bp.post(f"{ARTICLE}/restore")
@requires("kb:write")
@operation("Restore an archived article as a draft", tags=TAGS, response=ArticleSchema, headers=MOVE_HEADERS,
           problems=(409, 412), request_headers=("If-Match",),
           description="archived -> draft (its pending edit, or its last published text), to be reviewed and "
                       "published again.")
def restore_article(article_id, expected_version):
    return _move("restore", article_id, expected_version)


@bp.get(f"{ARTICLE}/versions")
@requires("cases:read")
@operation("The published versions of an article, newest first", tags=TAGS, response=ArticleVersionListSchema)
def article_versions(article_id):
    return _svc("article_versions", article_id)


@bp.get(f"{ARTICLE}/versions/diff")
@requires("cases:read")
@operation("A unified diff between two versions of an article", tags=TAGS, query=VersionDiffQuerySchema,
           response=VersionDiffSchema,
           description="`from` and `to` are version numbers; `to=draft` compares with the pending edit. 404 for "
                       "a version the article does not have.")
def diff_article_versions(article_id, query):
    loaded = query.wire()
    return _svc("diff_article_versions", article_id, loaded["from"], loaded["to"])


@bp.post(f"{ARTICLE}/votes")
@requires("cases:read")
@operation("Say whether an article helped", tags=TAGS, body=VoteSchema, response=VoteResultSchema, status=201,
           description="`helpful` true or false, with an optional comment; answers the counts.")
def vote_article(article_id, body):
    return _svc("vote_article", article_id, body.wire(), actor()), 201


# Cases -----------------------------------------------------------------------------------

@bp.get(f"{ARTICLE}/cases")
@requires("cases:read")
@operation("The cases an article is linked to (solved)", tags=TAGS + ["cases"], response=LinkedCaseListSchema)
def article_cases(article_id):
    return _svc("article_cases", article_id)


@bp.post(f"{ARTICLE}/cases")
@requires("kb:write")
@operation("Link an article to a case it solved", tags=TAGS + ["cases"], body=CaseLinkSchema,
           response=LinkedCaseListSchema, description="Linking twice keeps one link. 404 on `case_id` for no such "
                                                      "case. Answers the article's linked cases.")
def link_article_case(article_id, body):
    return _svc("link_article_case", article_id, body.wire(), actor())


@bp.delete(f"{ARTICLE}/cases/<uuid:case_id>")
@requires("kb:write")
@operation("Unlink an article from a case", tags=TAGS + ["cases"], response=LinkedCaseListSchema,
           description="404 when they are not linked. Answers the article's linked cases.")
def unlink_article_case(article_id, case_id):
    return _svc("unlink_article_case", article_id, case_id, actor())


@bp.get("/cases/<uuid:case_id>/articles")
@requires("cases:read")
@operation("The articles linked to a case", tags=TAGS + ["cases"], response=LinkedArticleListSchema)
def case_articles(case_id):
    return _svc("case_articles", case_id)


@bp.get("/cases/<uuid:case_id>/suggested-articles")
@requires("cases:read")
@operation("Published articles that may answer a case", tags=TAGS + ["cases"], query=SuggestionQuerySchema,
           response=SuggestedArticleListSchema,
           description="From the meaningful words of the case's subject and description, best first; `linked` "
                       "marks those linked to the case already.")
def suggested_articles(case_id, query):
    return listing("support", "suggested_articles", query, case_id)


# Categories --------------------------------------------------------------------------------

@bp.get("/kb/categories")
@requires("cases:read")
@operation("The knowledge base's categories", tags=TAGS, response=CategoryListSchema,
           description="In their position, then by name; `articles` counts the published ones.")
def list_categories():
    return _svc("list_kb_categories")


@bp.post("/kb/categories")
@requires("kb:write")
@operation("Add a category", tags=TAGS, body=CategoryCreateSchema, response=CategorySchema, status=201,
           headers={"ETag": "The category's version."}, problems=(409,),
           description="409 when another category has the name (in any letter case) or the slug.")
def create_category(body):
    category = _svc("create_kb_category", body.wire(), actor())
    return versioned(category, 201)


@bp.patch("/kb/categories/<uuid:category_id>")
@requires("kb:write")
@operation("Change a category", tags=TAGS, body=CategoryUpdateSchema, response=CategorySchema,
           headers={"ETag": "The category's new version."}, problems=(409, 412), request_headers=("If-Match",))
def update_category(category_id, body, expected_version):
    return patch("support", "update_kb_category", category_id, body, expected_version)


# Public reading -------------------------------------------------------------------------------

@bp.get("/public/articles")
@public
@operation("Search and list the public articles (no sign-in)", tags=PUBLIC_TAGS + TAGS,
           query=PublicArticleQuerySchema, response=PublicArticlePageSchema, public=True,
           description="Published public articles only; `q` in web search syntax, ranked, with highlighted "
                       "snippets (HTML-escaped, matches in `<mark>`).")
def list_public_articles(query):
    return listing("support", "search_public_articles", query)


@bp.get("/public/articles/<reference>")
@public
@operation("Read a public article by id or slug (no sign-in)", tags=PUBLIC_TAGS + TAGS, path=REFERENCE,
           response=PublicArticleSchema, public=True,
           description="404 for anything but a published public article (internal ones included).")
def read_public_article(reference):
    return _svc("read_public_article", reference)


@bp.post("/public/articles/<reference>/votes")
@public
@vote_limited
@operation("Say whether a public article helped (no sign-in)", tags=PUBLIC_TAGS + TAGS, path=REFERENCE,
           body=VoteSchema, response=VoteResultSchema, status=201, problems=(429,), public=True,
           description="Limited to KB_VOTE_RATE_LIMIT votes a minute per client address (429 with Retry-After "
                       "beyond).")
def vote_public_article(reference, body):
    return _svc("vote_public_article", reference, body.wire()), 201
