"""Versioned SQL migrations, one schema per component, under an advisory lock.

Files are ``migrations/NNNN_description.sql`` and run in version order, each
in its own transaction together with its row in ``schema_migrations``.  The
kit's own tables (outbox, inbox) come first, from ``shared/kit/migrations``,
recorded under the source ``kit``; the component's files under ``own``.  A
session-level advisory lock keyed on the schema makes concurrent runs (two
replicas, or a Job racing ``make up``) wait for each other instead of racing.
An applied file whose content changed is refused: write a new migration.

    python -m shared.kit.migrate leads
"""

import argparse
import hashlib
import logging
import re
import sys

import psycopg

from shared.kit.config import load_component_config
from shared.kit.paths import ROOT, migrations_dir

log = logging.getLogger(__name__)
KIT_MIGRATIONS = ROOT / "shared" / "kit" / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    pass


def discover(directory):
    """(version, name, sql, checksum) for each migration file, in order."""
    found = []
    for path in sorted(directory.iterdir()):
        match = _NAME.match(path.name)
        if not match:
            if path.suffix == ".sql":
                raise MigrationError(f"{path.name}: name must look like 0001_description.sql")
            continue
        sql = path.read_text()
        found.append((int(match.group(1)), match.group(2), sql, hashlib.sha256(sql.encode()).hexdigest()))
    versions = [item[0] for item in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"{directory}: two migrations share a version number")
    return found


def migrate(database_url, schema, directory, with_kit=True):
    """Apply pending migrations; returns the (source, version) pairs applied now."""
    sources = ([("kit", KIT_MIGRATIONS)] if with_kit else []) + [("own", directory)]
    applied_now = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"crm-migrate:{schema}",))
        try:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(
                f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                " source text NOT NULL, version integer NOT NULL, name text NOT NULL,"
                " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
                " PRIMARY KEY (source, version))"
            )
            done = {
                (row[0], row[1]): row[2]
                for row in conn.execute(f'SELECT source, version, checksum FROM "{schema}".schema_migrations')
            }
            for source, folder in sources:
                for version, name, sql, checksum in discover(folder):
                    if (source, version) in done:
                        if done[(source, version)] != checksum:
                            raise MigrationError(
                                f"{schema} migration {source}/{version:04d}_{name} was changed after it"
                                " was applied; add a new migration instead"
                            )
                        continue
                    with conn.transaction():
                        conn.execute(f'SET LOCAL search_path TO "{schema}", public')
                        conn.execute(sql)
                        conn.execute(
                            f'INSERT INTO "{schema}".schema_migrations (source, version, name, checksum)'
                            " VALUES (%s, %s, %s, %s)",
                            (source, version, name, checksum),
                        )
                    log.info("%s: applied %s/%04d_%s", schema, source, version, name)
                    applied_now.append((source, version))
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"crm-migrate:{schema}",))
    return applied_now


def migrate_component(name, config=None):
    config = config or load_component_config(name)
    return migrate(config["DATABASE_URL"], config["DB_SCHEMA"], migrations_dir(name), with_kit=name != "gateway")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a component's SQL migrations.")
    parser.add_argument("component", help="leads, sales, orders, support, campaigns or gateway")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        applied = migrate_component(args.component)
    except (MigrationError, psycopg.Error) as exc:
        print(f"migration of {args.component} failed: {exc}", file=sys.stderr)
        return 1
    print(f"{args.component}: {len(applied)} migration(s) applied, schema up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
