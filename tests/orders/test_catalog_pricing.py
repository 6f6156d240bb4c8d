"""Tax categories and rates, price books and prices over RPC, and the
pricing preview: non-overlapping periods, volume tiers, validity dates,
the standard book fallback, and amounts that are strings with exactly the
currency's decimals (no float anywhere)."""

import uuid
from decimal import Decimal

import pytest

from services.orders import money
from shared.schemas.errors import Conflict, DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests import dates
from tests.orders.conftest import concurrently, unique


def day(offset):
    """The day ``offset`` days from today (as the orders service dates, local), read when called."""
    return dates.days_from_today(offset).isoformat()


@pytest.fixture
def category(orders):
    """A tax category of the test's own, so its rates meet no other test's."""
    code = unique("c")
    orders.create_tax_category({"code": code, "name": f"Category {code}"})
    return code


@pytest.fixture
def book(orders):
    return orders.create_price_book({"name": f"Book {unique()}"}, "admin1")


def standard_book(orders):
    return next(item for item in orders.list_price_books({"limit": 500})["items"] if item["is_standard"])


def make_product(orders, category, **fields):
    return orders.create_product({"sku": f"P-{unique()}", "name": "Gadget", "tax_category": category, **fields},
                                 "admin1")


def rate(orders, category, value, country="DE", valid_from=None, valid_to=None):
    return orders.create_tax_rate({"tax_category": category, "country": country, "rate": value,
                                   "valid_from": valid_from or day(-400), "valid_to": valid_to}, "admin1")


def preview(orders, lines, currency="EUR", **fields):
    return orders.price_quote_lines({"currency": currency, "tax_country": "DE", "lines": lines, **fields})


# Tax ----------------------------------------------------------------------------

def test_the_seeded_categories_are_there(orders):
    codes = [item["code"] for item in orders.list_tax_categories()["items"]]
    assert {"standard", "reduced", "zero"} <= set(codes)


def test_a_category_code_is_unique_and_well_formed(orders, category):
    with pytest.raises(DuplicateFound):
        orders.create_tax_category({"code": category, "name": "Again"})
    with pytest.raises(ValidationFailed) as raised:
        orders.create_tax_category({"code": "Bad Code", "name": "x"})
    assert "code" in raised.value.errors


def test_tax_rate_periods_never_overlap(orders, db, category):
    first = rate(orders, category, "19", valid_from="2020-01-01", valid_to="2020-12-31")
    assert first["rate"] == "19" and first["country"] == "DE" and first["valid_to"] == "2020-12-31"

    with pytest.raises(Conflict) as raised:
        rate(orders, category, "16", valid_from="2020-07-01")
    assert first["id"] in raised.value.detail and "2020-01-01 to 2020-12-31" in raised.value.detail
    assert raised.value.extra["overlapping_id"] == first["id"]

    second = rate(orders, category, "16", valid_from="2021-01-01")
    assert second["valid_to"] is None
    rate(orders, category, "20", country="AT", valid_from="2020-07-01")  # another country: no overlap
    assert db.scalar("SELECT count(*) FROM tax_rates WHERE tax_category = %s", (category,)) == 3

    listed = orders.list_tax_rates({"tax_category": category, "country": "de"})["items"]
    assert [item["id"] for item in listed] == [first["id"], second["id"]]
    valid = orders.list_tax_rates({"tax_category": category, "on_date": "2020-03-01"})["items"]
    assert [item["id"] for item in valid] == [first["id"]]


def test_closing_a_tax_rate_period_then_starting_a_new_one(orders, category):
    old = rate(orders, category, "19", valid_from="2019-01-01")
    with pytest.raises(Conflict):
        rate(orders, category, "21", valid_from="2024-01-01")

    closed = orders.update_tax_rate(old["id"], {"valid_to": "2023-12-31"})
    assert closed["valid_to"] == "2023-12-31" and closed["version"] == 2
    new = rate(orders, category, "21", valid_from="2024-01-01")

    with pytest.raises(Conflict):  # reopening would overlap the new period
        orders.update_tax_rate(old["id"], {"valid_to": None})
    with pytest.raises(ValidationFailed):
        orders.update_tax_rate(old["id"], {"valid_to": "2018-01-01"})
    with pytest.raises(ValidationFailed):
        orders.update_tax_rate(old["id"], {"rate": "5"})
    with pytest.raises(NotFound):
        orders.update_tax_rate(str(uuid.uuid4()), {"valid_to": None})
    assert new["rate"] == "21"


@pytest.mark.parametrize("data, field", [
    ({"country": "DE", "rate": "19", "valid_from": "2024-01-01"}, "tax_category"),
    ({"tax_category": "standard", "country": "XX", "rate": "19", "valid_from": "2024-01-01"}, "country"),
    ({"tax_category": "standard", "country": "DE", "rate": "101", "valid_from": "2024-01-01"}, "rate"),
    ({"tax_category": "standard", "country": "DE", "rate": "19.12345", "valid_from": "2024-01-01"}, "rate"),
    ({"tax_category": "standard", "country": "DE", "rate": "19", "valid_from": "yesterday"}, "valid_from"),
    ({"tax_category": "standard", "country": "DE", "rate": "19", "valid_from": "2024-01-02",
      "valid_to": "2024-01-01"}, "valid_to"),
    ({"tax_category": "nosuch", "country": "DE", "rate": "19", "valid_from": "2024-01-01"}, "tax_category"),
])
def test_bad_tax_rates_are_422_and_write_nothing(orders, db, data, field):
    before = db.scalar("SELECT count(*) FROM tax_rates")
    with pytest.raises(ValidationFailed) as raised:
        orders.create_tax_rate(data, "admin1")
    assert field in raised.value.errors
    assert db.scalar("SELECT count(*) FROM tax_rates") == before


# Price books ------------------------------------------------------------------------

def test_price_books_create_read_update_list(orders, book):
    assert book["is_standard"] is False and book["active"] is True and book["prices_include_tax"] is False
    assert orders.get_price_book(book["id"]) == book

    with pytest.raises(DuplicateFound):
        orders.create_price_book({"name": book["name"].upper()}, "admin1")
    with pytest.raises(ValidationFailed):
        orders.create_price_book({"name": "x", "is_standard": True}, "admin1")
    with pytest.raises(PreconditionFailed):
        orders.update_price_book(book["id"], {"active": False}, "admin1", 9)

    changed = orders.update_price_book(book["id"], {"description": "Partners", "active": False}, "admin1", 1)
    assert changed["version"] == 2 and changed["active"] is False
    inactive = orders.list_price_books({"active": False, "q": book["name"]})["items"]
    assert [item["id"] for item in inactive] == [book["id"]]
    with pytest.raises(NotFound):
        orders.get_price_book(str(uuid.uuid4()))


def test_the_standard_book_stays_active(orders):
    standard = standard_book(orders)
    with pytest.raises(ValidationFailed) as raised:
        orders.update_price_book(standard["id"], {"active": False}, "admin1")
    assert "active" in raised.value.errors


# Prices ----------------------------------------------------------------------------------

def test_set_price_and_list(orders, book, category):
    product = make_product(orders, category)

    with dates.during(dates.today_iso) as today:  # valid_from defaults to the day it is set
        result = orders.set_price(book["id"], {"product_id": product["id"], "currency": "eur", "unit_price": "9.5",
                                               "tiers": [{"min_quantity": "100", "unit_price": "8"},
                                                         {"min_quantity": "10", "unit_price": "9.125"}]}, "admin1")

    price = result["price"]
    assert result["closed"] is None
    assert price["currency"] == "EUR" and price["unit_price"] == "9.50" and price["valid_from"] == today
    assert price["tiers"] == [{"min_quantity": "10", "unit_price": "9.125"},
                              {"min_quantity": "100", "unit_price": "8.00"}]
    assert price["sku"] == product["sku"]
    listed = orders.list_prices(book["id"], {"product_id": product["id"]})["items"]
    assert listed == [price]
    with pytest.raises(NotFound):
        orders.list_prices(str(uuid.uuid4()))


def test_an_open_period_is_closed_by_a_later_one_and_overlaps_are_409(orders, db, book, category):
    product = make_product(orders, category)
    data = {"product_id": product["id"], "currency": "EUR"}
    first = orders.set_price(book["id"], {**data, "unit_price": "10", "valid_from": "2024-01-01"}, "admin1")

    second = orders.set_price(book["id"], {**data, "unit_price": "11", "valid_from": "2025-01-01"}, "admin1")
    assert second["closed"]["id"] == first["price"]["id"]
    assert second["closed"]["valid_to"] == "2024-12-31"

    with pytest.raises(Conflict) as raised:  # inside the closed period
        orders.set_price(book["id"], {**data, "unit_price": "12", "valid_from": "2024-06-01",
                                      "valid_to": "2024-06-30"}, "admin1")
    assert first["price"]["id"] in raised.value.detail
    with pytest.raises(Conflict):  # same start as the open period
        orders.set_price(book["id"], {**data, "unit_price": "12", "valid_from": "2025-01-01"}, "admin1")
    other_currency = orders.set_price(book["id"], {**data, "currency": "USD", "unit_price": "12",
                                                   "valid_from": "2024-06-01"}, "admin1")
    assert other_currency["closed"] is None
    assert db.scalar("SELECT count(*) FROM prices WHERE product_id = %s", (product["id"],)) == 3


@pytest.mark.parametrize("data, field", [
    ({"currency": "EUR", "unit_price": "1"}, "product_id"),
    ({"currency": "EURO", "unit_price": "1"}, "currency"),
    ({"currency": "XAU", "unit_price": "1"}, "currency"),
    ({"currency": "EUR", "unit_price": "-1"}, "unit_price"),
    ({"currency": "EUR", "unit_price": "1.1234567"}, "unit_price"),
    ({"currency": "EUR", "unit_price": 1.5}, None),  # a JSON number is read through its text: accepted
    ({"currency": "EUR", "unit_price": "1", "tiers": [{"min_quantity": "0", "unit_price": "1"}]}, "tiers"),
    ({"currency": "EUR", "unit_price": "1", "tiers": [{"min_quantity": "5", "unit_price": "1"},
                                                      {"min_quantity": "5.0", "unit_price": "2"}]}, "tiers"),
    ({"currency": "EUR", "unit_price": "1", "valid_from": "2024-02-01", "valid_to": "2024-01-01"}, "valid_to"),
])
def test_bad_prices_are_422_and_write_nothing(orders, db, book, category, data, field):
    product = make_product(orders, category)
    payload = {"product_id": product["id"], **data} if field != "product_id" else data
    if field is None:
        assert orders.set_price(book["id"], payload, "admin1")["price"]["unit_price"] == "1.50"
        return
    with pytest.raises(ValidationFailed) as raised:
        orders.set_price(book["id"], payload, "admin1")
    assert field in raised.value.errors
    assert db.scalar("SELECT count(*) FROM prices WHERE product_id = %s", (product["id"],)) == 0


def test_a_price_for_an_unknown_product_or_book(orders, book):
    with pytest.raises(ValidationFailed) as raised:
        orders.set_price(book["id"], {"product_id": str(uuid.uuid4()), "currency": "EUR", "unit_price": "1"},
                         "admin1")
    assert "product_id" in raised.value.errors
    with pytest.raises(NotFound):
        orders.set_price(str(uuid.uuid4()), {"product_id": str(uuid.uuid4()), "currency": "EUR",
                                             "unit_price": "1"}, "admin1")


def test_concurrent_overlapping_periods_one_wins(orders, db, rpc_proxy, book, category):
    product = make_product(orders, category)
    price = {"product_id": product["id"], "currency": "EUR", "unit_price": "1", "valid_from": "2024-01-01",
             "valid_to": "2024-12-31"}
    tax = {"tax_category": category, "country": "DE", "rate": "19", "valid_from": "2024-01-01"}

    prices = concurrently(rpc_proxy, [lambda cluster: cluster.orders.set_price(book["id"], price, "admin1")] * 6)
    rates = concurrently(rpc_proxy, [lambda cluster: cluster.orders.create_tax_rate(tax, "admin1")] * 6)

    for results in (prices, rates):
        assert sum(not isinstance(result, Exception) for result in results) == 1
        assert all(isinstance(result, Conflict) for result in results if isinstance(result, Exception))
    assert db.scalar("SELECT count(*) FROM prices WHERE product_id = %s", (product["id"],)) == 1
    assert db.scalar("SELECT count(*) FROM tax_rates WHERE tax_category = %s", (category,)) == 1


# Preview: pricing rules --------------------------------------------------------------------

def test_tiers_pick_the_highest_minimum_not_above_the_quantity(orders, book, category):
    rate(orders, category, "19")
    product = make_product(orders, category)
    orders.set_price(book["id"], {"product_id": product["id"], "currency": "EUR", "unit_price": "10",
                                  "valid_from": day(-30),
                                  "tiers": [{"min_quantity": "10", "unit_price": "9"},
                                            {"min_quantity": "50", "unit_price": "8"}]}, "admin1")

    def unit_price(quantity):
        result = preview(orders, [{"product_id": product["id"], "quantity": quantity}], price_book_id=book["id"])
        return result["lines"][0]["unit_price"]

    assert [unit_price(q) for q in ("1", "9.9999", "10", "49", "50", "1000")] == \
        ["10.00", "10.00", "9.00", "9.00", "8.00", "8.00"]


def test_validity_dates_choose_the_price_and_the_rate(orders, book, category):
    rate(orders, category, "16", valid_from="2020-01-01", valid_to="2020-12-31")
    rate(orders, category, "19", valid_from="2021-01-01")
    product = make_product(orders, category)
    data = {"product_id": product["id"], "currency": "EUR"}
    orders.set_price(book["id"], {**data, "unit_price": "100", "valid_from": "2020-01-01"}, "admin1")
    orders.set_price(book["id"], {**data, "unit_price": "120", "valid_from": "2021-01-01"}, "admin1")
    line = [{"product_id": product["id"], "quantity": "1"}]

    old = preview(orders, line, price_book_id=book["id"], on_date="2020-06-30")
    new = preview(orders, line, price_book_id=book["id"], on_date="2021-01-01")

    assert (old["lines"][0]["unit_price"], old["lines"][0]["tax_rate"], old["gross_total"]) == ("100.00", "16",
                                                                                              "116.00")
    assert (new["lines"][0]["unit_price"], new["lines"][0]["tax_rate"], new["gross_total"]) == ("120.00", "19",
                                                                                              "142.80")
    with pytest.raises(ValidationFailed) as raised:  # before any price
        preview(orders, line, price_book_id=book["id"], on_date="2019-12-31")
    assert "lines.0.product_id" in raised.value.errors


def test_a_product_without_price_in_the_book_takes_the_standard_books(orders, book, category):
    rate(orders, category, "19")
    product = make_product(orders, category)
    standard = standard_book(orders)
    orders.set_price(standard["id"], {"product_id": product["id"], "currency": "EUR", "unit_price": "50",
                                      "valid_from": day(-1)}, "admin1")

    result = preview(orders, [{"product_id": product["id"], "quantity": "2"}], price_book_id=book["id"])
    assert result["lines"][0]["unit_price"] == "50.00" and result["net_total"] == "100.00"

    orders.set_price(book["id"], {"product_id": product["id"], "currency": "EUR", "unit_price": "45",
                                  "valid_from": day(-1)}, "admin1")
    result = preview(orders, [{"product_id": product["id"], "quantity": "2"}], price_book_id=book["id"])
    assert result["lines"][0]["unit_price"] == "45.00"


def test_no_fallback_across_tax_inclusive_and_exclusive_books(orders, category):
    rate(orders, category, "19")
    gross_book = orders.create_price_book({"name": f"Retail {unique()}", "prices_include_tax": True}, "admin1")
    product = make_product(orders, category)
    orders.set_price(standard_book(orders)["id"], {"product_id": product["id"], "currency": "EUR",
                                                   "unit_price": "50", "valid_from": day(-1)}, "admin1")

    with pytest.raises(ValidationFailed) as raised:
        preview(orders, [{"product_id": product["id"], "quantity": "1"}], price_book_id=gross_book["id"])
    assert "exclude tax" in raised.value.errors["lines.0.product_id"][0]

    orders.set_price(gross_book["id"], {"product_id": product["id"], "currency": "EUR", "unit_price": "119",
                                        "valid_from": day(-1)}, "admin1")
    result = preview(orders, [{"product_id": product["id"], "quantity": "1"}], price_book_id=gross_book["id"])
    assert result["prices_include_tax"] is True
    assert (result["net_total"], result["tax_total"], result["gross_total"]) == ("100.00", "19.00", "119.00")


def test_preview_line_errors_name_each_line(orders, book, category):
    inactive = make_product(orders, category, active=False)
    unpriced = make_product(orders, "standard")

    with pytest.raises(ValidationFailed) as raised:
        preview(orders, [{"product_id": inactive["id"], "quantity": "1"},
                         {"quantity": "1", "unit_price": "5"},
                         {"name": "Free", "quantity": "1"},
                         {"product_id": str(uuid.uuid4()), "quantity": "1"},
                         {"product_id": unpriced["id"], "quantity": "1", "tax_category": "reduced"},
                         {"name": "Free", "quantity": "1", "unit_price": "1", "tax_category": "nosuch"}],
                price_book_id=book["id"], tax_country="AQ")
    errors = raised.value.errors
    assert "inactive" in errors["lines.0.product_id"][0]
    assert "lines.1.name" in errors
    assert "lines.2.unit_price" in errors
    assert "lines.3.product_id" in errors
    assert "lines.4.product_id" in errors and "lines.4.tax_category" in errors
    assert "lines.5.tax_category" in errors


def test_a_missing_rate_says_category_country_date_and_what_to_do(orders, category):
    with pytest.raises(ValidationFailed) as raised:
        preview(orders, [{"name": "Consulting", "quantity": "1", "unit_price": "100", "tax_category": category}],
                tax_country="fr", on_date="2024-05-01")
    message = raised.value.errors["lines.0.tax_category"][0]
    assert category in message and "FR" in message and "2024-05-01" in message and "add a rate" in message


def test_the_zero_category_is_zero_everywhere_without_rows(orders):
    result = preview(orders, [{"name": "Export", "quantity": "3", "unit_price": "10", "tax_category": "zero"}],
                     tax_country="BR")
    assert result["tax_total"] == "0.00" and result["gross_total"] == "30.00"
    assert result["tax_lines"] == [{"rate": "0", "net": "30.00", "tax": "0.00"}]


@pytest.mark.parametrize("data, field", [
    ({"currency": "EUR", "tax_country": "DE", "lines": []}, "lines"),
    ({"currency": "EUR", "tax_country": "DE"}, "lines"),
    ({"currency": "ZZZ", "tax_country": "DE", "lines": [{"name": "x", "quantity": "1", "unit_price": "1"}]},
     "currency"),
    ({"currency": "EUR", "lines": [{"name": "x", "quantity": "1", "unit_price": "1"}]}, "tax_country"),
    ({"currency": "EUR", "tax_country": "DE", "lines": [{"name": "x", "quantity": "0", "unit_price": "1"}]},
     "lines"),
    ({"currency": "EUR", "tax_country": "DE", "price_book_id": str(uuid.uuid4()),
      "lines": [{"name": "x", "quantity": "1", "unit_price": "1"}]}, "price_book_id"),
    ({"currency": "EUR", "tax_country": "DE", "lines": [{"name": "x", "quantity": "2", "unit_price": "1",
                                                          "discount_amount": "3"}]}, "lines.0.discount_amount"),
    ({"currency": "EUR", "tax_country": "DE", "lines": [{"name": "x", "quantity": "2", "unit_price": "1",
                                                          "discount_amount": "1", "discount_percent": "5"}]},
     "lines.0.discount_amount"),
])
def test_bad_preview_input_is_422(orders, data, field):
    with pytest.raises(ValidationFailed) as raised:
        orders.price_quote_lines(data)
    assert field in raised.value.errors


# No float anywhere -------------------------------------------------------------------------

MONEY_FIELDS = {"discount_total", "net_amount", "tax_amount", "gross_amount", "net_total", "tax_total",
                "gross_total", "net", "tax"}
PRICE_FIELDS = {"unit_price", "discount_amount"}


def walk(value, currency, path="$"):
    """Every number in an answer is a string; every amount has exactly the currency's decimals."""
    places = money.minor_unit(currency)
    assert not isinstance(value, float), path
    if isinstance(value, dict):
        for key, item in value.items():
            walk(item, currency, f"{path}.{key}")
            if key in MONEY_FIELDS:
                assert isinstance(item, str), f"{path}.{key}"
                decimals = len(item.split(".")[1]) if "." in item else 0
                assert decimals == places, f"{path}.{key} = {item!r} in {currency}"
                assert Decimal(item) == money.round_money(Decimal(item), currency)
            if key in PRICE_FIELDS and item is not None:
                assert isinstance(item, str)
                assert (len(item.split(".")[1]) if "." in item else 0) >= places, f"{path}.{key}"
    elif isinstance(value, list):
        for index, item in enumerate(value):
            walk(item, currency, f"{path}[{index}]")
    else:
        assert value is None or isinstance(value, str | bool | int), path


@pytest.mark.parametrize("currency", ["JPY", "EUR", "KWD", "BHD", "CLF", "USD"])
def test_every_amount_of_a_preview_is_a_string_with_the_currencys_decimals(orders, book, category, currency):
    rate(orders, category, "19")
    product = make_product(orders, category)
    orders.set_price(book["id"], {"product_id": product["id"], "currency": currency, "unit_price": "33.333333",
                                  "valid_from": day(-1),
                                  "tiers": [{"min_quantity": "7", "unit_price": "31.5"}]}, "admin1")

    result = preview(orders, [
        {"product_id": product["id"], "quantity": "3", "discount_percent": "12.5"},
        {"product_id": product["id"], "quantity": "7.25", "discount_amount": "1.234567"},
        {"product_id": product["id"], "quantity": 1.5, "unit_price": 19.99},  # JSON numbers, read as text
        {"name": "Freight", "quantity": "1", "unit_price": "5", "tax_category": "zero"},
    ], currency=currency, price_book_id=book["id"])

    walk(result, currency)
    assert result["lines"][2]["unit_price"].startswith("19.99")
    assert result["lines"][2]["quantity"] == "1.5"
    total = sum(Decimal(line["gross_amount"]) for line in result["lines"])
    assert Decimal(result["gross_total"]) == total
    assert sum(Decimal(line["tax"]) for line in result["tax_lines"]) == Decimal(result["tax_total"])
