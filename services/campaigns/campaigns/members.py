"""Campaign members: who a campaign targets."""

from services.campaigns.campaigns import store
from shared.kit import outbox
from shared.kit.rows import plain

# Events are queued in chunks (one COPY each), so a segment of many people adds in bounded memory.
EVENT_CHUNK = 1000


def add_members(conn, campaign_id, person_ids, source="manual"):
    """Add these people to the campaign (once each); publishes
    ``campaign.member_added`` for each new one; returns how many were new.

    Idempotent: a person who is a member already (however they were added,
    and even by a concurrent transaction: the primary key decides) is left
    as is and gets no event; ids naming no person are ignored.  Runs in the
    caller's transaction; it does not check the campaign's status."""
    person_ids = list(dict.fromkeys(str(item) for item in person_ids))
    if not person_ids:
        return 0
    campaign = store.get_campaign(conn, campaign_id)
    added = store.insert_members(conn, campaign_id, person_ids, source)
    about = {"id": str(campaign["id"]), "name": campaign["name"], "type": campaign["type"],
             "status": campaign["status"]}
    for start in range(0, len(added), EVENT_CHUNK):
        outbox.add_many(conn, [("campaign.member_added", {
            "campaign": about,
            "person": {"id": plain(row["person_id"]), "kind": row["kind"], "source_id": plain(row["source_id"])},
            "source": row["source"], "added_at": plain(row["added_at"])}) for row in added[start:start + EVENT_CHUNK]])
    return len(added)
