"""Email sends RPC entrypoints: schedule a campaign's send, its progress, its
recipients, cancel it, and record a bounce reported later."""

from services.campaigns.sending import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.sending import BounceSchema, RecipientQuerySchema, SendCreateSchema, SendQuerySchema


class SendingRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def create_email_send(self, campaign_id, data, actor=None):
        """A send of the campaign (SendCreateSchema): now (its audience is
        snapshotted into recipients at once) or at ``scheduled_at``."""
        campaign_id = load_uuid(campaign_id, "campaign id")
        data = load(SendCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_send(conn, campaign_id, data, actor)

    @rpc
    def list_email_sends(self, campaign_id, query=None):
        campaign_id = load_uuid(campaign_id, "campaign id")
        query = load(SendQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_sends(conn, campaign_id, query)

    @rpc
    def get_email_send(self, send_id):
        """The send with its recipients' counts per status."""
        send_id = load_uuid(send_id, "send id")
        with self.db.read() as conn:
            return commands.get_send(conn, send_id)

    @rpc
    def list_email_send_recipients(self, send_id, query=None):
        send_id = load_uuid(send_id, "send id")
        query = load(RecipientQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_recipients(conn, send_id, query)

    @rpc
    def cancel_email_send(self, send_id, actor=None):
        """What is not decided yet stays unsent; what is on its way finishes."""
        send_id = load_uuid(send_id, "send id")
        with self.db.transaction() as conn:
            return commands.cancel_send(conn, send_id, actor)

    @rpc
    def record_email_bounce(self, data):
        """A bounce reported later by Message-ID: the email is bounced, the address suppressed (once)."""
        data = load(BounceSchema(), data)
        with self.db.transaction() as conn:
            return commands.record_bounce(conn, data)
