"""Consent ledger, double opt-in, preference and unsubscribe RPC entrypoints:
thin shells over services.campaigns.consent.commands."""

import re

from services.campaigns.consent import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.consent import (
    TOKEN_PATTERN,
    ConsentQuerySchema,
    ConsentRecordSchema,
    ConsentRequestSchema,
    EvidenceSchema,
    PublicPreferencesUpdateSchema,
)
from shared.schemas.errors import NotFound

_TOKEN = re.compile(TOKEN_PATTERN)


def _token(token):
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise NotFound(commands.NOT_VALID, errors={"token": ["Not a valid link."]})
    return token


def _evidence(evidence):
    return load(EvidenceSchema(), evidence or {})


class ConsentRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def consent_of_address(self, query):
        """The current decisions and the history of an address (ConsentQuerySchema)."""
        query = load(ConsentQuerySchema(), query)
        with self.db.read() as conn:
            return commands.of_address(conn, query["email"])

    @rpc
    def consent_of_person(self, person_id):
        """The same for a person of the projection (by its address; none without one)."""
        person_id = load_uuid(person_id, "person id")
        with self.db.read() as conn:
            return commands.of_person(conn, person_id)

    @rpc
    def record_consent(self, data, actor=None):
        """Staff record a grant or withdrawal with its evidence (ConsentRecordSchema)."""
        data = load(ConsentRecordSchema(), data)
        with self.db.transaction() as conn:
            return commands.record(conn, data, actor)

    @rpc
    def request_consent(self, data, actor=None):
        """Start a double opt-in (the confirmation mail queued at once) or grant a single opt-in."""
        data = load(ConsentRequestSchema(), data)
        with self.db.transaction() as conn:
            return commands.request_consent(conn, data, actor, self.config)

    # The person's pages (signed links) -------------------------------------------

    @rpc
    def confirmation_for_link(self, token):
        """What a confirmation link's page shows before its button is pressed
        (nothing changes): 404 bad link, 410 expired."""
        token = _token(token)
        with self.db.read() as conn:
            return commands.confirmation_view(conn, token, self.config)

    @rpc
    def confirm_consent(self, token, evidence=None):
        """A confirmation link followed: 404 bad link, 410 expired."""
        token, evidence = _token(token), _evidence(evidence)
        with self.db.transaction() as conn:
            return commands.confirm(conn, token, evidence, self.config)

    @rpc
    def resend_confirmation(self, token, evidence=None):
        """A new confirmation link for the request of an (expired) link."""
        token, evidence = _token(token), _evidence(evidence)
        with self.db.transaction() as conn:
            return commands.resend(conn, token, evidence, self.config)

    @rpc
    def unsubscribe_for_link(self, token):
        """What the unsubscribe page shows; changes nothing."""
        token = _token(token)
        with self.db.read() as conn:
            return commands.unsubscribe_page(conn, token, self.config)

    @rpc
    def unsubscribe(self, token, evidence=None):
        """The one-click unsubscribe (RFC 8058): the link's purpose withdrawn."""
        token, evidence = _token(token), _evidence(evidence)
        with self.db.transaction() as conn:
            return commands.unsubscribe(conn, token, evidence, self.config)

    @rpc
    def preferences_for_link(self, token):
        token = _token(token)
        with self.db.read() as conn:
            return commands.preferences_page(conn, token, self.config)

    @rpc
    def update_preferences(self, token, data, evidence=None):
        token, evidence = _token(token), _evidence(evidence)
        data = load(PublicPreferencesUpdateSchema(), data)
        with self.db.transaction() as conn:
            return commands.update_preferences(conn, token, data, evidence, self.config)
