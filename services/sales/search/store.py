"""The SQL of the global search over accounts, contacts and opportunities.
Each probe is one statement that indexes answer (the trigram indexes
``accounts_search``, ``contacts_search``, ``opportunities_search`` and
``contacts_phone_search``; the b-trees on an account's domain, a contact's
email domain, and the contacts and opportunities of an account), reading at
most ``CANDIDATES`` rows."""

from services.sales.accounts.store import SEARCH_EXPRESSION as ACCOUNT_TEXT
from services.sales.contacts.store import SEARCH_EXPRESSION as CONTACT_TEXT
from shared.kit import search

ACCOUNT_COLUMNS = "id, name, domain, type, country, created_at"
CONTACT_COLUMNS = "id, account_id, first_name, last_name, emails, phones, phones_text, created_at"
OPPORTUNITY_COLUMNS = "id, account_id, name, amount, currency, pipeline_id, stage, category, created_at"
# The account's name and domain beside a contact or an opportunity.
WITH_ACCOUNT = "SELECT f.*, a.name AS account_name, a.domain AS account_domain FROM ({}) f" \
               " LEFT JOIN accounts a ON a.id = f.account_id"


def _run(conn, terms, probes, enough):
    """Rows found by the probes, in turn, until ``enough`` rows are found."""
    rows, seen = [], set()
    with search.index_scans(conn, terms):
        for sql, params in probes:
            for row in conn.execute(sql, params, prepare=search.UNPREPARED).fetchall():
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(row)
            if len(rows) >= enough:
                break
    return rows


def account_probes(terms):
    found = []
    if terms.domain:
        found.append((f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE merged_into IS NULL AND domain = %s",
                      [terms.domain]))
    clause, params = search.text_clause(ACCOUNT_TEXT, terms)
    found.append((f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE merged_into IS NULL AND {clause} LIMIT %s",
                  [*params, search.CANDIDATES]))
    return found


def contact_probes(terms, account_ids):
    """``account_ids``: accounts the text matched; their contacts are found too."""
    found = []
    if terms.domain:
        found.append((WITH_ACCOUNT.format(f"SELECT {CONTACT_COLUMNS} FROM contacts"
                                          " WHERE split_part(email_norm, '@', 2) = %s LIMIT %s"),
                      [terms.domain, search.CANDIDATES]))
    clause, params = search.text_clause(CONTACT_TEXT, terms)
    pattern = search.digits_pattern(terms)
    if pattern:
        clause, params = f"{clause} OR contact_phone_digits(phones) LIKE %s", [*params, pattern]
    if account_ids:
        clause, params = f"{clause} OR account_id = ANY(%s::uuid[])", [*params, list(account_ids)]
    found.append((WITH_ACCOUNT.format(f"SELECT {CONTACT_COLUMNS} FROM contacts WHERE ({clause}) LIMIT %s"),
                  [*params, search.CANDIDATES]))
    return found


def opportunity_probes(terms, account_ids):
    clause, params = search.text_clause("name", terms)
    if account_ids:
        clause, params = f"{clause} OR account_id = ANY(%s::uuid[])", [*params, list(account_ids)]
    inner = f"SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE ({clause}) LIMIT %s"
    sql = (f"SELECT o.*, s.name AS stage_name FROM ({WITH_ACCOUNT.format(inner)}) o"
           " LEFT JOIN pipeline_stages s ON s.pipeline_id = o.pipeline_id AND s.key = o.stage")
    return [(sql, [*params, search.CANDIDATES])]


def accounts(conn, terms, enough):
    return _run(conn, terms, account_probes(terms), enough)


def contacts(conn, terms, account_ids, enough):
    return _run(conn, terms, contact_probes(terms, account_ids), enough)


def opportunities(conn, terms, account_ids, enough):
    return _run(conn, terms, opportunity_probes(terms, account_ids), enough)
