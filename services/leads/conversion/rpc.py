"""Lead conversion, the leads side: RPC entrypoint of the saga that turns a
qualified lead into an account, a contact and an opportunity.

1. Read the lead (no lock): unknown -> NotFound, merged -> Conflict naming
   the survivor, converted already -> the stored result (idempotent), not
   qualified -> IllegalTransition ("Qualify the lead first").
2. Ask sales (``sales.convert_lead``), bounded by ``RPC_TIMEOUT_SECONDS``:
   sales creates or finds the account, contact and opportunity in one
   transaction keyed on the lead id, and answers the same ids on every call
   for the lead.  No answer in time -> Unavailable (503): retrying is safe.
3. One transaction marks the lead converted (``commands.mark_converted``:
   locks the lead; a concurrent conversion that got there first wins and its
   stored result is answered), with sales' ``warnings`` about what it saved
   (an opportunity in a currency without an exchange rate).

A crash between 2 and 3 leaves the sales records without a converted lead;
the retry gets the same ids from sales and completes step 3.  No lock is
held while sales works, so a slow sales never blocks other writes to the lead.
"""

from services.leads.conversion import commands
from shared.kit import green
from shared.kit.entrypoints import rpc
from shared.kit.service import RpcProxy, UnknownService
from shared.kit.validation import load, load_uuid
from shared.schemas.errors import Unavailable
from shared.schemas.sales.conversion import ConversionOptionsSchema


class ConversionRpc:
    """Mixin of LeadsService (which provides ``self.db`` and ``self.config``)."""

    sales = RpcProxy("sales")

    @rpc
    def convert_lead(self, lead_id, options=None, actor=None):
        lead_id = load_uuid(lead_id, "lead id")
        options = options if options is not None else {}
        load(ConversionOptionsSchema(), options)  # bad options are refused before sales is asked
        with self.db.read() as conn:
            lead, done = commands.conversion_state(conn, lead_id)
        if done:
            return done
        conversion = self._ask_sales(lead, options, actor)
        with self.db.transaction() as conn:
            row, _marked = commands.mark_converted(conn, lead_id, conversion, actor)
            result = commands.stored_result(conn, row)
        if conversion.get("warnings"):
            result["warnings"] = conversion["warnings"]  # what sales could not do with what it saved
        return result

    def _ask_sales(self, lead, options, actor):
        seconds = float(self.config.get("RPC_TIMEOUT_SECONDS", 15))
        timer = green.Timeout(seconds)
        try:
            return self.sales.convert_lead(lead, options, actor)
        except green.Timeout as exc:
            if exc is not timer:
                raise
            raise unavailable(f"The sales service did not answer within {seconds:g} s") from None
        except UnknownService:
            raise unavailable("The sales service is not running") from None
        finally:
            timer.cancel()


def unavailable(what):
    return Unavailable(
        f"{what}, so the lead was not converted yet. Retrying is safe: a conversion never creates a second "
        "account, contact or opportunity for a lead, and a retry answers the same ids.",
        service="sales",
    )
