"""Saved views: a person's named query strings of a list (leads, accounts,
contacts, opportunities, activities), in the gateway's schema, beside the
built-in views everyone has (computed for the caller, never stored).

A view's ``query`` is what follows the ``?`` of the list's URL
(``status=new&owner=ann``); it must load through the list's query schema as
the list itself would load it (``cursor`` aside: a view starts at the first
page), so opening a saved view never meets a 422.
"""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from marshmallow import ValidationError, fields, post_load, validate
from werkzeug.datastructures import MultiDict

from gateway.bodies import query_args
from gateway.problems import HttpProblem
from shared.schemas.common import StrictSchema, TrimmedSchema
from shared.schemas.errors import Conflict, NotFound
from shared.schemas.leads import LeadQuerySchema
from shared.schemas.sales.accounts import AccountQuerySchema
from shared.schemas.sales.activities import ActivityQuerySchema
from shared.schemas.sales.contacts import ContactQuerySchema
from shared.schemas.sales.opportunities import OpportunityQuerySchema

# list -> the query schema of its GET (the list's URL).
LISTS = {
    "leads": (LeadQuerySchema, "/api/v1/leads"),
    "accounts": (AccountQuerySchema, "/api/v1/accounts"),
    "contacts": (ContactQuerySchema, "/api/v1/contacts"),
    "opportunities": (OpportunityQuerySchema, "/api/v1/opportunities"),
    "activities": (ActivityQuerySchema, "/api/v1/activities"),
}
NAME_MAX = 100
QUERY_MAX = 2000
# Saved views one person may keep per list.
MAX_PER_LIST = 100
COLUMNS = "id, list, name, query, created_at"


# -- contracts --------------------------------------------------------------------------------------------------

class ViewSchema(StrictSchema):
    id = fields.String(required=True, metadata={
        "description": "A UUID for a saved view (DELETE /api/v1/views/{id}); builtin:<list>:<name> for a "
                       "built-in one."})
    list = fields.String(required=True, validate=validate.OneOf(tuple(LISTS)))
    name = fields.String(required=True)
    query = fields.String(required=True, metadata={
        "description": "The list's query string, without '?': GET /api/v1/<list>?<query> shows the view."})
    builtin = fields.Boolean(required=True, metadata={"description": "true: one everyone has (it cannot be "
                                                                    "deleted); its query names you where it says "
                                                                    "'my'."})
    created_at = fields.AwareDateTime(required=True, allow_none=True, metadata={"description": "null for a "
                                                                                              "built-in view."})


class ViewListSchema(StrictSchema):
    items = fields.List(fields.Nested(ViewSchema), required=True, metadata={
        "description": "The built-in views first, then yours by name."})


class ViewQuerySchema(StrictSchema):
    list = fields.String(load_default=None, validate=validate.OneOf(tuple(LISTS)),
                         metadata={"description": "Only the views of this list (default: every list's)."})


class ViewCreateSchema(TrimmedSchema):
    """A view to save. Surrounding whitespace is trimmed from the name and the
    query, and a leading '?' of the query dropped."""

    trimmed = ("name",)  # the query is tidied after loading: blank is the whole list
    keep_blank = ("name",)

    list = fields.String(required=True, validate=validate.OneOf(tuple(LISTS)))
    name = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX),
                         metadata={"description": "Unique among your views of the list (in any letter case), and "
                                                  "not a built-in view's name."})
    query = fields.String(required=True, validate=validate.Length(max=QUERY_MAX), metadata={
        "description": "The list's query string (`status=new&owner=ann`; empty: the whole list). It must be "
                       "one the list takes (422 with the reason otherwise); `cursor` is not kept in a view."})

    @post_load
    def without_question_mark(self, data, **kwargs):
        data["query"] = data["query"].strip().removeprefix("?").strip()
        return data


# -- built-in views -----------------------------------------------------------------------------------------------

def _query(*pairs):
    return urlencode(pairs)


def built_in(username, now=None):
    """list -> [(key, name, query)] of the views everyone has, for ``username``."""
    now = now or datetime.now(UTC)
    today = now.date()
    monday = datetime.combine(today - timedelta(days=today.weekday()), datetime.min.time(), UTC)
    month_start = today.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    me = ("owner", username)
    return {
        "leads": [
            ("my-leads", "My leads", _query(me)),
            ("my-open-leads", "My open leads", _query(me, ("status", "new"), ("status", "working"),
                                                      ("status", "qualified"))),
            ("new-this-week", "New this week", _query(("status", "new"), ("created_from", monday.isoformat()))),
            ("hot-leads", "Hot leads", _query(("score_min", "70"), ("status", "new"), ("status", "working"),
                                              ("status", "qualified"))),
        ],
        "accounts": [
            ("my-accounts", "My accounts", _query(me)),
            ("customers", "Customers", _query(("type", "customer"))),
        ],
        "contacts": [
            ("my-contacts", "My contacts", _query(me)),
        ],
        "opportunities": [
            ("my-open-deals", "My open deals", _query(me, ("category", "open"))),
            ("closing-this-month", "Closing this month", _query(("category", "open"),
                                                                ("close_from", month_start.isoformat()),
                                                                ("close_to", month_end.isoformat()))),
        ],
        "activities": [
            ("my-open-tasks", "My open tasks", _query(("kind", "task"), ("status", "open"), me)),
            ("my-overdue-tasks", "My overdue tasks", _query(("kind", "task"), ("status", "open"), me,
                                                            ("due_before", now.replace(microsecond=0).isoformat()))),
        ],
    }


def built_in_views(username, list_name=None, now=None):
    views = []
    for name, entries in built_in(username, now).items():
        if list_name in (None, name):
            views += [{"id": f"builtin:{name}:{key}", "list": name, "name": title, "query": query, "builtin": True,
                       "created_at": None} for key, title, query in entries]
    return views


# -- checking a query ---------------------------------------------------------------------------------------------

def _messages(messages):
    """marshmallow or problem messages as 'field: message' lines."""
    if isinstance(messages, dict):
        return [f"{field}: {text}" for field, value in messages.items() for text in _messages(value)]
    if isinstance(messages, list):
        return [text for item in messages for text in _messages(item)]
    return [str(messages)]


def check_query(list_name, query):
    """422 on ``query`` unless the list takes it (as its GET loads it)."""
    schema_class, path = LISTS[list_name]
    schema = schema_class(exclude=("cursor",))
    try:
        query_args(schema, MultiDict(parse_qsl(query, keep_blank_values=True)))
    except ValidationError as exc:
        reasons = _messages(exc.messages)
    except HttpProblem as exc:
        reasons = _messages(exc.errors or exc.detail)
    else:
        return
    detail = f"The query is not one {path} takes: {'; '.join(reasons)[:500]}"
    raise HttpProblem(422, detail, title="Validation failed", errors={"query": reasons})


# -- the table ----------------------------------------------------------------------------------------------------

def _view(row):
    return {"id": str(row["id"]), "list": row["list"], "name": row["name"], "query": row["query"], "builtin": False,
            "created_at": row["created_at"]}


def list_views(conn, user_id, list_name=None):
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM saved_views WHERE user_id = %s AND (%s::text IS NULL OR list = %s)"
        " ORDER BY list, lower(name), id", (user_id, list_name, list_name)).fetchall()
    return [_view(row) for row in rows]


def create_view(conn, user_id, username, data):
    """Save a view (``data`` loaded by ViewCreateSchema); 409 for a name taken."""
    list_name, name = data["list"], data["name"]
    check_query(list_name, data["query"])
    taken = {title.casefold() for _, title, _ in built_in(username)[list_name]}
    if name.casefold() in taken:
        raise Conflict(f"{name!r} is the name of a built-in view of {list_name}; choose another name.",
                       {"name": ["A built-in view's name."]})
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"crm-views:{user_id}:{list_name}",))
    count = conn.execute("SELECT count(*) AS n FROM saved_views WHERE user_id = %s AND list = %s",
                         (user_id, list_name)).fetchone()["n"]
    if count >= MAX_PER_LIST:
        raise Conflict(f"You have {count} saved views of {list_name}, the most one may keep; delete one first.",
                       {"list": [f"At most {MAX_PER_LIST} views."]})
    row = conn.execute(
        f"INSERT INTO saved_views (user_id, list, name, query) VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
        f" RETURNING {COLUMNS}", (user_id, list_name, name, data["query"])).fetchone()
    if row is None:
        raise Conflict(f"You have a view of {list_name} named {name!r} already; choose another name, or delete "
                       "that view first.", {"name": ["Taken."]})
    return _view(row)


def delete_view(conn, user_id, view_id):
    """Delete one of the user's views; 404 for anyone else's or none."""
    row = conn.execute("DELETE FROM saved_views WHERE id = %s AND user_id = %s RETURNING id",
                       (view_id, user_id)).fetchone()
    if row is None:
        raise NotFound(f"You have no saved view with id {view_id}.")
