"""Satisfaction surveys against the real service, database and broker: a
resolved case's contact gets one survey with a signed single-use link that
expires; the answer (CSAT, comment, NPS when the team asks it) is taken
once, even when two arrive together; a low score opens a follow-up task
for the team lead (or the case owner) that names the case and the answer."""

import datetime

import pytest

from services.support.surveys import links
from shared.schemas.errors import Conflict, Gone, IllegalTransition, NotFound, ValidationFailed
from shared.schemas.support.surveys import PublicSurveySchema, SurveyAnsweredEventSchema, TaskSchema
from tests.support.conftest import concurrently
from tests.support.survey_support import (
    make_agent,
    make_case,
    make_team,
    resolve,
    sent_survey,
    survey_mails,
    token_of,
)

# Sending ------------------------------------------------------------------------

def test_a_resolved_case_mails_its_contact_a_survey_link(db, support_config):
    case = make_case(db, contact_email="grace@example.com")
    survey = resolve(db, case, support_config)
    [mail] = survey_mails(db, case["id"])
    assert mail["to_addresses"] == ["grace@example.com"]
    assert case["number"] in mail["subject"]
    public_url = str(support_config["PUBLIC_URL"]).rstrip("/")
    assert f"{public_url}/survey/" in mail["text"]
    assert mail["headers"].get("Auto-Submitted") == "auto-generated"
    token = token_of(mail)
    assert links.survey_id_of(support_config["SURVEY_SECRET"], token) == str(survey["id"])
    days = int(support_config["SURVEY_VALID_DAYS"])
    assert survey["expires_at"] - survey["sent_at"] == datetime.timedelta(days=days)
    assert survey["status"] == "open" and survey["nps_asked"] is False


def test_the_contacts_own_address_comes_first(db, support_config):
    contact_id = db.scalar("INSERT INTO contacts (id, first_name, email) VALUES (gen_random_uuid(), 'Ada',"
                           " 'ada.lovelace@example.com') RETURNING id")
    case = make_case(db, contact_email="sender@example.com")
    case = db.one("UPDATE cases SET contact_id = %s WHERE id = %s RETURNING *", (contact_id, case["id"]))
    survey = resolve(db, case, support_config)
    assert survey["email"] == "ada.lovelace@example.com"
    assert survey_mails(db, case["id"])[0]["to_addresses"] == ["ada.lovelace@example.com"]


def test_a_case_without_an_email_address_gets_no_survey(db, support_config):
    case = make_case(db, contact_email=None)
    assert resolve(db, case, support_config) is None
    assert db.scalar("SELECT count(*) FROM surveys WHERE case_id = %s", (case["id"],)) == 0


def test_resolving_again_while_the_survey_is_open_sends_no_second_one(db, support_config):
    case, first, _ = sent_survey(db, support_config)
    for _ in range(3):  # a reopen-resolve storm
        assert resolve(db, case, support_config) is None
    assert len(survey_mails(db, case["id"])) == 1
    assert db.scalar("SELECT count(*) FROM surveys WHERE case_id = %s", (case["id"],)) == 1


def test_after_an_answer_a_new_resolution_sends_a_new_survey(db, support, support_config):
    case, _, token = sent_survey(db, support_config)
    support.answer_survey(token, {"csat": 4})
    assert resolve(db, case, support_config) is not None
    assert len(survey_mails(db, case["id"])) == 2


def test_an_expired_open_survey_is_closed_and_a_new_one_sent(db, support_config):
    case, first, _ = sent_survey(db, support_config)
    later = first["expires_at"] + datetime.timedelta(seconds=1)
    second = resolve(db, case, support_config, at=later)
    assert second is not None and second["id"] != first["id"]
    assert db.scalar("SELECT status FROM surveys WHERE id = %s", (first["id"],)) == "expired"


def test_an_address_the_mail_area_refuses_sends_nothing_and_breaks_nothing(db, support_config):
    case = make_case(db, contact_email="not an address")
    assert resolve(db, case, support_config) is None
    assert db.scalar("SELECT count(*) FROM surveys WHERE case_id = %s", (case["id"],)) == 0


# Reading and answering ------------------------------------------------------------

def test_the_link_shows_the_survey(db, support, support_config):
    case, _, token = sent_survey(db, support_config)
    survey = support.survey_for_link(token)
    assert PublicSurveySchema().validate(survey) == {}
    assert survey["case_number"] == case["number"] and survey["case_subject"] == case["subject"]
    assert survey["status"] == "open" and survey["nps_asked"] is False
    assert "email" not in survey


def test_an_answer_is_recorded_once_and_announced(db, support, support_config, events):
    case, survey, token = sent_survey(db, support_config)
    answer = support.answer_survey(token, {"csat": 5, "comment": "  Quick and kind.  "})
    assert answer["status"] == "answered" and answer["answered_at"]
    row = db.one("SELECT * FROM surveys WHERE id = %s", (survey["id"],))
    assert (row["csat"], row["comment"], row["nps"]) == (5, "Quick and kind.", None)
    [event] = events.wait_for("survey.answered", survey["id"])
    assert event.data["survey"]["case_id"] == str(case["id"])
    assert event.data["survey"]["csat"] == 5 and event.data["task_id"] is None
    with pytest.raises(Conflict):
        support.answer_survey(token, {"csat": 1})
    with pytest.raises(Conflict):
        support.survey_for_link(token, True)
    assert support.survey_for_link(token)["status"] == "answered"
    assert db.scalar("SELECT csat FROM surveys WHERE id = %s", (survey["id"],)) == 5


def test_two_answers_at_once_one_wins_the_other_is_409(db, rpc_proxy, support, support_config):
    _, survey, token = sent_survey(db, support_config)
    results = concurrently(rpc_proxy, [
        lambda cluster: cluster.support.answer_survey(token, {"csat": 2}),
        lambda cluster: cluster.support.answer_survey(token, {"csat": 5}),
        lambda cluster: cluster.support.answer_survey(token, {"csat": 4}),
    ])
    won = [result for result in results if isinstance(result, dict)]
    lost = [result for result in results if isinstance(result, Exception)]
    assert len(won) == 1 and len(lost) == 2, results
    assert all(isinstance(error, Conflict) for error in lost), lost
    row = db.one("SELECT * FROM surveys WHERE id = %s", (survey["id"],))
    assert row["status"] == "answered"
    assert db.scalar("SELECT count(*) FROM outbox WHERE event_type = 'survey.answered' AND body::text LIKE %s",
                     (f"%{survey['id']}%",)) == 1
    tasks = db.scalar("SELECT count(*) FROM tasks WHERE survey_id = %s", (survey["id"],))
    assert tasks == (1 if row["csat"] <= 2 else 0)


def test_an_altered_link_is_not_found(db, support, support_config):
    _, _, token = sent_survey(db, support_config)
    payload, signature = token.split(".")
    for bad in (payload + "." + signature[::-1], token[:-3], payload, links.sign("another key", "x"),
                links.sign("another key", db.scalar("SELECT gen_random_uuid()::text"))):
        with pytest.raises(NotFound):
            support.survey_for_link(bad)
        with pytest.raises(NotFound):
            support.answer_survey(bad, {"csat": 5})


def test_a_signed_link_of_no_survey_is_not_found(support, support_config):
    token = links.sign(support_config["SURVEY_SECRET"], "6f0c1b9e-2d1c-4d84-9a0e-2b0b6a1f0c11")
    with pytest.raises(NotFound):
        support.answer_survey(token, {"csat": 5})


def test_an_expired_link_is_gone(db, support, support_config):
    _, survey, token = sent_survey(db, support_config)
    db.conn.execute("UPDATE surveys SET sent_at = now() - interval '15 days', expires_at = now() - interval '1 day'"
                    " WHERE id = %s", (survey["id"],))
    with pytest.raises(Gone):
        support.answer_survey(token, {"csat": 5})
    with pytest.raises(Gone):
        support.survey_for_link(token, True)
    assert support.survey_for_link(token)["status"] == "expired"
    assert db.scalar("SELECT status FROM surveys WHERE id = %s", (survey["id"],)) == "open"


@pytest.mark.parametrize(("answer", "field"), [
    ({}, "csat"),
    ({"csat": 0}, "csat"),
    ({"csat": 6}, "csat"),
    ({"csat": 4.5}, "csat"),
    ({"csat": "great"}, "csat"),
    ({"csat": None}, "csat"),
    ({"csat": 5, "nps": 11}, "nps"),
    ({"csat": 5, "comment": "x" * 4001}, "comment"),
    ({"csat": 5, "mood": "happy"}, "mood"),
])
def test_bad_answers_are_refused_and_change_nothing(db, support, support_config, answer, field):
    _, survey, token = sent_survey(db, support_config)
    with pytest.raises(ValidationFailed) as refused:
        support.answer_survey(token, answer)
    assert field in refused.value.errors
    assert db.scalar("SELECT status FROM surveys WHERE id = %s", (survey["id"],)) == "open"


# NPS --------------------------------------------------------------------------------

def test_nps_is_asked_only_when_the_team_enabled_it(db, support, support_config):
    asking = make_team(db, nps_enabled=True)
    silent = make_team(db, nps_enabled=False)
    _, asked, asked_token = sent_survey(db, support_config, team_id=asking)
    _, not_asked, other_token = sent_survey(db, support_config, team_id=silent)
    assert asked["nps_asked"] is True and not_asked["nps_asked"] is False
    assert support.survey_for_link(asked_token)["nps_asked"] is True

    with pytest.raises(ValidationFailed) as refused:
        support.answer_survey(other_token, {"csat": 4, "nps": 9})
    assert "nps" in refused.value.errors
    support.answer_survey(other_token, {"csat": 4})
    support.answer_survey(asked_token, {"csat": 4, "nps": 9})
    assert db.scalar("SELECT nps FROM surveys WHERE id = %s", (asked["id"],)) == 9
    assert db.scalar("SELECT nps FROM surveys WHERE id = %s", (not_asked["id"],)) is None


def test_nps_stays_optional_where_asked(db, support, support_config):
    _, survey, token = sent_survey(db, support_config, team_id=make_team(db, nps_enabled=True))
    support.answer_survey(token, {"csat": 3})
    assert db.scalar("SELECT nps FROM surveys WHERE id = %s", (survey["id"],)) is None


# Follow-up tasks --------------------------------------------------------------------

def test_a_low_score_opens_a_task_for_the_team_lead(db, support, support_config, events):
    lead = make_agent(db, email="lead@example.com")
    team = make_team(db, lead_id=lead)
    case, survey, token = sent_survey(db, support_config, team_id=team, owner_id=make_agent(db))
    support.answer_survey(token, {"csat": 1, "comment": "Nobody called back."})
    [event] = events.wait_for("survey.answered", survey["id"])
    assert event.data["survey"]["low_score"] is True
    assert SurveyAnsweredEventSchema().validate(event.data) == {}
    task = support.get_task(event.data["task_id"])
    assert TaskSchema().validate(task) == {}
    assert task["assignee_id"] == lead and task["team_id"] == team
    assert task["case_id"] == str(case["id"]) and task["survey_id"] == str(survey["id"])
    assert task["case_number"] == case["number"] and case["number"] in task["title"]
    assert (task["csat"], task["comment"], task["status"]) == (1, "Nobody called back.", "open")
    hours = int(support_config["SURVEY_FOLLOW_UP_HOURS"])
    answered_at = db.scalar("SELECT answered_at FROM surveys WHERE id = %s", (survey["id"],))
    assert datetime.datetime.fromisoformat(task["due_at"]) == answered_at + datetime.timedelta(hours=hours)
    assert event.data["case"]["id"] == str(case["id"]) and event.data["case"]["number"] == case["number"]
    [told] = db.all("SELECT * FROM outgoing_mail WHERE case_id = %s AND kind = 'survey_follow_up'", (case["id"],))
    assert told["to_addresses"] == ["lead@example.com"] and "Nobody called back." in told["text"]
    assert case["number"] in told["subject"] and "1 out of 5" in told["text"]


def test_without_a_lead_the_case_owner_gets_the_task(db, support, support_config):
    team = make_team(db)
    owner = make_agent(db)
    case, survey, token = sent_survey(db, support_config, team_id=team, owner_id=owner)
    support.answer_survey(token, {"csat": 2})
    [task] = support.list_tasks({"case_id": str(case["id"])})["items"]
    assert task["assignee_id"] == owner and task["survey_id"] == str(survey["id"])


def test_a_fair_score_opens_no_task(db, support, support_config):
    case, _, token = sent_survey(db, support_config, owner_id=make_agent(db))
    support.answer_survey(token, {"csat": 3})
    assert support.list_tasks({"case_id": str(case["id"])})["items"] == []


def test_tasks_are_listed_by_assignee_and_team_and_marked_done(db, support, support_config):
    lead = make_agent(db)
    team = make_team(db, lead_id=lead)
    ids = []
    for _ in range(3):
        _, survey, token = sent_survey(db, support_config, team_id=team)
        support.answer_survey(token, {"csat": 1})
        ids.append(db.scalar("SELECT id::text FROM tasks WHERE survey_id = %s", (survey["id"],)))
    mine = support.list_tasks({"assignee_id": [lead, make_agent(db)], "limit": 2})
    assert [task["id"] for task in mine["items"]] == ids[:2] and mine["next_cursor"]
    rest = support.list_tasks({"assignee_id": [lead], "limit": 2, "cursor": mine["next_cursor"]})
    assert [task["id"] for task in rest["items"]] == ids[2:] and rest["next_cursor"] is None

    done = support.complete_task(ids[0], {"note": "Called, refunded."}, "ann")
    assert (done["status"], done["done_by"], done["note"], done["version"]) == ("done", "ann", "Called, refunded.", 2)
    with pytest.raises(IllegalTransition):
        support.complete_task(ids[0], {}, "bob")
    open_ones = support.list_tasks({"team_id": team, "status": "open"})["items"]
    assert [task["id"] for task in open_ones] == ids[1:]


def test_task_calls_refuse_bad_input(support):
    with pytest.raises(NotFound):
        support.get_task("not-an-id")
    with pytest.raises(NotFound):
        support.complete_task("6f0c1b9e-2d1c-4d84-9a0e-2b0b6a1f0c11", {}, "ann")
    with pytest.raises(ValidationFailed):
        support.list_tasks({"status": "maybe"})
    with pytest.raises(ValidationFailed):
        support.complete_task("6f0c1b9e-2d1c-4d84-9a0e-2b0b6a1f0c11", {"note": "x" * 2001}, "ann")


def test_a_case_lists_its_surveys(db, support, support_config):
    case, survey, token = sent_survey(db, support_config)
    support.answer_survey(token, {"csat": 4})
    [listed] = support.case_surveys(str(case["id"]))["items"]
    assert listed["id"] == str(survey["id"]) and listed["csat"] == 4 and listed["status"] == "answered"


# Through the cases area -----------------------------------------------------------------

def test_resolving_a_case_by_rpc_sends_one_survey_across_reopen_and_resolve(db, support):
    case = support.create_case({"subject": "Invoice missing", "contact_email": "linus@example.com",
                                "channel": "email"}, "ann")
    support.change_case_status(case["id"], "resolved", "ann")
    support.change_case_status(case["id"], "open", "ann")
    support.change_case_status(case["id"], "resolved", "ann")
    [mail] = survey_mails(db, case["id"])
    assert mail["to_addresses"] == ["linus@example.com"]
    answer = support.answer_survey(token_of(mail), {"csat": 5})
    assert answer["status"] == "answered"
