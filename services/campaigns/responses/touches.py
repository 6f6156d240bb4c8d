"""Touches: the moments a campaign reached a person (attribution's input)."""


def touch(conn, campaign_id, person_id, kind, at=None):
    """Record that ``campaign_id`` touched ``person_id`` (kind: ``sent``,
    ``opened``, ``clicked``, ``responded``, ``attended``, ...) at ``at``;
    moves the member along the funnel. Idempotent per (campaign, person, kind)."""
