"""The SQL of the global search over leads: each probe is one statement
that an index answers (the trigram index ``leads_search`` for names, emails
and companies, ``leads_phone_search`` for phone digits, ``leads_email_domain``
for an email's domain), reading at most ``CANDIDATES`` rows."""

from services.leads.records.store import SEARCH_EXPRESSION
from shared.kit import search

COLUMNS = ("id, first_name, last_name, email, phone, phone_text, company, status, created_at")
LIVE = "merged_into IS NULL"
EMAIL_DOMAIN = "split_part(email_norm, '@', 2)"


def probes(terms):
    """(SQL, params) of each probe, most precise first: an email's domain
    (when the text reads as one), then the text (and the phone digits)."""
    found = []
    if terms.domain:
        found.append((f"SELECT {COLUMNS} FROM leads WHERE {LIVE} AND {EMAIL_DOMAIN} = %s LIMIT %s",
                      [terms.domain, search.CANDIDATES]))
    clause, params = search.text_clause(SEARCH_EXPRESSION, terms)
    pattern = search.digits_pattern(terms)
    if pattern:
        clause, params = f"({clause} OR phone_norm LIKE %s)", [*params, pattern]
    found.append((f"SELECT {COLUMNS} FROM leads WHERE {LIVE} AND {clause} LIMIT %s", [*params, search.CANDIDATES]))
    return found


def candidates(conn, terms, enough):
    """Rows found by the probes, in turn, until ``enough`` rows are found."""
    rows, seen = [], set()
    with search.index_scans(conn, terms):
        for sql, params in probes(terms):
            for row in conn.execute(sql, params, prepare=search.UNPREPARED).fetchall():
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(row)
            if len(rows) >= enough:
                break
    return rows
