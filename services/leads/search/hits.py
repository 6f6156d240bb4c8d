"""A lead as a search hit, and how well it matches (pure: no database)."""

from shared.kit import search


def full_name(row):
    return " ".join(part for part in (row["first_name"], row["last_name"]) if part)


def fields(row):
    """What a lead is found by, in order of preference."""
    return [("name", "text", full_name(row)), ("email", "text", row["email"]), ("domain", "domain", row["email"]),
            ("company", "text", row["company"]), ("phone", "digits", row["phone"]),
            ("phone", "text", row["phone_text"])]


def hit(row, matched):
    name = full_name(row)
    title = name or row["email"] or row["company"] or row["phone_text"] or row["phone"] or str(row["id"])
    shown = row["phone_text"] or row["phone"]
    subtitle = search.join(*(part for part in (row["company"], row["email"], shown) if part != title), row["status"])
    return {"id": str(row["id"]), "kind": "leads", "title": title, "subtitle": subtitle, "matched": matched}


def best(terms, rows, limit):
    """The ``limit`` best hits among ``rows``: the best match first, then the newest."""
    candidates = []
    for row in rows:
        matched, quality, order = search.best_match(terms, fields(row))
        candidates.append(((quality, order, -row["created_at"].timestamp()), hit(row, matched)))
    return search.ranked(candidates, limit)
