"""Lead conversion operations on the leads side (the saga is described in
``rpc``): where a lead stands, marking it converted, and the stored answer."""

from datetime import UTC, datetime

from services.leads.account_merges import store as account_merges
from services.leads.conversion import store
from services.leads.records import store as leads_store
from services.leads.records.commands import write_lead
from services.leads.records.status import check_transition
from services.leads.records.store import SNAPSHOT_FIELDS, snapshot
from services.leads.scoring.commands import rescored
from shared.kit import outbox
from shared.schemas.errors import Conflict, IllegalTransition


def check_convertible(row, meanwhile=False):
    """Refuse to convert a merged lead (Conflict naming the survivor) or one
    that is not qualified (IllegalTransition).  ``meanwhile``: the lead
    changed while sales was converting it; a retry reuses what sales made."""
    later = (" while it was being converted; the account, contact and opportunity already made are reused"
             " when it is converted again") if meanwhile else ""
    if row["merged_into"]:
        raise Conflict(f"Lead {row['id']} was merged into lead {row['merged_into']}{later}; convert lead"
                       f" {row['merged_into']} instead.", merged_into=str(row["merged_into"]))
    if row["status"] != "qualified":
        now = f"became {row['status']}{later}" if meanwhile else f"is {row['status']}"
        message = f"Qualify the lead first: only a qualified lead can be converted, and this one {now}."
        raise IllegalTransition(message, errors={"status": [message]}, current=row["status"], target="converted",
                                required="qualified")


def conversion_state(conn, lead_id):
    """``(lead snapshot, None)`` for a lead ready to convert, ``(lead
    snapshot, stored result)`` for a converted one; raises for the others."""
    row = leads_store.get_lead(conn, lead_id)
    if row["status"] == "converted" and not row["merged_into"]:
        return snapshot(row), stored_result(conn, row)
    check_convertible(row)
    return snapshot(row), None


def stored_result(conn, row):
    """The answer for a converted lead, from its links and the history row
    its conversion wrote (which keeps whether the account and contact were
    created)."""
    entry = store.conversion_entry(conn, row["id"]) or {}
    lead = snapshot(row)
    return {
        "lead": lead,
        "account_id": lead["converted_account_id"],
        "contact_id": lead["converted_contact_id"],
        "opportunity_id": lead["converted_opportunity_id"],
        "account_created": bool(entry.get("account_created")),
        "contact_created": bool(entry.get("contact_created")),
    }


def mark_converted(conn, lead_id, conversion, actor):
    """Mark a lead converted with the links sales answered (``conversion``:
    account_id, contact_id, opportunity_id, account_created,
    contact_created); returns ``(row, marked)``.

    The lead is locked first: when a concurrent conversion marked it
    meanwhile, nothing is written and ``marked`` is False (sales answers
    every conversion of a lead with the same ids, so the stored links are
    this call's too).  One history row (action ``converted``, keeping the
    whole answer) and the events ``lead.updated`` and ``lead.converted``."""
    row = leads_store.get_lead(conn, lead_id, lock=True)
    if row["status"] == "converted" and not row["merged_into"]:
        return row, False
    check_convertible(row, meanwhile=True)
    check_transition(row["status"], "converted")
    account_merges.lock_account_merges(conn, shared=True)
    links = {"account_id": str(account_merges.live_account_id(conn, conversion["account_id"])),
             "contact_id": conversion["contact_id"],
             "opportunity_id": conversion.get("opportunity_id")}
    values = {"status": "converted", "status_reason": None, "converted_account_id": links["account_id"],
              "converted_contact_id": links["contact_id"], "converted_opportunity_id": links["opportunity_id"],
              "converted_at": datetime.now(UTC)}
    values = {key: value for key, value in values.items() if key == "status" or row[key] != value}
    values.update(rescored(conn, row, values))
    history = {"status": [row["status"], "converted"], **links,
               "account_created": bool(conversion.get("account_created")),
               "contact_created": bool(conversion.get("contact_created"))}
    updated = write_lead(conn, row, values, actor, "converted", history)
    lead = snapshot(updated)
    changed = sorted(key for key in values if key in SNAPSHOT_FIELDS)
    outbox.add_many(conn, [("lead.updated", {"lead": lead, "changed": changed}),
                           ("lead.converted", {"lead": lead, **links})])
    return updated, True
