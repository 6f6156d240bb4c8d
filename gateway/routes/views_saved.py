"""Saved views (one's own, per list) and the built-in views everyone has."""

from flask import Blueprint, g, url_for

from gateway import saved_views
from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import resources
from gateway.saved_views import ViewCreateSchema, ViewListSchema, ViewQuerySchema, ViewSchema

bp = Blueprint("views", __name__, url_prefix="/api/v1/views")
TAGS = ["views"]


@bp.get("")
@requires("self")
@operation("The views of a list: the built-in ones and yours", tags=TAGS, query=ViewQuerySchema,
           response=ViewListSchema,
           description="A view is a named query string of a list: open it as GET /api/v1/<list>?<query>. The "
                       "built-in views (`builtin: true`) are computed for you: 'My leads' is `owner=<you>`, 'New "
                       "this week' counts from this week's Monday (UTC), and so on.")
def list_views(query):
    principal = g.principal
    views = saved_views.built_in_views(principal.username, query["list"])
    with resources().db.connection() as conn:
        views += saved_views.list_views(conn, principal.user_id, query["list"])
    return ViewListSchema().dump({"items": views})


@bp.post("")
@requires("self")
@operation("Save a view of a list", tags=TAGS, body=ViewCreateSchema, response=ViewSchema, status=201,
           headers={"Location": "The view's URL (for DELETE)."}, problems=(409,),
           description="422 on `query` (with the reason) when the list does not take the query. 409 when you have "
                       "a view of the list with that name (in any letter case) or a built-in view has it, or "
                       f"when you keep {saved_views.MAX_PER_LIST} views of the list already.")
def create_view(body):
    principal = g.principal
    with resources().db.connection() as conn:
        view = saved_views.create_view(conn, principal.user_id, principal.username, body)
    return ViewSchema().dump(view), 201, {"Location": url_for("views.delete_view", view_id=view["id"])}


@bp.delete("/<uuid:view_id>")
@requires("self")
@operation("Delete one of your saved views", tags=TAGS, status=204,
           description="404 when you have no saved view with this id (built-in views cannot be deleted).")
def delete_view(view_id):
    with resources().db.connection() as conn:
        saved_views.delete_view(conn, g.principal.user_id, view_id)
    return "", 204
