"""The global search: one box that finds leads, accounts, contacts and
opportunities.  The leads and sales services are asked side by side (one
``search`` RPC each), each for the kinds the caller's role may read."""

import contextvars
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, g

from gateway.auth import forbidden, requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.rpc import RpcUnavailable
from shared.schemas.search import SALES_KINDS, SearchQuerySchema, SearchResultsSchema

bp = Blueprint("search", __name__, url_prefix="/api/v1")
TAGS = ["search"]
# kind -> the permission that reads it.
READS = {"leads": "leads:read", "accounts": "accounts:read", "contacts": "accounts:read",
         "opportunities": "sales:read"}


def _readable():
    return [kind for kind, permission in READS.items() if g.principal.can(permission)]


def _asked(service, *args):
    """``(kinds found, None)``, or ``(None, the unavailability)`` when the
    service did not answer: the other service's hits still go out."""
    try:
        return call(service, "search", *args), None
    except RpcUnavailable as exc:
        return None, exc


@bp.get("/search")
@requires("self")
@operation("Search leads, accounts, contacts and opportunities at once", tags=TAGS,
           query=SearchQuerySchema, response=SearchResultsSchema,
           description="Finds records by name, email address, phone number (its digits: `+44 20 7946` finds "
                       "+442079460958), company or account name, and web domain (of email addresses and "
                       "accounts). Each kind is searched only when your role may read it (leads: leads:read; "
                       "accounts and contacts: accounts:read; opportunities: sales:read), and left out of "
                       "`results` otherwise. Hits come best first: a whole field matched, then the start of a "
                       "field, the start of a word, anywhere; newest first among equals. A kind whose service "
                       "does not answer is listed in `unavailable` (503 when none answers). 422 when `q` has "
                       "fewer than 2 characters.")
def search(query):
    kinds = _readable()
    if not kinds:
        raise forbidden("leads:read")
    q, limit = query["q"], query["limit"]
    sales_kinds = [kind for kind in SALES_KINDS if kind in kinds]
    asked = []
    with ThreadPoolExecutor(1, thread_name_prefix="search") as pool:
        # Sales in a thread of its own (in this request's context), leads here, at the same time.
        if sales_kinds:
            running = pool.submit(contextvars.copy_context().run, _asked, "sales", q, limit, sales_kinds)
        if "leads" in kinds:
            asked.append((["leads"], _asked("leads", q, limit)))
        if sales_kinds:
            asked.append((sales_kinds, running.result()))
    results, unavailable, failures = {}, [], []
    for their_kinds, (found, failure) in asked:
        if failure is None:
            results.update({kind: found.get(kind, []) for kind in their_kinds})
        else:
            unavailable += their_kinds
            failures.append(failure)
    if failures and not results:
        raise failures[0]
    ordered = {kind: results[kind] for kind in kinds if kind in results}
    return SearchResultsSchema().dump({"q": q, "results": ordered, "unavailable": unavailable})
