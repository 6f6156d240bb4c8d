"""The campaigns service: campaigns and their members, the people marketing
can reach (a projection of contacts and leads with the signals marketers
segment on, money in sales' reporting currency), segments that stay current
as events arrive, static and suppression lists, the consent ledger, email
templates and sends, responses, attribution of revenue and pipeline, and the
figures of the campaign dashboards.

Each area's entrypoints live in a mixin next to its domain code; this class
only puts them together with the platform kit's dependencies."""

from services.campaigns.attribution.events import RevenueEvents
from services.campaigns.attribution.rpc import AttributionRpc
from services.campaigns.campaigns.rpc import CampaignsRpc
from services.campaigns.consent.rpc import ConsentRpc
from services.campaigns.figures.rpc import FiguresRpc
from services.campaigns.people.events import PeopleEvents
from services.campaigns.people.rates import RatesRefresh
from services.campaigns.people.rpc import PeopleRpc
from services.campaigns.people.sync import PeopleSync
from services.campaigns.responses.events import ResponseEvents
from services.campaigns.responses.rpc import ResponsesRpc
from services.campaigns.segments.refresh import SegmentRefresh
from services.campaigns.segments.rpc import SegmentsRpc
from services.campaigns.sending.rpc import SendingRpc
from services.campaigns.sending.sender import EmailSender
from services.campaigns.templates.rpc import TemplatesRpc
from shared.kit.service import Service


class CampaignsService(Service, PeopleRpc, PeopleEvents, SegmentsRpc, ConsentRpc, CampaignsRpc, TemplatesRpc,
                       SendingRpc, ResponsesRpc, ResponseEvents, AttributionRpc, RevenueEvents, FiguresRpc):
    name = "campaigns"

    people_sync = PeopleSync()
    rates_refresh = RatesRefresh()
    email_sender = EmailSender()
    segment_refresh = SegmentRefresh()
