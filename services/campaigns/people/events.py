"""The people projection's event handlers (sales, leads, orders and support
events), each through the inbox: its effect and the inbox row commit
together, so a redelivered event has no second effect.

The handlers consume separate queues, so they may run in any order: a
snapshot only replaces an older one, and an account's signals are sums over
one row per source record.  An event whose data cannot be read is logged
and acknowledged: retrying could never make it right.

The handlers' names start with ``people_`` so that no other area's handler
of the same event (attribution, responses) shares a method name with them.
"""

import logging

from services.campaigns.people import commands
from shared.kit.inbox import inbox_handler

log = logging.getLogger(__name__)


def _data(event):
    data = event.get("data")
    return data if isinstance(data, dict) else {}


def _one(apply):
    return lambda conn, record, data, event: apply(conn, [record])


class PeopleEvents:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    def _people_apply(self, event, key, apply):
        """``apply(conn, data[key], data, event)`` once for the event, when
        ``data[key]`` is an object."""
        data = _data(event)
        record = data.get(key)
        if not isinstance(record, dict):
            log.warning("%s event %s carries no %s: ignored", event.get("type"), event.get("id"), key)
            return
        with self.db.handle_once(event) as conn:
            if conn is not None:
                apply(conn, record, data, event)

    # sales: accounts -------------------------------------------------------------------
    @inbox_handler("sales", "account.created")
    def people_on_account_created(self, event):
        self._people_apply(event, "account", _one(commands.apply_accounts))

    @inbox_handler("sales", "account.updated")
    def people_on_account_updated(self, event):
        self._people_apply(event, "account", _one(commands.apply_accounts))

    @inbox_handler("sales", "account.merged")
    def people_on_account_merged(self, event):
        merged_id = commands.parse_id(_data(event).get("merged_id"))
        account = _data(event).get("account")
        if merged_id is None or commands.account_values(account) is None \
                or merged_id == commands.parse_id(account.get("id")):
            log.warning("account.merged event %s names no valid merged and surviving accounts: ignored",
                        event.get("id"))
            return
        self._people_apply(event, "account",
                           lambda conn, survivor, data, e: commands.follow_account_merge(conn, survivor, merged_id))

    # sales: contacts and opportunities -------------------------------------------------------
    @inbox_handler("sales", "contact.created")
    def people_on_contact_created(self, event):
        self._people_apply(event, "contact", _one(commands.apply_contacts))

    @inbox_handler("sales", "contact.updated")
    def people_on_contact_updated(self, event):
        self._people_apply(event, "contact", _one(commands.apply_contacts))

    @inbox_handler("sales", "opportunity.created")
    def people_on_opportunity_created(self, event):
        self._people_apply(event, "opportunity", lambda conn, o, data, e: commands.apply_opportunity(conn, o))

    @inbox_handler("sales", "opportunity.updated")
    def people_on_opportunity_updated(self, event):
        self._people_apply(event, "opportunity", lambda conn, o, data, e: commands.apply_opportunity(conn, o))

    @inbox_handler("sales", "opportunity.stage_changed")
    def people_on_opportunity_stage_changed(self, event):
        self._people_apply(event, "opportunity", lambda conn, o, data, e: commands.apply_opportunity(conn, o))

    @inbox_handler("sales", "opportunity.won")
    def people_on_opportunity_won(self, event):
        self._people_apply(event, "opportunity", lambda conn, o, data, e: commands.apply_opportunity(conn, o))

    @inbox_handler("sales", "opportunity.lost")
    def people_on_opportunity_lost(self, event):
        self._people_apply(event, "opportunity", lambda conn, o, data, e: commands.apply_opportunity(conn, o))

    # orders ---------------------------------------------------------------------------------
    @inbox_handler("orders", "order.placed")
    def people_on_order_placed(self, event):
        self._people_apply(event, "order",
                           lambda conn, o, data, e: commands.apply_order(conn, o, e.get("occurred_at")))

    @inbox_handler("orders", "invoice.issued")
    def people_on_invoice_issued(self, event):
        self._people_apply(event, "invoice", lambda conn, i, data, e: commands.apply_document(conn, i, "invoice"))

    @inbox_handler("orders", "credit_note.issued")
    def people_on_credit_note_issued(self, event):
        self._people_apply(event, "credit_note",
                           lambda conn, c, data, e: commands.apply_document(conn, c, "credit_note"))

    # support ----------------------------------------------------------------------------------
    @inbox_handler("support", "case.opened")
    def people_on_case_opened(self, event):
        self._people_apply(event, "case", _one(commands.apply_cases))

    @inbox_handler("support", "case.resolved")
    def people_on_case_resolved(self, event):
        self._people_apply(event, "case", _one(commands.apply_cases))

    @inbox_handler("support", "case.closed")
    def people_on_case_closed(self, event):
        self._people_apply(event, "case", _one(commands.apply_cases))

    @inbox_handler("support", "case.reopened")
    def people_on_case_reopened(self, event):
        self._people_apply(event, "case", _one(commands.apply_cases))

    @inbox_handler("support", "case.merged")
    def people_on_case_merged(self, event):
        self._people_apply(event, "case", lambda conn, case, data, e: commands.apply_cases(
            conn, [case, *([data["merged"]] if isinstance(data.get("merged"), dict) else [])]))

    @inbox_handler("support", "survey.answered")
    def people_on_survey_answered(self, event):
        self._people_apply(event, "survey",
                           lambda conn, survey, data, e: commands.apply_survey(conn, survey, data.get("case")))

    # leads ------------------------------------------------------------------------------------
    @inbox_handler("leads", "lead.created")
    def people_on_lead_created(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.updated")
    def people_on_lead_updated(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.assigned")
    def people_on_lead_assigned(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.qualified")
    def people_on_lead_qualified(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.disqualified")
    def people_on_lead_disqualified(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.converted")
    def people_on_lead_converted(self, event):
        self._people_apply(event, "lead", _one(commands.apply_leads))

    @inbox_handler("leads", "lead.merged")
    def people_on_lead_merged(self, event):
        merged_id = commands.parse_id(_data(event).get("merged_id"))
        lead = _data(event).get("lead")
        if merged_id is None or commands.lead_values(lead) is None or merged_id == commands.parse_id(lead.get("id")):
            log.warning("lead.merged event %s names no valid merged and surviving leads: ignored", event.get("id"))
            return
        self._people_apply(event, "lead",
                           lambda conn, survivor, data, e: commands.merge_lead(conn, survivor, merged_id))
