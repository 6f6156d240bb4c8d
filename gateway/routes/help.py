"""The help centre: the published public knowledge base articles as web
pages for customers, without signing in.

- ``/help``: a search box (``?q=`` in web search syntax: ``"a phrase"``,
  ``-word``, ``or``) with ranked results and their highlighted snippets;
  without a search, the newest public articles by category
  (``?category=<slug>``: one category's, in pages).
- ``/help/<slug or id>``: an article (the sanitised HTML the service
  renders), its category and date, a "Was this helpful?" form posted to
  ``/help/<ref>/vote`` (counted against KB_VOTE_RATE_LIMIT per address, the
  same count as the API's public votes) and more articles of its category.
  An internal, unpublished or archived article is a 404 page, like the JSON
  under ``/api/v1/public/articles``.

Plain server-rendered pages (the links agents put into replies open them):
no script, an inline style allowed by its hash under a strict
Content-Security-Policy, everything the service sends escaped except the
article's sanitised body and the search's ``<mark>``, re-checked here.
Left out of the OpenAPI document, like the survey page.
"""

import base64
import hashlib
import html
import re

from flask import Blueprint, render_template, request, url_for
from markupsafe import Markup

from gateway.auth import public
from gateway.openapi import undocumented
from gateway.problems import HttpProblem
from gateway.ratelimit import enforce
from gateway.resources import call, resources
from gateway.routes.kb import VOTE_RATE_LIMIT
from shared.schemas.errors import CrmError
from shared.schemas.support.kb import PAGE_MAX, QUERY_MAX, SLUG_MAX

bp = Blueprint("help", __name__)
PAGE_SIZE = 20
INDEX_FETCH = 100  # newest articles the front page groups by category (the service's page maximum)
PER_CATEGORY = 5  # articles a category shows on the front page
NEWEST = 5
RELATED = 5
DESCRIPTION_MAX = 160
REFERENCE = re.compile(rf"^[A-Za-z0-9-]{{1,{SLUG_MAX}}}$")
CATEGORY = re.compile(rf"^[a-z0-9-]{{1,{SLUG_MAX}}}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
MARK = re.compile(r"(</?mark>)")
# Where a block ends, its words must not run into the next block's (in the meta description).
BLOCK_END = re.compile(r"(</(?:p|h[1-6]|li|td|th|tr|pre|blockquote|div|dt|dd|table|ul|ol)>|<br\s*/?>|<hr\s*/?>)")
VOTES = {"yes": True, "no": False}

# The pages' only style, allowed by its hash: no script, nothing from elsewhere but an article's images.
STYLE = (
    "body{font:1rem/1.6 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}"
    "main{max-width:46rem;margin:0 auto;padding:1rem;background:#fff;min-height:100vh;box-sizing:border-box;"
    "overflow-wrap:anywhere}"
    "h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
    "a{color:#1f5fbf}a:focus,input:focus,button:focus{outline:3px solid #f0a30a;outline-offset:2px}"
    ".skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}"
    "nav ol{list-style:none;padding:0;margin:0 0 .5rem;display:flex;flex-wrap:wrap;gap:.25rem;font-size:.9rem}"
    "nav li+li:before{content:'\\203A';margin-right:.25rem;color:#4a4f57}"
    "form.search{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem}form.search label{flex-basis:100%;"
    "font-weight:600}form.search input{flex:1 1 12rem;min-width:0;font:inherit;padding:.55rem .6rem;"
    "border:1px solid #8a9099;border-radius:.4rem;min-height:2.75rem;box-sizing:border-box}"
    "button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#1f5fbf;"
    "color:#fff;min-height:2.75rem;cursor:pointer}button.secondary{background:#fff;color:#1f5fbf;"
    "border:2px solid #1f5fbf}"
    "ul.hits{list-style:none;padding:0;margin:0}ul.hits li{padding:.6rem 0;border-bottom:1px solid #e1e4e8}"
    "ul.hits a{font-weight:600}.snippet{margin:.25rem 0 0;color:#33373d}"
    "mark{background:#fde68a;color:inherit;padding:0 .1em}"
    ".meta,.note{color:#4a4f57;font-size:.9rem}.errors{color:#a4000f;border:2px solid #a4000f;padding:.5rem 1rem;"
    "border-radius:.4rem}.message{font-size:1.05rem}.pages{display:flex;gap:1rem;margin:1rem 0}"
    "article img{max-width:100%;height:auto}article pre{overflow-x:auto;background:#f1f3f5;padding:.75rem;"
    "border-radius:.4rem}article code{font-family:ui-monospace,monospace;font-size:.92em}"
    "article table{display:block;overflow-x:auto;border-collapse:collapse}article td,article th{"
    "border:1px solid #c8ccd2;padding:.3rem .5rem}article blockquote{margin:0;padding-left:1rem;"
    "border-left:4px solid #c8ccd2;color:#33373d}"
    "section.feedback{margin-top:2rem;padding:1rem;border:1px solid #c8ccd2;border-radius:.4rem}"
    "fieldset{border:0;padding:0;margin:0}legend{font-weight:600;padding:0;margin-bottom:.5rem}"
    ".choices{display:flex;gap:.75rem;flex-wrap:wrap}"
)
STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
PAGE_CSP = (f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; img-src 'self' https:; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


# Rendering -------------------------------------------------------------------------------

def marked(text):
    """The search's highlighted text as HTML whose only markup is <mark>:
    the service escapes the text and marks the matches; whatever else came
    (a tag, a stray ``<``) is escaped here too, and marks are balanced."""
    if not text:
        return Markup("")
    parts, open_ = [], False
    for piece in MARK.split(text):
        if piece == "<mark>":
            if not open_:
                parts.append(piece)
                open_ = True
        elif piece == "</mark>":
            if open_:
                parts.append(piece)
                open_ = False
        else:
            parts.append(html.escape(html.unescape(piece), quote=False))
    if open_:
        parts.append("</mark>")
    return Markup("".join(parts))


def description(body_html):
    """The meta description: the start of the article's text, cut at a word."""
    text = Markup(BLOCK_END.sub(r"\1 ", body_html or "")).striptags()
    if len(text) <= DESCRIPTION_MAX:
        return text
    cut = text[:DESCRIPTION_MAX - 1].rsplit(" ", 1)[0].rstrip(" ,.;:")
    return f"{cut}…"


def language(value):
    return value if isinstance(value, str) and LANGUAGE.match(value) else "en"


def _page(template, status, *, cache=False, headers=None, **context):
    body = render_template(template, style=Markup(STYLE), max_query=QUERY_MAX, **context)
    return body, status, {
        "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": PAGE_CSP,
        "Cache-Control": "public, max-age=60" if cache and status == 200 else "no-store",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
        **(headers or {})}


def _message(status, title, message, query="", headers=None):
    """A page that only says something (not found, unavailable, too many votes), with the search box."""
    return _page("help_message.html", status, headers=headers, title=title, message=message, query=query)


def _not_found(what="article"):
    return _message(404, "Page not found", f"There is no such {what} in the help centre. It may have been moved or "
                                           "removed; try searching for it.")


def _failed(error):
    if error.status == 404:
        return _not_found()
    if error.status in (400, 422):
        return _message(error.status, "Something is wrong with this address", error.detail or "")
    return _message(error.status if 400 <= error.status < 600 else 500, "The help centre is unavailable",
                    "Please try again in a moment.")


def _optional(method, *args):
    """What a part of a page that can be left out needs; None when the service cannot answer it."""
    try:
        return call("support", method, *args)
    except CrmError:
        return None


def _categories():
    answer = _optional("list_kb_categories") or {}
    return answer.get("items") or []


# The help centre ----------------------------------------------------------------------------

def _search_args():
    """(q, category slug, page, errors) of the query string; other parameters (a link's tracking) are ignored."""
    errors = []
    q = " ".join((request.args.get("q") or "").split())
    if "\x00" in q:
        errors.append("The search may not contain NUL characters.")
        q = q.replace("\x00", "")
    if len(q) > QUERY_MAX:
        errors.append(f"Search for at most {QUERY_MAX} characters.")
    category = (request.args.get("category") or "").strip()
    page = request.args.get("page") or "1"
    if not page.isdigit() or not 1 <= int(page) <= PAGE_MAX:
        errors.append(f"A page is a number from 1 to {PAGE_MAX}.")
        page = "1"
    return q, category, int(page), errors


def _link(**args):
    return url_for("help.help_centre", **{key: value for key, value in args.items() if value})


@bp.get("/help", strict_slashes=False)
@public
@undocumented
def help_centre():
    """Search, one category's articles, or the front page (the newest by category)."""
    q, category_slug, page, errors = _search_args()
    if errors:
        return _page("help_index.html", 422, title="Help centre", query=q[:QUERY_MAX], errors=errors, hits=[],
                     groups=[], newest=[], category=None, pages={})
    if category_slug and not CATEGORY.match(category_slug):
        return _not_found("category")  # no category has such a slug
    if category_slug:  # without the categories, a category's page cannot be told from a missing one
        try:
            categories = call("support", "list_kb_categories").get("items") or []
        except CrmError as error:
            return _failed(error)
    else:
        categories = _categories()
    by_id = {str(item["id"]): item for item in categories}
    category = None
    if category_slug:
        category = next((item for item in categories if item["slug"] == category_slug), None)
        if category is None:
            return _not_found("category")
    query = {"page": page, "limit": PAGE_SIZE if q or category else INDEX_FETCH}
    if q:
        query["q"] = q
    if category:
        query["category_id"] = str(category["id"])
    if not q and not category and page != 1:
        return _not_found("page")
    try:
        result = call("support", "search_public_articles", query)
    except CrmError as error:
        return _failed(error)
    hits = [_hit(item, by_id) for item in result.get("items") or []]
    slug = category["slug"] if category else None
    pages = {"previous": _link(q=q, category=slug, page=page - 1 if page > 2 else None) if page > 1 else None,
             "next": _link(q=q, category=slug, page=result.get("next_page")) if result.get("next_page") else None}
    if q or category:
        title = f"Search results for “{q}”" if q else category["name"]
        return _page("help_index.html", 200, cache=True, title=title, query=q, hits=hits, groups=[], newest=[],
                     category=category, pages=pages, searched=bool(q), noindex=bool(q))
    groups = _grouped(hits, categories)
    return _page("help_index.html", 200, cache=True, title="Help centre", query="", hits=[], category=None,
                 pages={}, newest=hits[:NEWEST] if groups else hits, groups=groups)


def _hit(item, categories):
    category = categories.get(str(item.get("category_id")))
    return {"title": item["title"], "title_html": marked(item.get("title_highlight")) or None,
            "snippet": marked(item.get("snippet")) or None, "url": _article_url(item),
            "published": (item.get("published_at") or "")[:10], "language": language(item.get("language")),
            "category": category}


def _grouped(hits, categories):
    """The front page's sections: each category with public articles (in the categories' order), then the rest."""
    groups = []
    for category in categories:
        items = [hit for hit in hits if hit["category"] is category]
        if items:
            groups.append({"category": category, "articles": items[:PER_CATEGORY], "more": len(items) > PER_CATEGORY,
                           "url": _link(category=category["slug"])})
    others = [hit for hit in hits if hit["category"] is None]
    if others and groups:
        groups.append({"category": None, "articles": others[:PER_CATEGORY], "more": False, "url": None})
    return groups


def _article_url(item):
    return url_for("help.help_article", reference=item.get("slug") or str(item["id"]))


# An article ------------------------------------------------------------------------------------

def _article_page(reference, status=200, *, voted=None, vote_error=None, headers=None):
    try:
        article = call("support", "read_public_article", reference)
    except CrmError as error:
        return _failed(error)
    categories = _categories()
    category = next((item for item in categories if str(item["id"]) == str(article.get("category_id"))), None)
    related = []
    if article.get("category_id"):
        answer = _optional("search_public_articles", {"category_id": str(article["category_id"]),
                                                     "limit": RELATED + 1, "page": 1}) or {}
        related = [{"title": item["title"], "url": _article_url(item), "language": language(item.get("language"))}
                   for item in answer.get("items") or [] if str(item["id"]) != str(article["id"])][:RELATED]
    canonical = url_for("help.help_article", reference=article["slug"], _external=True)
    return _page("help_article.html", status, cache=voted is None and vote_error is None, headers=headers,
                 title=article["title"], article=article, body=Markup(article["body_html"]),
                 description=description(article["body_html"]), lang=language(article.get("language")),
                 published=(article.get("published_at") or "")[:10], category=category,
                 category_url=_link(category=category["slug"]) if category else None, related=related,
                 canonical=canonical, voted=voted, vote_error=vote_error, query="",
                 vote_url=url_for("help.vote_article", reference=article["slug"]))


@bp.get("/help/<reference>")
@public
@undocumented
def help_article(reference):
    """A published public article by slug or id; anything else is a 404 page."""
    if not REFERENCE.match(reference):
        return _not_found()
    return _article_page(reference)


@bp.post("/help/<reference>/vote")
@public
@undocumented
def vote_article(reference):
    """The "Was this helpful?" form: thanks on the article's page, or what went wrong."""
    if not REFERENCE.match(reference):
        return _not_found()
    try:
        enforce("kb-vote", int(resources().settings.get("KB_VOTE_RATE_LIMIT", VOTE_RATE_LIMIT)))
    except HttpProblem as problem:
        return _message(problem.status, "Too many answers", "Too many answers came from your address just now. "
                        "Please try again in a minute.", headers=problem.headers)
    answers = request.form.getlist("helpful")
    if len(answers) != 1 or answers[0] not in VOTES:
        return _article_page(reference, 422, vote_error="Choose Yes or No.")
    try:
        call("support", "vote_public_article", reference, {"helpful": VOTES[answers[0]]})
    except CrmError as error:
        return _failed(error)
    return _article_page(reference, voted=answers[0])
