"""The leads service's search RPC: what it finds a lead by (name, email, the
email's domain, company, the digits of its phone), how it ranks, what it
leaves out, what it refuses; and that its statements are answered by indexes
on a table of tens of thousands of leads (their plans, read with EXPLAIN)."""

import random

import psycopg
import pytest
from psycopg.rows import dict_row

from services.leads.search import store
from shared.kit import search
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate_component
from shared.schemas.errors import ValidationFailed
from tests.leads.conftest import person, unique
from tests.services import scratch_database


def phone_number():
    """A Berlin number no other test uses: +49 30 and 8 random digits."""
    digits = f"{random.randrange(10**7, 10**8)}"
    return f"+49 30 {digits[:4]} {digits[4:]}", f"+4930{digits}"


@pytest.fixture(scope="module")
def crowd(leads):
    """Three leads of one company (its own tag), the first with a phone."""
    tag = unique("srch")
    typed, stored = phone_number()
    made = [leads.create_lead(person(first_name="Ada", last_name=f"Lovelace{tag}", email=f"ada@{tag}.example.org",
                                     company=f"Analytical {tag} Engines", phone=typed), "tester"),
            leads.create_lead(person(first_name="Charles", last_name=f"Babbage{tag}", email=f"cb@{tag}.example.org",
                                     company=f"Analytical {tag} Engines"), "tester"),
            leads.create_lead(person(first_name=f"Adalbert{tag}", last_name="Lovelace", email=f"al@{tag}.example.org",
                                     company=f"Difference {tag} Works"), "tester")]
    return tag, stored, made


def hits(leads, q, limit=None):
    answer = leads.search(q) if limit is None else leads.search(q, limit)
    assert set(answer) == {"leads"}
    return answer["leads"]


def test_a_lead_is_found_by_its_name_email_domain_company_and_phone(leads, crowd):
    tag, phone, (ada, charles, adalbert) = crowd
    by_name = hits(leads, f"ada lovelace{tag}")
    assert [hit["id"] for hit in by_name] == [ada["id"]]
    assert by_name[0] == {"id": ada["id"], "kind": "leads", "title": f"Ada Lovelace{tag}",
                          "subtitle": f"Analytical {tag} Engines · ada@{tag}.example.org · {ada['phone_text']} · new",
                          "matched": "name"}
    assert [(hit["id"], hit["matched"]) for hit in hits(leads, f"CB@{tag}.example.org")] == [(charles["id"], "email")]
    by_domain = hits(leads, f"@{tag}.example.org")
    assert {hit["id"] for hit in by_domain} == {ada["id"], charles["id"], adalbert["id"]}
    assert {hit["matched"] for hit in by_domain} == {"domain"}
    by_company = hits(leads, f"analytical {tag}")
    assert {(hit["id"], hit["matched"]) for hit in by_company} == {(ada["id"], "company"), (charles["id"], "company")}
    national = f"030 {phone[5:9]} {phone[9:]}"  # as typed in Germany, without the country code
    for typed in (phone, f"+49 30 {phone[5:9]}", national, phone[5:]):
        found = hits(leads, typed)
        assert [(hit["id"], hit["matched"]) for hit in found] == [(ada["id"], "phone")], typed


def test_the_best_match_comes_first_then_the_newest(leads):
    tag = unique("rank")
    older = leads.create_lead(person(last_name=tag), "tester")  # a word of the name: "Ada <tag>"
    inside = leads.create_lead(person(last_name=f"Pre{tag}"), "tester")  # inside a word
    whole = leads.create_lead(person(last_name="Smith", company=tag), "tester")  # the whole company
    newer = leads.create_lead(person(last_name=tag), "tester")
    assert [hit["id"] for hit in hits(leads, tag)] == [whole["id"], newer["id"], older["id"], inside["id"]]
    assert [hit["matched"] for hit in hits(leads, tag)] == ["company", "name", "name", "name"]
    assert [hit["id"] for hit in hits(leads, tag, limit=2)] == [whole["id"], newer["id"]]


def test_short_words_match_the_start_of_a_word_only(leads, crowd):
    tag, _, (ada, charles, adalbert) = crowd
    assert {hit["id"] for hit in hits(leads, f"ch {tag}")} == {charles["id"]}
    assert hits(leads, f"ha {tag}") == []  # inside "Charles" only


def test_merged_leads_are_left_out(leads):
    tag = unique("mrg")
    survivor = leads.create_lead(person(last_name=f"Keeper{tag}", email=f"k@{tag}.example.org"), "tester")
    duplicate = leads.create_lead(person(last_name=f"Keeper{tag}", email=f"d@{tag}.example.org"), "tester")
    assert len(hits(leads, f"keeper{tag}")) == 2
    leads.merge_leads(survivor["id"], duplicate["id"], "tester")
    assert [hit["id"] for hit in hits(leads, f"keeper{tag}")] == [survivor["id"]]


@pytest.mark.parametrize(("arguments", "field"), [
    (("a",), "q"), ((" a  ",), "q"), (("",), "q"), ((None,), "q"), (("x" * 201,), "q"), ((12,), "q"),
    (("ada", 0), "limit"), (("ada", 21), "limit"), (("ada", "many"), "limit"),
])
def test_bad_input_is_refused_with_the_field(leads, arguments, field):
    with pytest.raises(ValidationFailed) as refused:
        leads.search(*arguments)
    assert field in refused.value.errors, refused.value.errors


def test_too_short_says_so(leads):
    with pytest.raises(ValidationFailed) as refused:
        leads.search(" a ")
    assert refused.value.errors["q"] == ["Type at least 2 characters to search for."]


# -- plans on a big table -------------------------------------------------------------------------------------

SEED = """
INSERT INTO leads (id, first_name, last_name, email, email_norm, phone, phone_norm, company, company_norm, source,
                   created_at)
SELECT gen_random_uuid(), f, l, e, e, p, p, c, lower(c), 'manual', now() - make_interval(mins => i)
FROM (SELECT i, f, l, lower(f || '.' || l || '@' || d) AS e,
             '+4930' || lpad(((i * 7919) % 100000000)::text, 8, '0') AS p, 'Company ' || md5(i::text) AS c
      FROM (SELECT i,
                   (ARRAY['Ada','Grace','Alan','Linus','Barbara','Edsger','Donald','Margaret'])[1 + i % 8] AS f,
                   (ARRAY['Lovelace','Hopper','Turing','Torvalds','Liskov','Dijkstra','Knuth','Hamilton'])
                       [1 + i / 8 % 8] || i AS l,
                   'example' || (i % 300) || '.com' AS d
            FROM generate_series(1, %s) AS i) named) s;
ANALYZE leads;
"""
BIG = 30_000


@pytest.fixture(scope="module")
def big_table(database_url, test_env):
    """A leads schema of its own with BIG leads, analysed."""
    with scratch_database(database_url, "leadsearch") as url:
        migrate_component("leads", load_component_config("leads", {**test_env, "DATABASE_URL": url}))
        with psycopg.connect(url, autocommit=True, row_factory=dict_row,
                             options="-c search_path=leads,public") as conn:
            conn.execute(SEED.replace("%s", str(BIG)))
            yield conn


def plan(conn, sql, params):
    """The plan's node types and index names, and the plan in full."""
    document = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params, prepare=False).fetchone()["QUERY PLAN"][0]
    nodes, stack = [], [document["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append((node["Node Type"], node.get("Index Name")))
        stack += node.get("Plans", [])
    return nodes, document


@pytest.mark.parametrize(("q", "indexes"), [
    ("Lovelace1024", {"leads_search"}),  # lead 1024: Ada Lovelace1024, ada.lovelace1024@example124.com
    ("ada.lovelace1024@", {"leads_search"}),
    ("+49 30 0810 9056", {"leads_search", "leads_phone_search"}),
    ("example123.com", {"leads_email_domain"}),
    ("qz", {"leads_search"}),
])
def test_each_probe_is_answered_by_an_index_on_a_big_table(big_table, q, indexes):
    terms = search.read(q)
    used = set()
    with search.index_scans(big_table, terms):  # as the service runs them
        for sql, params in store.probes(terms):
            nodes, document = plan(big_table, sql, params)
            assert ("Seq Scan", None) not in nodes, document
            used |= {index for _, index in nodes if index}
    assert indexes <= used, (q, used)
    rows = store.candidates(big_table, terms, 5)
    assert rows or q == "qz"
