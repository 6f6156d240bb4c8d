"""The sales service's search RPC: accounts by name and domain, contacts by
name, email, email domain, phone digits and their account, opportunities by
name and their account; the kinds asked for only; refusals; and that its
statements are answered by indexes on big tables (EXPLAIN)."""

import random

import psycopg
import pytest
from psycopg.rows import dict_row

from services.sales.search import store
from shared.kit import search
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.schemas.errors import ValidationFailed
from tests.sales.conftest import account_data, contact_data, unique
from tests.services import scratch_database


@pytest.fixture(scope="module")
def firm(sales):
    """An account (unique name and domain) with a contact and an opportunity,
    and a contact elsewhere whose email is at the account's domain."""
    tag = unique("firm")
    digits = f"{random.randrange(10**7, 10**8)}"
    account = sales.create_account(account_data(name=f"Initech {tag}", domain=f"{tag}.example.com"), "tester")
    contact = sales.create_contact(contact_data(first_name="Peter", last_name=f"Gibbons{tag}", account_id=account["id"],
                                                phones=[f"+49 30 {digits[:4]} {digits[4:]}"]), "tester")
    outsider = sales.create_contact(contact_data(first_name="Joanna", last_name="Smith",
                                                 emails=[f"joanna@{tag}.example.com"]), "tester")
    opportunity = sales.create_opportunity({"account_id": account["id"], "name": f"Printers {tag}",
                                            "amount": "1250.5", "currency": "EUR",
                                            "expected_close_date": "2091-03-01"}, "tester")
    return tag, digits, account, contact, outsider, opportunity


def found(answer, kind):
    return [(hit["id"], hit["matched"]) for hit in answer[kind]]


def test_an_account_name_finds_the_account_its_contacts_and_its_opportunities(sales, firm):
    tag, _, account, contact, _, opportunity = firm
    answer = sales.search(f"initech {tag}")
    assert set(answer) == {"accounts", "contacts", "opportunities"}
    assert answer["accounts"] == [{"id": account["id"], "kind": "accounts", "title": f"Initech {tag}",
                                   "subtitle": f"{tag}.example.com · prospect · DE", "matched": "name"}]
    assert found(answer, "contacts") == [(contact["id"], "account")]
    assert answer["opportunities"] == [{"id": opportunity["id"], "kind": "opportunities", "title": f"Printers {tag}",
                                        "subtitle": f"Initech {tag} · Prospecting · 1250.50 EUR",
                                        "matched": "account"}]


def test_a_domain_finds_the_account_and_the_contacts_with_emails_there(sales, firm):
    tag, _, account, contact, outsider, opportunity = firm
    answer = sales.search(f"https://www.{tag}.example.com/contact")
    assert found(answer, "accounts") == [(account["id"], "domain")]
    assert set(found(answer, "contacts")) == {(outsider["id"], "domain"), (contact["id"], "account")}
    assert found(answer, "opportunities") == [(opportunity["id"], "account")]


def test_a_contact_is_found_by_name_email_and_phone_digits(sales, firm):
    tag, digits, _, contact, outsider, _ = firm
    assert found(sales.search(f"peter gibbons{tag}", 5, ["contacts"]), "contacts") == [(contact["id"], "name")]
    assert found(sales.search(f"joanna@{tag}", 5, ["contacts"]), "contacts") == [(outsider["id"], "email")]
    for typed in (f"+49 30 {digits[:4]}", f"030 {digits[:4]} {digits[4:]}", digits):
        assert found(sales.search(typed, 5, ["contacts"]), "contacts") == [(contact["id"], "phone")], typed
    hit = sales.search(f"gibbons{tag}", 5, ["contacts"])["contacts"][0]
    assert hit["title"] == f"Peter Gibbons{tag}"
    assert hit["subtitle"] == f"Initech {tag} · {contact['emails'][0]} · {contact['phones_text'][0]}"


def test_only_the_kinds_asked_for_are_searched(sales, firm):
    tag = firm[0]
    assert set(sales.search(tag, 3, ["opportunities"])) == {"opportunities"}
    assert sales.search(tag, 3, []) == {}


def test_merged_accounts_are_left_out(sales):
    tag = unique("merged")
    survivor = sales.create_account(account_data(name=f"Hooli {tag}"), "tester")
    duplicate = sales.create_account(account_data(name=f"Hooli {tag} Labs"), "tester")
    assert len(sales.search(f"hooli {tag}", 5, ["accounts"])["accounts"]) == 2
    sales.merge_accounts(survivor["id"], duplicate["id"], "tester")
    assert found(sales.search(f"hooli {tag}", 5, ["accounts"]), "accounts") == [(survivor["id"], "name")]


@pytest.mark.parametrize(("arguments", "field"), [
    (("a",), "q"), ((" b ",), "q"), ((None,), "q"), (("x" * 201,), "q"), (("acme", 0), "limit"),
    (("acme", 21), "limit"), (("acme", 5, ["leads"]), "kinds"), (("acme", 5, "accounts"), "kinds"),
])
def test_bad_input_is_refused_with_the_field(sales, arguments, field):
    with pytest.raises(ValidationFailed) as refused:
        sales.search(*arguments)
    assert field in refused.value.errors, refused.value.errors


# -- plans on big tables --------------------------------------------------------------------------------------

BIG = 20_000
SEED = f"""
INSERT INTO accounts (id, name, name_norm, domain, country, created_at)
SELECT gen_random_uuid(), 'Account ' || i || ' ' || md5(i::text), 'account ' || i || ' ' || md5(i::text),
       'site' || i || '.example.com', 'DE', now() - make_interval(mins => i)
FROM generate_series(1, {BIG}) AS i;
INSERT INTO contacts (id, account_id, first_name, last_name, emails, email_norm, phones, created_at)
SELECT gen_random_uuid(), a.id, 'Grace', 'Hopper' || i, ARRAY['grace' || i || '@mail' || (i % 200) || '.example.org'],
       'grace' || i || '@mail' || (i % 200) || '.example.org',
       ARRAY['+4930' || lpad(((i * 7919) % 100000000)::text, 8, '0')], now() - make_interval(mins => i)
FROM generate_series(1, {BIG}) AS i JOIN LATERAL (SELECT id FROM accounts LIMIT 1) a ON true;
INSERT INTO opportunities (id, account_id, name, amount, currency, pipeline_id, stage, category, probability,
                           expected_close_date, created_at)
SELECT gen_random_uuid(), a.id, 'Deal ' || i || ' ' || md5(i::text), 100, 'EUR', 'default', 'prospecting', 'open', 10,
       '2091-01-01', now() - make_interval(mins => i)
FROM generate_series(1, {BIG}) AS i JOIN LATERAL (SELECT id FROM accounts LIMIT 1) a ON true;
ANALYZE accounts; ANALYZE contacts; ANALYZE opportunities;
"""


@pytest.fixture(scope="module")
def big_tables(database_url, test_env):
    with scratch_database(database_url, "salessearch") as url:
        migrate_component("sales", load_component_config("sales", {**test_env, "DATABASE_URL": url}))
        with psycopg.connect(url, autocommit=True, row_factory=dict_row,
                             options="-c search_path=sales,public") as conn:
            conn.execute(SEED)
            yield conn


def indexes_used(conn, terms, probes):
    used = set()
    with search.index_scans(conn, terms):  # as the service runs them
        used |= _indexes(conn, probes)
    return used


def _indexes(conn, probes):
    used = set()
    for sql, params in probes:
        document = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params, prepare=False).fetchone()["QUERY PLAN"][0]
        stack = [document["Plan"]]
        while stack:
            node = stack.pop()
            assert not (node["Node Type"] == "Seq Scan" and node["Relation Name"] != "pipeline_stages"), document
            used.add(node.get("Index Name"))
            stack += node.get("Plans", [])
    return used


def test_each_probe_is_answered_by_an_index_on_big_tables(big_tables):
    some_account = str(big_tables.execute("SELECT id FROM accounts LIMIT 1").fetchone()["id"])
    # Account 1234 and Deal 1234 end with md5('1234'): 81dc9bdb52d04dc20036dbd8313ed055.
    md5 = search.read("81dc9bdb52d0")
    assert "accounts_search" in indexes_used(big_tables, md5, store.account_probes(md5))
    domain = search.read("site1234.example.com")
    assert {"accounts_live_domain", "accounts_search"} <= indexes_used(big_tables, domain,
                                                                       store.account_probes(domain))
    # Contact 1234: Grace Hopper1234, grace1234@mail34.example.org, +4930 0977 2046.
    phone = search.read("+49 30 0977 2046")
    assert {"contacts_search", "contacts_phone_search", "contacts_account"} <= indexes_used(
        big_tables, phone, store.contact_probes(phone, [some_account]))
    mail = search.read("mail34.example.org")
    assert {"contacts_email_domain", "contacts_search"} <= indexes_used(big_tables, mail,
                                                                        store.contact_probes(mail, []))
    assert {"opportunities_search", "opportunities_account"} <= indexes_used(
        big_tables, md5, store.opportunity_probes(md5, [some_account]))
    assert [row["last_name"] for row in store.contacts(big_tables, phone, [], 5)] == ["Hopper1234"]
