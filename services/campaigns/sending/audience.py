"""Who a send goes to: a dynamic segment's current members, a static list's
members, or the campaign's own members; read once, when the send starts."""

from shared.schemas.errors import ValidationFailed

KINDS = ("segment", "list", "members")

# The segments area's tables of current membership: (table of the audience, its membership table, column).
SOURCES = {
    "segment": ("segments", "segment_members", "segment_id"),
    "list": ("lists", "list_members", "list_id"),
}


def check(conn, kind, audience_id):
    """422 on ``audience`` unless the audience exists."""
    if kind == "members":
        return
    table, _, _ = SOURCES[kind]
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = %s", (str(audience_id),)).fetchone() is None:
        raise ValidationFailed(f"No {kind} with id {audience_id}.", {"audience": {"id": [f"No such {kind}."]}})


def person_ids(conn, kind, audience_id, campaign_id):
    """The people of the audience now, in a stable order."""
    if kind == "members":
        sql, params = "SELECT person_id FROM campaign_members WHERE campaign_id = %s", (campaign_id,)
    else:
        _, members, column = SOURCES[kind]
        sql, params = f"SELECT person_id FROM {members} WHERE {column} = %s", (audience_id,)
    return [row["person_id"] for row in conn.execute(sql + " ORDER BY person_id", params)]
