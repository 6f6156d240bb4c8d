"""Email templates: edit, preview with a real member, test send."""

from flask import Blueprint

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import actor, create, listing, patch, versioned
from shared.schemas.campaigns.templates import (
    MERGE_HELP,
    PreviewQuerySchema,
    RenderedSchema,
    TemplateCreateSchema,
    TemplatePageSchema,
    TemplateQuerySchema,
    TemplateSchema,
    TemplateTestSendSchema,
    TemplateTestSentSchema,
    TemplateUpdateSchema,
    TemplateVersionListSchema,
)

bp = Blueprint("campaign_templates", __name__, url_prefix="/api/v1")
TAGS = ["campaign templates"]
TEMPLATE = "/campaigns/templates/<uuid:template_id>"


def _svc(method, *args):
    return call("campaigns", method, *args)


@bp.get("/campaigns/templates")
@requires("campaigns:read")
@operation("List email templates", tags=TAGS, query=TemplateQuerySchema, response=TemplatePageSchema,
           description="`q`: words of the name or subject. Sorts: `name` (default), `-name`, `-updated_at`, "
                       "`updated_at`.")
def list_templates(query):
    return listing("campaigns", "list_templates", query)


@bp.post("/campaigns/templates")
@requires("campaigns:write")
@operation("Create an email template", tags=TAGS, body=TemplateCreateSchema, response=TemplateSchema, status=201,
           headers={"Location": "The template's URL.", "ETag": "The template's version."}, problems=(409,),
           description=MERGE_HELP + " 409 when another template has the name (in any letter case).")
def create_template(body):
    return create("campaigns", "create_template", body, "campaign_templates.get_template", "template_id")


@bp.get(TEMPLATE)
@requires("campaigns:read")
@operation("Get an email template", tags=TAGS, response=TemplateSchema, headers={"ETag": "The template's version."})
def get_template(template_id):
    return versioned(_svc("get_template", template_id))


@bp.patch(TEMPLATE)
@requires("campaigns:write")
@operation("Change an email template", tags=TAGS, body=TemplateUpdateSchema, response=TemplateSchema,
           headers={"ETag": "The template's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description=MERGE_HELP + " Each change keeps a version. Send the ETag in If-Match to be told (412) of "
                                    "a change in between.")
def update_template(template_id, body, expected_version):
    return patch("campaigns", "update_template", template_id, body, expected_version)


@bp.delete(TEMPLATE)
@requires("campaigns:write")
@operation("Delete an email template", tags=TAGS, status=204, problems=(409, 412), request_headers=("If-Match",),
           description="409 when an email send used it (it stays as that send's record).")
def delete_template(template_id, expected_version):
    _svc("delete_template", template_id, actor(), expected_version)
    return "", 204


@bp.get(f"{TEMPLATE}/versions")
@requires("campaigns:read")
@operation("The saved versions of a template, newest first", tags=TAGS, response=TemplateVersionListSchema)
def template_versions(template_id):
    return _svc("template_versions", template_id)


@bp.get(f"{TEMPLATE}/preview")
@requires("campaigns:read")
@operation("Preview a template for a real person", tags=TAGS, query=PreviewQuerySchema, response=RenderedSchema,
           description="Rendered with the person's and their account's data, the campaign's name when "
                       "`campaign_id` is given, and the person's own unsubscribe and preference links. The HTML is "
                       "sanitised as sent. 422 on `person_id` when no such person exists, or naming the part the "
                       "person's data cannot be rendered into.")
def preview_template(template_id, query):
    loaded = query.wire()
    return _svc("preview_template", template_id, loaded["person_id"], loaded.get("campaign_id"))


@bp.post(f"{TEMPLATE}/test-send")
@requires("campaigns:write")
@operation("Send a test of a template", tags=TAGS, body=TemplateTestSendSchema, response=TemplateTestSentSchema,
           status=202,
           description="Queues the template, rendered for `person_id` (or a sample person), to `to` at once, "
                       "subject prefixed with `[Test]`; consent is not checked (it goes to you). 422 on "
                       "`person_id` when no such person exists.")
def test_send_template(template_id, body):
    loaded = body.wire()
    return _svc("test_send", template_id, loaded["to"], loaded.get("person_id"), actor(),
                loaded.get("campaign_id")), 202
