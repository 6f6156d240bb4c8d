"""Lead conversion, the sales side: RPC entrypoint (the domain code is in
``services.sales.conversion.commands``).  The leads service calls it from
``leads.convert_lead``; calling it again for the same lead answers the same
record."""

from services.sales.conversion import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.errors import ValidationFailed
from shared.schemas.leads import LeadSchema
from shared.schemas.sales.conversion import ConversionOptionsSchema


class ConversionRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def convert_lead(self, lead, options=None, actor=None):
        lead = load_lead(lead)
        options = load(ConversionOptionsSchema(), options if options is not None else {})
        with self.db.transaction() as conn:
            return commands.convert_lead(conn, lead, options, actor, self.config["REPORTING_CURRENCY"])


def load_lead(lead):
    try:
        return load(LeadSchema(), lead)
    except ValidationFailed as exc:
        raise ValidationFailed("The lead is not a lead as the leads service shows it (LeadSchema); see errors.",
                               {"lead": exc.errors}) from None
