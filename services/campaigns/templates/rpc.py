"""Email templates RPC entrypoints: edit, preview with a real member, test send."""

from services.campaigns.templates import commands
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.campaigns.templates import (
    PreviewQuerySchema,
    TemplateCreateSchema,
    TemplateQuerySchema,
    TemplateTestSendSchema,
    TemplateUpdateSchema,
)
from shared.schemas.errors import ValidationFailed


def _template_id(value):
    return load_uuid(value, "template id")


class TemplatesRpc:
    """Mixin of CampaignsService (which provides ``self.db`` and ``self.config``)."""

    @rpc
    def list_templates(self, query=None):
        query = load(TemplateQuerySchema(), query or {})
        with self.db.read() as conn:
            return commands.list_templates(conn, query)

    @rpc
    def get_template(self, template_id):
        template_id = _template_id(template_id)
        with self.db.read() as conn:
            return commands.get_template(conn, template_id)

    @rpc
    def create_template(self, data, actor=None):
        data = load(TemplateCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_template(conn, data, actor)

    @rpc
    def update_template(self, template_id, changes, actor=None, expected_version=None):
        template_id = _template_id(template_id)
        changes = load(TemplateUpdateSchema(), changes)
        if not changes:
            raise ValidationFailed("Name at least one field to change.", {"_schema": ["No field to change."]})
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_template(conn, template_id, changes, actor, expected_version)

    @rpc
    def delete_template(self, template_id, actor=None, expected_version=None):
        template_id = _template_id(template_id)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.delete_template(conn, template_id, actor, expected_version)

    @rpc
    def template_versions(self, template_id):
        template_id = _template_id(template_id)
        with self.db.read() as conn:
            return commands.template_versions(conn, template_id)

    @rpc
    def preview_template(self, template_id, person_id, campaign_id=None):
        """{subject, html, text} for a real person (422 on person_id when there is none)."""
        template_id = _template_id(template_id)
        query = load(PreviewQuerySchema(), {"person_id": person_id, "campaign_id": campaign_id})
        campaign_id = str(query["campaign_id"]) if query["campaign_id"] else None
        with self.db.read() as conn:
            return commands.preview(conn, template_id, str(query["person_id"]), campaign_id, self.config)

    @rpc
    def test_send(self, template_id, to, person_id=None, actor=None, campaign_id=None):
        """Queue the rendered template to ``to`` (a sample person's data unless
        ``person_id`` names one); {email_id, to, subject}."""
        template_id = _template_id(template_id)
        data = load(TemplateTestSendSchema(), {"to": to, "person_id": person_id, "campaign_id": campaign_id})
        with self.db.transaction() as conn:
            return commands.test_send(conn, template_id, data, actor, self.config)
