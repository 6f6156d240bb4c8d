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
MAX_AMOUNT = Decimal("999999999999999")  # well inside numeric(24, 6)
MAX_QUANTITY = Decimal("9999999999")


def currency_exponent(code):
    """The ISO 4217 minor unit of ``code``, or None when it is no currency
    documents can be in (unknown, or a fund or metal without minor unit)."""
    try:
        return iso4217.Currency(code).exponent
    except ValueError:
        return None


class Currency(fields.String):
    """An ISO 4217 code (upper-cased on input) with a minor unit."""

    def __init__(self, **kwargs):
        metadata = {"pattern": "^[A-Za-z]{3}$", "example": "EUR", "description": CURRENCY_HELP,
                    **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if len(code) != 3 or currency_exponent(code) is None:
            raise ValidationError(f"Unknown currency {code!r}: {CURRENCY_HELP}")
        return code


class DecimalText(fields.Decimal):
    """A decimal carried as a string, with at most ``places`` decimals (more
    are refused, not rounded) and between ``minimum`` and ``maximum``.
    Loads to ``Decimal``; dumps to a string."""

    def __init__(self, places=2, minimum=Decimal(0), maximum=MAX_AMOUNT, example="12.50", **kwargs):
        self.max_places = places
        self.minimum, self.maximum = minimum, maximum
        decimals = f"(\\.[0-9]{{1,{places}}})?" if places else ""
        sign = "-?" if minimum < 0 else ""
        metadata = {"pattern": f"^{sign}[0-9]+{decimals}$", "example": example, **kwargs.pop("metadata", {})}
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
        if number < self.minimum or number > self.maximum:
            raise ValidationError(f"Must be between {self.minimum} and {self.maximum}.")
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
    ``unit_price``, no product).  At most one of the two discounts."""

    product_id = fields.UUID(allow_none=True)
    name = fields.String(validate=validate.Length(min=1, max=200), allow_none=True,
                         metadata={"description": "Required for a line without product; else the product's."})
    description = fields.String(validate=validate.Length(max=2000), allow_none=True)
    quantity = Quantity(required=True, minimum=Decimal("0.0001"))
    unit_price = Amount(allow_none=True, metadata={"description": "Overrides the price book's price."})
    discount_percent = Percent(allow_none=True)
    discount_amount = Amount(allow_none=True, metadata={"description": "Off the whole line."})
    tax_category = fields.String(validate=validate.Length(min=1, max=40), allow_none=True, metadata={
        "description": "For a line without product (else the product's); none: the standard category."})
