"""The sales service: accounts (the customer master), contacts, pipelines,
opportunities, activities, forecasts, the sales side of lead conversion and
the global search over accounts, contacts and opportunities.

Each area's entrypoints live in a mixin next to its domain code; this class
only puts them together with the platform kit's dependencies."""

from services.sales.accounts.rpc import AccountsRpc
from services.sales.activities.rpc import ActivitiesRpc
from services.sales.consent.events import ConsentEvents
from services.sales.contacts.rpc import ContactsRpc
from services.sales.conversion.rpc import ConversionRpc
from services.sales.forecast.rpc import ForecastRpc
from services.sales.opportunities.quote_events import QuoteEvents
from services.sales.opportunities.rpc import OpportunitiesRpc
from services.sales.search.rpc import SearchRpc
from shared.kit.service import Service


class SalesService(Service, AccountsRpc, ContactsRpc, OpportunitiesRpc, ActivitiesRpc, ForecastRpc, ConversionRpc,
                   SearchRpc, QuoteEvents, ConsentEvents):
    name = "sales"
