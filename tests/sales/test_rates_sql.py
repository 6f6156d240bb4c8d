"""The conversion SQL the forecast and the pipeline board share
(services.sales.forecast.rates), straight on the database.

Each test uses currencies no other test uses (Vxx, not real ISO 4217 codes),
since exchange rates are global state of the schema."""

import itertools
import string
from datetime import date
from decimal import Decimal

import pytest

from services.sales.forecast import rates

_codes = (f"V{a}{b}" for a, b in itertools.product(string.ascii_uppercase, repeat=2) if a + b not in ("ES", "ND", "UV"))


@pytest.fixture
def codes(db):
    """Three fresh currencies: the first with rates from 2020-01-01 (1.5), 2020-07-01 (2) and 2021-01-01 (3);
    the second only from 2022-06-01 (0.25); the third with none."""
    history, late, none = next(_codes), next(_codes), next(_codes)
    for code, valid_from, rate in [(history, date(2020, 1, 1), "1.5"), (history, date(2020, 7, 1), "2"),
                                   (history, date(2021, 1, 1), "3"), (late, date(2022, 6, 1), "0.25")]:
        db.one("INSERT INTO exchange_rates (currency, valid_from, rate) VALUES (%s, %s, %s) RETURNING rate",
               (code, valid_from, rate))
    return history, late, none


@pytest.mark.parametrize(("as_of", "history_rate"), [
    (date(2019, 12, 31), Decimal("1.5")),   # before the first rate: the first one
    (date(2020, 1, 1), Decimal("1.5")),
    (date(2020, 6, 30), Decimal("1.5")),
    (date(2020, 7, 1), Decimal("2")),
    (date(2020, 12, 31), Decimal("2")),
    (date(2021, 1, 1), Decimal("3")),
    (date(2030, 1, 1), Decimal("3")),
])
def test_the_rate_in_force_on_a_day(db, codes, as_of, history_rate):
    history, late, none = codes
    found = rates.rates_in_force(db.conn, "EUR", as_of)
    assert found[history] == history_rate
    assert found[late] == Decimal("0.25")
    assert none not in found
    assert found["EUR"] == 1


def test_the_reporting_currency_is_1_even_with_a_stored_rate(db, codes):
    history, _, _ = codes
    found = rates.rates_in_force(db.conn, history, date(2020, 8, 1))
    assert found[history] == 1


def test_convert_in_python(db, codes):
    history, late, none = codes
    found = rates.rates_in_force(db.conn, "EUR", date(2020, 8, 1))
    assert rates.convert(Decimal("10.00"), history, found) == Decimal("20.00")
    assert rates.convert("0.01", late, found) == Decimal("0.0025")
    assert rates.convert(Decimal("5"), none, found) is None
    assert rates.convert(Decimal("5"), "EUR", found) == Decimal("5")


def test_the_join_and_conversion_fragments_in_a_query(db, codes):
    history, late, none = codes
    sql = (f"SELECT o.currency, {rates.convert_sql('o.amount')} AS converted, fx.rate"
           f" FROM (VALUES (%(a)s::char(3), 10.00::numeric(18,2)), (%(b)s, 3.00), (%(c)s, 7.00), ('EUR', 4.50))"
           f" AS o (currency, amount) {rates.rate_join_sql('o.currency')} ORDER BY o.amount")
    rows = db.all(sql, {"a": history, "b": late, "c": none, **rates.rate_params("EUR", date(2021, 3, 1))})
    assert [(row["currency"], row["converted"]) for row in rows] == [
        (late, Decimal("0.75")), ("EUR", Decimal("4.50")), (none, None), (history, Decimal("30.00"))]


def test_rate_params_want_a_date():
    assert rates.rate_params("EUR", date(2026, 1, 1)) == {"fx_reporting": "EUR", "fx_as_of": date(2026, 1, 1)}
    with pytest.raises(TypeError):
        rates.rate_params("EUR", "2026-01-01")
