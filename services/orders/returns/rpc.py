"""Returns (RMA) RPC entrypoints: thin shells over services.orders.returns."""

from services.orders.returns import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.orders.returns import ReturnCreateSchema, ReturnQuerySchema


class ReturnsRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_return(self, order_id, data, actor=None):
        order_id = load_uuid(order_id, "order id")
        data = load(ReturnCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_return(conn, order_id, data, actor)

    @rpc
    def get_return(self, return_id):
        return_id = load_uuid(return_id, "return id")
        with self.db.transaction() as conn:
            return commands.get_return(conn, return_id)

    @rpc
    def list_returns(self, query=None):
        query = load(ReturnQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return commands.list_returns(conn, query)

    @rpc
    def receive_return(self, return_id, actor=None):
        """open -> received: the goods came back."""
        return_id = load_uuid(return_id, "return id")
        with self.db.transaction() as conn:
            return commands.advance_return(conn, return_id, "received", actor)

    @rpc
    def close_return(self, return_id, actor=None):
        """received -> closed: the return is settled."""
        return_id = load_uuid(return_id, "return id")
        with self.db.transaction() as conn:
            return commands.advance_return(conn, return_id, "closed", actor)
