"""The customer-360 view: one answer with an account (sales), its customer
value (orders) and its support at a glance (support), for client apps and
the console's account page.

The three services are asked side by side (orders and support in threads of
their own, in this request's context, sales here), each only when the
caller's role may read its part.  A service that does not answer leaves its
part null and is named in ``unavailable``; the others still go out."""

import contextvars
from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, g

from gateway.auth import requires
from gateway.openapi import operation
from gateway.resources import call
from gateway.rpc import RpcUnavailable
from shared.schemas.customer360 import AccountOverviewSchema
from shared.schemas.errors import Conflict, NotFound
from shared.schemas.orders.customers import VALUE_RULES
from shared.schemas.support.cases import SUMMARY_RULES

bp = Blueprint("customer360", __name__, url_prefix="/api/v1/accounts")
TAGS = ["customer 360"]
# part -> (the permission that reads it, service, RPC method)
PARTS = {
    "account": ("accounts:read", "sales", "get_account"),
    "value": ("orders:read", "orders", "customer_value"),
    "support": ("cases:read", "support", "account_support_summary"),
}
# What a part's service may answer that leaves the part empty rather than
# failing the view: orders has no record of the account yet (404), or has it
# as merged before sales' answer says so (409).
EMPTY_PART = {"value": (NotFound, Conflict)}


def _asked(part, account_id):
    """``(answer, None)``; ``(None, None)`` for an empty part; ``(None, the
    unavailability)`` when the service did not answer."""
    _, service, method = PARTS[part]
    try:
        return call(service, method, account_id), None
    except RpcUnavailable as exc:
        return None, exc
    except EMPTY_PART.get(part, ()):
        return None, None


@bp.get("/<uuid:account_id>/overview")
@requires("accounts:read")
@operation("An account's customer-360 view: the account, its value and its support", tags=TAGS,
           response=AccountOverviewSchema, problems=(404,),
           description="Asks sales (the account), orders (its customer value) and support (its open cases by "
                       "priority and status, breached ones, the oldest, cases of the last 90 days, CSAT, open "
                       "follow-up tasks) at the same time. A part is asked only when your role may read it "
                       "(value: orders:read; support: cases:read), else it is null and named in "
                       "`not_permitted`. A part whose service does not answer is null and named in "
                       "`unavailable` (503 when none answers). 404 when sales has no such account. A merged "
                       "account answers its account part with `merged_into` naming the survivor, and "
                       "`merged_into` at the top; its value and support are the survivor's (ask for its "
                       f"overview), so they are null. Value: {VALUE_RULES} Support: {SUMMARY_RULES}")
def account_overview(account_id):
    account_id = str(account_id)
    readable = [part for part, (permission, _, _) in PARTS.items() if g.principal.can(permission)]
    others = [part for part in readable if part != "account"]
    with ThreadPoolExecutor(max(1, len(others)), thread_name_prefix="customer360") as pool:
        running = {part: pool.submit(contextvars.copy_context().run, _asked, part, account_id) for part in others}
        asked = {"account": _asked("account", account_id)}  # NotFound: 404, once the others are done
        asked.update({part: future.result() for part, future in running.items()})
    answers = {part: answer for part, (answer, _) in asked.items()}
    failures = [failure for _, failure in asked.values() if failure is not None]
    if failures and len(failures) == len(asked):
        raise failures[0]
    account = answers.get("account")
    merged_into = account.get("merged_into") if account else None
    overview = {"account_id": account_id, "merged_into": merged_into, "account": account,
                "value": None if merged_into else answers.get("value"),
                "support": None if merged_into else answers.get("support"),
                "unavailable": [part for part in PARTS if part in asked and asked[part][1] is not None],
                "not_permitted": [part for part in PARTS if part not in readable]}
    return overview
