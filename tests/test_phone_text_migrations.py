"""The migrations that add the phone texts run on databases with rows: the
phones saved before stay as they were typed, and that text is their text."""

import shutil

from shared.kit.migrate import migrate
from shared.kit.paths import ROOT
from tests.helpers import SchemaDb
from tests.services import scratch_database


def _migrate_before(url, service, version, tmp_path):
    """Migrate ``service`` up to (not including) migration ``version``."""
    folder = ROOT / "services" / service / "migrations"
    before = tmp_path / service
    before.mkdir()
    for path in sorted(folder.glob("*.sql")):
        if path.name < version:
            shutil.copy(path, before / path.name)
    migrate(url, service, before)
    return folder


def test_leads_keep_their_phones_and_gain_them_as_text(database_url, tmp_path):
    with scratch_database(database_url, "leads-phone-text") as url:
        folder = _migrate_before(url, "leads", "0007", tmp_path)
        db = SchemaDb(url, "leads")
        try:
            db.all("INSERT INTO leads (id, last_name, phone, phone_norm, source) VALUES"
                   " ('00000000-0000-0000-0000-000000000001', 'Typed', '020 7946 0958', '02079460958', 'manual'),"
                   " ('00000000-0000-0000-0000-000000000002', 'None', NULL, NULL, 'manual') RETURNING id")
            db.all("INSERT INTO import_jobs (id, header) VALUES ('00000000-0000-0000-0000-000000000003', '[]')"
                   " RETURNING id")

            assert ("own", 7) in migrate(url, "leads", folder)
            rows = db.all("SELECT last_name, phone, phone_text, phone_norm FROM leads ORDER BY id")
            assert [tuple(row.values()) for row in rows] == [("Typed", "020 7946 0958", "020 7946 0958", "02079460958"),
                                                             ("None", None, None, None)]
            assert db.scalar("SELECT owners FROM import_jobs") is None  # started before: owners not checked
        finally:
            db.close()


def test_contacts_keep_their_phones_and_gain_them_as_texts(database_url, tmp_path):
    with scratch_database(database_url, "sales-phone-text") as url:
        folder = _migrate_before(url, "sales", "0003", tmp_path)
        db = SchemaDb(url, "sales")
        try:
            db.all("INSERT INTO contacts (id, last_name, phones) VALUES"
                   " ('00000000-0000-0000-0000-000000000001', 'Two', '{\"020 7946 0958\",\"+49 30 1234567\"}'),"
                   " ('00000000-0000-0000-0000-000000000002', 'None', '{}') RETURNING id")

            assert ("own", 3) in migrate(url, "sales", folder)
            rows = db.all("SELECT last_name, phones, phones_text FROM contacts ORDER BY id")
            assert [tuple(row.values()) for row in rows] == [
                ("Two", ["020 7946 0958", "+49 30 1234567"], ["020 7946 0958", "+49 30 1234567"]),
                ("None", [], []),
            ]
        finally:
            db.close()
