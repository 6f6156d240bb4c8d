"""Orders RPC entrypoints: thin shells over services.orders.orders.

Orders are made from an accepted quote (``create_order_from_quote``) or
directly (``create_order``), changed while draft, submitted, shipped in
shipments, delivered, or cancelled before anything shipped."""

from services.orders.orders import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.orders.orders import (
    OrderCancelSchema,
    OrderCountQuerySchema,
    OrderCreateSchema,
    OrderFromQuoteSchema,
    OrderQuerySchema,
    OrderUpdateSchema,
    ShipmentCreateSchema,
    ShipmentDeliverSchema,
)


class OrdersRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_order(self, data, actor=None):
        data = load(OrderCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.order_snapshot(conn, commands.create_order(conn, data, actor, self.config))

    @rpc
    def create_order_from_quote(self, quote_id, data=None, actor=None):
        quote_id = load_uuid(quote_id, "quote id")
        data = load(OrderFromQuoteSchema(), data or {})
        with self.db.transaction() as conn:
            row = commands.create_order_from_quote(conn, quote_id, data, actor, self.config)
            return commands.order_snapshot(conn, row)

    @rpc
    def get_order(self, order_id):
        order_id = load_uuid(order_id, "order id")
        with self.db.transaction() as conn:
            return commands.get_order(conn, order_id)

    @rpc
    def list_orders(self, query=None):
        query = load(OrderQuerySchema(), query or {})
        with self.db.transaction() as conn:
            rows, next_cursor = store.list_orders(conn, query)
        return {"items": [commands.summary_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def count_orders(self, query=None):
        """How many orders of each status the list shows under its filters (but status)."""
        query = load(OrderCountQuerySchema(), query or {})
        with self.db.read() as conn:
            return store.count_orders(conn, query)

    @rpc
    def update_order(self, order_id, changes, actor=None, expected_version=None):
        order_id = load_uuid(order_id, "order id")
        changes = load(OrderUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            row = commands.update_order(conn, order_id, changes, actor, expected_version)
            return commands.order_snapshot(conn, row)

    @rpc
    def submit_order(self, order_id, actor=None, expected_version=None):
        order_id = load_uuid(order_id, "order id")
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.order_snapshot(conn, commands.submit_order(conn, order_id, actor, expected_version))

    @rpc
    def cancel_order(self, order_id, reason, actor=None, expected_version=None):
        order_id = load_uuid(order_id, "order id")
        reason = load(OrderCancelSchema(), {"reason": reason})["reason"]
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            row = commands.cancel_order(conn, order_id, reason, actor, expected_version)
            return commands.order_snapshot(conn, row)

    @rpc
    def create_shipment(self, order_id, data, actor=None):
        """Returns the shipment (its lines, carrier, tracking number)."""
        order_id = load_uuid(order_id, "order id")
        data = load(ShipmentCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_shipment(conn, order_id, data, actor)[1]

    @rpc
    def deliver_shipment(self, shipment_id, delivered_at=None, actor=None):
        shipment_id = load_uuid(shipment_id, "shipment id")
        delivered_at = load(ShipmentDeliverSchema(), {"delivered_at": delivered_at})["delivered_at"]
        with self.db.transaction() as conn:
            return commands.deliver_shipment(conn, shipment_id, delivered_at, actor)

    @rpc
    def list_shipments(self, order_id):
        order_id = load_uuid(order_id, "order id")
        with self.db.transaction() as conn:
            return commands.list_shipments(conn, order_id)
