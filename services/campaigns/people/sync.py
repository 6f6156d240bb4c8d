"""The first-start catch-up of the people projection: sales' accounts (merged
ones included) and contacts, then leads' leads, page by page, oldest first
(``shared.kit.catch_up``); afterwards events only.

Accounts come first, so that a contact's account is known (and its merge
followed) when the contact is written; each page is written version-guarded,
so an event consumed meanwhile is never overwritten by an older snapshot.
"""

from services.campaigns.people import commands
from shared.kit.catch_up import CatchUpLoop, Source

STATE_TABLE = "people_sync"


class PeopleSync(CatchUpLoop):
    identifier = "campaigns-people-sync"
    state_table = STATE_TABLE
    page_setting = "PEOPLE_SYNC_PAGE"
    default_page = 500
    sources = (
        Source("accounts", "sales", "list_accounts", {"include_merged": True, "sort": "created_at"},
               commands.apply_accounts),
        Source("contacts", "sales", "list_contacts", {"sort": "created_at"}, commands.apply_contacts),
        Source("leads", "leads", "list_leads", {"include_merged": True, "sort": "created_at"}, commands.apply_leads),
    )
