"""SQL of lead conversion: what a conversion recorded."""


def conversion_entry(conn, lead_id):
    """The changes recorded by the lead's conversion (its ``converted``
    history row), or None."""
    row = conn.execute(
        "SELECT changes FROM lead_history WHERE lead_id = %s AND action = 'converted' ORDER BY id DESC LIMIT 1",
        (lead_id,),
    ).fetchone()
    return row["changes"] if row else None
