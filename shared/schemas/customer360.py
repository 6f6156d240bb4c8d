"""Contract of the customer-360 view (``GET /api/v1/accounts/{id}/overview``):
an account as sales keeps it, its value as orders sees it and its support as
the support service sees it, asked side by side by the gateway.

Each part is there only when the caller's role may read it (``not_permitted``
names the others) and its service answered (``unavailable`` names those that
did not); a part that is missing is null.
"""

from marshmallow import fields, validate

from shared.schemas.common import StrictSchema
from shared.schemas.orders.customers import CustomerValueSchema
from shared.schemas.sales.accounts import AccountSchema
from shared.schemas.support.cases import AccountSupportSummarySchema

PARTS = ("account", "value", "support")


class AccountOverviewSchema(StrictSchema):
    account_id = fields.UUID(required=True, metadata={"description": "The account asked about."})
    merged_into = fields.UUID(allow_none=True, required=True, metadata={
        "description": "The survivor when the account was merged into another: ask for the survivor's overview."})
    account = fields.Nested(AccountSchema, allow_none=True, required=True, metadata={
        "description": "The account (sales)."})
    value = fields.Nested(CustomerValueSchema, allow_none=True, required=True, metadata={
        "description": "Its customer value (orders); null as well when orders has no record of the account yet, "
                       "or the account was merged."})
    support = fields.Nested(AccountSupportSummarySchema, allow_none=True, required=True, metadata={
        "description": "Its support at a glance (support); null as well when the account was merged."})
    unavailable = fields.List(fields.String(validate=validate.OneOf(PARTS)), required=True, metadata={
        "description": "Parts whose service did not answer in time."})
    not_permitted = fields.List(fields.String(validate=validate.OneOf(PARTS)), required=True, metadata={
        "description": "Parts the caller's role may not read."})
