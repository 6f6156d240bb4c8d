"""Engagement from activities: leads consumes sales' ``activity.logged``.

A call, meeting, task or note logged on a lead counts as one engagement event
of that kind (``commands.record_engagement``: the scoring rules' engagement
rule gives points per event, whatever its kind).  A cancelled activity did
not happen and earns nothing.

The lead named may have changed since the activity was logged: a merged lead
credits its survivor, a converted lead (closed: the person is a contact now)
and an unknown id are logged and acknowledged, never retried
(``commands.credit_activity``).
"""

from services.leads.engagement import commands
from shared.kit.inbox import inbox_handler


class EngagementEvents:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @inbox_handler("sales", "activity.logged")
    def on_activity_logged(self, event):
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        activity = data.get("activity") if isinstance(data.get("activity"), dict) else {}
        if not activity.get("lead_id"):
            return  # nothing for leads: no inbox row needed either
        with self.db.handle_once(event) as conn:
            if conn is not None:
                commands.credit_activity(conn, activity)
