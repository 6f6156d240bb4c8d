"""SQL for email templates and their versions: plain functions over a
connection already in a transaction."""

from shared.kit.filters import Where
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import get_row, insert_row, update_row

TEMPLATE_SORTS = {
    **both_ways("name", "name", "text"),
    **both_ways("updated_at", "updated_at", "timestamptz"),
}
# A person with the merge fields of their account.
SELECT_PERSON = ("SELECT p.*, a.name AS account_name, a.industry AS account_industry"
                 " FROM people p LEFT JOIN accounts a ON a.id = p.account_id WHERE p.id = %s")


def insert_template(conn, values):
    return insert_row(conn, "templates", values)


def get_template(conn, template_id, lock=None):
    return get_row(conn, "templates", template_id, "template", lock)


def update_template(conn, template_id, values):
    return update_row(conn, "templates", template_id, values)


def named(conn, name, other_than=None):
    """The template with this name in any letter case (other than ``other_than``), or None."""
    return conn.execute("SELECT id FROM templates WHERE lower(name) = lower(%s) AND id IS DISTINCT FROM %s",
                        (name, other_than)).fetchone()


def save_version(conn, row, actor):
    conn.execute(
        "INSERT INTO template_versions (template_id, version, name, subject, html, text, saved_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (template_id, version) DO NOTHING",
        (row["id"], row["version"], row["name"], row["subject"], row["html"], row["text"], actor))


def versions(conn, template_id):
    return conn.execute("SELECT * FROM template_versions WHERE template_id = %s ORDER BY version DESC",
                        (template_id,)).fetchall()


def used_by_sends(conn, template_id):
    """How many email sends name the template."""
    return conn.execute("SELECT count(*) AS n FROM email_sends WHERE template_id = %s",
                        (template_id,)).fetchone()["n"]


def delete_template(conn, template_id):
    conn.execute("DELETE FROM templates WHERE id = %s", (template_id,))


def list_templates(conn, query):
    where = Where(query)
    where.search("(name || ' ' || subject)", every_word=True)
    return keyset_page(conn, "SELECT * FROM templates", where.clauses, where.params,
                       TEMPLATE_SORTS[query.get("sort") or "name"], query.get("cursor"),
                       int(query.get("limit") or 50))


def person(conn, person_id):
    """A person with their account's name and industry, or None."""
    return conn.execute(SELECT_PERSON, (person_id,)).fetchone()


def campaign(conn, campaign_id):
    return conn.execute("SELECT id, name FROM campaigns WHERE id = %s", (campaign_id,)).fetchone()
