"""Exchange rates over RPC: set (add or replace), get, and bad input.

Exchange rates are global state of the schema: each test uses currencies no
other test uses (Wxx, not real ISO 4217 codes) and looks only at those."""

import itertools
import string
from datetime import UTC, date, datetime

import pytest

from shared.schemas.errors import ValidationFailed
from shared.schemas.sales.forecast import ExchangeRatesSchema
from tests.sales.conftest import concurrently

_codes = (f"W{a}{b}" for a, b in itertools.product(string.ascii_uppercase, repeat=2) if a + b != "ST")


def code():
    return next(_codes)


def mine(result, *codes):
    """The rates of these currencies, without who set them and when (see test_who_set_a_rate)."""
    return [{key: value for key, value in item.items() if key not in ("set_by", "set_at")}
            for item in result["items"] if item["currency"] in codes]


def stored(db, *codes):
    return db.all("SELECT currency, valid_from, rate, set_by FROM exchange_rates WHERE currency = ANY(%s)"
                  " ORDER BY currency, valid_from", (list(codes),))


def test_set_then_get(sales, sales_config):
    usd, gbp = code(), code()
    result = sales.set_exchange_rates([
        {"currency": usd.lower(), "rate": "0.9200000000", "valid_from": "2026-01-01"},
        {"currency": gbp, "rate": 1.17, "valid_from": "2026-01-01"},
        {"currency": usd, "rate": "0.0061234567", "valid_from": "2026-02-01"},
    ], actor="ada")
    assert result["currency"] == sales_config["REPORTING_CURRENCY"]
    assert mine(result, usd, gbp) == sorted([
        {"currency": usd, "rate": "0.92", "valid_from": "2026-01-01"},
        {"currency": usd, "rate": "0.0061234567", "valid_from": "2026-02-01"},
        {"currency": gbp, "rate": "1.17", "valid_from": "2026-01-01"},
    ], key=lambda item: (item["currency"], item["valid_from"]))
    again = sales.get_exchange_rates()
    assert again["currency"] == result["currency"]
    assert mine(again, usd, gbp) == mine(result, usd, gbp)
    assert again["items"] == sorted(again["items"], key=lambda item: (item["currency"], item["valid_from"]))
    assert ExchangeRatesSchema().validate(again) == {}


def test_the_same_day_replaces_other_days_stay(sales, db):
    usd = code()
    sales.set_exchange_rates([{"currency": usd, "rate": "0.9", "valid_from": "2025-01-01"},
                              {"currency": usd, "rate": "0.95", "valid_from": "2025-06-01"}], actor="ada")
    result = sales.set_exchange_rates([{"currency": usd, "rate": "0.97", "valid_from": "2025-06-01"}], actor="bob")
    assert mine(result, usd) == [{"currency": usd, "rate": "0.9", "valid_from": "2025-01-01"},
                                 {"currency": usd, "rate": "0.97", "valid_from": "2025-06-01"}]
    assert [row["set_by"] for row in stored(db, usd)] == ["ada", "bob"]


def test_who_set_a_rate_and_when(sales):
    usd = code()
    sales.set_exchange_rates([{"currency": usd, "rate": "0.9", "valid_from": "2025-01-01"}], actor="ada")
    result = sales.set_exchange_rates([{"currency": usd, "rate": "0.91", "valid_from": "2025-01-01"}], actor="bob")
    [item] = [item for item in result["items"] if item["currency"] == usd]
    assert item["set_by"] == "bob"
    assert datetime.fromisoformat(item["set_at"]) <= datetime.now(UTC)


def test_valid_from_defaults_to_today(sales):
    usd = code()
    result = sales.set_exchange_rates([{"currency": usd, "rate": "1.1"}])
    assert mine(result, usd) == [{"currency": usd, "rate": "1.1", "valid_from": datetime.now(UTC).date().isoformat()}]


def test_an_empty_list_changes_nothing(sales):
    before = sales.get_exchange_rates()
    assert sales.set_exchange_rates([]) == before


def test_concurrent_writes_of_the_same_rate_both_succeed(sales, rpc_proxy, db):
    usd = code()
    results = concurrently(rpc_proxy, [
        lambda cluster, rate=rate: cluster.sales.set_exchange_rates(
            [{"currency": usd, "rate": rate, "valid_from": "2024-03-01"}]) for rate in ("1.1", "1.2", "1.3", "1.4")])
    assert not [result for result in results if isinstance(result, Exception)], results
    rows = stored(db, usd)
    assert len(rows) == 1 and str(rows[0]["rate"].normalize()) in ("1.1", "1.2", "1.3", "1.4")


# Bad input --------------------------------------------------------------------

@pytest.mark.parametrize(("item", "field"), [
    ({"rate": "-1"}, "rate"),
    ({"rate": "0"}, "rate"),
    ({"rate": "0.00000000001"}, "rate"),
    ({"rate": "1e3x"}, "rate"),
    ({"rate": "NaN"}, "rate"),
    ({"rate": True}, "rate"),
    ({"rate": {"value": 1}}, "rate"),
    ({"rate": "10000000000"}, "rate"),
    ({"rate": None}, "rate"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "E1R"}, "currency"),
    ({"currency": "$"}, "currency"),
    ({"currency": None}, "currency"),
    ({"currency": 978}, "currency"),
    ({"valid_from": "2026-02-30"}, "valid_from"),
    ({"valid_from": "01.02.2026"}, "valid_from"),
    ({"valid_from": 20260101}, "valid_from"),
    ({"source": "ecb"}, "source"),
])
def test_a_bad_rate_is_a_422_on_its_field_and_nothing_is_written(sales, db, item, field):
    good, bad = code(), code()
    rates = [{"currency": good, "rate": "1.5", "valid_from": "2026-01-01"},
             {"currency": bad, "rate": "2", "valid_from": "2026-01-01", **item}]
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates(rates)
    assert field in raised.value.errors["rates"]["1"], raised.value.errors
    assert stored(db, good, bad) == []


def test_missing_fields(sales):
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates([{}])
    assert raised.value.errors == {"rates": {"0": {"currency": ["Missing data for required field."],
                                                   "rate": ["Missing data for required field."]}}}


@pytest.mark.parametrize("rates", [None, "USD=1.1", {"currency": "USD", "rate": "1"}, 7, ["USD"]])
def test_rates_must_be_a_list_of_objects(sales, rates):
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates(rates)
    assert "rates" in raised.value.errors


def test_at_most_500_rates(sales, db):
    usd = code()
    rates = [{"currency": usd, "rate": "1", "valid_from": date.fromordinal(730000 + n).isoformat()}
             for n in range(501)]
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates(rates)
    assert raised.value.errors == {"rates": ["At most 500 rates per request."]}
    assert stored(db, usd) == []
    assert len(mine(sales.set_exchange_rates(rates[:500]), usd)) == 500


def test_one_rate_per_currency_and_day(sales, db):
    usd = code()
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates([{"currency": usd, "rate": "1", "valid_from": "2026-01-01"},
                                  {"currency": usd.lower(), "rate": "2", "valid_from": "2026-01-01"}])
    assert "repeated" in raised.value.errors["rates"][0]
    assert stored(db, usd) == []


def test_the_reporting_currency_has_no_rate_to_set(sales, sales_config, db):
    reporting, usd = sales_config["REPORTING_CURRENCY"], code()
    with pytest.raises(ValidationFailed) as raised:
        sales.set_exchange_rates([{"currency": usd, "rate": "1.1", "valid_from": "2026-01-01"},
                                  {"currency": reporting.lower(), "rate": "1", "valid_from": "2026-01-01"}])
    assert raised.value.errors == {
        "rates.1.currency": [f"{reporting} is the reporting currency; its rate is always 1."]}
    assert stored(db, usd) == []
