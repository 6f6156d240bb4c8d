"""Owner ids are the gateway user's id (a UUID) everywhere: the column
(cases.owner_id uuid, agents.user_id of 0002), routing's choice, an owner
set on create or update, and the events of an owned case, which validate
against their schemas (CaseSchema.owner_id is a UUID; ``actor`` / ``author``
stay usernames).  One transaction, rolled back."""

import json
import uuid

import psycopg
from psycopg.rows import dict_row

from services.support.cases import commands
from services.support.teams import commands as teams
from shared.schemas.support.cases import CaseAssignedEventSchema, CaseEventSchema, CaseStatusChangedEventSchema
from tests.support.conftest import unique

SCHEMAS = {"case.opened": CaseEventSchema, "case.assigned": CaseAssignedEventSchema,
           "case.status_changed": CaseStatusChangedEventSchema}


def test_an_owned_case_carries_user_ids_that_match_its_event_schemas(support_database_url, support_migrated):
    conn = psycopg.connect(support_database_url, row_factory=dict_row, options="-c search_path=support,public")
    try:
        column = conn.execute("SELECT data_type FROM information_schema.columns WHERE table_schema = 'support'"
                              " AND table_name = 'cases' AND column_name = 'owner_id'").fetchone()["data_type"]
        assert column == "uuid"
        team = teams.create_team(conn, {"name": f"Owners {unique()}", "assignment_method": "round_robin"}, "ann")
        ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
        for user_id, name in ((ann, "Ann"), (bob, "Bob")):
            teams.add_member(conn, team["id"], {"user_id": user_id, "name": name, "email": f"{name}@example.org"},
                             "ann")
        start = conn.execute("SELECT coalesce(max(id), 0) AS n FROM outbox").fetchone()["n"]
        routed = commands.open_case(conn, {"subject": f"Routed {unique()}", "team_id": team["id"]}, "ann")
        assert str(routed["owner_id"]) in (ann, bob)
        owned = commands.open_case(conn, {"subject": f"Owned {unique()}", "owner_id": ann}, "ann")
        assert str(owned["owner_id"]) == ann
        commands.update_case(conn, owned["id"], {"owner_id": bob}, "ann")
        commands.change_status(conn, owned["id"], "open", "ann")
        rows = conn.execute("SELECT event_type, body FROM outbox WHERE id > %s ORDER BY id", (start,)).fetchall()
        checked = 0
        for row in rows:
            schema = SCHEMAS.get(row["event_type"])
            if schema is None:
                continue
            body = row["body"] if isinstance(row["body"], dict) else json.loads(row["body"])
            data = body.get("data", body)
            loaded = schema().load(data)
            assert isinstance(loaded["case"]["owner_id"], uuid.UUID)
            checked += 1
        assert checked >= 5  # opened x2, assigned x3 (routed, owned, the change), status_changed
        assert conn.execute("SELECT owner_id FROM cases WHERE id = %s", (owned["id"],)).fetchone()["owner_id"] == \
            uuid.UUID(bob)
    finally:
        conn.rollback()
        conn.close()
