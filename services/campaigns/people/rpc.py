"""People RPC entrypoints: thin shells over services.campaigns.people.commands."""

from services.campaigns.people import commands, fields, store
from services.campaigns.people.sync import STATE_TABLE
from shared.kit.catch_up import sync_states
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.people import PERSON_KINDS, PeopleQuerySchema
from shared.schemas.errors import NotFound, ValidationFailed


class PeopleRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def list_people(self, query=None):
        """A page of people (PeopleQuerySchema): ``{"items": [...], "next_cursor": ...}``."""
        query = load(PeopleQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_people(conn, query)
        return {"items": [commands.person_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def get_person(self, person_id):
        """A person with their account's signals (``account``: null for a lead)."""
        checked = load_uuid(person_id, "person id")
        with self.db.read() as conn:
            row = store.find_person(conn, checked)
            if row is None:
                raise NotFound(f"No person with id {person_id}.")
            return commands.person_detail(conn, row)

    @rpc
    def person_by_source(self, kind, source_id):
        """The person of sales' contact or leads' lead ``source_id``."""
        if kind not in PERSON_KINDS:
            raise ValidationFailed("kind is contact or lead.",
                                   {"kind": [f"Must be one of: {', '.join(PERSON_KINDS)}."]})
        checked = load_uuid(source_id, f"{kind} id")
        with self.db.read() as conn:
            row = store.person_by_source(conn, kind, checked)
            if row is None:
                raise NotFound(f"Campaigns knows no {kind} with id {source_id} (yet).")
            return commands.person_detail(conn, row)

    @rpc
    def people_fields(self):
        """The fields segments select people on: name, type, label, operators, values."""
        return {"items": fields.catalogue()}

    @rpc
    def people_sync_state(self):
        """The first-start catch-up of accounts, contacts and leads:
        ``{"items": [{kind, pages, items, started_at, done_at}]}``."""
        with self.db.read() as conn:
            return {"items": sync_states(conn, STATE_TABLE)}
