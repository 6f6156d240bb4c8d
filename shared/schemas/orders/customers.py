"""Contracts of the orders service's customers area: the customer value of
an account, from its orders, invoices and credit notes."""

from marshmallow import fields

from shared.schemas.common import StrictSchema
from shared.schemas.orders.common import MoneyText

VALUE_RULES = (
    "Lifetime revenue is the net of the account's issued invoices minus the net of its credit notes. Open orders "
    "are the submitted, partly shipped and shipped ones (net). Unpaid balance is what is still owed on issued, "
    "partly paid and overdue invoices; overdue balance the part of it past its due date. Orders count once "
    "submitted and not cancelled; their dates are when they were submitted. Amounts are summed per currency, "
    "converted to the reporting currency with the exchange rates kept by sales that are in force today, and "
    "rounded once; a currency without an exchange rate is left out of the converted amounts and the average "
    "and listed in `missing_rates` (its own entry in `currencies` still shows it)."
)


class OpenOrdersSchema(StrictSchema):
    count = fields.Integer(required=True)
    amount = MoneyText(required=True)


class CurrencyValueSchema(StrictSchema):
    """The figures of the account's documents in one currency, in that currency."""

    currency = fields.String(required=True)
    rate = fields.String(allow_none=True, required=True, metadata={
        "description": "Units of the reporting currency per unit of this one; null when there is no rate."})
    lifetime_revenue = MoneyText(required=True)
    open_orders = fields.Nested(OpenOrdersSchema, required=True)
    unpaid_balance = MoneyText(required=True)
    overdue_balance = MoneyText(required=True)
    order_count = fields.Integer(required=True)
    orders_total = MoneyText(required=True, metadata={"description": "Net of the counted orders."})


class CustomerValueSchema(StrictSchema):
    account_id = fields.UUID(required=True)
    account_name = fields.String(required=True)
    as_of = fields.Date(required=True, metadata={"description": "The day whose exchange rates were used."})
    reporting_currency = fields.String(required=True)
    lifetime_revenue = MoneyText(required=True)
    open_orders = fields.Nested(OpenOrdersSchema, required=True)
    unpaid_balance = MoneyText(required=True)
    overdue_balance = MoneyText(required=True)
    first_order_at = fields.DateTime(allow_none=True, required=True)
    last_order_at = fields.DateTime(allow_none=True, required=True)
    order_count = fields.Integer(required=True)
    average_order_value = MoneyText(allow_none=True, required=True, metadata={
        "description": "Net per counted order in the reporting currency; null without orders."})
    currencies = fields.List(fields.Nested(CurrencyValueSchema), required=True)
    missing_rates = fields.List(fields.String(), required=True, metadata={
        "description": "Currencies of the account's documents without an exchange rate; set one at "
                       "PUT /api/v1/exchange-rates to include them."})
