"""Pieces every document of the orders service shares: currencies, decimal
amounts, quantities and percents carried as strings, and the line and
totals shapes of quotes, orders, invoices and credit notes.

Amounts travel as decimal strings (``"1250.00"``; exactly the currency's
minor unit on output: ``"1250"`` in JPY, ``"1.250"`` in KWD).  A JSON
number is taken on input too and read through its shortest text form, so
no binary float is ever computed with or stored."""

from decimal import Decimal, InvalidOperation

import iso4217
from marshmallow import ValidationError, fields, validate

from shared.schemas.common import StrictSchema

CURRENCY_HELP = "An ISO 4217 currency code with a minor unit, like EUR, JPY or KWD."
# The largest whole parts: at most 15 digits before the point (well inside numeric(24, 6)), 10 for quantities.
MAX_AMOUNT = Decimal("999999999999999")
MAX_QUANTITY = Decimal("9999999999")
# The codes documents can be in: ISO 4217 currencies with a minor unit (no funds or metals).
CURRENCY_CODES = tuple(sorted(entry.value for entry in iso4217.Currency if entry.exponent is not None))


def currency_exponent(code):
    """The ISO 4217 minor unit of ``code``, or None when it is no currency
    documents can be in (unknown, or a fund or metal without minor unit)."""
    try:
        return iso4217.Currency(code).exponent
    except ValueError:
        return None


class Currency(fields.String):
    """An ISO 4217 code (upper-cased on input) with a minor unit; the
    document lists the accepted codes, in upper case, as its ``enum``."""

    def __init__(self, **kwargs):
        codes = [*CURRENCY_CODES, *([None] if kwargs.get("allow_none") else [])]
        metadata = {"enum": codes, "example": "EUR",
                    "description": f"{CURRENCY_HELP} Any letter case is taken (eur is EUR).",
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if len(code) != 3 or currency_exponent(code) is None:
            raise ValidationError(f"Unknown currency {code!r}: {CURRENCY_HELP}")
        return code


def _digits(count, first="[0-9]"):
    """A regex of 1 to ``count`` digits, the first one from ``first``."""
    return first + (f"[0-9]{{0,{count - 1}}}" if count > 1 else "")


def decimal_bounds(places, minimum, maximum):
    """(digits before the point, the largest value when it is a power of ten
    or None) of a decimal string's range.

    ``minimum`` is 0 or the smallest step (``10**-places``: above zero);
    ``maximum`` is all nines (``9999``: at most that many digits before the
    point, any decimals after them) or a power of ten (``100``: which only
    zeros may follow)."""
    step = Decimal(1).scaleb(-places)
    if minimum not in (Decimal(0), step):
        raise ValueError(f"A decimal string's minimum is 0 or {step}, not {minimum}.")
    width = len(str(int(maximum)))
    if maximum == 10 ** width - 1:
        return width, None
    if maximum == 10 ** (width - 1) and width > 1:
        return width - 1, Decimal(maximum)
    raise ValueError(f"A decimal string's maximum is all nines or a power of ten, not {maximum}.")


def decimal_pattern(places, minimum, maximum):
    """The regex (plain: no lookarounds, so clients and test generators can
    use it) of the decimal strings in the range (see ``decimal_bounds``) with
    at most ``places`` decimals, written without a sign, exponent or leading
    zeros (``"0.5"``, ``"12"``, ``"12.50"``)."""
    width, top = decimal_bounds(places, minimum, maximum)
    fraction = f"(\\.[0-9]{{1,{places}}})?" if places else ""
    if minimum == 0:
        choices = [f"(0|{_digits(width, '[1-9]')}){fraction}"]
    else:
        choices = [_digits(width, "[1-9]") + fraction]
        if places:
            # 0.x with a non-zero decimal: the zeros before it, the digit, any digits after it.
            small = "|".join("0" * zeros + "[1-9]" + (f"[0-9]{{0,{places - 1 - zeros}}}" if zeros < places - 1 else "")
                             for zeros in range(places))
            choices.append(f"0\\.({small})")
    if top is not None:
        choices.append(str(top) + (f"(\\.0{{1,{places}}})?" if places else ""))
    return "^" + (choices[0] if len(choices) == 1 else "(" + "|".join(choices) + ")") + "$"


def decimal_range_text(places, minimum, maximum):
    """The range of a decimal string in words, for its description."""
    width, top = decimal_bounds(places, minimum, maximum)
    low = "above 0" if minimum > 0 else "from 0"
    high = f"to {top}" if top is not None else f"with at most {width} digits before the point"
    decimals = f"at most {places} decimal{'s' if places != 1 else ''}" if places else "no decimals"
    return f"A decimal string {low} {high}, and {decimals}."


class DecimalText(fields.Decimal):
    """A decimal carried as a string, with at most ``places`` decimals (more
    are refused, not rounded), in the range ``minimum`` to ``maximum`` that
    ``decimal_bounds`` describes.  Loads to ``Decimal``; dumps to a string.
    The document states the range in the pattern (see ``decimal_pattern``)
    and the description."""

    def __init__(self, places=2, minimum=Decimal(0), maximum=MAX_AMOUNT, example="12.50", **kwargs):
        self.max_places = places
        self.minimum = minimum
        self.width, self.top = decimal_bounds(places, minimum, maximum)
        metadata = dict(kwargs.pop("metadata", {}))
        given = metadata.pop("description", None)
        description = decimal_range_text(places, minimum, maximum)
        metadata = {"pattern": decimal_pattern(places, minimum, maximum), "example": example,
                    "description": f"{given} {description}" if given else description, **metadata}
        super().__init__(as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise self.make_error("invalid") from None
        if not number.is_finite():
            raise self.make_error("special")
        if number.as_tuple().exponent < -self.max_places:
            raise ValidationError(f"Use at most {self.max_places} decimal places.")
        if number < self.minimum:
            raise ValidationError("Must be above 0." if self.minimum > 0 else "Must not be negative.")
        if self.top is not None and number > self.top:
            raise ValidationError(f"Must be at most {self.top}.")
        if self.top is None and number >= 10 ** self.width:
            raise ValidationError(f"Use at most {self.width} digits before the decimal point.")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            return value
        return format(Decimal(value), "f")


def Amount(**kwargs):
    """Money given by a client (a unit price, a discount, a payment): at most
    six decimals here; the service checks it against the currency's minor unit
    where it must (a payment cannot hold fractions of a cent)."""
    kwargs.setdefault("places", 6)
    return DecimalText(**kwargs)


def Quantity(**kwargs):
    kwargs.setdefault("places", 4)
    kwargs.setdefault("maximum", MAX_QUANTITY)
    kwargs.setdefault("example", "2")
    return DecimalText(**kwargs)


def Percent(**kwargs):
    """A percent between 0 and 100 with at most four decimals (a tax rate of
    ``"19"``, ``"7.7"``; a discount of ``"12.5"``)."""
    kwargs.setdefault("places", 4)
    kwargs.setdefault("maximum", Decimal(100))
    kwargs.setdefault("example", "19")
    return DecimalText(**kwargs)


def MoneyText(**kwargs):
    """An amount the service computed, as a string with exactly the
    document currency's decimals (output only)."""
    metadata = {"description": "A decimal string with the currency's minor unit, like \"1250.00\".",
                **kwargs.pop("metadata", {})}
    return fields.String(metadata=metadata, **kwargs)


# Document lines and totals (output) -----------------------------------------

class TaxLineSchema(StrictSchema):
    """The tax of a document at one rate: the sum of its lines' rounded
    nets and taxes at that rate (stored with the document)."""

    rate = fields.String(required=True, metadata={"description": "Percent, like \"19\"."})
    net = MoneyText(required=True)
    tax = MoneyText(required=True)


class DocumentLineSchema(StrictSchema):
    """A line of a quote, order, invoice or credit note, with the product's
    SKU, name and the tax rate as they were when the line was made."""

    id = fields.UUID(required=True)
    position = fields.Integer(required=True, metadata={"description": "1 for the first line."})
    product_id = fields.UUID(allow_none=True)
    sku = fields.String(allow_none=True)
    name = fields.String(required=True)
    description = fields.String(allow_none=True)
    unit = fields.String(allow_none=True, metadata={"description": "Unit of measure, like \"each\" or \"h\"."})
    quantity = fields.String(required=True, metadata={"example": "2"})
    unit_price = fields.String(required=True, metadata={
        "description": "Tax-exclusive, or tax-inclusive when the document's prices include tax."})
    price_overridden = fields.Boolean(required=True, metadata={
        "description": "True when the unit price was typed, not taken from the price book."})
    discount_percent = fields.String(allow_none=True)
    discount_amount = fields.String(allow_none=True)
    tax_category = fields.String(allow_none=True)
    tax_rate = fields.String(required=True, metadata={"description": "Percent, like \"19\"."})
    discount_total = MoneyText(required=True)
    net_amount = MoneyText(required=True)
    tax_amount = MoneyText(required=True)
    gross_amount = MoneyText(required=True)
    source_line_id = fields.UUID(allow_none=True, metadata={
        "description": "The line this one was copied from (the quote line of an order line, the order line "
                       "of an invoice line, the invoice line of a credit note line)."})


class TotalsSchema(StrictSchema):
    """A document's totals: sums of its rounded lines."""

    net_total = MoneyText(required=True)
    tax_total = MoneyText(required=True)
    gross_total = MoneyText(required=True)
    discount_total = MoneyText(required=True)
    tax_lines = fields.List(fields.Nested(TaxLineSchema), required=True)


# Document lines (input) ------------------------------------------------------

class LineInputSchema(StrictSchema):
    """A line to price: a catalog product (its price from the document's
    price book unless ``unit_price`` is given) or a free line (``name`` and
    ``unit_price``, no product).  At most one of the two discounts.  The
    document says both rules in ``allOf``."""

    product_id = fields.UUID(allow_none=True, metadata={
        "description": "An active product of the catalog; none: a free line, with name and unit_price."})
    name = fields.String(validate=validate.Length(min=1, max=200), allow_none=True,
                         metadata={"description": "Required for a line without product; else the product's."})
    description = fields.String(validate=validate.Length(max=2000), allow_none=True)
    quantity = Quantity(required=True, minimum=Decimal("0.0001"), metadata={
        "description": "Times the unit price (given or from the price book), at most 999,999,999,999,999."})
    unit_price = Amount(allow_none=True, metadata={
        "description": "Required for a line without product; for a product, overrides the price book's price."})
    discount_percent = Percent(allow_none=True, metadata={"description": "Not together with discount_amount."})
    discount_amount = Amount(allow_none=True, metadata={
        "description": "Off the whole line: at most its quantity times its unit price. Not together with "
                       "discount_percent."})
    tax_category = fields.String(validate=validate.Length(min=1, max=40), allow_none=True, metadata={
        "description": "For a line without product; none: the standard category. A product's line takes the "
                       "product's category: leave it out (naming another one is refused with 422)."})

    json_schema_extra = {"allOf": [
        # A product's line, or a free line with a name and a unit price.
        {"anyOf": [{"required": ["product_id"], "properties": {"product_id": {"type": "string"}}},
                   {"required": ["name", "unit_price"],
                    "properties": {"name": {"type": "string"}, "unit_price": {"type": "string"}}}]},
        # At most one of the two discounts.
        {"anyOf": [{"properties": {"discount_percent": {"type": "null"}}},
                   {"properties": {"discount_amount": {"type": "null"}}}]},
    ]}
