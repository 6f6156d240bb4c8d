"""Keyset pagination: typed cursors (round trip, junk refused with a 422 on
``cursor``) and ``keyset_page`` over a real table, in both directions, with
ties on the first sort column."""

import base64
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.rows import dict_row

from shared.kit.pagination import KeysetOrder, both_ways, keyset_page
from shared.schemas.errors import ValidationFailed

UUID = uuid.UUID("1e4ba1f6-5b1c-4a7e-9d3b-1234567890ab")
URL_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
BERLIN_SUMMER = timezone(timedelta(hours=2))


def raw_cursor(*parts):
    """A cursor made by hand: each part ends with ``|``, the whole in base64."""
    return base64.urlsafe_b64encode("".join(f"{part}|" for part in parts).encode()).decode()


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


def decoded(cursor):
    """The text of a cursor (URL-safe base64 without padding)."""
    assert "=" not in cursor
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


# Cursors --------------------------------------------------------------------

@pytest.mark.parametrize(("sql_type", "value"), [
    ("timestamptz", datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)),
    ("timestamptz", datetime(2026, 3, 1, 12, 30, tzinfo=BERLIN_SUMMER)),
    ("uuid", UUID),
    ("bigint", 0),
    ("bigint", 2 ** 63 - 1),
    ("bigint", -(2 ** 63)),
    ("integer", 2 ** 31 - 1),
    ("integer", -7),
    ("text", "Acme"),
    ("text", "a|b||c|"),  # the separator
    ("text", "Ünïcødé & co = 100%"),
    ("text", ""),
])
def test_a_cursor_gives_back_the_typed_value_it_was_made_from(sql_type, value):
    order = KeysetOrder(("key", sql_type))
    cursor = order.cursor({"key": value, "other": "ignored"})
    assert cursor  # never empty: an empty cursor asks for the first page
    assert set(cursor) <= URL_SAFE  # no padding: a URL carries it as it is
    assert order.values(cursor) == [value]
    assert type(order.values(cursor)[0]) is type(value)


def test_a_cursor_of_several_columns_keeps_each_part_whole():
    order = KeysetOrder(("name", "text"), ("at", "timestamptz"), ("id", "uuid"))
    row = {"name": "x|y", "at": datetime(2026, 1, 1, tzinfo=UTC), "id": UUID}
    assert order.values(order.cursor(row)) == ["x|y", row["at"], UUID]


def test_a_uuid_given_as_text_makes_the_same_cursor():
    order = KeysetOrder(("id", "uuid"))
    assert order.cursor({"id": str(UUID)}) == order.cursor({"id": UUID})


NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)
BY_NAME = KeysetOrder(("name", "text"), ("id", "uuid"))
BY_ID = KeysetOrder(("id", "bigint"))
BY_ROW = KeysetOrder(("row_number", "integer"))
GOOD_AT = "2026-01-01T00:00:00+00:00"


@pytest.mark.parametrize(("order", "cursor"), [
    (NEWEST_FIRST, "garbage!"),
    (NEWEST_FIRST, "%%%"),
    (NEWEST_FIRST, "fA=="),
    (NEWEST_FIRST, b64("\xff")),
    (NEWEST_FIRST, base64.urlsafe_b64encode(b"\xff\xfe|").decode()),  # not UTF-8
    (NEWEST_FIRST, raw_cursor(GOOD_AT)),  # too few parts
    (NEWEST_FIRST, raw_cursor(GOOD_AT, UUID, UUID)),  # too many
    (NEWEST_FIRST, b64(f"{GOOD_AT}|{UUID}")),  # no closing separator
    (NEWEST_FIRST, raw_cursor("yesterday", UUID)),
    (NEWEST_FIRST, raw_cursor("2026-01-01T00:00:00", UUID)),  # no time zone
    (NEWEST_FIRST, raw_cursor("2026-01-01T00:00:00Z", UUID)),  # not as this API writes it
    (NEWEST_FIRST, raw_cursor(GOOD_AT, "not-a-uuid")),
    (NEWEST_FIRST, raw_cursor(GOOD_AT, str(UUID).upper())),
    (NEWEST_FIRST, raw_cursor(GOOD_AT, UUID) + "=="),
    (NEWEST_FIRST, raw_cursor(GOOD_AT, UUID) + "A"),  # a length base64 never has
    (BY_NAME, raw_cursor(b64("Acme"), UUID)),  # padded ("=="): this API writes none
    (BY_NAME, raw_cursor("Acme Ltd", UUID)),  # a name is base64 in the cursor
    (BY_NAME, raw_cursor(b64("Acme") + "%", UUID)),
    (BY_NAME, raw_cursor(b64("nul\x00"), UUID)),
    (BY_ID, raw_cursor("1.5")),
    (BY_ID, raw_cursor(" 12")),
    (BY_ID, raw_cursor("0x10")),
    (BY_ID, raw_cursor(2 ** 63)),
    (BY_ROW, raw_cursor(2 ** 31)),
    (BY_ROW, raw_cursor("")),
    (BY_ID, 12),
    (BY_ID, b"MTI8"),
])
def test_a_cursor_this_api_did_not_return_is_a_422_on_cursor(order, cursor):
    with pytest.raises(ValidationFailed) as refused:
        order.values(cursor)
    assert refused.value.status == 422
    assert refused.value.detail == "The cursor is not one this API returned."
    assert refused.value.errors == {"cursor": ["Invalid cursor."]}


def test_an_order_needs_known_types():
    with pytest.raises(ValueError):
        KeysetOrder(("id", "serial"))
    with pytest.raises(ValueError):
        KeysetOrder()


def test_the_sql_of_an_order():
    assert NEWEST_FIRST.order_by == "created_at DESC, id DESC"
    assert NEWEST_FIRST.after == "(created_at, id) < (%s::timestamptz, %s::uuid)"
    assert BY_NAME.order_by == "name, id"
    assert BY_NAME.after == "(name, id) > (%s::text, %s::uuid)"


# keyset_page over a table ----------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# (name, created_at as minutes after T0, n): names and times repeat (ties on the first column).
ROWS = [
    ("b|x", 3, 10), ("a", 1, 20), ("b|x", 1, 30), ("c", 2, 40), ("a", 3, 50),
    ("b|x", 2, 60), ("", 1, 70), ("a", 1, 80), ("ä", 2, 90),
]


@pytest.fixture(scope="module")
def conn(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        conn.execute("CREATE TEMP TABLE pages (id uuid PRIMARY KEY, name text NOT NULL COLLATE \"C\","
                     " created_at timestamptz NOT NULL, n bigint NOT NULL UNIQUE, tag text NOT NULL)")
        for name, minutes, n in ROWS:
            conn.execute("INSERT INTO pages VALUES (gen_random_uuid(), %s, %s, %s, %s)",
                         (name, T0 + timedelta(minutes=minutes), n, "even" if n % 20 == 0 else "odd"))
        yield conn


def walk(conn, order, limit, where=(), params=()):
    """Every page, following the cursors; the pages' sizes and their rows."""
    sizes, seen, cursor = [], [], None
    while True:
        rows, cursor = keyset_page(conn, "SELECT * FROM pages", where, params, order, cursor, limit)
        sizes.append(len(rows))
        seen += rows
        if cursor is None:
            return sizes, seen
        assert len(sizes) <= len(ROWS), "the pages do not end"


def everything(conn, order_by, where="TRUE", params=()):
    return conn.execute(f"SELECT * FROM pages WHERE {where} ORDER BY {order_by}", params).fetchall()


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 9, 50])
@pytest.mark.parametrize("order", [
    KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True),
    KeysetOrder(("created_at", "timestamptz"), ("id", "uuid")),
    KeysetOrder(("name", "text"), ("id", "uuid")),
    KeysetOrder(("name", "text"), ("id", "uuid"), descending=True),
    KeysetOrder(("name", "text"), ("created_at", "timestamptz"), ("n", "bigint")),
    KeysetOrder(("n", "bigint"), descending=True),
    KeysetOrder(("n", "bigint")),
])
def test_the_pages_hold_every_row_once_in_order(conn, order, limit):
    sizes, seen = walk(conn, order, limit)
    assert seen == everything(conn, order.order_by)
    full, rest = divmod(len(ROWS), limit)
    assert sizes == [limit] * full + ([rest] if rest else [])  # the last full page has no next cursor


def test_ties_on_the_first_column_are_split_across_pages_by_the_next(conn):
    by_name = KeysetOrder(("name", "text"), ("id", "uuid"))
    first, cursor = keyset_page(conn, "SELECT * FROM pages", [], [], by_name, None, 2)
    assert [row["name"] for row in first] == ["", "a"]  # a page boundary inside the three "a"s
    second, _ = keyset_page(conn, "SELECT * FROM pages", [], [], by_name, cursor, 2)
    assert [row["name"] for row in second] == ["a", "a"]
    assert len({row["id"] for row in first + second}) == 4


def test_the_filters_hold_on_every_page_and_are_left_as_given(conn):
    where, params = ["tag = %s"], ["even"]
    sizes, seen = walk(conn, NEWEST_FIRST, 2, where, params)
    assert seen == everything(conn, NEWEST_FIRST.order_by, "tag = %s", ["even"])
    assert sizes == [2, 2]
    assert (where, params) == (["tag = %s"], ["even"])


def test_a_select_of_some_columns_and_an_empty_page(conn):
    by_n = KeysetOrder(("n", "bigint"))
    rows, cursor = keyset_page(conn, "SELECT n FROM pages", ["n > %s"], [1000], by_n, None, 5)
    assert (rows, cursor) == ([], None)
    rows, cursor = keyset_page(conn, "SELECT n FROM pages", [], [], by_n, None, 5)
    assert [row["n"] for row in rows] == [10, 20, 30, 40, 50]
    rows, cursor = keyset_page(conn, "SELECT n FROM pages", [], [], by_n, cursor, 5)
    assert ([row["n"] for row in rows], cursor) == ([60, 70, 80, 90], None)


def test_a_junk_cursor_is_refused_before_any_query(conn):
    with pytest.raises(ValidationFailed) as refused:
        keyset_page(conn, "SELECT * FROM pages", [], [], NEWEST_FIRST, raw_cursor("yesterday", UUID), 5)
    assert "cursor" in refused.value.errors
    assert conn.execute("SELECT 1 AS ok").fetchone() == {"ok": 1}  # the transaction is still usable


# Named sorts ------------------------------------------------------------------

BY_NAME_UP, BY_NAME_DOWN = both_ways("name", "name", "text").values()


def test_both_ways_names_each_direction():
    assert (BY_NAME_UP.name, BY_NAME_DOWN.name) == ("name", "-name")
    assert BY_NAME_UP.order_by == "name, id"
    assert BY_NAME_DOWN.order_by == "name DESC, id DESC"
    assert BY_NAME_DOWN.after == "(name, id) < (%s::text, %s::uuid)"


def test_a_named_cursor_starts_with_the_sort_name_and_gives_back_its_key():
    row = {"name": "Acme", "id": UUID}
    cursor = BY_NAME_DOWN.cursor(row)
    assert decoded(cursor) == f"-name|{b64('Acme')}|{UUID}|"
    assert BY_NAME_DOWN.values(cursor) == ["Acme", UUID]


@pytest.mark.parametrize(("order", "other"), [
    (BY_NAME_UP, BY_NAME_DOWN),  # the same columns the other way round
    (BY_NAME_DOWN, BY_NAME_UP),
    (KeysetOrder(("at", "timestamptz"), ("id", "uuid"), name="-updated_at"),
     KeysetOrder(("at", "timestamptz"), ("id", "uuid"), name="-created_at")),  # the same types
])
def test_a_cursor_of_another_sort_is_a_422_that_says_so(order, other):
    row = {"name": "Acme", "at": datetime(2026, 1, 1, tzinfo=UTC), "id": UUID}
    with pytest.raises(ValidationFailed) as refused:
        order.values(other.cursor(row))
    assert refused.value.status == 422
    assert refused.value.errors == {"cursor": ["The cursor belongs to another sort."]}
    assert "leave it out" in refused.value.detail


@pytest.mark.parametrize("cursor", [
    NEWEST_FIRST.cursor({"created_at": T0, "id": UUID}),  # unnamed
    raw_cursor("name"),  # the name alone
    raw_cursor("name", b64("Acme")),  # a part short
    raw_cursor("-name", "", UUID),  # an empty part
    raw_cursor("Name", b64("Acme"), UUID),
])
def test_a_named_order_refuses_a_cursor_without_its_name_and_key(cursor):
    with pytest.raises(ValidationFailed) as refused:
        BY_NAME_UP.values(cursor)
    assert refused.value.errors["cursor"]


def test_an_unnamed_order_refuses_a_named_cursor():
    with pytest.raises(ValidationFailed) as refused:
        KeysetOrder(("name", "text"), ("id", "uuid")).values(BY_NAME_UP.cursor({"name": "Acme", "id": UUID}))
    assert refused.value.errors == {"cursor": ["Invalid cursor."]}


def test_a_sort_name_and_nulls_last_are_checked():
    with pytest.raises(ValueError):
        KeysetOrder(("id", "uuid"), name="a|b")
    with pytest.raises(ValueError):
        KeysetOrder(("id", "uuid"), nulls_last=True)  # nothing to order the NULL rows by


def test_a_date_cursor():
    order = KeysetOrder(("close", "date"), ("id", "uuid"), name="close")
    cursor = order.cursor({"close": date(2026, 2, 28), "id": UUID})
    assert order.values(cursor) == [date(2026, 2, 28), UUID]
    with pytest.raises(ValidationFailed):
        order.values(raw_cursor("close", "2026-02-30", UUID))


# NULLs last in both directions ----------------------------------------------------

NULLS_LAST_UP, NULLS_LAST_DOWN = both_ways("company", "company", "text", tie=("n", "bigint"), nulls_last=True).values()
# (company, n): blanks are NULL; companies repeat (ties across pages).
COMPANIES = [("b", 1), (None, 2), ("a", 3), ("b", 4), (None, 5), ("c", 6), (None, 7), ("a", 8), ("b", 9),
             (None, 10)]


@pytest.fixture(scope="module")
def companies(database_url):
    with psycopg.connect(database_url, row_factory=dict_row) as conn:
        conn.execute("CREATE TEMP TABLE companies (n bigint PRIMARY KEY, company text COLLATE \"C\")")
        conn.execute("CREATE INDEX ON companies (company, n)")
        for company, n in COMPANIES:
            conn.execute("INSERT INTO companies VALUES (%s, %s)", (n, company))
        yield conn


def walk_companies(conn, order, limit, where=(), params=()):
    seen, cursor, pages = [], None, 0
    while True:
        rows, cursor = keyset_page(conn, "SELECT * FROM companies", where, params, order, cursor, limit)
        seen += [(row["company"], row["n"]) for row in rows]
        pages += 1
        if cursor is None:
            return seen, pages
        assert pages <= len(COMPANIES), "the pages do not end"


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 6, 10, 11])
def test_nulls_come_last_in_both_directions(companies, limit):
    named = sorted((row for row in COMPANIES if row[0]), key=lambda row: (row[0], row[1]))
    blank = sorted(row for row in COMPANIES if not row[0])
    up, up_pages = walk_companies(companies, NULLS_LAST_UP, limit)
    down, down_pages = walk_companies(companies, NULLS_LAST_DOWN, limit)
    assert up == named + blank
    assert down == named[::-1] + blank[::-1]
    assert up_pages == down_pages == max(1, -(-len(COMPANIES) // limit))


def test_a_cursor_on_a_null_row_continues_among_the_nulls(companies):
    rows, cursor = keyset_page(companies, "SELECT * FROM companies", [], [], NULLS_LAST_UP, None, 8)
    assert [row["n"] for row in rows[-3:]] == [6, 2, 5]  # the six named, then two blank
    assert decoded(cursor) == "company|~|5|"
    rows, cursor = keyset_page(companies, "SELECT * FROM companies", [], [], NULLS_LAST_UP, cursor, 8)
    assert ([row["n"] for row in rows], cursor) == ([7, 10], None)


def test_nulls_last_keeps_the_filters(companies):
    seen, _ = walk_companies(companies, NULLS_LAST_DOWN, 2, ["n %% 2 = %s"], [0])
    assert seen == [("c", 6), ("b", 4), ("a", 8), (None, 10), (None, 2)]


def test_a_null_part_only_where_a_null_may_be():
    with pytest.raises(ValidationFailed):
        NULLS_LAST_UP.values(raw_cursor("company", b64("a"), "~"))
    with pytest.raises(ValidationFailed):
        BY_NAME_UP.values(raw_cursor("name", "~", UUID))
