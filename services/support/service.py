"""The support service: cases and their conversations, teams and assignment,
SLA clocks on business-hours calendars, escalation, email in and out, the
knowledge base, satisfaction surveys and follow-up tasks, and the figures of
the support dashboards.

Each area's entrypoints live in a mixin next to its domain code; this class
only puts them together with the platform kit's dependencies."""

from services.support.cases.rpc import CasesRpc
from services.support.customers.events import CustomerEvents
from services.support.customers.rpc import CustomersRpc
from services.support.customers.sync import CustomersSync
from services.support.escalation.rpc import EscalationRpc
from services.support.figures.rpc import FiguresRpc
from services.support.kb.rpc import KnowledgeRpc
from services.support.mail.inbound import MailPoller
from services.support.mail.outbound import MailSender
from services.support.mail.rpc import MailRpc
from services.support.sla.rpc import SlaRpc
from services.support.sla.sweep import SlaSweeper
from services.support.surveys.rpc import SurveysRpc
from services.support.teams.rpc import TeamsRpc
from shared.kit.service import Service


class SupportService(Service, CustomersRpc, CustomerEvents, CasesRpc, TeamsRpc, EscalationRpc, SlaRpc, MailRpc,
                     KnowledgeRpc, SurveysRpc, FiguresRpc):
    name = "support"

    customers_sync = CustomersSync()
    sla_sweeper = SlaSweeper()
    mail_poller = MailPoller()
    mail_sender = MailSender()
