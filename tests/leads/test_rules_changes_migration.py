"""Migration 0006 on a database that already has rules: the rules in force
become the first entries of their history, exactly as the service reads them."""

import shutil

from services.leads.assignment.store import load_rules_state as assignment_state
from services.leads.scoring.store import load_rules_state as scoring_state
from shared.kit.migrate import migrate
from shared.kit.paths import ROOT
from tests.helpers import SchemaDb
from tests.services import scratch_database

LEADS_MIGRATIONS = ROOT / "services" / "leads" / "migrations"


def test_the_rules_in_force_start_the_history(database_url, tmp_path):
    before = tmp_path / "before"
    before.mkdir()
    for path in sorted(LEADS_MIGRATIONS.glob("*.sql")):
        if path.name < "0006":
            shutil.copy(path, before / path.name)
    with scratch_database(database_url, "rules-history") as url:
        migrate(url, "leads", before)
        db = SchemaDb(url, "leads")
        try:
            db.all("INSERT INTO scoring_rules (id, position, name, field, operator, value, points, enabled) VALUES"
                   " ('b', 1, 'Phone', 'phone', 'present', 'null', 3, true),"
                   " ('a', 0, 'Email', 'email', 'present', 'null', 5, false) RETURNING id")
            db.all("UPDATE scoring_state SET version = 7, changed_by = 'carol' RETURNING version")
            db.all("INSERT INTO assignment_rules (id, name, priority, kind, countries, industries, sources, owners)"
                   " VALUES ('de', 'Germany', 10, 'territory', '{DE}', '{}', '{}', '{ann,bob}') RETURNING id")
            db.all("UPDATE assignment_state SET version = 3, changed_by = 'alice', changed_at = now()"
                   " RETURNING version")
            expected = {"scoring": scoring_state(db.conn), "assignment": assignment_state(db.conn)}

            assert migrate(url, "leads", LEADS_MIGRATIONS)[0] == ("own", 6)  # and the ones after it
            rows = {row["kind"]: row for row in db.all("SELECT * FROM rules_changes ORDER BY id")}
            assert set(rows) == {"scoring", "assignment"}
            for kind, state in expected.items():
                assert (rows[kind]["version"], rows[kind]["changed_by"], rows[kind]["changed_at"]) == (
                    state["version"], state["changed_by"], state["changed_at"])
                assert rows[kind]["rules"] == state["rules"], kind
            assert [rule["id"] for rule in rows["scoring"]["rules"]] == ["a", "b"]  # in position order
        finally:
            db.close()


def test_a_new_database_starts_with_an_empty_history(database_url):
    with scratch_database(database_url, "rules-history-new") as url:
        migrate(url, "leads", LEADS_MIGRATIONS)
        db = SchemaDb(url, "leads")
        try:
            assert db.scalar("SELECT count(*) FROM rules_changes") == 0  # the seeding at start is its first entry
        finally:
            db.close()
