"""The sorts of the lead list: someone's leads for a start page (hottest
first, most recently changed first), and every sort of the list both ways
(created_at, updated_at, score, name, company), with keyset pages that keep
the order across ties and blanks; an unknown sort, or a cursor of another
sort, is refused; on a table of 200,000 leads each sort's first and later
pages are index scans (their plans, read with EXPLAIN)."""

import shutil
from datetime import datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from services.leads.records import store
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate, migrate_component
from shared.kit.paths import ROOT
from shared.schemas.common import SORTED_CURSOR_MAX
from shared.schemas.errors import ValidationFailed
from shared.schemas.leads import LEAD_SORTS, LeadQuerySchema, LeadSchema
from tests.helpers import SchemaDb
from tests.leads.conftest import person, unique
from tests.services import scratch_database

LEADS_MIGRATIONS = ROOT / "services" / "leads" / "migrations"


def every_page(leads, query, limit):
    ids, cursor = [], None
    while True:
        page = leads.list_leads({**query, "limit": limit, **({"cursor": cursor} if cursor else {})})
        ids += [lead["id"] for lead in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids


@pytest.fixture
def mine(leads):
    """Leads of an owner of the test's own, scored apart by source, title and size."""
    owner = unique("owner-")
    specs = [{"source": "manual"}, {"source": "referral", "title": "VP Sales", "company_size": 2000},
             {"source": "referral"}, {"source": "manual"}, {"source": "event", "title": "Director"}]
    made = [leads.create_lead(person(owner=owner, **spec), "tester") for spec in specs]
    leads.create_lead(person(owner=unique("other-"), source="referral", title="CEO"), "tester")
    return owner, made


def test_hottest_first(leads, mine):
    owner, made = mine
    query = {"owner": owner, "sort": "-score"}

    page = leads.list_leads(query)

    expected = sorted(made, key=lambda lead: (lead["score"], lead["id"]), reverse=True)
    assert [lead["id"] for lead in page["items"]] == [lead["id"] for lead in expected]
    assert len({lead["score"] for lead in made}) > 2  # the sort has something to do
    assert every_page(leads, query, 2) == [lead["id"] for lead in expected]


def test_most_recently_changed_first(leads, mine):
    owner, made = mine
    leads.update_lead(made[1]["id"], {"notes": "Called back"}, "tester")
    leads.update_lead(made[3]["id"], {"status": "working"}, "tester")
    query = {"owner": owner, "sort": "-updated_at"}

    page = leads.list_leads(query)

    expected = [made[3]["id"], made[1]["id"], made[4]["id"], made[2]["id"], made[0]["id"]]
    assert [lead["id"] for lead in page["items"]] == expected
    assert every_page(leads, query, 2) == expected
    assert [lead["id"] for lead in leads.list_leads({"owner": owner})["items"]] == [lead["id"] for lead in made[::-1]]


@pytest.mark.parametrize("sort", ["rank", "-email", "", "+score", "name,score", "Name", "--name", "sort_name"])
def test_an_unknown_sort_is_refused_naming_the_sorts_there_are(leads, sort):
    with pytest.raises(ValidationFailed) as refused:
        leads.list_leads({"sort": sort})
    assert list(refused.value.errors) == ["sort"]
    assert all(name in refused.value.errors["sort"][0] for name in LEAD_SORTS)


@pytest.mark.parametrize(("made_by", "given_to"), [
    ("-score", "-updated_at"), ("-created_at", "-updated_at"), ("-created_at", "created_at"), ("name", "-name"),
    ("company", "name"), ("-company", "score"),
])
def test_a_cursor_of_another_sort_is_refused(leads, mine, made_by, given_to):
    owner, _ = mine
    page = leads.list_leads({"owner": owner, "sort": made_by, "limit": 1})
    with pytest.raises(ValidationFailed) as refused:
        leads.list_leads({"owner": owner, "sort": given_to, "cursor": page["next_cursor"]})
    assert refused.value.errors == {"cursor": ["The cursor belongs to another sort."]}


def test_newest_first_is_the_default():
    assert LeadQuerySchema().load({})["sort"] == "-created_at"


# Every sort, both ways -------------------------------------------------------------

@pytest.fixture(scope="module")
def cast(leads):
    """Leads of an owner of the module's own: names and companies that tie (in
    another letter case), leads without a name or a company, scores that tie,
    and some changed after they were made."""
    owner = unique("sorter-")

    def make(first, last, company, **fields):
        return leads.create_lead(person(owner=owner, first_name=first, last_name=last, company=company, **fields),
                                 "tester")

    made = [
        make("ada", "Zed", "Beta Works"),
        make("Ada", "ZED", "beta works", title="VP Sales", company_size=2000),
        make("Bob", "zed", "Alpha"),
        make(None, "Abel", None, source="referral"),
        make("Cy", None, "alpha", source="referral"),
        make(None, None, "Gamma", source="event", title="Director"),
        make(None, None, None),
        make("Dee", "Moss", None, source="referral", title="CEO"),
        make(None, None, "ALPHA"),
    ]
    leads.update_lead(made[2]["id"], {"notes": "Called back"}, "tester")
    leads.update_lead(made[5]["id"], {"status": "working"}, "tester")
    leads.update_lead(made[0]["id"], {"notes": "Sent the deck"}, "tester")
    return owner, [leads.get_lead(lead["id"]) for lead in made]


def sort_key(lead, sort):
    """The key the list sorts by, as migration 0009 makes it (None: blank)."""
    field = sort.lstrip("-")
    if field == "name":
        return (f"{lead['last_name'] or ''} {lead['first_name'] or ''}".strip().lower() or None)
    if field == "company":
        return (lead["company"] or "").strip().lower() or None
    if field in ("created_at", "updated_at"):
        return datetime.fromisoformat(lead[field])
    return lead[field]


def in_order(made, sort):
    """The ids in ``sort``: by key, the id breaking ties, both in the sort's
    direction; blank keys last either way."""
    descending = sort.startswith("-")
    keyed = [(sort_key(lead, sort), lead["id"]) for lead in made]
    present = sorted((item for item in keyed if item[0] is not None), reverse=descending)
    blank = sorted((item for item in keyed if item[0] is None), key=lambda item: item[1], reverse=descending)
    return [lead_id for _, lead_id in present + blank]


@pytest.mark.parametrize("sort", LEAD_SORTS)
def test_every_sort_pages_across_ties_and_blanks(leads, cast, sort):
    owner, made = cast
    query = {"owner": owner, "sort": sort}

    whole = [lead["id"] for lead in leads.list_leads({**query, "limit": 500})["items"]]

    assert whole == in_order(made, sort)
    for limit in (1, 2, 4):
        assert every_page(leads, query, limit) == whole, limit


@pytest.mark.parametrize("field", ["name", "company", "score", "created_at", "updated_at"])
def test_descending_is_ascending_reversed_but_for_the_blanks(cast, field):
    _, made = cast
    up, down = in_order(made, field), in_order(made, f"-{field}")
    blank = {lead["id"] for lead in made if sort_key(lead, field) is None}
    assert [i for i in down if i not in blank] == [i for i in up if i not in blank][::-1]
    assert set(up[len(up) - len(blank):]) == set(down[len(down) - len(blank):]) == blank  # last both ways


def test_the_cast_has_ties_and_blanks_to_sort(cast):
    _, made = cast
    for field in ("name", "company", "score"):
        keys = [sort_key(lead, field) for lead in made]
        assert len(set(keys)) < len(keys), field
    assert None in {sort_key(lead, "name") for lead in made} and None in {sort_key(lead, "company") for lead in made}


def test_the_sort_columns_stay_out_of_the_answers(leads, cast):
    owner, _ = cast
    for sort in ("name", "-company"):
        for lead in leads.list_leads({"owner": owner, "sort": sort})["items"]:
            assert set(lead) == set(LeadSchema().fields)


def test_a_later_page_of_a_filtered_sort_keeps_the_filter(leads, cast):
    owner, made = cast
    query = {"owner": owner, "sort": "-company", "source": ["referral"]}
    referrals = [lead for lead in made if lead["source"] == "referral"]
    assert every_page(leads, query, 1) == in_order(referrals, "-company")


def test_the_longest_keys_make_cursors_the_list_takes(leads):
    """Names and companies as long as a lead takes, in 4-byte characters: the
    keys stop at 100 characters, so their cursors fit SORTED_CURSOR_MAX."""
    owner = unique("long-")
    made = {leads.create_lead(person(owner=owner, first_name="\U0001f600" * 100, last_name="\U0001f601" * 100,
                                     company="\U0001f602" * 200), "tester")["id"] for _ in range(2)}
    for sort in ("name", "-name", "company", "-company"):
        query = {"owner": owner, "sort": sort, "limit": 1}
        first = leads.list_leads(query)
        cursor = first["next_cursor"]
        assert len(cursor) <= SORTED_CURSOR_MAX
        assert LeadQuerySchema().load({"sort": sort, "cursor": cursor})["cursor"] == cursor  # as the gateway loads it
        second = leads.list_leads({**query, "cursor": cursor})
        assert {first["items"][0]["id"], second["items"][0]["id"]} == made


def test_the_migration_gives_the_leads_there_are_their_keys(database_url, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(LEADS_MIGRATIONS.glob("*.sql")):
        if path.name < "0009":
            shutil.copy(path, before / path.name)
    with scratch_database(database_url, "leadsort-migration") as url:
        migrate(url, "leads", before)
        db = SchemaDb(url, "leads")
        try:
            db.all("INSERT INTO leads (id, first_name, last_name, company, source) VALUES"
                   " (gen_random_uuid(), 'Ada', 'LOVELACE', ' Analytical Engines ', 'manual'),"
                   " (gen_random_uuid(), NULL, NULL, '', 'manual'), (gen_random_uuid(), 'Cy', NULL, NULL, 'manual')"
                   " RETURNING id")

            assert migrate(url, "leads", LEADS_MIGRATIONS)[0] == ("own", 9)  # then any later ones

            keys = db.all("SELECT sort_name, sort_company FROM leads ORDER BY sort_name")
            assert [(row["sort_name"], row["sort_company"]) for row in keys] == [
                ("cy", None), ("lovelace ada", "analytical engines"), (None, None)]
        finally:
            db.close()


# Plans on a table of 200,000 leads ---------------------------------------------------

BIG = 200_000
# Every 35th lead has no name, every 3rd no company; scores and change times repeat.
SEED = f"""
INSERT INTO leads (id, first_name, last_name, email, email_norm, company, company_norm, source, score, created_at,
                   updated_at)
SELECT gen_random_uuid(), f, l, e, e, c, lower(c), 'manual', i % 101, now() - make_interval(mins => i),
       now() - make_interval(mins => (i * 7919) % 5000)
FROM (SELECT i,
             CASE WHEN i % 7 <> 0 THEN (ARRAY['Ada','Grace','Alan','Linus','Barbara','Edsger','Donald','Margaret'])
                 [1 + i % 8] END AS f,
             CASE WHEN i % 5 <> 0 THEN (ARRAY['Lovelace','Hopper','Turing','Torvalds','Liskov','Dijkstra','Knuth',
                 'Hamilton'])[1 + i / 8 % 8] || (i % 997) END AS l,
             'lead' || i || '@example' || (i % 300) || '.com' AS e,
             CASE WHEN i % 3 <> 0 THEN 'Company ' || (i % 5000) END AS c
      FROM generate_series(1, {BIG}) AS i) s;
ANALYZE leads;
"""
INDEXES = {"created_at": "leads_page", "updated_at": "leads_updated_page", "score": "leads_score_page",
           "name": "leads_name_page", "company": "leads_company_page"}


@pytest.fixture(scope="module")
def big_table(database_url, test_env):
    """A leads schema of its own with BIG leads, analysed."""
    with scratch_database(database_url, "leadsorts") as url:
        migrate_component("leads", load_component_config("leads", {**test_env, "DATABASE_URL": url}))
        with psycopg.connect(url, autocommit=True, row_factory=dict_row,
                             options="-c search_path=leads,public") as conn:
            conn.execute(SEED)
            yield conn


class Explained:
    """A connection that reads the plan of each statement before running it."""

    def __init__(self, conn):
        self.conn, self.plans = conn, []

    def execute(self, sql, params):
        document = self.conn.execute("EXPLAIN (FORMAT JSON) " + sql, params, prepare=False).fetchone()
        self.plans.append(document["QUERY PLAN"][0])
        return self.conn.execute(sql, params)


def scans(document):
    """The plan's nodes: (type, index name, index condition)."""
    nodes, stack = [], [document["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append((node["Node Type"], node.get("Index Name"), node.get("Index Cond")))
        stack += node.get("Plans", [])
    return nodes


def cursors(conn, order):
    """Cursors to start a later page from: the middle of the list; with blanks
    (nulls_last) also among them, and 10 rows before them (the page runs on
    into them)."""
    def row_at(where, offset):
        return conn.execute(f"SELECT * FROM leads WHERE {where} ORDER BY {order.order_by} OFFSET %s LIMIT 1",
                            (offset,)).fetchone()

    found = {"middle": order.cursor(row_at("TRUE", BIG // 2))}
    if order.nulls_last:
        column = order.columns[0][0]
        named = conn.execute(f"SELECT count(*) AS n FROM leads WHERE {column} IS NOT NULL").fetchone()["n"]
        found["blank"] = order.cursor(row_at(f"{column} IS NULL", 1000))
        found["before blanks"] = order.cursor(row_at(f"{column} IS NOT NULL", named - 10))
    return found


@pytest.mark.parametrize("sort", LEAD_SORTS)
def test_each_sort_reads_its_pages_from_an_index_on_a_big_table(big_table, sort):
    order = store.SORTS[sort]
    index = INDEXES[sort.lstrip("-")]
    pages = {"first": None, **cursors(big_table, order)}
    for where, cursor in pages.items():
        explained = Explained(big_table)
        rows, next_cursor = store.list_leads(explained, LeadQuerySchema().load({"sort": sort, "limit": "50"})
                                             | {"cursor": cursor})
        assert len(rows) == 50 and next_cursor, (sort, where)
        assert len(explained.plans) == (2 if where == "before blanks" else 1), (sort, where)
        for document in explained.plans:
            nodes = scans(document)
            assert [node[0] for node in nodes] == ["Limit", "Index Scan"], (sort, where, document)
            assert nodes[1][1] == index, (sort, where, document)
            # A later page (and a first page skipping blanks) seeks its start in the index.
            assert bool(nodes[1][2]) == (cursor is not None or order.nulls_last), (sort, where, document)
