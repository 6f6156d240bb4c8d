"""Money and tax, exactly: the pure rules every document of the orders
service (quote, order, invoice, credit note) computes its lines and totals
with.  No database, no broker; unit- and property-tested alone.

- Amounts are ``Decimal`` only: a float given to any function here is a
  ``TypeError``, never silently rounded.
- Each currency's minor unit comes from ISO 4217 (the ``iso4217`` package's
  data): JPY 0 decimals, EUR 2, KWD 3.
- A line is rounded once, half-even, to the currency's minor unit: its net
  amount, its tax (computed on the rounded net, or split out of the rounded
  gross when prices include tax) and so its gross.  A document's totals are
  the sums of its rounded lines, and its tax breakdown per rate is the sum
  of its lines' rounded taxes, so the breakdown and the totals always agree.
"""

from collections import OrderedDict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import iso4217

ZERO = Decimal(0)
HUNDRED = Decimal(100)
# Quantities keep at most this many decimals (units of measure like kg, h).
QUANTITY_PLACES = 4
# Unit prices and discount amounts given by a client keep at most this many.
PRICE_PLACES = 6
# The largest amount one line may come to (its quantity times its unit price):
# documents store amounts as numeric(24, 4), and their totals sum many lines.
MAX_LINE_AMOUNT = Decimal("999999999999999")


class MoneyError(ValueError):
    """A value no amount can be made of (unknown currency, a float, a negative
    quantity): the caller turns it into a 422 on the field at fault."""


def _decimal(value, what):
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"{what} must be a finite number.")
        return value
    if isinstance(value, bool | float):
        raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            result = Decimal(value)
        except ArithmeticError:
            raise MoneyError(f"{what} must be a number.") from None
        return _decimal(result, what)
    raise TypeError(f"{what} must be a Decimal, not {type(value).__name__}")


def minor_unit(currency):
    """The number of decimals of an ISO 4217 currency code (``EUR`` -> 2)."""
    try:
        entry = iso4217.Currency(str(currency).upper())
    except ValueError:
        raise MoneyError(f"{currency!r} is not an ISO 4217 currency code.") from None
    exponent = entry.exponent
    if exponent is None:  # funds and metals (XAU, XDR) have no minor unit: not money a document is in
        raise MoneyError(f"{currency} has no minor unit: documents cannot be in it.")
    return exponent


def is_currency(code):
    try:
        minor_unit(code)
    except MoneyError:
        return False
    return True


def quantum(currency):
    return Decimal(1).scaleb(-minor_unit(currency))


def round_money(amount, currency):
    """``amount`` rounded half-even to the currency's minor unit."""
    return _decimal(amount, "amount").quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def money_text(amount, currency):
    """An amount as the API shows it: a string with exactly the currency's
    decimals (``"1.230"`` in KWD, ``"1230"`` in JPY); None stays None."""
    if amount is None:
        return None
    return str(round_money(amount, currency))


def decimal_text(value):
    """A quantity, rate or percent as a plain string without exponent or
    trailing zeros beyond the integer (``"1.5"``, ``"19"``); None stays None."""
    if value is None:
        return None
    value = _decimal(value, "value")
    text = format(value.normalize(), "f")
    return text


def price_text(value, currency):
    """A unit price or discount amount as the API shows it: at least the
    currency's decimals, more only when the price has them (``"9.50"``,
    ``"9.125"`` in EUR; ``"1200"`` in JPY); None stays None.  Never rounds."""
    if value is None:
        return None
    value = _decimal(value, "price")
    places = minor_unit(currency)
    if -value.normalize().as_tuple().exponent <= places:
        return str(value.quantize(quantum(currency)))
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class LineInput:
    """What a document line is computed from.

    ``unit_price`` is net of tax when ``prices_include_tax`` is False, gross
    otherwise.  At most one of ``discount_percent`` (0–100) and
    ``discount_amount`` (for the whole line, in the document's currency)."""

    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal = ZERO  # percent, e.g. Decimal("19")
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal     # rounded, tax excluded, after discount
    tax: Decimal     # rounded
    gross: Decimal   # net + tax
    discount: Decimal  # rounded: what the discount took off (in the price's terms: net or gross)


def line_amounts(line, currency, prices_include_tax=False):
    """The rounded amounts of one line (each rounded once, half-even)."""
    quantity = _decimal(line.quantity, "quantity")
    unit_price = _decimal(line.unit_price, "unit price")
    rate = _decimal(line.tax_rate, "tax rate")
    if quantity <= 0:
        raise MoneyError("The quantity must be above zero.")
    if unit_price < 0:
        raise MoneyError("The unit price cannot be negative.")
    if rate < 0 or rate > HUNDRED:
        raise MoneyError("A tax rate is a percent between 0 and 100.")
    if line.discount_percent is not None and line.discount_amount is not None:
        raise MoneyError("Give a discount percent or a discount amount, not both.")
    extended = quantity * unit_price
    if extended > MAX_LINE_AMOUNT:
        raise MoneyError(f"The line comes to more than {MAX_LINE_AMOUNT:,}; lower the quantity or the unit price.")
    discount = ZERO
    if line.discount_percent is not None:
        percent = _decimal(line.discount_percent, "discount percent")
        if percent < 0 or percent > HUNDRED:
            raise MoneyError("A discount percent is between 0 and 100.")
        discount = extended * percent / HUNDRED
    elif line.discount_amount is not None:
        discount = _decimal(line.discount_amount, "discount amount")
        if discount < 0:
            raise MoneyError("A discount amount cannot be negative.")
        if discount > extended:
            raise MoneyError("The discount is larger than the line.")
    priced = round_money(extended - discount, currency)
    discount = round_money(extended, currency) - priced
    if prices_include_tax:
        gross = priced
        net = round_money(gross * HUNDRED / (HUNDRED + rate), currency)
        tax = gross - net
    else:
        net = priced
        tax = round_money(net * rate / HUNDRED, currency)
        gross = net + tax
    return LineAmounts(net=net, tax=tax, gross=gross, discount=discount)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    gross: Decimal
    discount: Decimal
    # rate -> {"net": sum of the lines' nets, "tax": sum of their taxes}, in rate order
    tax_lines: "OrderedDict[Decimal, dict]"


def totals(amounts, rates, currency):
    """A document's totals from its lines' rounded amounts (``amounts``) and
    their tax rates (``rates``, same order): plain sums, so the totals always
    equal the sum of the rounded lines; the tax breakdown groups the lines by
    rate and sums their own rounded taxes."""
    zero = round_money(ZERO, currency)
    net = tax = gross = discount = zero
    groups = {}
    for line, rate in zip(amounts, rates, strict=True):
        net += line.net
        tax += line.tax
        gross += line.gross
        discount += line.discount
        key = _decimal(rate, "tax rate").normalize()
        group = groups.setdefault(key, {"net": zero, "tax": zero})
        group["net"] += line.net
        group["tax"] += line.tax
    ordered = OrderedDict((rate, groups[rate]) for rate in sorted(groups))
    return Totals(net=net, tax=tax, gross=gross, discount=discount, tax_lines=ordered)


def allocate(amount, weights, currency):
    """Split ``amount`` over ``weights`` (Decimals, not all zero) in the
    currency's minor units, largest remainder first, so the parts sum to
    ``amount`` exactly (used for credit notes of part of a line, refunds)."""
    amount = round_money(amount, currency)
    weights = [_decimal(weight, "weight") for weight in weights]
    total = sum(weights, ZERO)
    if total <= 0:
        raise MoneyError("Nothing to allocate over.")
    unit = quantum(currency)
    units = int(amount / unit)
    exact = [Decimal(units) * weight / total for weight in weights]
    parts = [int(value) for value in exact]
    left = units - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: exact[index] - parts[index], reverse=True)
    for index in order[:left]:
        parts[index] += 1
    return [Decimal(part) * unit for part in parts]
