"""The gateway's RPC client: the kit's thread-safe ``RpcClient`` (persistent
connections, one per busy gunicorn thread at most, each with its reply
queue), set up from the gateway's settings.

    lead = resources().rpc.call("leads", "get_lead", lead_id)
"""

from shared.kit.rpc_client import RemoteError, RpcClient, RpcUnavailable

__all__ = ["RemoteError", "RpcPool", "RpcUnavailable"]


class RpcPool(RpcClient):
    def __init__(self, config, size=8, timeout=30, borrow_timeout=None, on_call=None):
        super().__init__(config["AMQP_URI"], timeout=timeout, size=size, borrow_timeout=borrow_timeout,
                         name="crm-gateway", on_call=on_call)
