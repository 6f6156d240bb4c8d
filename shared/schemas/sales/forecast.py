"""Contracts of the sales service: the forecast and the exchange rates.

No events: exchange rates and forecasts are read where they are kept (the
sales service), and nothing elsewhere reacts to a rate change.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import ValidationError, fields, validate, validates_schema

from shared.schemas.common import StrictSchema, TrimmedSchema, text

PIPELINE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# A month (2026-11) or a quarter (2026-Q4, 2026-q4); year 0001..9999.
PERIOD_PATTERN = re.compile(r"^(?!0000)([0-9]{4})-(?:(0[1-9]|1[0-2])|[Qq]([1-4]))\Z")
PERIOD_HELP = "Use a month as YYYY-MM (like 2026-11) or a quarter as YYYY-Qn (like 2026-Q4)."
CURRENCY_HELP = "Use a three-letter ISO 4217 currency code (like USD)."
RATE_PLACES = 10
MAX_RATE = Decimal("9999999999.9999999999")  # numeric(20, 10)
# A rate as the document shows it: > 0, up to 10 digits before the point and 10 after.
RATE_PATTERN = r"^([1-9][0-9]{0,9}(\.[0-9]{1,10})?|0\.[0-9]{0,9}[1-9])$"
MAX_RATES = 500

RATES_RULE = (
    "Amounts are converted to the reporting currency with the exchange rate in force on `rates_date`: the "
    "period's last day, or today when the period ends later (future rates are not guessed). The rate in force "
    "on a day is the one with the latest valid_from on or before it; a currency whose first rate starts after "
    "that day uses its first rate. The reporting currency has rate 1. Opportunities in a currency with no "
    "rate at all are left out of every figure and count, and the currency is listed in `missing_rates`."
)
FIGURES_RULE = (
    "Open opportunities count when their expected_close_date is in the period, won ones when their closed_on "
    "is; lost ones never. An opportunity's forecast category is its own when set, else its stage's; open "
    "opportunities in the category `omitted` are left out. Decimal strings with two places, in the reporting "
    "currency."
)


def utc_today():
    return datetime.now(UTC).date()


def currency_code(**kwargs):
    return fields.String(validate=validate.Regexp(r"^[A-Za-z]{3}$", error=CURRENCY_HELP), **kwargs)


class Rate(fields.Decimal):
    """A positive exchange rate with at most ten decimal places, carried as a
    decimal string ("1.0825"); a JSON number is accepted too.  More places are
    refused, not rounded."""

    def __init__(self, **kwargs):
        kwargs["metadata"] = {"pattern": RATE_PATTERN, "example": "1.0825", **kwargs.get("metadata", {})}
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValidationError("Give the rate as a decimal string, like \"1.0825\".")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError("Not a decimal number; give the rate like \"1.0825\".") from None
        if not number.is_finite():
            raise ValidationError("The rate must be a finite number, like \"1.0825\".")
        if number <= 0:
            raise ValidationError("The rate must be greater than 0 (units of the reporting currency per unit).")
        if number.as_tuple().exponent < -RATE_PLACES:
            raise ValidationError(f"Use at most {RATE_PLACES} decimal places.")
        if number > MAX_RATE:
            raise ValidationError(f"The rate must be at most {MAX_RATE}.")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return format(Decimal(value).normalize(), "f")


# Forecast -------------------------------------------------------------------

class ForecastQuerySchema(TrimmedSchema):
    keep_blank = ("period",)  # a blank owner or pipeline_id means none; a blank period is refused

    period = fields.String(required=True, validate=validate.Regexp(PERIOD_PATTERN, error=PERIOD_HELP),
                           metadata={"description": "A month (2026-11) or a quarter (2026-Q4).", "maxLength": 7})
    owner = text(100, load_default=None, metadata={"description": "Only this owner's opportunities."})
    pipeline_id = fields.String(load_default=None, allow_none=True,
                                validate=validate.Regexp(PIPELINE_ID_PATTERN, error="Not a pipeline id."),
                                metadata={"description": "Only this pipeline's opportunities (404 if unknown).",
                                          "maxLength": 64})


class FiguresSchema(StrictSchema):
    """The forecast figures of a group of opportunities."""

    count = fields.Integer(required=True, metadata={
        "description": "Opportunities behind the figures: open ones closing in the period (except `omitted`) "
                       "and won ones closed in it, in currencies with a rate."})
    pipeline = fields.String(required=True, metadata={"description": "Sum of the open amounts."})
    weighted = fields.String(required=True, metadata={
        "description": "Sum of amount x probability / 100 over the open ones."})
    best_case = fields.String(required=True, metadata={
        "description": "commit + open amounts in the forecast category best_case."})
    commit = fields.String(required=True, metadata={
        "description": "closed_won + open amounts in the forecast category commit."})
    closed_won = fields.String(required=True, metadata={"description": "Sum of the amounts won in the period."})


class OwnerFiguresSchema(FiguresSchema):
    owner = fields.String(allow_none=True, required=True, metadata={"description": "null: no owner."})


class PipelineFiguresSchema(FiguresSchema):
    pipeline_id = fields.String(required=True)


class ForecastSchema(StrictSchema):
    __doc__ = "The forecast of a period. " + FIGURES_RULE + " " + RATES_RULE

    period = fields.String(required=True, metadata={"description": "As asked, normalised (2026-Q4, 2026-11)."})
    start = fields.Date(required=True, metadata={"description": "The period's first day."})
    end = fields.Date(required=True, metadata={"description": "The period's last day (inclusive)."})
    currency = fields.String(required=True, metadata={"description": "The reporting currency of every amount."})
    rates_date = fields.Date(required=True, metadata={"description": RATES_RULE})
    totals = fields.Nested(FiguresSchema, required=True, metadata={"description": FIGURES_RULE})
    by_owner = fields.List(fields.Nested(OwnerFiguresSchema), required=True,
                           metadata={"description": "One entry per owner with opportunities in the period; "
                                                    "ordered by owner, no owner last."})
    by_pipeline = fields.List(fields.Nested(PipelineFiguresSchema), required=True,
                              metadata={"description": "One entry per pipeline with opportunities in the period."})
    missing_rates = fields.List(fields.String(), required=True, metadata={
        "description": "Currencies of opportunities in the period that have no exchange rate; those "
                       "opportunities are left out of the figures. Set a rate to include them."})


# Exchange rates ---------------------------------------------------------------

class ExchangeRateSchema(TrimmedSchema):
    """An exchange rate: how many units of the reporting currency one unit of
    `currency` is worth, from `valid_from` on (until a later rate of the
    same currency)."""

    keep_blank = ("currency", "rate", "valid_from")  # a blank is refused by the field, not taken for none
    upper = ("currency",)

    currency = currency_code(required=True)
    rate = Rate(required=True, metadata={
        "description": "Units of the reporting currency per 1 unit of `currency`, > 0 and at most "
                       "9999999999.9999999999, up to 10 decimals, as a decimal string (\"1.0825\")."})
    valid_from = fields.Date(load_default=utc_today, metadata={
        "description": "The first day the rate applies (default: today, UTC)."})


class StoredExchangeRateSchema(ExchangeRateSchema):
    """A stored exchange rate, with who set it and when."""

    set_by = fields.String(allow_none=True)
    set_at = fields.AwareDateTime(required=True)


class ExchangeRatesSchema(StrictSchema):
    currency = fields.String(required=True, metadata={"description": "The reporting currency (its rate is 1)."})
    items = fields.List(fields.Nested(StoredExchangeRateSchema), required=True, metadata={
        "description": "Every stored rate, by currency and then valid_from (oldest first)."})


class ExchangeRatesUpdateSchema(StrictSchema):
    """Rates to add or replace (same currency and valid_from: replaced); other
    stored rates stay."""

    rates = fields.List(fields.Nested(ExchangeRateSchema), required=True,
                        validate=validate.Length(max=MAX_RATES, error=f"At most {MAX_RATES} rates per request."))

    @validates_schema
    def one_rate_per_day(self, data, **kwargs):
        seen, repeated = set(), []
        for item in data.get("rates") or ():
            key = (item["currency"], item["valid_from"])
            if key in seen:
                repeated.append(f"{key[0]} from {key[1].isoformat()}")
            seen.add(key)
        if repeated:
            raise ValidationError(f"Give each currency one rate per valid_from; repeated: {', '.join(repeated)}.",
                                  "rates")
