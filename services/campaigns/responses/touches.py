"""Touches: the moments a campaign reached a person (attribution's input).

A touch is kept once per (campaign, person, kind), at its first time, and
moves the member along the funnel: ``sent`` -> sent_at, ``opened`` ->
opened_at, ``clicked`` -> clicked_at (and opened_at when the open was not
seen: images off), ``responded`` and ``attended`` -> responded_at,
``converted`` -> converted_at; each timestamp keeps its first value.  A
person the campaign did not target yet becomes a member (source
``response``) first."""

from services.campaigns.campaigns.members import add_members

KINDS = ("sent", "opened", "clicked", "responded", "attended", "converted")
# The funnel columns each touch kind sets (first value kept).
FUNNEL = {"sent": ("sent_at",), "opened": ("opened_at",), "clicked": ("clicked_at", "opened_at"),
          "responded": ("responded_at",), "attended": ("responded_at",), "converted": ("converted_at",)}
# Touches that are outcomes, not moments a campaign reached someone: attribution leaves them out.
OUTCOMES = ("converted",)


def touch(conn, campaign_id, person_id, kind, at=None):
    """Record that ``campaign_id`` touched ``person_id`` (kind: ``sent``,
    ``opened``, ``clicked``, ``responded``, ``attended``, ``converted``) at
    ``at`` (default now); moves the member along the funnel. Idempotent per
    (campaign, person, kind): returns True when the touch is new."""
    if kind not in KINDS:
        raise ValueError(f"unknown touch kind {kind!r}")
    row = conn.execute("SELECT 1 FROM campaign_members WHERE campaign_id = %s AND person_id = %s",
                       (campaign_id, person_id)).fetchone()
    if row is None:
        add_members(conn, campaign_id, [person_id], "response")
    new = conn.execute(
        "INSERT INTO touches (campaign_id, person_id, kind, at) VALUES (%s, %s, %s, coalesce(%s, now())) "
        "ON CONFLICT (campaign_id, person_id, kind) DO NOTHING RETURNING at", (campaign_id, person_id, kind, at),
    ).fetchone()
    assignments = ", ".join(f"{column} = coalesce({column}, coalesce(%(at)s, now()))" for column in FUNNEL[kind])
    conn.execute(f"UPDATE campaign_members SET {assignments} WHERE campaign_id = %(campaign)s "
                 "AND person_id = %(person)s", {"at": at, "campaign": campaign_id, "person": person_id})
    return new is not None
