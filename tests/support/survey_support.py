"""What the surveys and figures tests share: cases, teams and agents written
straight into the support schema (the surveys area reads the cases table,
it does not own it), and the survey email's link."""

import re
import uuid

from services.support.surveys import commands as surveys
from tests.support.conftest import unique

LINK = re.compile(r"https?://\S+/survey/(\S+)")


def make_agent(db, name=None, email=None):
    user_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO agents (user_id, name, email) VALUES (%s, %s, %s)",
                    (user_id, name or f"Agent {unique()}", email or f"{unique('agent')}@example.com"))
    return user_id


def make_team(db, lead_id=None, nps_enabled=False, name=None):
    team_id = str(uuid.uuid4())
    db.conn.execute("INSERT INTO teams (id, name, lead_id, nps_enabled) VALUES (%s, %s, %s, %s)",
                    (team_id, name or f"Team {unique()}", lead_id, nps_enabled))
    return team_id


def make_case(db, status="resolved", contact_email="ada@example.com", team_id=None, owner_id=None,
              created_at=None, resolved_at=None, subject=None, priority="normal"):
    """A case row as the cases area writes it; returns the row."""
    seq = db.scalar("SELECT nextval('case_numbers')")
    values = {"id": str(uuid.uuid4()), "number_seq": seq, "number": f"CASE-{seq:06d}",
              "subject": subject or f"Printer on fire {unique()}", "contact_email": contact_email,
              "contact_name": "Ada Lovelace", "status": status, "team_id": team_id, "owner_id": owner_id,
              "priority": priority}
    if created_at is not None:
        values["created_at"] = created_at
    if status in ("resolved", "closed"):
        values["resolved_at"] = resolved_at or created_at
    values = {key: value for key, value in values.items() if value is not None or key == "contact_email"}
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    return db.one(f"INSERT INTO cases ({columns}) VALUES ({placeholders}) RETURNING *", list(values.values()))


def resolve(db, case, config, at=None):
    """``surveys.case_resolved`` in a transaction of its own, as the cases area calls it."""
    with db.conn.transaction():
        return surveys.case_resolved(db.conn, case, at, config)


def survey_mails(db, case_id):
    return db.all("SELECT * FROM outgoing_mail WHERE case_id = %s AND kind = 'survey' ORDER BY created_at",
                  (case_id,))


def token_of(mail):
    return LINK.search(mail["text"]).group(1)


def sent_survey(db, config, **case_fields):
    """A resolved case with its survey sent: (case, survey row, token)."""
    case = make_case(db, **case_fields)
    survey = resolve(db, case, config)
    [mail] = survey_mails(db, case["id"])
    return case, survey, token_of(mail)
