"""Migrations: ordered, once only, under an advisory lock, each in its own transaction."""

import threading
import uuid

import psycopg
import pytest

from shared.kit.migrate import MigrationError, discover, migrate


@pytest.fixture
def schema(database_url):
    """A throw-away schema name, dropped afterwards."""
    name = f"mig_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@pytest.fixture
def folder(tmp_path):
    """A directory of migration files: ``folder.write("0001_x.sql", sql)``."""
    directory = tmp_path / "migrations"
    directory.mkdir()

    class Folder:
        path = directory

        @staticmethod
        def write(name, sql):
            (directory / name).write_text(sql)

    return Folder


@pytest.fixture
def sql(database_url):
    def run(query, params=()):
        with psycopg.connect(database_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()

    return run


def applied(sql, schema):
    return sql(f'SELECT source, version, name FROM "{schema}".schema_migrations ORDER BY source, version')


def test_migrations_apply_in_version_order(database_url, schema, folder, sql):
    folder.write("0002_add_column.sql", "ALTER TABLE things ADD COLUMN size integer;")
    folder.write("0001_things.sql", "CREATE TABLE things (id serial PRIMARY KEY, name text);")
    folder.write("README.md", "not a migration")

    assert migrate(database_url, schema, folder.path, with_kit=False) == [("own", 1), ("own", 2)]

    assert applied(sql, schema) == [("own", 1, "things"), ("own", 2, "add_column")]
    columns = sql("SELECT column_name FROM information_schema.columns"
                  " WHERE table_schema = %s AND table_name = 'things' ORDER BY ordinal_position", (schema,))
    assert [row[0] for row in columns] == ["id", "name", "size"]


def test_kit_tables_come_first(database_url, schema, folder, sql):
    folder.write("0001_uses_outbox.sql", "CREATE VIEW pending AS SELECT id FROM outbox WHERE published_at IS NULL;")

    applied = migrate(database_url, schema, folder.path)
    assert applied[-1] == ("own", 1) and {source for source, _ in applied[:-1]} == {"kit"}

    tables = sql("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (schema,))
    assert {"outbox", "inbox", "rpc_answers", "schema_migrations", "pending"} <= {row[0] for row in tables}


def test_a_rerun_is_a_no_op(database_url, schema, folder, sql):
    folder.write("0001_log.sql", "CREATE TABLE log (entry text); INSERT INTO log VALUES ('0001');")
    migrate(database_url, schema, folder.path, with_kit=False)

    assert migrate(database_url, schema, folder.path, with_kit=False) == []
    assert sql(f'SELECT entry FROM "{schema}".log') == [("0001",)]

    folder.write("0002_more.sql", "INSERT INTO log VALUES ('0002');")
    assert migrate(database_url, schema, folder.path, with_kit=False) == [("own", 2)]
    assert sql(f'SELECT entry FROM "{schema}".log ORDER BY 1') == [("0001",), ("0002",)]


def test_concurrent_runs_apply_each_migration_once(database_url, schema, folder, sql):
    # the first migration holds the lock for a while, so the others must wait for it
    folder.write("0001_log.sql",
                 "CREATE TABLE log (entry text); SELECT pg_sleep(0.3); INSERT INTO log VALUES ('0001');")
    folder.write("0002_more.sql", "INSERT INTO log VALUES ('0002');")
    folder.write("0003_table.sql", "CREATE TABLE other (id int); INSERT INTO log VALUES ('0003');")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(migrate(database_url, schema, folder.path, with_kit=False))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(results) == 4
    assert sorted(pair for result in results for pair in result) == [("own", 1), ("own", 2), ("own", 3)]
    assert sorted(len(result) for result in results) == [0, 0, 0, 3]
    assert sql(f'SELECT entry FROM "{schema}".log ORDER BY 1') == [("0001",), ("0002",), ("0003",)]
    assert len(applied(sql, schema)) == 3


def test_a_changed_migration_is_refused(database_url, schema, folder):
    folder.write("0001_things.sql", "CREATE TABLE things (id int);")
    migrate(database_url, schema, folder.path, with_kit=False)

    folder.write("0001_things.sql", "CREATE TABLE things (id bigint);")
    folder.write("0002_next.sql", "CREATE TABLE next (id int);")

    with pytest.raises(MigrationError, match="0001_things was changed"):
        migrate(database_url, schema, folder.path, with_kit=False)


@pytest.mark.parametrize("bad_name", ["1_things.sql", "0001-things.sql", "0001_Things.sql", "0001_things.SQL.sql"])
def test_a_bad_filename_is_refused(database_url, schema, folder, sql, bad_name):
    folder.write("0001_good.sql", "CREATE TABLE good (id int);")
    folder.write(bad_name, "CREATE TABLE bad (id int);")

    with pytest.raises(MigrationError, match="0001_description.sql"):
        migrate(database_url, schema, folder.path, with_kit=False)

    # refused before anything ran
    assert sql("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s AND table_name = 'good'",
               (schema,)) == [(0,)]


def test_two_files_with_one_version_are_refused(folder):
    folder.write("0001_one.sql", "SELECT 1;")
    folder.write("0001_two.sql", "SELECT 2;")

    with pytest.raises(MigrationError, match="share a version"):
        discover(folder.path)


def test_a_failing_migration_leaves_nothing_half_applied(database_url, schema, folder, sql):
    folder.write("0001_things.sql", "CREATE TABLE things (id int);")
    folder.write("0002_broken.sql", "CREATE TABLE half (id int); INSERT INTO no_such_table VALUES (1);")
    folder.write("0003_after.sql", "CREATE TABLE after_broken (id int);")

    with pytest.raises(psycopg.errors.UndefinedTable):
        migrate(database_url, schema, folder.path, with_kit=False)

    assert applied(sql, schema) == [("own", 1, "things")]
    tables = sql("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))
    assert {row[0] for row in tables} == {"schema_migrations", "things"}

    # a fixed file (never applied, so it may change) goes through, and the lock was released
    folder.write("0002_broken.sql", "CREATE TABLE half (id int);")
    assert migrate(database_url, schema, folder.path, with_kit=False) == [("own", 2), ("own", 3)]
