"""Segment membership upkeep: called by every write to the people projection."""


def people_changed(conn, person_ids):
    """Re-evaluate the dynamic segments for these people (ids of ``people``)
    in the caller's transaction: joins and leaves are recorded with their
    time, so membership never needs a rebuild job."""
