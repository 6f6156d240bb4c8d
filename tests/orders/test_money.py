"""Money and tax, exactly: property tests of services.orders.money over every
ISO 4217 currency with a minor unit (JPY 0, EUR 2, KWD 3, UYW 4), and the
proof that no float is ever taken."""

from decimal import Decimal

import iso4217
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.orders import money

CURRENCIES = sorted(currency.code for currency in iso4217.Currency if currency.exponent is not None)

currencies = st.sampled_from(CURRENCIES)
quantities = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("100000"), places=4)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal("1000000"), places=6)
rates = st.sampled_from([Decimal(0), Decimal("2.5"), Decimal(5), Decimal("7.7"), Decimal(16), Decimal(19),
                         Decimal(20), Decimal("21"), Decimal("27"), Decimal("8.875"), Decimal(100)])
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=4)


@st.composite
def line_inputs(draw):
    quantity, unit_price = draw(quantities), draw(prices)
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    discount_percent = discount_amount = None
    if kind == "percent":
        discount_percent = draw(percents)
    elif kind == "amount":
        extended = quantity * unit_price
        discount_amount = draw(st.decimals(min_value=Decimal(0), max_value=extended, places=6)) \
            if extended > 0 else Decimal(0)
    return money.LineInput(quantity=quantity, unit_price=unit_price, tax_rate=draw(rates),
                           discount_percent=discount_percent, discount_amount=discount_amount)


def decimals_of(amount):
    return max(0, -amount.as_tuple().exponent)


def test_the_minor_units_are_iso_4217s():
    assert money.minor_unit("JPY") == 0
    assert money.minor_unit("EUR") == 2
    assert money.minor_unit("KWD") == 3
    assert money.minor_unit("eur") == 2
    for code in ("XAU", "XXX", "EURO", "ABC"):
        with pytest.raises(money.MoneyError):
            money.minor_unit(code)


@settings(max_examples=400, deadline=None)
@given(currency=currencies, lines=st.lists(line_inputs(), min_size=1, max_size=25),
       prices_include_tax=st.booleans())
def test_totals_are_the_sums_of_the_rounded_lines(currency, lines, prices_include_tax):
    places = money.minor_unit(currency)
    amounts = [money.line_amounts(line, currency, prices_include_tax) for line in lines]
    for amount in amounts:
        for value in (amount.net, amount.tax, amount.gross, amount.discount):
            assert isinstance(value, Decimal)
            assert value == money.round_money(value, currency)  # rounded to the minor unit
            assert decimals_of(value) == places
        assert amount.gross == amount.net + amount.tax
        assert amount.net >= 0 and amount.tax >= 0 and amount.discount >= 0

    totals = money.totals(amounts, [line.tax_rate for line in lines], currency)

    assert totals.net == sum((amount.net for amount in amounts), Decimal(0))
    assert totals.tax == sum((amount.tax for amount in amounts), Decimal(0))
    assert totals.gross == sum((amount.gross for amount in amounts), Decimal(0))
    assert totals.discount == sum((amount.discount for amount in amounts), Decimal(0))
    assert totals.gross == totals.net + totals.tax
    assert sum((group["tax"] for group in totals.tax_lines.values()), Decimal(0)) == totals.tax
    assert sum((group["net"] for group in totals.tax_lines.values()), Decimal(0)) == totals.net
    assert list(totals.tax_lines) == sorted(totals.tax_lines)
    for value in (totals.net, totals.tax, totals.gross, totals.discount):
        assert decimals_of(value) == places


@settings(max_examples=300, deadline=None)
@given(currency=currencies, line=line_inputs())
def test_a_line_is_rounded_once_half_even(currency, line):
    amounts = money.line_amounts(line, currency, False)
    extended = line.quantity * line.unit_price
    if line.discount_percent is not None:
        priced = extended - extended * line.discount_percent / 100
    else:
        priced = extended - (line.discount_amount or 0)
    assert amounts.net == money.round_money(priced, currency)
    assert amounts.tax == money.round_money(amounts.net * line.tax_rate / 100, currency)
    assert amounts.discount == money.round_money(extended, currency) - amounts.net


@settings(max_examples=300, deadline=None)
@given(currency=currencies, line=line_inputs())
def test_tax_inclusive_lines_split_exactly(currency, line):
    amounts = money.line_amounts(line, currency, True)
    extended = line.quantity * line.unit_price
    if line.discount_percent is not None:
        priced = extended - extended * line.discount_percent / 100
    else:
        priced = extended - (line.discount_amount or 0)
    gross = money.round_money(priced, currency)
    assert amounts.gross == gross
    assert amounts.net + amounts.tax == gross
    assert amounts.net == money.round_money(gross * 100 / (100 + line.tax_rate), currency)
    if line.tax_rate == 0:
        assert amounts.tax == 0


def test_half_even_examples():
    line = money.LineInput(quantity=Decimal(1), unit_price=Decimal("0.125"), tax_rate=Decimal(0))
    assert money.line_amounts(line, "EUR").net == Decimal("0.12")
    line = money.LineInput(quantity=Decimal(1), unit_price=Decimal("0.135"), tax_rate=Decimal(0))
    assert money.line_amounts(line, "EUR").net == Decimal("0.14")
    line = money.LineInput(quantity=Decimal(3), unit_price=Decimal("33.5"), tax_rate=Decimal(10))
    assert money.line_amounts(line, "JPY") == money.LineAmounts(net=Decimal(100), tax=Decimal(10),
                                                                gross=Decimal(110), discount=Decimal(0))
    line = money.LineInput(quantity=Decimal("1.5"), unit_price=Decimal("1.2345"), tax_rate=Decimal(5))
    assert money.line_amounts(line, "KWD").net == Decimal("1.852")


@settings(max_examples=300, deadline=None)
@given(currency=currencies, amount=st.decimals(min_value=Decimal(0), max_value=Decimal("1000000"), places=4),
       weights=st.lists(st.decimals(min_value=Decimal(0), max_value=Decimal(1000), places=4), min_size=1,
                        max_size=12).filter(lambda weights: sum(weights) > 0))
def test_allocate_splits_exactly(currency, amount, weights):
    parts = money.allocate(amount, weights, currency)
    assert sum(parts, Decimal(0)) == money.round_money(amount, currency)
    assert all(part == money.round_money(part, currency) for part in parts)


@settings(max_examples=200, deadline=None)
@given(currency=currencies, amount=st.decimals(min_value=Decimal(0), max_value=Decimal("1e12"), places=6))
def test_texts_carry_the_currencys_decimals(currency, amount):
    places = money.minor_unit(currency)
    text = money.money_text(amount, currency)
    assert isinstance(text, str)
    assert (len(text.split(".")[1]) if "." in text else 0) == places
    price = money.price_text(amount, currency)
    assert Decimal(price) == amount  # never rounded
    assert (len(price.split(".")[1]) if "." in price else 0) >= places


def test_price_text_examples():
    assert money.price_text(Decimal("9.5"), "EUR") == "9.50"
    assert money.price_text(Decimal("9.125000"), "EUR") == "9.125"
    assert money.price_text(Decimal("1200.000000"), "JPY") == "1200"
    assert money.price_text(Decimal("1E+3"), "KWD") == "1000.000"
    assert money.price_text(None, "EUR") is None


# No float anywhere -------------------------------------------------------------

FLOAT_LINES = [
    {"quantity": 1.0}, {"unit_price": 9.99}, {"tax_rate": 19.0}, {"discount_percent": 10.0},
    {"discount_amount": 0.5},
]


@pytest.mark.parametrize("floated", FLOAT_LINES, ids=lambda item: next(iter(item)))
@pytest.mark.parametrize("prices_include_tax", [False, True])
def test_a_float_in_a_line_is_a_type_error(floated, prices_include_tax):
    values = {"quantity": Decimal(2), "unit_price": Decimal("9.99"), "tax_rate": Decimal(19), **floated}
    with pytest.raises(TypeError):
        money.line_amounts(money.LineInput(**values), "EUR", prices_include_tax)


def test_a_float_anywhere_else_is_a_type_error():
    with pytest.raises(TypeError):
        money.round_money(1.5, "EUR")
    with pytest.raises(TypeError):
        money.money_text(0.1, "EUR")
    with pytest.raises(TypeError):
        money.price_text(0.1, "EUR")
    with pytest.raises(TypeError):
        money.decimal_text(2.0)
    with pytest.raises(TypeError):
        money.allocate(10.0, [Decimal(1)], "EUR")
    with pytest.raises(TypeError):
        money.allocate(Decimal(10), [0.5, Decimal(1)], "EUR")
    amounts = [money.line_amounts(money.LineInput(quantity=Decimal(1), unit_price=Decimal(1)), "EUR")]
    with pytest.raises(TypeError):
        money.totals(amounts, [19.0], "EUR")


def test_bad_lines_are_money_errors():
    def amounts(**values):
        values = {"quantity": Decimal(1), "unit_price": Decimal(10), **values}
        return money.line_amounts(money.LineInput(**values), "EUR")

    for values in ({"quantity": Decimal(0)}, {"unit_price": Decimal(-1)}, {"tax_rate": Decimal(101)},
                   {"discount_percent": Decimal(5), "discount_amount": Decimal(1)},
                   {"discount_amount": Decimal(11)}, {"discount_percent": Decimal(-1)},
                   {"quantity": Decimal("NaN")},
                   {"quantity": Decimal("9999999999"), "unit_price": Decimal("999999999999999")}):
        with pytest.raises(money.MoneyError):
            amounts(**values)
    # The largest line still fits numeric(24, 4).
    assert amounts(quantity=Decimal(1), unit_price=money.MAX_LINE_AMOUNT).gross == Decimal("999999999999999.00")
