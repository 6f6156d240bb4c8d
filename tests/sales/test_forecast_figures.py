"""The forecast arithmetic and result shape (no database), and the contracts' input checks."""

from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from services.sales.forecast import store
from services.sales.forecast.figures import assemble, figures, money
from services.sales.forecast.periods import parse_period
from shared.schemas.sales.forecast import ExchangeRatesSchema, ExchangeRatesUpdateSchema, ForecastQuerySchema

ZERO = {"count": 0, "pipeline": "0.00", "weighted": "0.00", "best_case": "0.00", "commit": "0.00",
        "closed_won": "0.00"}


@pytest.mark.parametrize(("value", "text"), [
    (None, "0.00"), (0, "0.00"), (Decimal("1"), "1.00"), (Decimal("0.005"), "0.01"), (Decimal("0.0049999"), "0.00"),
    (Decimal("2.675"), "2.68"), (Decimal("1900.375"), "1900.38"), (Decimal("-0.005"), "-0.01"),
    (Decimal("12345678901234567890.123456789012"), "12345678901234567890.12"),
])
def test_money_has_two_places_rounded_half_up(value, text):
    assert money(value) == text


def test_figures_of_nothing_are_zero():
    assert figures({}) == ZERO
    assert figures({"count": 0, "pipeline": None, "weighted_x100": None, "open_commit": None,
                    "open_best_case": None, "closed_won": None}) == ZERO


def test_commit_adds_closed_won_and_best_case_adds_commit():
    sums = {"count": 7, "pipeline": Decimal("1900.375"), "weighted_x100": Decimal("64918.75"),
            "open_commit": Decimal("800"), "open_best_case": Decimal("100.375"), "closed_won": Decimal("1200")}
    assert figures(sums) == {"count": 7, "pipeline": "1900.38", "weighted": "649.19", "best_case": "2100.38",
                             "commit": "2000.00", "closed_won": "1200.00"}


def test_each_figure_is_rounded_once_from_the_exact_sums():
    # 0.004 + 0.004: rounding the parts first would give 0.00 + 0.00.
    sums = {"count": 2, "pipeline": Decimal("0.008"), "weighted_x100": Decimal("0.5"),
            "open_commit": Decimal("0.004"), "open_best_case": Decimal("0.004"), "closed_won": Decimal("0")}
    assert figures(sums) == {"count": 2, "pipeline": "0.01", "weighted": "0.01", "best_case": "0.01",
                             "commit": "0.00", "closed_won": "0.00"}


def test_large_exact_sums_keep_every_cent():
    # numeric(18,2) amounts x numeric(20,10) rates: 28+ significant digits.
    exact = Decimal("99999999999999999899000000.000000000001")  # 9999999999999999.99 x 9999999999.9999999999
    sums = {"count": 1, "pipeline": exact, "weighted_x100": Decimal("9999999999999999989900000000.0000000001"),
            "open_commit": exact, "open_best_case": 0, "closed_won": Decimal("0.005")}
    result = figures(sums)
    assert result["pipeline"] == "99999999999999999899000000.00"
    assert result["commit"] == "99999999999999999899000000.01"  # exact + 0.005, half up
    assert result["weighted"] == result["pipeline"]


def _row(grouping_set, owner=None, pipeline_id=None, currency=None, count=0, unconverted=0, **sums):
    return {"grouping_set": grouping_set, "owner": owner, "pipeline_id": pipeline_id, "currency": currency,
            "count": count, "unconverted": unconverted, **sums}


def test_assemble_sorts_groups_and_lists_currencies_without_a_rate():
    rows = [
        _row(store.BY_CURRENCY, currency="EUR", count=3),
        _row(store.BY_OWNER, owner=None, count=1, closed_won=Decimal("5")),
        _row(store.BY_PIPELINE, pipeline_id="renewals", count=1, pipeline=Decimal("2")),
        _row(store.BY_OWNER, owner="zoe", count=1, pipeline=Decimal("2")),
        _row(store.BY_CURRENCY, currency="XYZ", count=0, unconverted=4),
        _row(store.TOTALS, count=3, pipeline=Decimal("3"), closed_won=Decimal("5")),
        _row(store.BY_OWNER, owner="adam", count=1, pipeline=Decimal("1")),
        _row(store.BY_PIPELINE, pipeline_id="default", count=2, pipeline=Decimal("1"), closed_won=Decimal("5")),
        _row(store.BY_CURRENCY, currency="ABC", count=0, unconverted=1),
    ]
    result = assemble(parse_period("2026-q4"), "EUR", date(2026, 11, 23), rows)
    assert result["period"] == "2026-Q4"
    assert (result["start"], result["end"], result["rates_date"]) == ("2026-10-01", "2026-12-31", "2026-11-23")
    assert result["currency"] == "EUR"
    assert result["totals"] == {**ZERO, "count": 3, "pipeline": "3.00", "commit": "5.00", "best_case": "5.00",
                                "closed_won": "5.00"}
    assert [item["owner"] for item in result["by_owner"]] == ["adam", "zoe", None]
    assert [item["pipeline_id"] for item in result["by_pipeline"]] == ["default", "renewals"]
    assert result["by_owner"][2] == {"owner": None, **ZERO, "count": 1, "commit": "5.00", "best_case": "5.00",
                                     "closed_won": "5.00"}
    assert result["missing_rates"] == ["ABC", "XYZ"]


def test_assemble_of_an_empty_period():
    result = assemble(parse_period("2026-11"), "EUR", date(2026, 11, 23), [_row(store.TOTALS)])
    assert result["totals"] == ZERO
    assert result["by_owner"] == result["by_pipeline"] == result["missing_rates"] == []


# Contracts --------------------------------------------------------------------

def test_the_forecast_query_needs_a_period_and_knows_its_fields():
    assert ForecastQuerySchema().load({"period": "2026-Q4"}) == {"period": "2026-Q4", "owner": None,
                                                                 "pipeline_id": None}
    assert ForecastQuerySchema().load({"period": " 2026-11 ", "owner": " ada ", "pipeline_id": "renewals"}) == {
        "period": "2026-11", "owner": "ada", "pipeline_id": "renewals"}
    for bad, field in [({}, "period"), ({"period": "2026-13"}, "period"), ({"period": 202611}, "period"),
                       ({"period": "2026-11", "owner": "x" * 101}, "owner"),
                       ({"period": "2026-11", "pipeline_id": "Not A Slug"}, "pipeline_id"),
                       ({"period": "2026-11", "pipeline_id": 5}, "pipeline_id"),
                       ({"period": "2026-11", "region": "emea"}, "region")]:
        with pytest.raises(ValidationError) as raised:
            ForecastQuerySchema().load(bad)
        assert field in raised.value.messages, bad


@pytest.mark.parametrize(("given", "stored"), [
    ("1.0825", Decimal("1.0825")), (" 0.0061234567 ", Decimal("0.0061234567")), (2, Decimal("2")),
    (1.17, Decimal("1.17")), ("9999999999.9999999999", Decimal("9999999999.9999999999")),
])
def test_rates_load_exactly(given, stored):
    loaded = ExchangeRatesUpdateSchema().load({"rates": [{"currency": "usd", "rate": given,
                                                          "valid_from": "2026-01-01"}]})
    assert loaded["rates"] == [{"currency": "USD", "rate": stored, "valid_from": date(2026, 1, 1)}]


@pytest.mark.parametrize(("item", "field"), [
    ({"currency": "USD", "rate": "0"}, "rate"), ({"currency": "USD", "rate": "-1.5"}, "rate"),
    ({"currency": "USD", "rate": -2}, "rate"), ({"currency": "USD", "rate": "1.00000000001"}, "rate"),
    ({"currency": "USD", "rate": "abc"}, "rate"), ({"currency": "USD", "rate": "NaN"}, "rate"),
    ({"currency": "USD", "rate": "Infinity"}, "rate"), ({"currency": "USD", "rate": True}, "rate"),
    ({"currency": "USD", "rate": None}, "rate"), ({"currency": "USD", "rate": ["1"]}, "rate"),
    ({"currency": "USD", "rate": "10000000000"}, "rate"), ({"currency": "USD"}, "rate"),
    ({"currency": "EURO", "rate": "1"}, "currency"), ({"currency": "E1R", "rate": "1"}, "currency"),
    ({"currency": "", "rate": "1"}, "currency"), ({"currency": "US", "rate": "1"}, "currency"),
    ({"currency": 840, "rate": "1"}, "currency"), ({"rate": "1"}, "currency"),
    ({"currency": "USD", "rate": "1", "valid_from": "2026-13-01"}, "valid_from"),
    ({"currency": "USD", "rate": "1", "valid_from": "tomorrow"}, "valid_from"),
    ({"currency": "USD", "rate": "1", "source": "ecb"}, "source"),
])
def test_bad_rates_are_refused_on_their_field(item, field):
    with pytest.raises(ValidationError) as raised:
        ExchangeRatesUpdateSchema().load({"rates": [item]})
    assert field in raised.value.messages["rates"][0], raised.value.messages


def test_rates_come_out_as_plain_decimal_strings():
    dumped = ExchangeRatesSchema().dump({"currency": "EUR", "items": [
        {"currency": "USD", "rate": Decimal("100.0000000000"), "valid_from": date(2026, 1, 1)},
        {"currency": "JPY", "rate": Decimal("0.0061000000"), "valid_from": date(2026, 1, 1)}]})
    assert [item["rate"] for item in dumped["items"]] == ["100", "0.0061"]
