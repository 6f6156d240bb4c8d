"""Lead conversion, the sales side: one transaction turns a qualified lead
into an account, a contact and (optionally) an opportunity.

Idempotent, also under concurrency and after a crash: the first statement
inserts the lead's ``lead_conversions`` row (``ON CONFLICT (lead_id) DO
NOTHING``).  When the row exists the stored answer is returned unchanged; a
concurrent second call waits on the primary key until the first commits and
then finds it; a transaction that died (the process was killed) left no row
and nothing else, so the next call starts afresh.  Hence a lead becomes at
most one account, one contact and one opportunity, whatever the retries.

Which records:

- account: ``options.account_id`` (must exist and be live); else the live
  account with the domain of the lead's email (not for free-mail addresses)
  or with the lead's company as its normalised name in the lead's country;
  else a new ``prospect`` account named after the company, with the email's
  domain, the lead's industry, size and country, owned by ``options.owner``
  or else the converting user (``actor``; the lead's owner when there is no
  actor), like the contact and the opportunity it creates.  A lead without a company makes an account named
  after the person with their email or phone ("Ada Lovelace
  (ada@example.com)"; else just the name, the email or the phone), without a
  domain (a person's mailbox is not a company's web domain); like any account
  it is deduplicated by that name in the same country, so two people who
  share a name get two accounts.
- contact: the one whose primary email is the lead's (it joins the account
  when it has none, and otherwise stays where it is, even at another
  account); else a new one at the account with the lead's names, title,
  email and phone (the number in E.164, the lead's text as given beside
  it).  A lead without a name gives the contact
  its email (else phone, else company) as last name (a contact needs one).
- opportunity (unless ``create_opportunity`` is false): at the account, the
  contact as primary contact (when it is not another account's), the lead's
  source and campaign, ``lead_id`` set; the options' name (default "<account
  name> - new business"), amount (0), currency (the reporting currency),
  pipeline and stage (the default pipeline's first open stage) and expected
  close date (today + 90 days).

The account, contact and opportunity functions write their own events
(``account.created``, ``contact.created``, ``opportunity.created``) in this
transaction; a record that was found is not touched.  The answer carries the
``warnings`` of the opportunity's save (a currency without an exchange rate)
when it made one.
"""

from services.sales.accounts import store as accounts_store
from services.sales.accounts.commands import create_account, find_duplicate, referenced_account
from services.sales.contacts.commands import create_contact, find_by_email, update_contact
from services.sales.normalize import domain_from_email
from services.sales.opportunities.commands import create_opportunity
from services.sales.opportunities.warnings import save_warnings
from shared.kit.rows import plain
from shared.kit.validation import load
from shared.schemas.errors import DuplicateFound, IllegalTransition, ValidationFailed
from shared.schemas.phones import e164
from shared.schemas.sales.accounts import AccountCreateSchema
from shared.schemas.sales.contacts import ContactCreateSchema

RECORD_FIELDS = ("lead_id", "account_id", "contact_id", "opportunity_id", "account_created", "contact_created")
NAME_LENGTH = 200
PERSON_NAME_LENGTH = 100


def record(row):
    """A lead_conversions row as the RPC answers it (ConversionRecordSchema)."""
    return {field: plain(row[field]) for field in RECORD_FIELDS}


def convert_lead(conn, lead, options, actor, currency):
    """Convert ``lead`` (a loaded LeadSchema dict) with loaded
    ConversionOptionsSchema ``options``; ``currency``: the default currency
    of the opportunity.  Returns the conversion record (the stored one when
    the lead was converted before)."""
    claimed = conn.execute(
        "INSERT INTO lead_conversions (lead_id, converted_by) VALUES (%s, %s)"
        " ON CONFLICT (lead_id) DO NOTHING RETURNING lead_id",
        (lead["id"], actor),
    ).fetchone()
    if claimed is None:
        return record(conn.execute("SELECT * FROM lead_conversions WHERE lead_id = %s", (lead["id"],)).fetchone())
    _check_convertible(lead)
    owner = options.get("owner") or actor or lead.get("owner")
    account, account_created = _account(conn, lead, options, owner, actor)
    contact, contact_created = _contact(conn, lead, account, owner, actor)
    opportunity_id, warnings = None, []
    if options["create_opportunity"]:
        opportunity = _opportunity(conn, lead, options["opportunity"], account, contact, owner, actor, currency)
        opportunity_id = str(opportunity["id"])
        warnings = save_warnings(conn, opportunity["currency"], currency)
    row = conn.execute(
        "UPDATE lead_conversions SET account_id = %s, contact_id = %s, opportunity_id = %s, account_created = %s,"
        " contact_created = %s WHERE lead_id = %s RETURNING *",
        (account["id"], contact["id"], opportunity_id, account_created, contact_created, lead["id"]),
    ).fetchone()
    return {**record(row), "warnings": warnings} if warnings else record(row)


def _check_convertible(lead):
    if lead.get("merged_into"):
        raise IllegalTransition(f"Lead {lead['id']} was merged into lead {lead['merged_into']}; convert that one.",
                                current=lead["status"], merged_into=str(lead["merged_into"]))
    if lead["status"] != "qualified":
        message = f"Qualify the lead first: only a qualified lead can be converted, and this one is {lead['status']}."
        raise IllegalTransition(message, errors={"status": [message]}, current=lead["status"], target="converted",
                                required="qualified")


def person_name(lead):
    """"<first> <last>" of the lead, or None."""
    name = " ".join(part for part in (lead.get("first_name"), lead.get("last_name")) if part)
    return name or None


def account_name(lead):
    """The name of the account a lead becomes: its company, else the person
    with their email (or phone), so that two people who share a name do not
    share an account."""
    if lead.get("company"):
        return lead["company"][:NAME_LENGTH]
    person, reach = person_name(lead), lead.get("email") or lead.get("phone")
    if person and reach:
        suffix = f" ({reach})"
        return person[:NAME_LENGTH - len(suffix)] + suffix
    return (person or reach)[:NAME_LENGTH]


def _account(conn, lead, options, owner, actor):
    """(account row, created?)"""
    if options.get("account_id"):
        return referenced_account(conn, options["account_id"], "account_id"), False
    name = account_name(lead)
    domain = domain_from_email(lead.get("email")) if lead.get("company") else None
    search_domain = domain_from_email(lead.get("email"))
    existing = find_duplicate(conn, name=name, domain=search_domain, country=lead.get("country"))
    if existing:
        return _locked_live(conn, existing["id"]), False
    data = load(AccountCreateSchema(), {
        "name": name, "domain": domain, "type": "prospect", "owner": owner, "industry": lead.get("industry"),
        "size": lead.get("company_size"), "country": lead.get("country"),
    })
    try:
        return create_account(conn, data, actor), True
    except DuplicateFound as exc:  # created concurrently (by another lead's conversion) after the look-up
        return _locked_live(conn, exc.extra["existing_id"]), False


def _locked_live(conn, account_id):
    """The account dedup found, locked FOR SHARE (it cannot be merged away
    before this transaction ends); when a merge got to it first since the
    look-up, its survivor."""
    row = accounts_store.find_account(conn, str(account_id), lock="share")
    while row["merged_into"]:
        row = accounts_store.find_account(conn, str(row["merged_into"]), lock="share")
    return row


def _contact(conn, lead, account, owner, actor):
    """(contact row, created?)"""
    existing = find_by_email(conn, lead.get("email"))
    if existing and existing["account_id"] is None:  # a contact of no account joins the lead's
        return update_contact(conn, existing["id"], {"account_id": str(account["id"])}, actor), False
    if existing:
        return existing, False
    names = {"first_name": lead.get("first_name"), "last_name": lead.get("last_name")}
    if not any(names.values()):
        names["last_name"] = (lead.get("email") or lead.get("phone") or lead.get("company"))[:PERSON_NAME_LENGTH]
    phones, phones_text = _phones(lead, account)
    data = load(ContactCreateSchema(), {
        **names, "title": lead.get("title"), "emails": [lead["email"]] if lead.get("email") else [],
        "phones": phones, "account_id": str(account["id"]), "owner": owner,
    })
    try:
        return create_contact(conn, data, actor, phones_text), True
    except DuplicateFound:  # created concurrently after the look-up
        return find_by_email(conn, lead["email"]), False


def _phones(lead, account):
    """(phones, phones_text) of the lead's contact: its number in E.164 and
    its text as given.  A phone saved before numbers were read, which reads as
    none, is kept as it is."""
    phone = lead.get("phone")
    if not phone:
        return [], []
    number = e164(phone, lead.get("country") or account.get("country"))
    return [number or phone], [lead.get("phone_text") or phone]


def _opportunity(conn, lead, wanted, account, contact, owner, actor, currency):
    """The new opportunity's row."""
    same_account = contact["account_id"] is None or str(contact["account_id"]) == str(account["id"])
    data = {
        "account_id": str(account["id"]),
        "primary_contact_id": str(contact["id"]) if same_account else None,
        "name": wanted.get("name") or f"{account['name']} - new business"[:NAME_LENGTH],
        "amount": wanted.get("amount"),
        "currency": wanted.get("currency") or currency,
        "pipeline_id": wanted.get("pipeline_id"),
        "stage": wanted.get("stage"),
        "expected_close_date": wanted["expected_close_date"],
        "source": lead.get("source"),
        "campaign_id": lead.get("campaign_id"),
        "lead_id": str(lead["id"]),
        "owner": owner,
    }
    try:
        return create_opportunity(conn, data, actor)
    except ValidationFailed as exc:  # a pipeline or stage that does not exist: the options' fault
        raise ValidationFailed(exc.detail, {"opportunity": exc.errors}, **exc.extra) from None
