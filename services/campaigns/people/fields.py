"""The catalogue of fields marketers segment people on.

``FIELDS`` maps each field's name to ``(sql, type)``: ``sql`` is an
expression over ``people p LEFT JOIN accounts a ON a.id = p.account_id``
(a person without an account sees NULL for the account's fields) and
``type`` one of ``TYPES``. A ``choice`` field's allowed values are in
``CHOICES``; ``OPERATORS`` says which comparisons each type takes. The
segment rules compile against this data, and ``people_fields`` shows it."""

from shared.schemas.leads import SOURCES as LEAD_SOURCES
from shared.schemas.leads import STATUSES as LEAD_STATUSES
from shared.schemas.sales.accounts import ACCOUNT_TYPES

TYPES = ("text", "number", "date", "timestamp", "boolean", "choice")

FIELDS = {
    "kind": ("p.kind", "choice"),
    "email": ("p.email_norm", "text"),
    "email_domain": ("split_part(p.email_norm, '@', 2)", "text"),
    "first_name": ("p.first_name", "text"),
    "last_name": ("p.last_name", "text"),
    "country": ("coalesce(p.country, a.country)", "text"),
    "title": ("p.title", "text"),
    "company": ("coalesce(p.company, nullif(a.name, ''))", "text"),
    "lead_score": ("p.lead_score", "number"),
    "lead_status": ("p.lead_status", "choice"),
    "lead_source": ("p.lead_source", "choice"),
    "account_type": ("a.type", "choice"),
    "account_industry": ("a.industry", "text"),
    "account_country": ("a.country", "text"),
    "open_opportunities": ("a.open_opportunities", "number"),
    "open_pipeline": ("a.open_pipeline", "number"),
    "last_order_at": ("a.last_order_at", "timestamp"),
    "lifetime_revenue": ("a.lifetime_revenue", "number"),
    "open_cases": ("a.open_cases", "number"),
    "last_csat": ("a.last_csat", "number"),
    "do_not_email": ("p.do_not_email", "boolean"),
    "active": ("p.active", "boolean"),
    "created_at": ("p.created_at", "timestamp"),
}

CHOICES = {
    "kind": ("contact", "lead"),
    "lead_status": tuple(LEAD_STATUSES),
    "lead_source": tuple(LEAD_SOURCES),
    "account_type": tuple(ACCOUNT_TYPES),
}

_EMPTY = ("is_empty", "is_not_empty")
_ORDERED = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between") + _EMPTY
OPERATORS = {
    "text": ("eq", "ne", "in", "not_in", "contains", "starts_with") + _EMPTY,
    "number": _ORDERED,
    "date": _ORDERED + ("within_last_days", "more_than_days_ago"),
    "timestamp": _ORDERED + ("within_last_days", "more_than_days_ago"),
    "boolean": ("eq", "ne") + _EMPTY,
    "choice": ("eq", "ne", "in", "not_in") + _EMPTY,
}

LABELS = {
    "kind": "Contact or lead",
    "email": "Email address",
    "email_domain": "Email domain",
    "first_name": "First name",
    "last_name": "Last name",
    "country": "Country (ISO code; a contact's is its account's)",
    "title": "Job title",
    "company": "Company (the account's name for a contact)",
    "lead_score": "Lead score",
    "lead_status": "Lead status",
    "lead_source": "Lead source",
    "account_type": "Account type",
    "account_industry": "Account industry",
    "account_country": "Account country (ISO code)",
    "open_opportunities": "Open opportunities of the account",
    "open_pipeline": "Open pipeline of the account (sum of open opportunity amounts, in the reporting currency)",
    "last_order_at": "Last order of the account",
    "lifetime_revenue": "Lifetime revenue of the account (invoices less credit notes, in the reporting currency)",
    "open_cases": "Open support cases of the account",
    "last_csat": "Last satisfaction score of the account (1-5)",
    "do_not_email": "Do not email (the record's owner says so)",
    "active": "Active (not converted or merged away)",
    "created_at": "Added to campaigns",
}


def catalogue():
    """The fields as a list the API shows, in the catalogue's order."""
    return [
        {"name": name, "type": type_, "label": LABELS[name], "operators": list(OPERATORS[type_]),
         "values": list(CHOICES.get(name, ()))}
        for name, (_sql, type_) in FIELDS.items()
    ]
