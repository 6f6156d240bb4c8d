"""Contacts RPC entrypoints: thin shells over services.sales.contacts."""

from services.sales.contacts import commands, store
from services.sales.contacts.store import contact_snapshot
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.common import PageQuerySchema
from shared.schemas.sales.contacts import ContactCreateSchema, ContactQuerySchema, ContactUpdateSchema


def load_contact_id(value):
    return load_uuid(value, "contact id")


class ContactsRpc:
    """Mixin of SalesService (which provides ``self.db``, ``self.config``)."""

    @rpc
    def create_contact(self, data, actor=None):
        data = load(ContactCreateSchema(), data)
        with self.db.transaction() as conn:
            return contact_snapshot(commands.create_contact(conn, data, actor))

    @rpc
    def get_contact(self, contact_id):
        with self.db.transaction() as conn:
            return contact_snapshot(store.get_contact(conn, load_contact_id(contact_id)))

    @rpc
    def list_contacts(self, query=None):
        query = load(ContactQuerySchema(), query or {})
        with self.db.transaction() as conn:
            rows, next_cursor = store.list_contacts(conn, query)
        return {"items": [contact_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def contact_history(self, contact_id, query=None):
        """The contact's changes, newest first."""
        contact_id = load_contact_id(contact_id)
        query = load(PageQuerySchema(), query or {})
        with self.db.transaction() as conn:
            store.get_contact(conn, contact_id)
            return store.HISTORY.page(conn, contact_id, query["cursor"], query["limit"])

    @rpc
    def update_contact(self, contact_id, changes, actor=None, expected_version=None):
        contact_id = load_contact_id(contact_id)
        changes = load(ContactUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return contact_snapshot(commands.update_contact(conn, contact_id, changes, actor, expected_version))
