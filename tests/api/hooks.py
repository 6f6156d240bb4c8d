"""Schemathesis hooks of the contract test (loaded through schemathesis.toml).

Some rules of the contract cannot be said in JSON Schema, so the document
says them in words; ``before_call`` is those words, executable: it brings a
generated request in line with them (without leaving its JSON Schema), so
that every request sent follows the whole contract:

- a ``cursor`` is a value the API handed out (``next_cursor``), never made up;
- ``close_from`` is not after ``close_to``;
- a pipeline's stage keys and positions are unique and its ``next_stages``
  name other stages of it;
- rule ids are unique within scoring or assignment rules, and a ``between``
  rule's value is ``[lo, hi]`` with lo <= hi;
- exchange rates give one rate per currency and ``valid_from``;
- a saved view's ``query`` is a query string its list takes: the empty one
  (the whole list) is sent;
- an owner (``owner``, an assignment rule's ``owners``) is the username of
  an active user: the run's own (CRM_CONTRACT_OWNER);
- a phone (``phone``, a contact's ``phones``) reads as a number: with its
  country code, or national in the record's country;
- an ``Idempotency-Key`` belongs to one request: the API rightly refuses the
  same key with another body (422), so a generated key is made specific to
  its request (an identical request keeps its key and is replayed).

The run must not revoke the token it runs with (CRM_CONTRACT_TOKEN_ID):
revoking one's own token is a logout, not a contract break.

And some refusals are business answers about stored data, not about the
form of a request, documented as such:

- a reference (``account_id``, ``contact_id``, the ``lead_ids`` of a rule
  preview, a ``stage`` of the pipeline) to a record that does not exist: 422
  naming the field ("No such account");
- a contact that would be left without a name; the default pipeline that
  would stop being the default; a contact and an account given together
  that do not belong together; a move to a lost stage without a
  loss_reason (422 saying why).
"""

import hashlib
import json
import os
import re
import uuid
from datetime import UTC, datetime

import schemathesis

IDEMPOTENCY_KEY = "Idempotency-Key"
PHONE = "+44 20 7946 0958"  # reads as a number whatever the record's country
DATE_RANGES = (("close_from", "close_to"), ("due_after", "due_before"))
RULE_SETS = ("/api/v1/leads/scoring-rules", "/api/v1/leads/assignment-rules", "/api/v1/leads/scoring-rules/preview",
             "/api/v1/leads/assignment-rules/preview")
# The fields that name other records, and the messages saying a record does not exist.
REFERENCES = re.compile(r"_ids?$|^stage$")
UNKNOWN_REFERENCE = re.compile(r"^(No such \w+|No \w+ with id \S+|There is no \w+ with id \S+"
                               r"|Not a stage of pipeline \S+)")
# Documented rules about the state of stored records (their problem's detail).
STATE_RULES = re.compile(
    r"^(A contact keeps a first or a last name\."
    r"|There must be a default pipeline: make another pipeline the default instead of unsetting this one\."
    r"|The (contact|opportunity) belongs to account \S+, not \S+; omit account_id or give that one\."
    r"|Contact \S+ belongs to account \S+, not to \S+\."
    r"|Say why the opportunity was lost: moving to \S+ needs a loss_reason\."
    r"|The current password is wrong\.)$")


def _moment(value):
    """A date or an aware date-time of a query, comparable; other text as it is."""
    text = str(value)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return (0, text)
    if moment.tzinfo is None:
        return (1, moment.isoformat())
    return (1, moment.astimezone(UTC).isoformat())


def _fingerprint(case):
    text = json.dumps([case.method, case.path, case.path_parameters, case.query, case.body], sort_keys=True,
                      default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _unique(values, width=64):
    """``values`` made unique by suffixing repeats with their position (a slug stays a slug)."""
    seen, result = set(), []
    for index, value in enumerate(values):
        if value in seen:
            value = f"{value[:width - 1 - len(str(index))]}-{index}"
        seen.add(value)
        result.append(value)
    return result


def _fit_stages(stages):
    if not all(isinstance(stage, dict) and isinstance(stage.get("key"), str) for stage in stages):
        return
    for stage, key in zip(stages, _unique([stage["key"] for stage in stages]), strict=True):
        stage["key"] = key
    # Positions are numbers: 1 and 1.0 are the same position.
    positions = [stage.get("position") for stage in stages]
    numbers = [float(p) if isinstance(p, (int, float)) and not isinstance(p, bool) else json.dumps(p)
               for p in positions]
    if None not in positions and len(set(numbers)) != len(numbers):
        for index, stage in enumerate(stages, 1):
            stage["position"] = index
    keys = {stage["key"] for stage in stages}
    for stage in stages:
        if isinstance(stage.get("next_stages"), list):
            stage["next_stages"] = [key for key in stage["next_stages"]
                                    if isinstance(key, str) and key in keys and key != stage["key"]]


def _fit_rules(rules):
    if not all(isinstance(rule, dict) and isinstance(rule.get("id"), str) for rule in rules):
        return
    for rule, rule_id in zip(rules, _unique([rule["id"] for rule in rules]), strict=True):
        rule["id"] = rule_id
        if rule.get("operator") == "between" and isinstance(rule.get("value"), list):
            rule["value"] = sorted(rule["value"])


def _fit_people(body):
    """Owners name the run's own user; phones are a number with its country code."""
    owner = os.environ.get("CRM_CONTRACT_OWNER")
    if owner and isinstance(body.get("owner"), str):
        body["owner"] = owner
    for rule in body.get("rules") if owner and isinstance(body.get("rules"), list) else ():
        if isinstance(rule, dict) and isinstance(rule.get("owners"), list):
            rule["owners"] = [owner if isinstance(name, str) else name for name in rule["owners"]]
    if isinstance(body.get("phone"), str):
        body["phone"] = PHONE
    if isinstance(body.get("phones"), list):
        body["phones"] = [PHONE if isinstance(phone, str) else phone for phone in body["phones"]]


def _fit_rates(rates):
    """One rate per currency and day (the day defaults to today)."""
    seen, kept = set(), []
    for rate in rates:
        key = json.dumps([str(rate.get("currency", "")).upper(), rate.get("valid_from")] if isinstance(rate, dict)
                         else rate, default=repr)
        if key not in seen:
            seen.add(key)
            kept.append(rate)
    rates[:] = kept


@schemathesis.hook
def before_call(context, case, kwargs):
    query = case.query or {}
    query.pop("cursor", None)
    for start, end in DATE_RANGES:
        if query.get(start) and query.get(end) and _moment(query[start]) > _moment(query[end]):
            query[start], query[end] = query[end], query[start]
    body = case.body if isinstance(case.body, dict) else {}
    _fit_people(body)
    if case.path.startswith("/api/v1/pipelines") and isinstance(body.get("stages"), list):
        _fit_stages(body["stages"])
    if case.path in RULE_SETS and isinstance(body.get("rules"), list):
        _fit_rules(body["rules"])
    if case.path == "/api/v1/exchange-rates" and isinstance(body.get("rates"), list):
        _fit_rates(body["rates"])
    if case.path == "/api/v1/views" and case.method == "POST" and "query" in body:
        body["query"] = ""
    own_token = os.environ.get("CRM_CONTRACT_TOKEN_ID")
    if case.method == "DELETE" and (case.path_parameters or {}).get("token_id") == own_token:
        case.path_parameters["token_id"] = str(uuid.UUID(int=0))
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == IDEMPOTENCY_KEY.lower():
            headers[name] = f"{str(headers[name])[:200]}-{_fingerprint(case)}"


def _business_refusal(response):
    """Whether a 422 refuses the request only for stored data: references to
    records that do not exist, or a documented rule about the record's state."""
    if response.status_code != 422:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    if STATE_RULES.match(str(problem.get("detail"))):
        return True
    errors = problem.get("errors") or {}
    return bool(errors) and all(
        REFERENCES.search(field) and isinstance(messages, list)
        and all(isinstance(message, str) and UNKNOWN_REFERENCE.match(message) for message in messages)
        for field, messages in errors.items())


def _note_refusal(case, response):
    """Append the refusal to CRM_CONTRACT_REFUSALS (JSON lines), for the test's summary."""
    path = os.environ.get("CRM_CONTRACT_REFUSALS")
    if path:
        detail = json.loads(response.content).get("detail")
        with open(path, "a") as notes:
            notes.write(json.dumps({"operation": f"{case.method} {case.path}", "status": response.status_code,
                                    "detail": detail}) + "\n")


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a refusal of valid data for a business reason about stored data."""
    if type(failure).__name__ == "RejectedPositiveData" and _business_refusal(response):
        _note_refusal(case, response)
        return False
    return True
