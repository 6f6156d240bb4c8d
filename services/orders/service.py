"""The orders service: the catalog (products, price books, tax rates), quotes
with revisions and alternatives, orders and shipments, returns, invoices,
credit notes and payments, and each customer's value.

Each area's entrypoints live in a mixin next to its domain code; this class
only puts them together with the platform kit's dependencies."""

from services.orders.catalog.rpc import CatalogRpc
from services.orders.customers.events import CustomerEvents
from services.orders.customers.rpc import CustomersRpc
from services.orders.customers.sync import CustomersSync
from services.orders.invoicing.rpc import InvoicingRpc
from services.orders.orders.rpc import OrdersRpc
from services.orders.quotes.rpc import QuotesRpc
from services.orders.returns.rpc import ReturnsRpc
from services.orders.sweeps import Sweeper
from shared.kit.service import Service


class OrdersService(Service, CatalogRpc, CustomersRpc, CustomerEvents, QuotesRpc, OrdersRpc, ReturnsRpc,
                    InvoicingRpc):
    name = "orders"

    sweeper = Sweeper()
    customers_sync = CustomersSync()
