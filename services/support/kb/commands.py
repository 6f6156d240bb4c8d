"""Knowledge base operations: each takes a connection inside the caller's
transaction and writes its change and its events (outbox) together.

An article's row is what readers and search see.  Before its first publish
(and after a restore) it is also the text being written.  Once published,
a change goes to the article's draft copy (``article_drafts``) and the
published text stays as it is, readable and searchable, until the copy is
submitted and published: then the copy becomes the article's text, a new
version is kept and ``article.published`` goes out.
"""

import difflib
import uuid

from services.support.kb import render, search, states, store
from shared.kit import outbox
from shared.kit.rows import plain, snapshot
from shared.kit.versions import check_version
from shared.schemas.errors import NotFound
from shared.schemas.support.kb import tidy_tags

ARTICLE_FIELDS = ("id", "slug", "title", "body", "body_html", "tags", "category_id", "language", "visibility",
                  "status", "author", "published_number", "published_at", "published_by", "archived_at", "version",
                  "created_by", "created_at", "updated_at")
PUBLIC_FIELDS = ("id", "slug", "title", "body_html", "tags", "category_id", "language", "published_at")
DRAFT_FIELDS = ("title", "body", "tags", "category_id", "language", "visibility", "status", "updated_by",
                "updated_at")
CONTENT_FIELDS = ("title", "body", "tags", "category_id", "language", "visibility")
HIT_FIELDS = ("id", "slug", "title", "tags", "category_id", "language", "visibility", "status", "published_at",
              "updated_at", "version", "has_draft", "rank")
PUBLIC_HIT_FIELDS = ("id", "slug", "title", "tags", "category_id", "language", "published_at")
CATEGORY_FIELDS = ("id", "name", "slug", "description", "position", "articles", "version", "created_by",
                   "created_at", "updated_at")
VERSION_FIELDS = ("number", "title", "body", "tags", "language", "visibility", "published_at", "published_by")
EVENT_FIELDS = ("id", "slug", "title", "tags", "category_id", "language", "visibility", "published_number",
                "published_at", "published_by", "version", "created_at", "updated_at")


def label(article):
    return f"article {article['slug']!r}"


# Snapshots ----------------------------------------------------------------------------

def _draft_snapshot(draft):
    if draft is None:
        return None
    result = snapshot(draft, DRAFT_FIELDS)
    result["body_html"] = render.to_html(draft["body"])
    return result


def _stats(stats):
    stats = stats or {}
    return {"helpful_yes": stats.get("helpful_yes", 0), "helpful_no": stats.get("helpful_no", 0),
            "views": stats.get("views", 0)}


def article_snapshot(row, draft, stats):
    """An article as the API shows it (ArticleSchema)."""
    result = snapshot(row, ARTICLE_FIELDS)
    result["draft"] = _draft_snapshot(draft)
    result["stats"] = _stats(stats)
    result["actions"] = states.actions(row["status"], draft["status"] if draft else None)
    return result


def get_article(conn, article_id):
    row = store.get_article(conn, article_id)
    return article_snapshot(row, store.get_draft(conn, article_id), store.stats_of(conn, [row["id"]]).get(
        str(row["id"])))


def _rendered(content):
    body_html, body_text = render.render(content["body"])
    return {"body_html": body_html, "body_text": body_text}


# Categories ----------------------------------------------------------------------------

def list_categories(conn):
    return {"items": [snapshot(row, CATEGORY_FIELDS) for row in store.list_categories(conn)]}


def create_category(conn, data, actor):
    slug = data.get("slug") or store.slug_of(data["name"])
    store.check_category_unique(conn, data["name"], slug)
    row = store.insert_category(conn, {"name": data["name"], "slug": slug, "description": data.get("description"),
                                       "position": data.get("position") or 0, "created_by": actor})
    return snapshot(row, CATEGORY_FIELDS)


def update_category(conn, category_id, changes, actor, expected_version=None):
    row = store.get_category(conn, category_id, lock=True)
    check_version(row, expected_version, "category")
    store.check_category_unique(conn, changes.get("name"), changes.get("slug"), category_id)
    row = store.update_category(conn, category_id, changes)
    return snapshot(row, CATEGORY_FIELDS)


# Articles ------------------------------------------------------------------------------

def create_article(conn, data, actor):
    """A new draft (ArticleCreateSchema); returns the snapshot."""
    store.check_category_exists(conn, data.get("category_id"))
    if data.get("slug"):
        store.check_slug_free(conn, data["slug"])
        slug = data["slug"]
    else:
        slug = store.free_slug(conn, store.slug_of(data["title"]))
    content = {"title": data["title"], "body": data["body"], "tags": tidy_tags(data.get("tags")),
               "category_id": plain(data.get("category_id")), "language": data.get("language") or "en",
               "visibility": data.get("visibility") or "internal"}
    article_id = store.insert_article(conn, {**content, **_rendered(content), "slug": slug, "author": actor,
                                             "created_by": actor})
    return get_article(conn, article_id)


def _lock(conn, article_id, expected_version):
    row = store.get_article(conn, article_id, lock=True)
    check_version(row, expected_version, "article")
    return row, store.get_draft(conn, article_id)


def update_article(conn, article_id, changes, actor, expected_version=None):
    """Change the text being written: the article itself before its first
    publish, else its draft copy (made from the published text when there is
    none).  A slug change applies to the article at once (it is its address)."""
    row, draft = _lock(conn, article_id, expected_version)
    states.check(row["status"], draft["status"] if draft else None, "update", label(row))
    changes = dict(changes)
    if "category_id" in changes:
        changes["category_id"] = plain(changes["category_id"])
        store.check_category_exists(conn, changes["category_id"])
    if "tags" in changes:
        changes["tags"] = tidy_tags(changes["tags"])
    slug = changes.pop("slug", None)
    values = {}
    if slug is not None and slug != row["slug"]:
        store.check_slug_free(conn, slug, article_id)
        values["slug"] = slug
    if row["status"] == "published":
        base = draft if draft is not None else row
        content = {field: changes.get(field, base[field]) for field in CONTENT_FIELDS}
        content["category_id"] = plain(content["category_id"])
        store.save_draft(conn, article_id, content, actor)
        if values:
            store.update_article(conn, article_id, values)
        else:
            store.touch_article(conn, article_id)
    else:
        content = {field: changes.get(field, row[field]) for field in CONTENT_FIELDS}
        values.update({field: changes[field] for field in CONTENT_FIELDS if field in changes})
        if "body" in changes:
            values.update(_rendered(content))
        store.update_article(conn, article_id, values)
    return get_article(conn, article_id)


def _move(conn, article_id, action, actor, expected_version):
    row, draft = _lock(conn, article_id, expected_version)
    target = states.check(row["status"], draft["status"] if draft else None, action, label(row))
    return row, draft, target


def submit_article(conn, article_id, actor, expected_version=None):
    """draft -> in_review (the article's text, or its draft copy)."""
    row, draft, target = _move(conn, article_id, "submit", actor, expected_version)
    _set_working_status(conn, row, draft, target)
    return get_article(conn, article_id)


def withdraw_article(conn, article_id, actor, expected_version=None):
    """in_review -> draft, to change it again."""
    row, draft, target = _move(conn, article_id, "withdraw", actor, expected_version)
    _set_working_status(conn, row, draft, target)
    return get_article(conn, article_id)


def _set_working_status(conn, row, draft, status):
    if draft is not None and row["status"] == "published":
        store.set_draft_status(conn, row["id"], status)
        store.touch_article(conn, row["id"])
    else:
        store.update_article(conn, row["id"], {"status": status})


def publish_article(conn, article_id, actor, expected_version=None):
    """in_review -> published: the reviewed text (the article's, or its draft
    copy's) becomes what readers see, a new version is kept, and
    ``article.published`` goes out."""
    row, draft, _ = _move(conn, article_id, "publish", actor, expected_version)
    first = row["published_number"] is None
    values = {"status": "published", "archived_at": None}
    if draft is not None and row["status"] == "published":
        content = {field: draft[field] for field in CONTENT_FIELDS}
        values.update(content)
        values.update(_rendered(content))
        store.delete_draft(conn, article_id)
    store.update_article(conn, article_id, values)
    published = store.get_article(conn, article_id, lock=True)
    version = store.insert_version(conn, published, actor)
    store.update_article(conn, article_id, {"published_number": version["number"],
                                            "published_at": version["published_at"], "published_by": actor})
    article = get_article(conn, article_id)
    outbox.add(conn, "article.published", {"article": {field: article[field] for field in EVENT_FIELDS},
                                           "first": first})
    return article


def archive_article(conn, article_id, actor, expected_version=None):
    """published -> archived: no longer shown to readers nor suggested (a
    pending draft copy is kept for a restore)."""
    _move(conn, article_id, "archive", actor, expected_version)
    store.update_article(conn, article_id, {"status": "archived", "archived_at": plain_now(conn)})
    return get_article(conn, article_id)


def restore_article(conn, article_id, actor, expected_version=None):
    """archived -> draft: its pending copy, or its last published text, to be
    reviewed and published again."""
    row, draft, _ = _move(conn, article_id, "restore", actor, expected_version)
    values = {"status": "draft", "archived_at": None}
    if draft is not None:
        content = {field: draft[field] for field in CONTENT_FIELDS}
        values.update(content)
        values.update(_rendered(content))
        store.delete_draft(conn, article_id)
    store.update_article(conn, article_id, values)
    return get_article(conn, article_id)


def plain_now(conn):
    return conn.execute("SELECT now() AS now").fetchone()["now"]


# Reading -------------------------------------------------------------------------------

def _hit(row, fields):
    result = snapshot(row, fields)
    result["title_highlight"] = search.marked(row.get("title_highlight"))
    result["snippet"] = search.marked(row.get("snippet"))
    return result


def search_articles(conn, query):
    rows, more = search.search(conn, query)
    page = int(query.get("page") or 1)
    return {"items": [_hit(row, HIT_FIELDS) for row in rows], "page": page, "next_page": page + 1 if more else None}


def search_public_articles(conn, query):
    rows, more = search.search(conn, query, public=True)
    page = int(query.get("page") or 1)
    return {"items": [_hit(row, PUBLIC_HIT_FIELDS) for row in rows], "page": page,
            "next_page": page + 1 if more else None}


def _public_row(conn, reference):
    """A published public article by id or slug, else NotFound (an internal
    or unpublished article is not found either: it is not public)."""
    try:
        row = store.get_article(conn, str(uuid.UUID(reference)))
    except (ValueError, NotFound):
        row = store.find_article(conn, reference)
    if row is None or row["status"] != "published" or row["visibility"] != "public":
        raise NotFound(f"No public article {reference[:120]!r}.")
    return row


def read_public_article(conn, reference, count_view=True):
    row = _public_row(conn, reference)
    if count_view:
        store.count_view(conn, row["id"])
    result = snapshot(row, PUBLIC_FIELDS)
    stats = _stats(store.stats_of(conn, [row["id"]]).get(str(row["id"])))
    result.update(helpful_yes=stats["helpful_yes"], helpful_no=stats["helpful_no"])
    return result


def count_view(conn, article_id):
    store.get_article(conn, article_id)
    store.count_view(conn, article_id)


# Versions ------------------------------------------------------------------------------

def list_versions(conn, article_id):
    store.get_article(conn, article_id)
    return {"items": [snapshot(row, VERSION_FIELDS) for row in store.versions(conn, article_id)]}


def _diff_lines(title, body):
    return [f"# {title}", ""] + (body or "").splitlines()


def diff_versions(conn, article_id, from_number, to):
    """A unified diff (title and body) from one published version to
    another, or to the pending draft copy (``to="draft"``)."""
    article = store.get_article(conn, article_id)
    old = store.get_version(conn, article_id, from_number)
    if to == "draft":
        draft = store.get_draft(conn, article_id)
        if draft is None:
            if article["status"] == "published" or article["published_number"] is None:
                raise NotFound(f"{label(article).capitalize()} has no pending draft.")
            draft = article  # a draft again since a restore: the article's own text
        new, to_name = draft, "draft"
    else:
        new, to_name = store.get_version(conn, article_id, int(to)), f"version {int(to)}"
    lines = list(difflib.unified_diff(_diff_lines(old["title"], old["body"]), _diff_lines(new["title"], new["body"]),
                                      fromfile=f"version {from_number}", tofile=to_name, lineterm=""))
    return {"from": from_number, "to": str(to), "diff": "\n".join(lines) + ("\n" if lines else ""),
            "changed": bool(lines)}


# Cases ---------------------------------------------------------------------------------

def suggested_articles(conn, case_id, limit=5):
    case = store.get_case(conn, case_id)
    text = " ".join(part for part in (case["subject"], case["description"]) if part)
    rows = search.suggest(conn, text, case_id, limit)
    return {"items": [{"id": str(row["id"]), "slug": row["slug"], "title": row["title"],
                       "visibility": row["visibility"], "language": row["language"], "rank": row["rank"],
                       "snippet": search.marked(row["snippet"]), "linked": row["linked"]} for row in rows]}


def link_case(conn, article_id, case_id, actor):
    store.get_article(conn, article_id, lock=True)
    try:
        store.get_case(conn, case_id)
    except NotFound as exc:
        raise NotFound(exc.detail, errors={"case_id": [exc.detail]}) from None
    store.link_case(conn, article_id, case_id, actor)
    return cases_of_article(conn, article_id)


def unlink_case(conn, article_id, case_id):
    store.get_article(conn, article_id, lock=True)
    if not store.unlink_case(conn, article_id, case_id):
        raise NotFound(f"Article {article_id} is not linked to case {case_id}.")
    return cases_of_article(conn, article_id)


def cases_of_article(conn, article_id):
    store.get_article(conn, article_id)
    return {"items": [snapshot(row, ("case_id", "number", "subject", "status", "linked_by", "linked_at"))
                      for row in store.cases_of_article(conn, article_id)]}


def articles_of_case(conn, case_id):
    store.get_case(conn, case_id)
    return {"items": [snapshot(row, ("article_id", "slug", "title", "status", "visibility", "linked_by",
                                     "linked_at")) for row in store.articles_of_case(conn, case_id)]}


def move_case_links(conn, source_case_id, target_case_id):
    """For the cases area's merge: the merged case's article links go to the
    surviving case.  Returns how many links moved."""
    return store.move_case_links(conn, source_case_id, target_case_id)


# Votes ---------------------------------------------------------------------------------

def vote(conn, article_id, helpful, comment, voter=None, public=False):
    """Count a "was this helpful" vote; a public vote only on a published public article."""
    row = _public_row(conn, article_id) if public else store.get_article(conn, article_id)
    counts = store.add_vote(conn, row["id"], helpful, comment, voter, public)
    return {"helpful_yes": counts["helpful_yes"], "helpful_no": counts["helpful_no"]}
