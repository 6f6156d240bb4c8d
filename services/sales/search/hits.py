"""Accounts, contacts and opportunities as search hits, and how well they
match (pure: no database)."""

from shared.kit import search

# The accounts whose contacts and opportunities a search takes in too.
ACCOUNTS_FOLLOWED = 20


def full_name(row):
    return " ".join(part for part in (row["first_name"], row["last_name"]) if part)


def account_fields(row):
    return [("name", "text", row["name"]), ("domain", "domain", row["domain"]), ("domain", "text", row["domain"])]


def contact_fields(row):
    return [("name", "text", full_name(row)), ("email", "text", row["emails"]), ("domain", "domain", row["emails"]),
            ("phone", "digits", row["phones"]), ("phone", "text", row["phones_text"]),
            ("account", "text", row["account_name"]), ("account", "domain", row["account_domain"])]


def opportunity_fields(row):
    return [("name", "text", row["name"]), ("account", "text", row["account_name"]),
            ("account", "domain", row["account_domain"])]


def account_hit(row, matched):
    return {"id": str(row["id"]), "kind": "accounts", "title": row["name"],
            "subtitle": search.join(row["domain"], row["type"], row["country"]), "matched": matched}


def contact_hit(row, matched):
    title = full_name(row)
    phones = row["phones_text"] or row["phones"]
    subtitle = search.join(row["account_name"], row["emails"][0] if row["emails"] else None,
                           phones[0] if phones else None)
    return {"id": str(row["id"]), "kind": "contacts", "title": title, "subtitle": subtitle, "matched": matched}


def opportunity_hit(row, matched):
    amount = f"{row['amount']:.2f} {row['currency']}"
    subtitle = search.join(row["account_name"], row["stage_name"] or row["stage"], amount)
    return {"id": str(row["id"]), "kind": "opportunities", "title": row["name"], "subtitle": subtitle,
            "matched": matched}


KINDS = {
    "accounts": (account_fields, account_hit),
    "contacts": (contact_fields, contact_hit),
    "opportunities": (opportunity_fields, opportunity_hit),
}


def scored(terms, kind, rows):
    """``(rank key, row, matched)`` per row: the best match first, then the newest."""
    fields, _ = KINDS[kind]
    result = []
    for row in rows:
        matched, quality, order = search.best_match(terms, fields(row))
        result.append(((quality, order, -row["created_at"].timestamp()), row, matched))
    return result


def best(terms, kind, rows, limit):
    _, hit = KINDS[kind]
    return search.ranked([(key, hit(row, matched)) for key, row, matched in scored(terms, kind, rows)], limit)


def followed_accounts(terms, rows):
    """Ids of the best accounts among ``rows`` (those the text matched by
    name or domain), whose contacts and opportunities are found too."""
    ranked = sorted(scored(terms, "accounts", rows), key=lambda item: item[0])
    return [str(row["id"]) for key, row, _ in ranked[:ACCOUNTS_FOLLOWED] if key[0] < search.UNMATCHED]
