"""The people campaigns can reach (the projection of sales' contacts and
leads' leads, with their accounts' signals) and the catalogue of fields
segments select them on.  Everyone may read them."""

from flask import Blueprint
from marshmallow import fields, validate

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.views import listing
from shared.schemas.campaigns.people import (
    PERSON_KINDS,
    PeopleFieldsSchema,
    PeoplePageSchema,
    PeopleQuerySchema,
    PersonDetailSchema,
)

bp = Blueprint("campaign_people", __name__, url_prefix="/api/v1")
TAGS = ["campaigns-people"]
KIND = {"kind": fields.String(validate=validate.OneOf(PERSON_KINDS, error="The kind is contact or lead."),
                              metadata={"description": "contact (a sales contact) or lead (a leads lead)."})}


@bp.get("/campaigns/people")
@requires("campaigns:read")
@operation("List the people campaigns can reach", tags=TAGS, query=PeopleQuerySchema, response=PeoplePageSchema,
           description="Sales' contacts and leads' leads as campaigns knows them (kept current by their events), "
                       "newest first. Converted and merged leads only with include_inactive=true.")
def list_people(query):
    return listing("campaigns", "list_people", query)


@bp.get("/campaigns/people/fields")
@requires("campaigns:read")
@operation("The fields segments select people on", tags=TAGS, response=PeopleFieldsSchema,
           description="Each field's type, the comparisons it takes, and a choice field's values.")
def people_fields():
    return call("campaigns", "people_fields")


@bp.get("/campaigns/people/<uuid:person_id>")
@requires("campaigns:read")
@operation("Get a person with their account's signals", tags=TAGS, response=PersonDetailSchema)
def get_person(person_id):
    return call("campaigns", "get_person", str(person_id))


@bp.get("/campaigns/people/by-source/<kind>/<uuid:source_id>")
@requires("campaigns:read")
@operation("Find the person of a sales contact or a lead", tags=TAGS, path=KIND, response=PersonDetailSchema,
           description="404 while campaigns has not heard of the record (its event is on the way).")
def person_by_source(kind, source_id):
    return call("campaigns", "person_by_source", kind, str(source_id))
