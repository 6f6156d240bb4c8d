"""What previews of a rule set (scoring, assignment) share: the leads they
are tried on, and how an item names its lead.  A preview stores nothing."""

from shared.schemas.errors import ValidationFailed

DEFAULT_LEADS = 5


def leads_to_preview(conn, lead_ids=None):
    """The leads with these ids, in the order given (each once); without
    ids, the DEFAULT_LEADS most recently created live leads.  An id that
    names no lead is ValidationFailed on ``lead_ids``."""
    if not lead_ids:
        return conn.execute("SELECT * FROM leads WHERE merged_into IS NULL ORDER BY created_at DESC, id DESC"
                            " LIMIT %s", (DEFAULT_LEADS,)).fetchall()
    wanted = list(dict.fromkeys(str(lead_id) for lead_id in lead_ids))
    found = {str(row["id"]): row for row in conn.execute("SELECT * FROM leads WHERE id = ANY(%s::uuid[])",
                                                         (wanted,))}
    missing = [lead_id for lead_id in wanted if lead_id not in found]
    if missing:
        raise ValidationFailed(f"No lead with id {', '.join(missing)}; preview existing leads.",
                               {"lead_ids": [f"No lead with id {lead_id}." for lead_id in missing]})
    return [found[lead_id] for lead_id in wanted]


def lead_summary(row):
    """How a preview item names its lead (PreviewLeadSchema)."""
    name = " ".join(part for part in (row["first_name"], row["last_name"]) if part) or None
    return {"lead_id": str(row["id"]), "name": name, "company": row["company"], "email": row["email"]}
