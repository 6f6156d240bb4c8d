"""Contacts (people at accounts) of the sales service."""

from flask import Blueprint

from gateway import owners
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import create, listing, patch, versioned
from shared.schemas.common import PageQuerySchema
from shared.schemas.sales.contacts import (
    ContactCreateSchema,
    ContactPageSchema,
    ContactQuerySchema,
    ContactSchema,
    ContactUpdateSchema,
)
from shared.schemas.sales.history import RecordHistoryPageSchema

bp = Blueprint("contacts", __name__, url_prefix="/api/v1/contacts")
TAGS = ["contacts"]


@bp.get("")
@requires("accounts:read")
@operation("List contacts (filtered; newest first, or sorted)", tags=TAGS, query=ContactQuerySchema,
           response=ContactPageSchema,
           description="`q` searches names and the primary email; `email` matches any of a contact's emails.")
def list_contacts(query):
    return listing("sales", "list_contacts", query)


@bp.post("")
@requires("accounts:write")
@operation("Create a contact", tags=TAGS, body=ContactCreateSchema, response=ContactSchema, status=201,
           headers={"Location": "The contact's URL.", "ETag": "The contact's version."}, problems=(409,),
           description="409 with `existing_id` when a contact has the same primary email.")
def create_contact(body):
    owners.require_owner(body)
    return create("sales", "create_contact", body, "contacts.get_contact", "contact_id")


@bp.get("/<uuid:contact_id>")
@requires("accounts:read")
@operation("Get a contact", tags=TAGS, response=ContactSchema, headers={"ETag": "The contact's version, for If-Match."})
def get_contact(contact_id):
    return versioned(call("sales", "get_contact", contact_id))


@bp.get("/<uuid:contact_id>/history")
@requires("accounts:read")
@operation("A contact's history of changes, newest first", tags=TAGS, query=PageQuerySchema,
           response=RecordHistoryPageSchema,
           description="Who changed what and when: each entry has the fields that changed as [before, after]. "
                       "Changes made before histories were kept are not listed.")
def contact_history(contact_id, query):
    return listing("sales", "contact_history", query, contact_id)


@bp.patch("/<uuid:contact_id>")
@requires("accounts:write")
@operation("Change a contact's fields", tags=TAGS, body=ContactUpdateSchema, response=ContactSchema,
           headers={"ETag": "The contact's new version."}, problems=(409, 412), request_headers=("If-Match",),
           description="Only the given fields change; `null` clears an optional one. Send the ETag of your GET "
                       "in If-Match to be told (412) when someone changed the contact in between.")
def update_contact(contact_id, body, expected_version):
    owners.require_owner(body)
    return patch("sales", "update_contact", contact_id, body, expected_version)
