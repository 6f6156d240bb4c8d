"""What the cases RPCs answer and their events carry matches the shared
schemas exactly (strict: no field more or less)."""

from shared.schemas.events import contract
from shared.schemas.support.cases import (
    CaseCountsSchema,
    CaseDetailSchema,
    CaseHistoryPageSchema,
    CaseMessagePageSchema,
    CaseMessageSchema,
    CasePageSchema,
)
from tests.support.conftest import known_account, known_contact, known_order


def conforms(schema, value):
    schema.load(value)  # raises on a missing, unknown or mistyped field


def test_results_and_events_match_their_schemas(support, db, events):
    account = known_account(db)
    contact = known_contact(db, account)
    order = known_order(db, account)
    case = support.create_case({"subject": "Contracts", "contact_id": contact, "order_id": order, "tags": ["x"]},
                               "ann")
    duplicate = support.create_case({"subject": "Contracts again", "contact_id": contact}, "ann")
    conforms(CaseDetailSchema(), case)
    conforms(CaseMessageSchema(), support.add_case_message(case["id"], {"kind": "reply", "body": "Hi"}, "ann"))
    conforms(CaseMessageSchema(), support.add_case_message(case["id"], {"kind": "note", "body": "Hm"}, "ann"))
    conforms(CaseDetailSchema(), support.update_case(case["id"], {"priority": "high"}, "ann"))
    conforms(CaseDetailSchema(), support.change_case_status(case["id"], "resolved", "ann"))
    conforms(CaseDetailSchema(), support.change_case_status(case["id"], "open", "ann"))
    conforms(CaseDetailSchema(), support.merge_case(duplicate["id"], {"target_id": case["id"]}, "ann"))
    conforms(CaseDetailSchema(), support.change_case_status(case["id"], "closed", "ann"))
    conforms(CaseDetailSchema(), support.get_case(case["id"]))
    conforms(CasePageSchema(), support.list_cases({"account_id": account, "include_merged": True}))
    conforms(CaseCountsSchema(), support.count_cases({"account_id": account}))
    conforms(CaseMessagePageSchema(), support.list_case_messages(case["id"]))
    conforms(CaseHistoryPageSchema(), support.case_history(case["id"]))

    events.settle(db, [case["id"], duplicate["id"]])
    received = events.of(subject_id=case["id"]) + events.of(subject_id=duplicate["id"])
    assert {"case.opened", "case.replied", "case.status_changed", "case.resolved", "case.reopened", "case.closed",
            "case.merged"} <= {event.type for event in received}
    for event in received:
        conforms(contract(event.type).schema(), event.data)
