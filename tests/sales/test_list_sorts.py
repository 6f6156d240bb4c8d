"""The sorts of the account, contact and opportunity lists: every sort both
ways, paged with a small limit across ties, gives the whole list in order;
the defaults stay; an unknown sort, or a cursor of another sort, is refused;
the sort columns stay out of the answers; on big tables each sort's first and
later pages are index scans (their plans, read with EXPLAIN)."""

import shutil
from datetime import date, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from services.sales.accounts import store as accounts_store
from services.sales.contacts import store as contacts_store
from services.sales.normalize import normalize_name
from services.sales.opportunities import store as opportunities_store
from shared.kit.config import load_component_config
from shared.kit.migrate import migrate, migrate_component
from shared.kit.paths import ROOT
from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.accounts import ACCOUNT_SORTS, AccountQuerySchema, AccountSchema
from shared.schemas.sales.contacts import CONTACT_SORTS, ContactQuerySchema, ContactSchema
from shared.schemas.sales.opportunities import OPPORTUNITY_SORTS, OpportunityQuerySchema, OpportunitySchema
from tests.helpers import SchemaDb
from tests.sales.conftest import account_data, contact_data, unique
from tests.sales.opportunity_helpers import new_account, opportunity_data
from tests.services import scratch_database

SALES_MIGRATIONS = ROOT / "services" / "sales" / "migrations"
# list -> (its RPC, its sorts, its default sort, the schema of its items)
LISTS = {
    "accounts": ("list_accounts", ACCOUNT_SORTS, "name", AccountSchema),
    "contacts": ("list_contacts", CONTACT_SORTS, "-created_at", ContactSchema),
    "opportunities": ("list_opportunities", OPPORTUNITY_SORTS, "-created_at", OpportunitySchema),
}


def every_page(list_page, query, limit):
    """The ids of every page of a list, ``limit`` at a time."""
    ids, cursor = [], None
    while True:
        page = list_page({**query, "limit": limit, **({"cursor": cursor} if cursor else {})})
        assert len(page["items"]) <= limit
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            return ids
        assert len(ids) < 100, "the pages do not end"


@pytest.fixture(scope="module")
def cast(sales, db):
    """Records of the module's own, each list's behind one filter: names that
    tie (in another letter case, or once normalised), close dates that tie,
    and some records changed after they were made.  {list: (query, records)}."""
    owner, tag = unique("sorter"), unique()
    accounts = [sales.create_account(account_data(name=name, owner=owner, country=country, domain=None), "tester")
                for name, country in ((f"Acme {tag}", "DE"), (f"ACME {tag} GmbH", "FR"), (f"acme {tag} Ltd", "GB"),
                                      (f"Zeta {tag}", "DE"), (f"beta {tag}", None), (f"Beta {tag} Inc", "US"))]
    account_id = new_account(db)
    contacts = [sales.create_contact(contact_data(account_id=account_id, first_name=first, last_name=last), "tester")
                for first, last in (("Ada", "Zed"), ("ada", "ZED"), ("Bob", "zed"), (None, "Abel"), ("Cy", None),
                                    ("cy", None), ("Dee", "Moss"))]
    opportunities = [sales.create_opportunity(opportunity_data(account_id, name=name, expected_close_date=close))
                     for name, close in (("Renewal", "2026-09-30"), ("renewal", "2026-03-31"),
                                         ("Upsell", "2026-09-30"), ("Pilot", "2027-01-15"), ("pilot", "2026-03-31"),
                                         ("Expansion", "2026-09-30"))]
    sales.update_account(accounts[3]["id"], {"industry": "Retail"}, "tester")
    sales.update_account(accounts[0]["id"], {"industry": "Banking"}, "tester")
    sales.update_contact(contacts[2]["id"], {"title": "CTO"}, "tester")
    sales.update_contact(contacts[5]["id"], {"title": "CEO"}, "tester")
    sales.update_opportunity(opportunities[1]["id"], {"next_step": "Call"}, "tester")
    sales.update_opportunity(opportunities[4]["id"], {"next_step": "Demo"}, "tester")
    return {
        "accounts": ({"owner": owner}, [sales.get_account(record["id"]) for record in accounts]),
        "contacts": ({"account_id": account_id}, [sales.get_contact(record["id"]) for record in contacts]),
        "opportunities": ({"account_id": account_id},
                          [sales.get_opportunity(record["id"]) for record in opportunities]),
    }


def sort_key(name, record, sort):
    """The key a list sorts by, as the store and migration 0006 make it."""
    field = sort.lstrip("-")
    if field in ("created_at", "updated_at"):
        return datetime.fromisoformat(record[field])
    if field == "expected_close_date":
        return date.fromisoformat(record[field])
    if name == "accounts":
        return normalize_name(record["name"])
    if name == "contacts":
        return f"{record['last_name'] or ''} {record['first_name'] or ''}".strip().lower()
    return record["name"].lower()


def in_order(name, records, sort):
    """The ids in ``sort``: by key, the id breaking ties, both in its direction."""
    keyed = sorted(((sort_key(name, record, sort), record["id"]) for record in records),
                   reverse=sort.startswith("-"))
    return [record_id for _, record_id in keyed]


SORT_CASES = [(name, sort) for name, (_, sorts, _, _) in LISTS.items() for sort in sorts]


@pytest.mark.parametrize(("name", "sort"), SORT_CASES, ids=[f"{name} {sort}" for name, sort in SORT_CASES])
def test_every_sort_pages_across_ties(sales, cast, name, sort):
    method = getattr(sales, LISTS[name][0])
    query, records = cast[name]
    query = {**query, "sort": sort}

    whole = [item["id"] for item in method({**query, "limit": 500})["items"]]

    assert whole == in_order(name, records, sort)
    for limit in (1, 2, 4):
        assert every_page(method, query, limit) == whole, limit


@pytest.mark.parametrize("name", LISTS)
def test_the_records_have_ties_and_the_default_sort_stays(sales, cast, name):
    method, sorts, default, _ = LISTS[name]
    query, records = cast[name]
    keys = [sort_key(name, record, "expected_close_date" if name == "opportunities" else "name")
            for record in records]
    assert len(set(keys)) < len(keys)  # ties for the id to break
    unsorted = [item["id"] for item in getattr(sales, method)(query)["items"]]
    assert unsorted == in_order(name, records, default)


@pytest.mark.parametrize("name", LISTS)
def test_the_sort_columns_stay_out_of_the_answers(sales, cast, name):
    method, sorts, _, item_schema = LISTS[name]
    query, _ = cast[name]
    for sort in sorts:
        for item in getattr(sales, method)({**query, "sort": sort})["items"]:
            assert set(item) == set(item_schema().fields), sort


BAD_SORTS = ["rank", "", "+name", "name,created_at", "Name", "--name", "sort_name", "amount", "-amount",
             "name_norm", "due_at"]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("sort", BAD_SORTS)
def test_an_unknown_sort_is_refused_naming_the_sorts_there_are(sales, name, sort):
    method, sorts, _, _ = LISTS[name]
    with pytest.raises(ValidationFailed) as refused:
        getattr(sales, method)({"sort": sort})
    assert list(refused.value.errors) == ["sort"]
    assert all(known in refused.value.errors["sort"][0] for known in sorts)


CROSS_CASES = [
    ("accounts", "name", "-name"), ("accounts", "-created_at", "-updated_at"), ("accounts", "updated_at", "name"),
    ("contacts", "-created_at", "created_at"), ("contacts", "name", "-updated_at"), ("contacts", "-name", "name"),
    ("opportunities", "expected_close_date", "-expected_close_date"), ("opportunities", "-created_at", "-updated_at"),
    ("opportunities", "name", "expected_close_date"),
]


@pytest.mark.parametrize(("name", "made_by", "given_to"), CROSS_CASES)
def test_a_cursor_of_another_sort_is_refused(sales, cast, name, made_by, given_to):
    method = getattr(sales, LISTS[name][0])
    query, _ = cast[name]
    page = method({**query, "sort": made_by, "limit": 1})
    with pytest.raises(ValidationFailed) as refused:
        method({**query, "sort": given_to, "cursor": page["next_cursor"]})
    assert refused.value.errors == {"cursor": ["The cursor belongs to another sort."]}
    assert method({**query, "sort": made_by, "limit": 1, "cursor": page["next_cursor"]})["items"]


def test_a_cursor_of_the_default_sort_needs_the_default_sort(sales, cast):
    query, _ = cast["accounts"]
    first = sales.list_accounts({**query, "limit": 2})
    assert sales.list_accounts({**query, "limit": 2, "sort": "name", "cursor": first["next_cursor"]})["items"]
    with pytest.raises(ValidationFailed):
        sales.list_accounts({**query, "limit": 2, "sort": "-name", "cursor": first["next_cursor"]})


def test_the_query_contracts_document_the_defaults():
    assert AccountQuerySchema().load({})["sort"] == "name"
    assert ContactQuerySchema().load({})["sort"] == "-created_at"
    assert OpportunityQuerySchema().load({})["sort"] == "-created_at"


def test_the_migration_gives_the_records_there_are_their_keys(database_url, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(SALES_MIGRATIONS.glob("*.sql")):
        if path.name < "0006":
            shutil.copy(path, before / path.name)
    with scratch_database(database_url, "salessort-migration") as url:
        migrate(url, "sales", before)
        db = SchemaDb(url, "sales")
        try:
            account = db.scalar("INSERT INTO accounts (id, name, name_norm) VALUES (gen_random_uuid(), 'ACME GmbH',"
                                " 'acme') RETURNING id")
            db.all("INSERT INTO contacts (id, first_name, last_name) VALUES (gen_random_uuid(), 'Ada', 'LOVELACE'),"
                   " (gen_random_uuid(), 'Cy', NULL) RETURNING id")
            db.all("INSERT INTO opportunities (id, account_id, name, currency, pipeline_id, stage, category,"
                   " probability, expected_close_date) SELECT gen_random_uuid(), %s, 'Big Renewal', 'EUR',"
                   " pipeline_id, key, category, probability, '2026-09-30' FROM pipeline_stages LIMIT 1 RETURNING id",
                   (account,))

            assert migrate(url, "sales", SALES_MIGRATIONS) == [("own", 6)]

            assert db.scalar("SELECT sort_name FROM accounts") == "acme"
            assert [row["sort_name"] for row in db.all("SELECT sort_name FROM contacts ORDER BY sort_name")] == [
                "cy", "lovelace ada"]
            assert db.scalar("SELECT sort_name FROM opportunities") == "big renewal"
        finally:
            db.close()


# Plans on big tables ---------------------------------------------------------------

BIG = 50_000
# Names repeat (ties; accounts in other countries), close dates repeat; every row has its own created_at.
SEED = f"""
INSERT INTO accounts (id, name, name_norm, country, created_at, updated_at)
SELECT gen_random_uuid(), 'Account ' || i, 'account ' || (i / 3), (ARRAY['DE', 'FR', 'GB'])[1 + i % 3],
       now() - make_interval(mins => i),
       now() - make_interval(mins => (i * 7919) % 5000)
FROM generate_series(1, {BIG}) AS i;
INSERT INTO contacts (id, first_name, last_name, created_at, updated_at)
SELECT gen_random_uuid(), CASE WHEN i % 4 <> 3 OR i % 9 = 0 THEN (ARRAY['Ada', 'Grace', 'Alan', 'Ed'])[1 + i % 4] END,
       CASE WHEN i % 9 <> 0 THEN 'Lovelace' || (i % 3000) END, now() - make_interval(mins => i),
       now() - make_interval(mins => (i * 7919) % 5000)
FROM generate_series(1, {BIG}) AS i;
INSERT INTO opportunities (id, account_id, name, currency, pipeline_id, stage, category, probability,
                           expected_close_date, created_at, updated_at)
SELECT gen_random_uuid(), (SELECT id FROM accounts LIMIT 1), 'Deal ' || (i % 7000), 'EUR', s.pipeline_id, s.key,
       s.category, s.probability, date '2026-01-01' + i % 700, now() - make_interval(mins => i),
       now() - make_interval(mins => (i * 7919) % 5000)
FROM generate_series(1, {BIG}) AS i,
     (SELECT pipeline_id, key, category, probability FROM pipeline_stages WHERE category = 'open' LIMIT 1) s;
ANALYZE accounts, contacts, opportunities;
"""
STORES = {
    "accounts": (accounts_store.SORTS, accounts_store.list_accounts, AccountQuerySchema, "accounts"),
    "contacts": (contacts_store.SORTS, contacts_store.list_contacts, ContactQuerySchema, "contacts"),
    "opportunities": (opportunities_store.SORTS, opportunities_store.list_opportunities, OpportunityQuerySchema,
                      "opportunities"),
}
INDEXES = {
    ("accounts", "name"): "accounts_sort_name_page", ("accounts", "created_at"): "accounts_page",
    ("accounts", "updated_at"): "accounts_updated_page",
    ("contacts", "name"): "contacts_name_page", ("contacts", "created_at"): "contacts_page",
    ("contacts", "updated_at"): "contacts_updated_page",
    ("opportunities", "name"): "opportunities_name_page", ("opportunities", "created_at"): "opportunities_page",
    ("opportunities", "updated_at"): "opportunities_updated",
    ("opportunities", "expected_close_date"): "opportunities_close_page",
}


@pytest.fixture(scope="module")
def big_tables(database_url, test_env):
    """A sales schema of its own with BIG accounts, contacts and opportunities, analysed."""
    with scratch_database(database_url, "salessorts") as url:
        migrate_component("sales", load_component_config("sales", {**test_env, "DATABASE_URL": url}))
        with psycopg.connect(url, autocommit=True, row_factory=dict_row,
                             options="-c search_path=sales,public") as conn:
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
    nodes, stack = [], [document["Plan"]]
    while stack:
        node = stack.pop()
        nodes.append((node["Node Type"], node.get("Index Name"), node.get("Index Cond")))
        stack += node.get("Plans", [])
    return nodes


@pytest.mark.parametrize(("name", "sort"), SORT_CASES, ids=[f"{name} {sort}" for name, sort in SORT_CASES])
def test_each_sort_reads_its_pages_from_an_index_on_a_big_table(big_tables, name, sort):
    sorts, list_page, query_schema, table = STORES[name]
    order = sorts[sort]
    middle = big_tables.execute(f"SELECT * FROM {table} ORDER BY {order.order_by} OFFSET %s LIMIT 1",
                                (BIG // 2,)).fetchone()
    for cursor in (None, order.cursor(middle)):
        explained = Explained(big_tables)
        rows, next_cursor = list_page(explained, query_schema().load({"sort": sort, "limit": "50"})
                                      | {"cursor": cursor})
        assert len(rows) == 50 and next_cursor
        (document,) = explained.plans
        nodes = scans(document)
        assert [node[0] for node in nodes] == ["Limit", "Index Scan"], document
        assert nodes[1][1] == INDEXES[(name, sort.lstrip("-"))], document
        assert bool(nodes[1][2]) == (cursor is not None), document  # a later page seeks its start
