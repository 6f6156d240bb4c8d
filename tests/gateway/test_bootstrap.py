"""``python -m gateway.bootstrap``: the first admin and its token file."""

import os
import stat
import subprocess
import sys
import uuid

import psycopg
import pytest
from psycopg.rows import dict_row

from gateway import users
from shared.kit.migrate import migrate, migrations_dir
from shared.kit.paths import ROOT


@pytest.fixture
def fresh_schema(database_url):
    schema = f"gateway_boot_{uuid.uuid4().hex[:8]}"
    migrate(database_url, schema, migrations_dir("gateway"), with_kit=False)
    yield schema
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def run_bootstrap(test_env, schema, token_file, *args):
    env = {**test_env, "DB_SCHEMA": schema, "CRM_ADMIN_TOKEN_FILE": str(token_file)}
    return subprocess.run([sys.executable, "-m", "gateway.bootstrap", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_first_run_creates_admin_and_token_file(test_env, fresh_schema, tmp_path, database_url):
    token_file = tmp_path / "state" / "admin-token"
    result = run_bootstrap(test_env, fresh_schema, token_file)
    assert result.returncode == 0, result.stderr
    token = token_file.read_text().strip()
    assert users.looks_like_token(token)
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert str(token_file) in result.stdout
    assert token not in result.stdout + result.stderr
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}") as conn:
        row = conn.execute("SELECT u.username, u.role FROM api_tokens t JOIN users u"
                           " ON u.id = t.user_id WHERE t.token_hash = %s", (users.hash_token(token),)).fetchone()
    assert row == ("admin", "admin")
    # A person signs in to the console as admin with the password beside the token.
    password_file = token_file.with_name("admin-password")
    password = password_file.read_text().strip()
    assert len(password) >= 16 and stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    assert str(password_file) in result.stdout and password not in result.stdout + result.stderr
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}", row_factory=dict_row) as conn:
        assert users.check_password(conn, "admin", password)["username"] == "admin"

    again = run_bootstrap(test_env, fresh_schema, token_file)
    assert again.returncode == 0, again.stderr
    assert str(token_file) in again.stdout and "exists" in again.stdout
    assert token_file.read_text().strip() == token
    assert password_file.read_text().strip() == password  # kept: set once
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}") as conn:
        assert conn.execute("SELECT count(*) FROM api_tokens").fetchone()[0] == 1


def test_a_checkout_without_the_token_file_gets_a_new_token_for_admin(test_env, fresh_schema, tmp_path,
                                                                       database_url):
    first = tmp_path / "one" / "admin-token"
    second = tmp_path / "two" / "admin-token"
    assert run_bootstrap(test_env, fresh_schema, first).returncode == 0

    result = run_bootstrap(test_env, fresh_schema, second)

    assert result.returncode == 0, result.stderr
    assert str(second) in result.stdout and "new API token" in result.stdout
    tokens = [path.read_text().strip() for path in (first, second)]
    assert tokens[0] != tokens[1] and stat.S_IMODE(os.stat(second).st_mode) == 0o600
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}") as conn:
        owners = conn.execute("SELECT DISTINCT u.username FROM api_tokens t JOIN users u ON u.id = t.user_id"
                              " WHERE t.token_hash = ANY(%s)", ([users.hash_token(t) for t in tokens],)).fetchall()
        assert owners == [("admin",)]
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 1


def test_a_second_checkout_keeps_the_admin_password_and_can_ask_for_a_new_one(test_env, fresh_schema, tmp_path,
                                                                              database_url):
    first, second = tmp_path / "one" / "admin-token", tmp_path / "two" / "admin-token"
    assert run_bootstrap(test_env, fresh_schema, first).returncode == 0
    password = first.with_name("admin-password").read_text().strip()

    kept = run_bootstrap(test_env, fresh_schema, second)
    assert kept.returncode == 0 and "--new-admin-password" in kept.stdout
    assert not second.with_name("admin-password").exists()

    renewed = run_bootstrap(test_env, fresh_schema, second, "--new-admin-password")
    assert renewed.returncode == 0, renewed.stderr
    new = second.with_name("admin-password").read_text().strip()
    assert new != password and new not in renewed.stdout
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}", row_factory=dict_row) as conn:
        assert users.check_password(conn, "admin", new) is not None
        assert users.check_password(conn, "admin", password) is None


def test_no_second_admin_when_one_exists(test_env, fresh_schema, tmp_path, database_url):
    with psycopg.connect(database_url, options=f"-c search_path={fresh_schema}",
                         row_factory=psycopg.rows.dict_row) as conn:
        users.create_user(conn, "chief", "admin")
    token_file = tmp_path / "admin-token"
    result = run_bootstrap(test_env, fresh_schema, token_file)
    assert result.returncode == 0 and not token_file.exists()
    assert str(token_file) in result.stdout


def test_unmigrated_database_is_a_clear_error(test_env, tmp_path):
    result = run_bootstrap(test_env, f"missing_{uuid.uuid4().hex[:6]}", tmp_path / "t")
    assert result.returncode == 1
    assert "migrate gateway" in result.stderr
