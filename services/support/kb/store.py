"""SQL of the knowledge base: plain functions over a connection already in
a transaction (rows as dicts)."""

import re
import unicodedata
import uuid

import psycopg.errors

from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import DuplicateFound, NotFound, ValidationFailed

SLUG_WORDS = 80  # characters of a title an automatic slug keeps
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

ARTICLE_COLUMNS = ("id, slug, title, body, body_html, body_text, tags, category_id, language, visibility, status, "
                   "author, published_number, published_at, published_by, archived_at, version, created_by, "
                   "created_at, updated_at")


# Slugs ----------------------------------------------------------------------------

def slug_of(title):
    """A URL slug of a title: ASCII letters and digits in lower case, words
    joined by hyphens ('Réinitialiser le mot de passe' -> 'reinitialiser-le-mot-de-passe')."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = _NOT_SLUG.sub("-", ascii_text).strip("-")[:SLUG_WORDS].strip("-")
    return slug or "article"


def free_slug(conn, base, article_id=None):
    """``base``, or ``base-2``, ``base-3``... whichever no other article has."""
    taken = {row["slug"] for row in conn.execute(
        "SELECT slug FROM articles WHERE (slug = %s OR slug LIKE %s) AND id IS DISTINCT FROM %s",
        (base, base + "-%", article_id)).fetchall()}
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def check_slug_free(conn, slug, article_id=None):
    row = conn.execute("SELECT id FROM articles WHERE slug = %s AND id IS DISTINCT FROM %s",
                       (slug, article_id)).fetchone()
    if row is not None:
        message = f"Another article has the slug {slug!r}; choose another."
        raise DuplicateFound(message, errors={"slug": [message]}, existing_id=str(row["id"]))


# Categories ------------------------------------------------------------------------

CATEGORY_SELECT = ("SELECT c.*, (SELECT count(*) FROM articles a WHERE a.category_id = c.id"
                   " AND a.status = 'published') AS articles FROM kb_categories c")


def list_categories(conn):
    return conn.execute(f"{CATEGORY_SELECT} ORDER BY c.position, lower(c.name), c.id").fetchall()


def get_category(conn, category_id, lock=False):
    row = conn.execute(f"{CATEGORY_SELECT} WHERE c.id = %s{' FOR UPDATE OF c' if lock else ''}",
                       (category_id,)).fetchone()
    if row is None:
        raise NotFound(f"No knowledge base category with id {category_id}.")
    return row


def check_category_exists(conn, category_id, field="category_id"):
    if category_id is None:
        return
    if conn.execute("SELECT 1 FROM kb_categories WHERE id = %s", (category_id,)).fetchone() is None:
        message = f"No knowledge base category with id {category_id}; GET /api/v1/kb/categories lists them."
        raise ValidationFailed(message, {field: [message]})


def check_category_unique(conn, name, slug, category_id=None):
    row = conn.execute("SELECT id, name, slug FROM kb_categories WHERE (lower(name) = lower(%s) OR slug = %s)"
                       " AND id IS DISTINCT FROM %s", (name, slug, category_id)).fetchone()
    if row is not None:
        field = "name" if name is not None and row["name"].lower() == name.lower() else "slug"
        message = f"Another category has this {field}: {row[field]!r}."
        raise DuplicateFound(message, errors={field: [message]}, existing_id=str(row["id"]))


def insert_category(conn, values):
    row = insert_row(conn, "kb_categories", {"id": str(uuid.uuid4()), **values})
    return get_category(conn, row["id"])


def update_category(conn, category_id, values):
    update_row(conn, "kb_categories", category_id, values)
    return get_category(conn, category_id)


# Articles -------------------------------------------------------------------------

def insert_article(conn, values):
    article_id = str(uuid.uuid4())
    try:
        with conn.transaction():  # a savepoint: a slug taken meanwhile is a 409, not an aborted transaction
            insert_row(conn, "articles", {"id": article_id, **values})
    except psycopg.errors.UniqueViolation:
        message = f"Another article has the slug {values['slug']!r}; choose another."
        raise DuplicateFound(message, errors={"slug": [message]}) from None
    conn.execute("INSERT INTO article_stats (article_id) VALUES (%s)", (article_id,))
    return article_id


def get_article(conn, article_id, lock=False):
    row = conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = %s{' FOR UPDATE' if lock else ''}",
                       (article_id,)).fetchone()
    if row is None:
        raise NotFound(f"No knowledge base article with id {article_id}.")
    return row


def find_article(conn, slug):
    return conn.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles WHERE slug = %s", (slug,)).fetchone()


def update_article(conn, article_id, values):
    """Write ``values`` and bump version and updated_at."""
    update_row(conn, "articles", article_id, values)


def touch_article(conn, article_id):
    """Bump the version (a change of its draft copy is a change of the article)."""
    conn.execute("UPDATE articles SET version = version + 1, updated_at = now() WHERE id = %s", (article_id,))


def get_draft(conn, article_id):
    return conn.execute("SELECT * FROM article_drafts WHERE article_id = %s", (article_id,)).fetchone()


def drafts_of(conn, article_ids):
    rows = conn.execute("SELECT * FROM article_drafts WHERE article_id = ANY(%s::uuid[])",
                        ([str(i) for i in article_ids],)).fetchall()
    return {str(row["article_id"]): row for row in rows}


def save_draft(conn, article_id, values, actor):
    """Create or change the draft copy of a published article."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in values)
    conn.execute(
        f"INSERT INTO article_drafts (article_id, {columns}, created_by, updated_by)"
        f" VALUES (%s, {placeholders}, %s, %s)"
        f" ON CONFLICT (article_id) DO UPDATE SET {updates}, updated_by = EXCLUDED.updated_by, updated_at = now()",
        (article_id, *values.values(), actor, actor))


def set_draft_status(conn, article_id, status):
    conn.execute("UPDATE article_drafts SET status = %s, updated_at = now() WHERE article_id = %s",
                 (status, article_id))


def delete_draft(conn, article_id):
    conn.execute("DELETE FROM article_drafts WHERE article_id = %s", (article_id,))


def stats_of(conn, article_ids):
    rows = conn.execute("SELECT * FROM article_stats WHERE article_id = ANY(%s::uuid[])",
                        ([str(i) for i in article_ids],)).fetchall()
    return {str(row["article_id"]): row for row in rows}


def count_view(conn, article_id):
    conn.execute("UPDATE article_stats SET views = views + 1 WHERE article_id = %s", (article_id,))


# Versions -------------------------------------------------------------------------

def insert_version(conn, article, actor):
    """Keep the article's current text as its next published version; returns the row."""
    number = conn.execute("SELECT coalesce(max(number), 0) + 1 AS n FROM article_versions WHERE article_id = %s",
                          (article["id"],)).fetchone()["n"]
    return conn.execute(
        "INSERT INTO article_versions (article_id, number, title, body, tags, language, visibility, published_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
        (article["id"], number, article["title"], article["body"], article["tags"], article["language"],
         article["visibility"], actor)).fetchone()


def versions(conn, article_id):
    return conn.execute("SELECT * FROM article_versions WHERE article_id = %s ORDER BY number DESC",
                        (article_id,)).fetchall()


def get_version(conn, article_id, number):
    row = conn.execute("SELECT * FROM article_versions WHERE article_id = %s AND number = %s",
                       (article_id, number)).fetchone()
    if row is None:
        raise NotFound(f"Article {article_id} has no published version {number}.")
    return row


# Cases ----------------------------------------------------------------------------

def get_case(conn, case_id):
    """The case's number, subject and description (the cases area's table), or NotFound."""
    row = conn.execute("SELECT id, number, subject, description, status FROM cases WHERE id = %s",
                       (case_id,)).fetchone()
    if row is None:
        raise NotFound(f"No case with id {case_id}.")
    return row


def link_case(conn, article_id, case_id, actor):
    """Link once; returns whether a new link was made."""
    return conn.execute("INSERT INTO article_cases (article_id, case_id, linked_by) VALUES (%s, %s, %s)"
                        " ON CONFLICT DO NOTHING", (article_id, case_id, actor)).rowcount == 1


def unlink_case(conn, article_id, case_id):
    return conn.execute("DELETE FROM article_cases WHERE article_id = %s AND case_id = %s",
                        (article_id, case_id)).rowcount == 1


def cases_of_article(conn, article_id):
    return conn.execute(
        "SELECT l.case_id, c.number, c.subject, c.status, l.linked_by, l.linked_at FROM article_cases l"
        " LEFT JOIN cases c ON c.id = l.case_id WHERE l.article_id = %s ORDER BY l.linked_at DESC, l.case_id",
        (article_id,)).fetchall()


def articles_of_case(conn, case_id):
    return conn.execute(
        "SELECT l.article_id, a.slug, a.title, a.status, a.visibility, l.linked_by, l.linked_at"
        " FROM article_cases l JOIN articles a ON a.id = l.article_id WHERE l.case_id = %s"
        " ORDER BY l.linked_at DESC, l.article_id", (case_id,)).fetchall()


def move_case_links(conn, source_case_id, target_case_id):
    """The links of a case merged into another go to the survivor (once each)."""
    conn.execute("INSERT INTO article_cases (article_id, case_id, linked_by, linked_at)"
                 " SELECT article_id, %s, linked_by, linked_at FROM article_cases WHERE case_id = %s"
                 " ON CONFLICT DO NOTHING", (target_case_id, source_case_id))
    return conn.execute("DELETE FROM article_cases WHERE case_id = %s", (source_case_id,)).rowcount


# Votes ----------------------------------------------------------------------------

def add_vote(conn, article_id, helpful, comment, voter, public):
    conn.execute("INSERT INTO article_votes (id, article_id, helpful, comment, voter, public)"
                 " VALUES (%s, %s, %s, %s, %s, %s)", (str(uuid.uuid4()), article_id, helpful, comment, voter, public))
    column = "helpful_yes" if helpful else "helpful_no"
    return conn.execute(f"UPDATE article_stats SET {column} = {column} + 1 WHERE article_id = %s"
                        " RETURNING helpful_yes, helpful_no", (article_id,)).fetchone()
