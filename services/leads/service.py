"""The leads service: lead records (capture, dedup, updates, statuses,
merges, history), scoring, assignment, CSV imports, conversion through sales,
engagement, converted leads following account merges, and the global search
over leads.

Each area's entrypoints live in a mixin next to its domain code; this class
only puts them together with the platform kit's dependencies and the
background worker (import batches, rescoring)."""

from services.leads.account_merges.events import AccountMergeEvents
from services.leads.assignment.rpc import AssignmentRpc
from services.leads.campaign_responses.events import CampaignResponseEvents
from services.leads.consent.events import ConsentEvents
from services.leads.conversion.rpc import ConversionRpc
from services.leads.engagement.events import EngagementEvents
from services.leads.engagement.rpc import EngagementRpc
from services.leads.imports.rpc import ImportsRpc
from services.leads.records.rpc import LeadRecordsRpc
from services.leads.scoring.rpc import ScoringRpc
from services.leads.search.rpc import SearchRpc
from services.leads.worker import LeadsWorker
from shared.kit.service import Service


class LeadsService(Service, LeadRecordsRpc, ScoringRpc, AssignmentRpc, ImportsRpc, ConversionRpc, EngagementRpc,
                   EngagementEvents, AccountMergeEvents, SearchRpc, ConsentEvents, CampaignResponseEvents):
    name = "leads"

    worker = LeadsWorker()
