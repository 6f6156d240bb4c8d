"""Operations of the people projection; each takes a connection inside one
transaction (an event's, with its inbox row, or a catch-up page's).

Records of other services arrive as snapshots carrying their version: a
snapshot only replaces an older one, so redelivered and late events change
nothing.  An account's signals are recomputed from one row per source record
(opportunity, order, invoice or credit note, case) under a lock on the
account, so they stay exact whatever the order of the events.  Every change
to people, or to the account they belong to, is handed to the segments'
upkeep in the same transaction.
"""

import datetime
import logging
from decimal import Decimal, InvalidOperation

from services.campaigns.people import store
from services.campaigns.segments import upkeep
from shared.kit.payload import parse_id
from shared.kit.payload import text as _text
from shared.kit.rows import plain

log = logging.getLogger(__name__)

OPEN = "open"
CLOSED_CASE_STATUSES = ("resolved", "closed")


# Reading what other services' records carry ------------------------------------------

def _version(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _country(value):
    return value.upper() if isinstance(value, str) and len(value) == 2 and value.isalpha() else None


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _date(value):
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _money(value):
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() and abs(amount) < Decimal("1e16") else None


def _email(value):
    text = _text(value, 254)
    return (text, text.lower()) if text and "@" in text else (None, None)


def account_values(account):
    """The projection columns of a sales account snapshot (AccountSchema), or
    None without id, name and version."""
    if not isinstance(account, dict):
        return None
    checked, version, name = parse_id(account.get("id")), _version(account.get("version")), account.get("name")
    if checked is None or version is None or not isinstance(name, str):
        return None
    merged_into = parse_id(account.get("merged_into"))
    return {"id": checked, "name": name[:200], "type": _text(account.get("type"), 50),
            "industry": _text(account.get("industry"), 100), "country": _country(account.get("country")),
            "owner": _text(account.get("owner"), 100), "merged_into": merged_into if merged_into != checked else None,
            "source_version": version}


def _person(kind, source_id, version, **values):
    row = dict.fromkeys(store.PERSON_COLUMNS)
    row.update(kind=kind, source_id=source_id, source_version=version, do_not_email=False, active=True)
    row.update(values)
    return row


def contact_values(contact):
    """The people columns of a sales contact snapshot (ContactSchema), or
    None without id and version.  The email is the primary (first) one."""
    if not isinstance(contact, dict):
        return None
    checked, version = parse_id(contact.get("id")), _version(contact.get("version"))
    if checked is None or version is None:
        return None
    emails = contact.get("emails") if isinstance(contact.get("emails"), list) else []
    phones = contact.get("phones") if isinstance(contact.get("phones"), list) else []
    email, email_norm = _email(emails[0]) if emails else (None, None)
    return _person("contact", checked, version, first_name=_text(contact.get("first_name"), 100),
                   last_name=_text(contact.get("last_name"), 100), email=email, email_norm=email_norm,
                   phone=_text(phones[0], 40) if phones else None, title=_text(contact.get("title"), 200),
                   account_id=parse_id(contact.get("account_id")),
                   do_not_email=contact.get("do_not_email") is True)


def lead_values(lead):
    """The people columns of a leads lead snapshot (LeadSchema), or None
    without id and version.  A converted or merged lead is inactive."""
    if not isinstance(lead, dict):
        return None
    checked, version = parse_id(lead.get("id")), _version(lead.get("version"))
    if checked is None or version is None:
        return None
    email, email_norm = _email(lead.get("email"))
    score, status = lead.get("score"), _text(lead.get("status"), 30)
    merged_into = parse_id(lead.get("merged_into"))
    return _person("lead", checked, version, first_name=_text(lead.get("first_name"), 100),
                   last_name=_text(lead.get("last_name"), 100), email=email, email_norm=email_norm,
                   phone=_text(lead.get("phone"), 40), company=_text(lead.get("company"), 200),
                   title=_text(lead.get("title"), 200), country=_country(lead.get("country")),
                   lead_score=score if isinstance(score, int) and not isinstance(score, bool) else None,
                   lead_status=status, lead_source=_text(lead.get("source"), 30),
                   do_not_email=lead.get("do_not_email") is True,
                   active=status != "converted" and merged_into is None, merged_into=merged_into)


def opportunity_values(opportunity):
    if not isinstance(opportunity, dict):
        return None
    checked, account_id = parse_id(opportunity.get("id")), parse_id(opportunity.get("account_id"))
    version, amount = _version(opportunity.get("version")), _money(opportunity.get("amount"))
    category = opportunity.get("category")
    if None in (checked, account_id, version, amount) or not isinstance(category, str):
        return None
    return {"id": checked, "account_id": account_id, "is_open": category == OPEN, "amount": amount,
            "currency": _text(opportunity.get("currency"), 3), "source_version": version}


def order_values(order, fallback_time=None):
    if not isinstance(order, dict):
        return None
    checked, account_id = parse_id(order.get("id")), parse_id(order.get("account_id"))
    placed_at = _time(order.get("placed_at")) or _time(fallback_time)
    if None in (checked, account_id, placed_at):
        return None
    return {"id": checked, "account_id": account_id, "placed_at": placed_at}


def document_values(document, kind):
    """An issued invoice's (InvoiceSchema) or credit note's row: its net
    total, negative for a credit note."""
    if not isinstance(document, dict):
        return None
    checked, account_id = parse_id(document.get("id")), parse_id(document.get("account_id"))
    totals = document.get("totals") if isinstance(document.get("totals"), dict) else {}
    net = _money(totals.get("net_total"))
    if None in (checked, account_id, net):
        return None
    return {"id": checked, "kind": kind, "account_id": account_id,
            "net_amount": -net if kind == "credit_note" else net, "currency": _text(document.get("currency"), 3),
            "issued_on": _date(document.get("issue_date"))}


def case_values(case):
    if not isinstance(case, dict):
        return None
    checked, version, status = parse_id(case.get("id")), _version(case.get("version")), case.get("status")
    if checked is None or version is None or not isinstance(status, str):
        return None
    is_open = status not in CLOSED_CASE_STATUSES and parse_id(case.get("merged_into")) is None
    return {"id": checked, "account_id": parse_id(case.get("account_id")), "is_open": is_open,
            "source_version": version}


# Writing the projection ---------------------------------------------------------------------

def _changed(conn, person_ids):
    ids = sorted(set(person_ids))
    if ids:
        upkeep.people_changed(conn, ids)
    return ids


def _accounts_changed(conn, account_ids):
    """Hand the people of these accounts to the segments' upkeep."""
    return _changed(conn, store.people_of_accounts(conn, account_ids))


def _newest(rows, key):
    newest = {}
    for row in rows:
        if key(row) not in newest or newest[key(row)]["source_version"] < row["source_version"]:
            newest[key(row)] = row
    return list(newest.values())


def _read(records, values, what):
    rows = []
    for record in records:
        row = values(record)
        if row is None:
            log.warning("%s snapshot without the fields the projection needs skipped: %.300r", what, record)
        else:
            rows.append(row)
    return rows


def apply_accounts(conn, accounts):
    """Write account snapshots, each only over an older version; returns the
    ids written.  Their people are handed to the upkeep."""
    written = store.upsert_accounts(conn, _newest(_read(accounts, account_values, "account"), lambda r: r["id"]))
    _accounts_changed(conn, written)
    return written


def _apply_people(conn, rows):
    for row in rows:
        row["account_id"] = store.final_survivor(conn, row["account_id"])
    written = store.upsert_people(conn, _newest(rows, lambda r: (r["kind"], r["source_id"])))
    return _changed(conn, written)


def apply_contacts(conn, contacts):
    """Write contact snapshots as people; returns the ids of the people written."""
    return _apply_people(conn, _read(contacts, contact_values, "contact"))


def apply_leads(conn, leads):
    """Write lead snapshots as people; returns the ids of the people written."""
    return _apply_people(conn, _read(leads, lead_values, "lead"))


def follow_account_merge(conn, survivor, merged_id):
    """``account.merged``: the survivor's snapshot is applied, the merged
    account points to the survivor (to where the survivor was merged in turn,
    when a later merge was handled first), and its people and signal rows
    move there.  Returns the ids of the people moved."""
    apply_accounts(conn, [survivor])
    target = store.final_survivor(conn, parse_id(survivor["id"]))
    if target == merged_id:  # a damaged chain: never point an account at itself
        log.warning("account.merged: %s would be merged into itself; ignored", merged_id)
        return []
    store.lock_accounts(conn, [merged_id, target])
    store.mark_merged(conn, merged_id, target)
    moved = store.move_account_records(conn, merged_id, target)
    store.refresh_signals(conn, [merged_id, target])
    _accounts_changed(conn, [target])
    if moved:
        log.info("account %s merged into %s: %s people moved", merged_id, target, len(moved))
    return moved


def merge_lead(conn, survivor, merged_id):
    """``lead.merged``: the survivor's snapshot is applied and the merged lead
    becomes inactive for good.  Returns the ids of the people changed."""
    changed = apply_leads(conn, [survivor])
    merged = store.mark_lead_merged(conn, merged_id, parse_id(survivor["id"]))
    return sorted(set(changed) | set(_changed(conn, [merged])))


def _record_signal(conn, table, row, write):
    """Write one signal row for its (surviving) account and recompute the
    signals of the accounts it counted for before and after; returns the
    accounts whose signals changed."""
    row = dict(row, account_id=store.final_survivor(conn, row["account_id"]))
    before = store.signal_account(conn, table, row["id"])
    accounts = [account for account in (before, row["account_id"]) if account]
    store.lock_accounts(conn, accounts)
    if not write(conn, row):
        return []
    changed = store.refresh_signals(conn, accounts)
    _accounts_changed(conn, changed)
    return changed


def recompute_signals(conn, account_ids):
    """Recompute the accounts' signals from their rows as they are (after the
    exchange rates changed), under the same locks as an event's; the people
    of the accounts whose signals changed are handed to the upkeep.  Returns
    those accounts."""
    store.lock_accounts(conn, account_ids)
    changed = store.refresh_signals(conn, account_ids)
    _accounts_changed(conn, changed)
    return changed


def apply_opportunity(conn, opportunity):
    row = opportunity_values(opportunity)
    if row is None:
        log.warning("opportunity snapshot without id, account, amount, category or version skipped: %.300r",
                    opportunity)
        return []
    return _record_signal(conn, "signal_opportunities", row, store.upsert_opportunity)


def apply_order(conn, order, occurred_at=None):
    row = order_values(order, occurred_at)
    if row is None:
        log.warning("order snapshot without id, account or placing time skipped: %.300r", order)
        return []
    return _record_signal(conn, "signal_orders", row, store.insert_order)


def apply_document(conn, document, kind):
    row = document_values(document, kind)
    if row is None:
        log.warning("%s without id, account or net total skipped: %.300r", kind, document)
        return []
    return _record_signal(conn, "signal_documents", row, store.insert_document)


def apply_cases(conn, cases):
    changed = []
    for row in _newest(_read(cases, case_values, "case"), lambda r: r["id"]):
        if row["account_id"] is None and store.signal_account(conn, "signal_cases", row["id"]) is None:
            continue  # a case of no account counts for none
        changed += _record_signal(conn, "signal_cases", row, store.upsert_case)
    return sorted(set(changed))


def apply_survey(conn, survey, case):
    """``survey.answered``: the account of the surveyed case gets the score,
    unless a later answer is already recorded.  Returns the accounts changed."""
    if not isinstance(survey, dict) or not isinstance(case, dict):
        return []
    csat, answered_at = survey.get("csat"), _time(survey.get("answered_at"))
    account_id = store.final_survivor(conn, parse_id(case.get("account_id")))
    if not isinstance(csat, int) or isinstance(csat, bool) or answered_at is None or account_id is None:
        return []  # no score (an NPS-only answer) or a case of no account
    store.lock_accounts(conn, [account_id])
    if not store.record_csat(conn, account_id, csat, answered_at):
        return []
    _accounts_changed(conn, [account_id])
    return [account_id]


# Reading ------------------------------------------------------------------------------

PERSON_FIELDS = ("id", "kind", "source_id", "first_name", "last_name", "email", "phone", "title", "account_id",
                 "lead_score", "lead_status", "lead_source", "do_not_email", "active", "merged_into",
                 "source_version", "created_at", "updated_at")
ACCOUNT_FIELDS = ("id", "name", "type", "industry", "country", "owner", "merged_into", "open_opportunities",
                  "open_pipeline", "last_order_at", "lifetime_revenue", "open_cases", "last_csat")


def person_snapshot(row):
    person = {name: plain(row[name]) for name in PERSON_FIELDS}
    person.update(company=row["company_shown"], country=row["country_shown"])
    return person


def person_detail(conn, row):
    person = person_snapshot(row)
    account = store.find_account(conn, row["account_id"]) if row["account_id"] else None
    person["account"] = {name: plain(account[name]) for name in ACCOUNT_FIELDS} if account else None
    return person
