"""Creating, reading, changing and listing quotes: defaults from the account
and the standard book, priced lines and stored totals, bad input that writes
nothing, a keyed create called twice, drafts edited with If-Match, keyset
lists with filters and sorts."""

import datetime
import uuid

import pytest

from shared.schemas.errors import IllegalTransition, NotFound, PreconditionFailed, ValidationFailed
from tests.orders.conftest import known_account, unique
from tests.orders.quote_support import (
    COUNTRY,
    RATE,
    account,
    count_quotes,
    days_from_today,
    new_quote,
    product,
    quote_data,
    sent_quote,
    standard_book_id,
    taxed_country,
)


def test_create_prices_the_lines_and_takes_the_defaults(orders, db):
    data = quote_data(orders, db, prices=("10.00", "4.50"), quantities=("2", "3"), title="Engines",
                      notes="Thank you", terms="Net 30")
    data["lines"].append({"name": "Installation", "unit_price": "100", "quantity": "1.5",
                          "discount_percent": "10"})

    quote = orders.create_quote(data, "sam")

    assert uuid.UUID(quote["id"])
    assert quote["number"].startswith("Q-") and len(quote["number"]) >= 8
    assert quote["revision"] == 1 and quote["status"] == "draft"
    assert quote["superseded_by"] is None and quote["revision_of"] is None
    assert quote["account_id"] == data["account_id"]
    assert quote["currency"] == "EUR" and quote["tax_country"] == COUNTRY
    assert quote["price_book_id"] == standard_book_id(db)
    assert quote["prices_include_tax"] is False
    assert quote["valid_until"] == days_from_today(30)
    assert quote["priced_on"] == datetime.date.today().isoformat()
    assert quote["created_by"] == "sam" and quote["version"] == 1
    assert quote["actions"] == ["update", "send", "reject"]
    assert [line["unit_price"] for line in quote["lines"]] == ["10.00", "4.50", "100.00"]
    assert [line["price_overridden"] for line in quote["lines"]] == [False, False, True]
    assert [line["net_amount"] for line in quote["lines"]] == ["20.00", "13.50", "135.00"]
    assert [line["tax_rate"] for line in quote["lines"]] == [RATE] * 3
    assert quote["lines"][2]["discount_total"] == "15.00"
    assert quote["totals"] == {"net_total": "168.50", "tax_total": "30.33", "gross_total": "198.83",
                               "discount_total": "15.00",
                               "tax_lines": [{"rate": RATE, "net": "168.50", "tax": "30.33"}]}
    assert orders.get_quote(quote["id"]) == quote
    stored = db.one("SELECT * FROM quotes WHERE id = %s", (quote["id"],))
    assert stored["tax_lines"] == [{"rate": RATE, "net": "168.50", "tax": "30.33"}]
    assert db.outbox_rows([quote["id"]]) == []  # a draft is nobody's business yet


def test_amounts_have_the_currencys_decimals(orders, db):
    taxed_country(orders)
    for currency, expected in (("JPY", "1235"), ("KWD", "1234.568")):
        made = product(orders, db, price="1234.5675", currency=currency)
        quote = orders.create_quote({"account_id": account(db), "currency": currency.lower(),
                                     "lines": [{"product_id": made["id"], "quantity": "1"}]})
        assert quote["currency"] == currency
        assert quote["lines"][0]["net_amount"] == expected
        assert quote["totals"]["net_total"] == expected


def test_numbers_are_sequential_and_distinct(orders, db):
    first, second = new_quote(orders, db), new_quote(orders, db)
    assert int(second["number"][2:]) > int(first["number"][2:])


def test_the_tax_country_comes_from_the_account_or_is_needed(orders, db):
    taxed_country(orders, "DK", "25")
    given = orders.create_quote(quote_data(orders, db, tax_country="dk"))
    assert given["tax_country"] == "DK" and given["lines"][0]["tax_rate"] == "25"

    nowhere = known_account(db, country=None)
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(quote_data(orders, db, account_id=nowhere))
    assert list(raised.value.errors) == ["tax_country"]
    assert "tax_country" in raised.value.detail
    assert count_quotes(db, nowhere) == 0


def test_null_optional_fields_take_their_defaults(orders, db):
    quote = orders.create_quote(quote_data(orders, db, tax_country=None, valid_until=None, price_book_id=None,
                                           opportunity_id=None, title=" "))
    assert (quote["tax_country"], quote["valid_until"], quote["title"]) == (COUNTRY, days_from_today(30), None)
    assert quote["price_book_id"] == standard_book_id(db)


def test_an_unknown_or_merged_account_is_refused(orders, db):
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(quote_data(orders, db, account_id=str(uuid.uuid4())))
    assert list(raised.value.errors) == ["account_id"]

    survivor = account(db)
    merged = account(db)
    db.conn.execute("UPDATE accounts SET merged_into = %s WHERE id = %s", (survivor, merged))
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(quote_data(orders, db, account_id=merged))
    assert survivor in raised.value.detail
    assert count_quotes(db, merged) == 0


BAD_INPUT = [
    ({"account_id": None}, "account_id"),
    ({"account_id": "nope"}, "account_id"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "XAU"}, "currency"),
    ({"lines": []}, "lines"),
    ({"lines": "all"}, "lines"),
    ({"tax_country": "Malta"}, "tax_country"),
    ({"valid_until": "soon"}, "valid_until"),
    ({"title": "T" * 201}, "title"),
    ({"colour": "red"}, "colour"),
    ({"opportunity_id": 5}, "opportunity_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_INPUT, ids=[field for _, field in BAD_INPUT])
def test_bad_input_names_the_field_and_writes_nothing(orders, db, change, field):
    data = {**quote_data(orders, db), **change}
    before = db.scalar("SELECT count(*) FROM quotes")
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(data)
    assert field in raised.value.errors
    assert db.scalar("SELECT count(*) FROM quotes") == before


def test_lines_that_cannot_be_priced_name_each_line(orders, db):
    data = quote_data(orders, db)
    data["lines"] += [{"product_id": str(uuid.uuid4()), "quantity": "1"}, {"quantity": "1", "unit_price": "5"}]
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(data)
    assert set(raised.value.errors) == {"lines.2.product_id", "lines.3.name"}
    assert count_quotes(db, data["account_id"]) == 0

    data["lines"] = [{"product_id": data["lines"][0]["product_id"], "quantity": "0"}]
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote(data)
    assert raised.value.errors["lines"]["0"]["quantity"]
    assert count_quotes(db, data["account_id"]) == 0


def test_a_past_validity_and_an_unknown_price_book_are_refused(orders, db):
    data = quote_data(orders, db)
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote({**data, "valid_until": days_from_today(-1)})
    assert list(raised.value.errors) == ["valid_until"]
    with pytest.raises(ValidationFailed) as raised:
        orders.create_quote({**data, "price_book_id": str(uuid.uuid4())})
    assert "price_book_id" in raised.value.errors
    assert count_quotes(db, data["account_id"]) == 0


def test_a_keyed_create_called_twice_makes_one_quote(rpc_proxy, orders, db):
    data = quote_data(orders, db)
    with rpc_proxy(context_data={"idempotency_key": str(uuid.uuid4())}) as cluster:
        first = cluster.orders.create_quote(data, "sam")
        again = cluster.orders.create_quote(data, "sam")
    assert again == first
    assert count_quotes(db, data["account_id"]) == 1


def test_get_unknown_quote(orders):
    with pytest.raises(NotFound):
        orders.get_quote(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        orders.get_quote("Q-000001")


# Changing a draft ---------------------------------------------------------------

def test_a_draft_changes_with_if_match_and_its_lines_are_replaced_whole(orders, db):
    quote = new_quote(orders, db)
    extra = product(orders, db, "7.25")

    changed = orders.update_quote(quote["id"], {"title": "Revised scope", "valid_until": days_from_today(10),
                                                "lines": [{"product_id": extra["id"], "quantity": "4"}]},
                                  "sam", quote["version"])

    assert changed["version"] == quote["version"] + 1
    assert changed["title"] == "Revised scope" and changed["valid_until"] == days_from_today(10)
    assert [(line["sku"], line["quantity"], line["net_amount"]) for line in changed["lines"]] == [
        (extra["sku"], "4", "29.00")]
    assert changed["totals"]["net_total"] == "29.00"
    assert db.scalar("SELECT count(*) FROM quote_lines WHERE quote_id = %s", (quote["id"],)) == 1
    assert orders.get_quote(quote["id"]) == changed

    with pytest.raises(PreconditionFailed) as raised:
        orders.update_quote(quote["id"], {"title": "Stale"}, "sam", quote["version"])
    assert raised.value.extra["current_version"] == changed["version"]
    assert orders.get_quote(quote["id"])["title"] == "Revised scope"


def test_nothing_changed_writes_nothing(orders, db):
    quote = new_quote(orders, db, title="Same")
    assert orders.update_quote(quote["id"], {"title": "Same"}) == quote


def test_a_new_currency_or_country_prices_the_lines_anew(orders, db):
    made = product(orders, db, "10.00", "EUR")
    orders.set_price(standard_book_id(db), {"product_id": made["id"], "currency": "USD", "unit_price": "12.00",
                                            "valid_from": "2000-01-01"}, "tests")
    quote = orders.create_quote({"account_id": account(db), "currency": "EUR", "lines": [
        {"product_id": made["id"], "quantity": "2"}, {"name": "Setup", "unit_price": "50", "quantity": "1"}]})

    in_dollars = orders.update_quote(quote["id"], {"currency": "usd"})
    assert in_dollars["currency"] == "USD"
    assert [line["unit_price"] for line in in_dollars["lines"]] == ["12.00", "50.00"]  # typed price stays
    assert in_dollars["totals"]["net_total"] == "74.00"

    taxed_country(orders, "DK", "25")
    in_denmark = orders.update_quote(quote["id"], {"tax_country": "DK"})
    assert [line["tax_rate"] for line in in_denmark["lines"]] == ["25", "25"]
    assert in_denmark["totals"]["tax_total"] == "18.50"


def test_an_update_that_cannot_be_priced_changes_nothing(orders, db):
    quote = new_quote(orders, db)
    with pytest.raises(ValidationFailed) as raised:
        orders.update_quote(quote["id"], {"currency": "CHF", "title": "Swiss"})
    assert any(key.startswith("lines.") for key in raised.value.errors)
    assert orders.get_quote(quote["id"]) == quote


def test_only_a_draft_changes(orders, db):
    quote = sent_quote(orders, db)
    with pytest.raises(IllegalTransition) as raised:
        orders.update_quote(quote["id"], {"title": "Too late"})
    assert "revise" in raised.value.detail
    assert orders.get_quote(quote["id"]) == quote


@pytest.mark.parametrize(("changes", "field"), [
    ({"currency": None}, "currency"), ({"account_id": None}, "account_id"), ({"lines": []}, "lines"),
    ({"status": "sent"}, "status"), ({"valid_until": "2000-01-01"}, "valid_until"),
    ({"account_id": str(uuid.uuid4())}, "account_id")])
def test_bad_changes_are_refused(orders, db, changes, field):
    quote = new_quote(orders, db)
    with pytest.raises(ValidationFailed) as raised:
        orders.update_quote(quote["id"], changes)
    assert field in raised.value.errors
    assert orders.get_quote(quote["id"]) == quote


def test_update_unknown_quote(orders):
    with pytest.raises(NotFound):
        orders.update_quote(str(uuid.uuid4()), {"title": "x"})


# Lists --------------------------------------------------------------------------

def test_list_filters_sorts_and_pages(orders, db):
    customer = account(db)
    opportunity = str(uuid.uuid4())
    made = [new_quote(orders, db, account_id=customer, opportunity_id=opportunity, title=f"Option {n}")
            for n in range(3)]
    orders.send_quote(made[1]["id"])

    page = orders.list_quotes({"account_id": customer, "limit": 2})
    assert [item["id"] for item in page["items"]] == [made[2]["id"], made[1]["id"]]
    assert "lines" not in page["items"][0] and page["items"][0]["totals"]["net_total"] == "33.50"
    rest = orders.list_quotes({"account_id": customer, "limit": 2, "cursor": page["next_cursor"]})
    assert [item["id"] for item in rest["items"]] == [made[0]["id"]] and rest["next_cursor"] is None

    by_number = orders.list_quotes({"opportunity_id": opportunity, "sort": "number"})
    assert [item["id"] for item in by_number["items"]] == [quote["id"] for quote in made]
    sent = orders.list_quotes({"account_id": customer, "status": ["sent"]})
    assert [item["id"] for item in sent["items"]] == [made[1]["id"]]
    found = orders.list_quotes({"q": made[0]["number"][2:]})
    assert [item["id"] for item in found["items"]] == [made[0]["id"]]
    assert orders.list_quotes({"account_id": customer, "q": "option 2"})["items"][0]["id"] == made[2]["id"]


def test_superseded_revisions_are_listed_on_request(orders, db):
    customer = account(db)
    quote = sent_quote(orders, db, account_id=customer)
    revision = orders.revise_quote(quote["id"], "sam")
    assert [item["id"] for item in orders.list_quotes({"account_id": customer})["items"]] == [revision["id"]]
    listed = orders.list_quotes({"account_id": customer, "include_superseded": True})
    assert {item["id"] for item in listed["items"]} == {quote["id"], revision["id"]}


@pytest.mark.parametrize("query", [{"status": ["open"]}, {"sort": "amount"}, {"limit": 0}, {"cursor": "%%"},
                                   {"account_id": "nope"}, {"colour": "red"}])
def test_bad_list_queries(orders, query):
    with pytest.raises(ValidationFailed):
        orders.list_quotes(query)


def test_a_cursor_of_another_sort_is_refused(orders, db):
    customer = account(db)
    for _ in range(2):
        new_quote(orders, db, account_id=customer)
    page = orders.list_quotes({"account_id": customer, "limit": 1})
    with pytest.raises(ValidationFailed) as raised:
        orders.list_quotes({"account_id": customer, "limit": 1, "sort": "number", "cursor": page["next_cursor"]})
    assert list(raised.value.errors) == ["cursor"]


def test_unique_tag_is_not_a_number(orders):
    assert orders.list_quotes({"q": unique()})["items"] == []
