"""SQL of engagement: following a lead's merges to the live lead."""


def merge_link(conn, lead_id):
    """The lead's id and ``merged_into`` (no lock), or None."""
    return conn.execute("SELECT id, merged_into FROM leads WHERE id = %s", (lead_id,)).fetchone()


def lock_lead(conn, lead_id):
    """The whole lead row, locked until commit, or None."""
    return conn.execute("SELECT * FROM leads WHERE id = %s FOR UPDATE", (lead_id,)).fetchone()
