"""Satisfaction surveys and their follow-up tasks: each operation takes a
connection inside the caller's transaction and writes its change, its
email (the mail area's queue) and its events (the outbox) together.

- ``case_resolved``: the cases area calls it when a case is resolved; a
  contact with an email address gets a survey with a signed single-use link
  that expires after SURVEY_VALID_DAYS.  At most one survey of a case is
  open: resolving again while it is open sends nothing.
- ``answer``: CSAT 1-5, a comment, NPS 0-10 when the survey asks it.  A
  low CSAT (at most SURVEY_LOW_CSAT) opens a follow-up task for the team
  lead, or the case owner when the team has none: the task names the case
  and the answer.  ``survey.answered``.
- tasks: listed (mine, my team's, a case's) and marked done.

The mail and teams areas are imported where they are used: the cases area
imports this module, and these import the cases area's neighbours.
"""

import datetime
import logging

from services.support.surveys import links, settings, store
from shared.kit import outbox
from shared.kit.rows import plain
from shared.schemas.errors import Conflict, Gone, IllegalTransition, NotFound, ValidationFailed

SURVEY_FIELDS = ("id", "case_id", "case_number", "team_id", "owner_id", "email", "nps_asked", "sent_at",
                 "expires_at", "answered_at", "csat", "nps", "comment")
TASK_FIELDS = ("id", "case_id", "case_number", "case_subject", "survey_id", "team_id", "assignee_id", "title",
               "due_at", "status", "done_at", "done_by", "note", "csat", "nps", "comment", "version", "created_at",
               "updated_at")
log = logging.getLogger(__name__)
NOT_VALID = ("This survey link is not valid. Use the link of the email exactly as it came (a link cut by the "
             "mail program may miss its end).")
EXPIRED = "This survey has expired: it could be answered until {expires_at:%Y-%m-%d}. Thank you all the same."
ANSWERED = "This survey was answered already; each survey takes one answer. Thank you!"


def survey_snapshot(row, config):
    """A survey as agents and ``survey.answered`` show it (SurveySchema)."""
    result = {field: plain(row.get(field)) for field in SURVEY_FIELDS}
    result["status"] = row["state"]
    result["low_score"] = row["csat"] is not None and row["csat"] <= settings.low_csat(config)
    return result


def public_snapshot(row):
    """What the contact's page shows (PublicSurveySchema)."""
    return {"case_number": row["case_number"], "case_subject": row["case_subject"], "status": row["state"],
            "nps_asked": row["nps_asked"], "expires_at": plain(row["expires_at"]),
            "answered_at": plain(row["answered_at"])}


def task_snapshot(row):
    return {field: plain(row.get(field)) for field in TASK_FIELDS}


# Sending ------------------------------------------------------------------------

def _team_settings(conn, team_id):
    if team_id is None:
        return {}
    from services.support.teams import commands as teams

    return teams.team_settings(conn, str(team_id)) or {}


def _survey_mail(case, link, valid_days):
    subject = f"How did we do? [{case['number']}] {case['subject']}"
    greeting = f"Hello {case['contact_name']}," if case.get("contact_name") else "Hello,"
    text = (f"{greeting}\n\n"
            f"your case {case['number']} (\"{case['subject']}\") was resolved. Would you tell us how satisfied "
            f"you are with our help? It takes a minute and needs no account:\n\n"
            f"{link}\n\n"
            f"The link works once and for {valid_days} days.\n\n"
            f"Thank you!\n")
    return subject, text


def case_resolved(conn, case, at=None, config=None):
    """Send the survey of a just resolved case (its contact, or the sender
    it was opened from, has an email address); returns the survey row, or None when none was sent: no
    address, or the case has an open survey already (a reopen-resolve storm
    mails the contact once).  An open survey past its expiry is closed and a
    new one sent."""
    from services.support.mail import commands as mail

    config = settings.current(config)
    email = (mail.contact_address(conn, case) or "").strip()  # the contact's address, else the sender's
    if not email:
        return None
    at = at or store.now(conn)
    existing = store.open_survey_of_case(conn, case["id"])
    if existing is not None:
        if existing["expires_at"] > at:
            return None
        store.expire_survey(conn, existing["id"])
    nps_asked = bool(_team_settings(conn, case.get("team_id")).get("nps_enabled"))
    days = settings.valid_days(config)

    try:
        # A savepoint: an address the mail area refuses sends nothing, and the case resolves all the same.
        with conn.transaction():
            row = store.insert_survey(conn, {
                "case_id": str(case["id"]), "team_id": plain(case.get("team_id")),
                "owner_id": plain(case.get("owner_id")), "email": email, "nps_asked": nps_asked, "sent_at": at,
                "expires_at": at + datetime.timedelta(days=days)})
            if row is None:  # another transaction opened one first
                return None
            link = links.link(settings.public_url(config), links.sign(settings.secret(config), row["id"]))
            subject, text = _survey_mail(case, link, days)
            mail.queue_mail(conn, to=email, subject=subject, text=text, case_id=str(case["id"]), kind="survey",
                            headers={"Auto-Submitted": "auto-generated"})
    except ValidationFailed:
        log.warning("no survey for case %s: the mail area refused its contact's address", case.get("number"))
        return None
    return row


# Answering ----------------------------------------------------------------------

def _survey_for_token(conn, token, config):
    survey_id = links.survey_id_of(settings.secret(config), token)
    row = store.get_survey(conn, survey_id) if survey_id else None
    if row is None:
        raise NotFound(NOT_VALID, errors={"token": ["Not a valid survey link."]})
    return row


def _refuse_closed(row):
    if row["state"] == "answered":
        raise Conflict(ANSWERED, errors={"token": ["Answered already."]}, survey_status="answered")
    if row["state"] == "expired":
        raise Gone(EXPIRED.format(expires_at=row["expires_at"]), errors={"token": ["Expired."]},
                   survey_status="expired")


def public_survey(conn, token, config=None):
    """The survey of a link, for its page: NotFound for a link this service
    did not sign; the page says when it was answered or expired."""
    return public_snapshot(_survey_for_token(conn, token, settings.current(config)))


def open_survey(conn, token, config=None):
    """The survey of a link while it can be answered: NotFound, Gone
    (expired) or Conflict (answered) otherwise."""
    row = _survey_for_token(conn, token, settings.current(config))
    _refuse_closed(row)
    return public_snapshot(row)


def answer(conn, token, data, config=None, at=None):
    """Record the answer (SurveyAnswerSchema, loaded); returns the public
    view of the answered survey.  NotFound (bad link), Gone (expired),
    Conflict (answered before, or by a concurrent request that won),
    ValidationFailed on ``nps`` when the survey does not ask it."""
    config = settings.current(config)
    row = _survey_for_token(conn, token, config)
    _refuse_closed(row)
    if data.get("nps") is not None and not row["nps_asked"]:
        raise ValidationFailed("Some fields are invalid; see errors.", errors={
            "nps": ["This survey does not ask how likely you are to recommend us; leave nps out."]})
    at = at or store.now(conn)
    answered = store.answer_survey(conn, row["id"], data["csat"], data.get("nps"), data.get("comment"), at)
    if answered is None:  # answered meanwhile (the row lock let the other answer first) or just expired
        _refuse_closed(store.get_survey(conn, row["id"]))
        raise Conflict(ANSWERED, errors={"token": ["Answered already."]}, survey_status="answered")
    from services.support.cases import commands as cases

    case = cases.get_case(conn, answered["case_id"])
    task = None
    if answered["csat"] <= settings.low_csat(config):
        task = open_follow_up(conn, answered, case, at, config)
    outbox.add(conn, "survey.answered", {"survey": survey_snapshot(answered, config),
                                         "case": cases.case_snapshot(case),
                                         "task_id": plain(task["id"]) if task else None})
    return public_snapshot(answered)


# Follow-up tasks ----------------------------------------------------------------

def _lead_of(conn, team_id):
    if team_id is None:
        return None
    from services.support.teams import commands as teams

    lead = teams.team_lead(conn, str(team_id))
    return None if lead is None else str(lead)


def open_follow_up(conn, survey, case, at, config):
    """The task of a low score: for the lead of the case's team (now), else
    the case's owner; due SURVEY_FOLLOW_UP_HOURS after the answer.  The
    assignee is told by email when the teams area knows their address."""
    assignee = _lead_of(conn, case["team_id"]) or plain(case["owner_id"])
    title = f"Low satisfaction ({survey['csat']}/5) on {case['number']}: {case['subject']}"
    task = store.insert_task(conn, {
        "case_id": str(case["id"]), "survey_id": str(survey["id"]), "team_id": plain(case["team_id"]),
        "assignee_id": assignee, "title": title[:300],
        "due_at": at + datetime.timedelta(hours=settings.follow_up_hours(config)),
        "created_by": "system:surveys"})
    _tell_assignee(conn, task, survey, case)
    return task


def _tell_assignee(conn, task, survey, case):
    if task["assignee_id"] is None:
        return
    from services.support.mail import commands as mail
    from services.support.teams import commands as teams

    agent = teams.agent(conn, str(task["assignee_id"]))
    if not agent or not agent.get("email"):
        return
    lines = [f"{case['contact_name'] or case['contact_email']} rated the handling of {case['number']} "
             f"(\"{case['subject']}\") {survey['csat']} out of 5."]
    if survey["nps"] is not None:
        lines.append(f"Likelihood to recommend: {survey['nps']} out of 10.")
    if survey["comment"]:
        lines.append(f"Their comment:\n\n{survey['comment']}")
    lines.append(f"A follow-up task is yours, due {task['due_at']:%Y-%m-%d %H:%M} UTC.")
    try:
        with conn.transaction():
            mail.queue_notification(conn, to=agent["email"], subject=f"Follow up: {task['title']}",
                                    text="\n\n".join(lines) + "\n", case_id=str(case["id"]), kind="survey_follow_up")
    except ValidationFailed:
        log.warning("follow-up task %s: the mail area refused the assignee's address", task["id"])


def list_tasks(conn, query):
    rows, next_cursor = store.list_tasks(conn, query)
    return {"items": [task_snapshot(row) for row in rows], "next_cursor": next_cursor}


def get_task(conn, task_id):
    return task_snapshot(store.get_task(conn, task_id))


def complete_task(conn, task_id, note, actor, at=None):
    """open -> done, with what was done; IllegalTransition when done already."""
    row = store.get_task(conn, task_id, lock=True)
    if row["status"] == "done":
        message = f"The task was done already (by {row['done_by'] or 'someone'} at {row['done_at']:%Y-%m-%d %H:%M})."
        raise IllegalTransition(message, errors={"status": [message]}, current="done", target="done", allowed=[])
    at = at or store.now(conn)
    return task_snapshot(store.update_task(conn, row["id"], {"status": "done", "done_at": at, "done_by": actor,
                                                             "note": note}))


def surveys_of_case(conn, case_id, config=None):
    config = settings.current(config)
    return {"items": [survey_snapshot(row, config) for row in store.surveys_of_case(conn, case_id)]}
