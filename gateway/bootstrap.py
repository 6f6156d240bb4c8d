"""First start: make sure someone can administer the suite.

    python -m gateway.bootstrap

Runs after the gateway's migrations.  When no active admin exists it creates
the user ``admin`` (role admin) and an API token, writes the token to
``.crm/admin-token`` (or CRM_ADMIN_TOKEN_FILE) with mode 600, and prints
where it is; the token itself is never printed and there is no fixed
default.  So that a person can sign in to the console, an ``admin`` without a
password gets a random one, written to ``.crm/admin-password`` (or
CRM_ADMIN_PASSWORD_FILE; by default beside the token file, mode 600); an admin whose password was set by a
person keeps it.  When an admin exists it creates no user: when the token file is
there it changes nothing; when it is missing (another checkout, or it was
deleted) and the user ``admin`` is an active admin, it gives ``admin`` a new
API token in that file, so every checkout that runs ``make up`` against the
database can sign in.  The earlier tokens stay valid (revoke them with the
tokens API).
"""

import argparse
import os
import secrets
import sys
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from gateway import users
from gateway.settings import load_settings
from shared.kit.paths import ROOT

ADMIN_USERNAME = "admin"
TOKEN_NAME = "bootstrap"


def token_file(environ=None):
    environ = os.environ if environ is None else environ
    configured = environ.get("CRM_ADMIN_TOKEN_FILE")
    return Path(configured) if configured else ROOT / ".crm" / "admin-token"


def password_file(environ=None):
    environ = os.environ if environ is None else environ
    configured = environ.get("CRM_ADMIN_PASSWORD_FILE")
    return Path(configured) if configured else token_file(environ).with_name("admin-password")


RESET_COMMAND = ".venv/bin/python -m gateway.bootstrap --new-admin-password"


def ensure_admin_password(conn, path, renew=False):
    """Give ``admin`` a random password in ``path`` when it has none, or
    always with ``renew``.  A password set earlier (by a person, or by the
    ``make up`` of another checkout on the same database) is kept.  Returns a
    message, or None when nothing was needed."""
    admin = conn.execute("SELECT id, password_hash FROM users WHERE username = %s AND role = 'admin' AND active",
                         (ADMIN_USERNAME,)).fetchone()
    if admin is None:
        return f"There is no active user {ADMIN_USERNAME!r}; sign in as another admin." if renew else None
    if not renew and admin["password_hash"] and path.exists():
        return None
    if not renew and admin["password_hash"]:
        return (f"{ADMIN_USERNAME!r} has a password set earlier (by a person, or by another checkout on this "
                f"database); it was kept, and {path} was not written. For a new one in that file: "
                f"{RESET_COMMAND}")
    password = secrets.token_urlsafe(12)
    users.update_user(conn, admin["id"], {"password": password})
    write_secret(path, password)
    return f"{ADMIN_USERNAME!r} signs in to the console with the password in {path} (mode 600)."


def write_secret(path, text):
    """Write ``text`` to ``path`` readable by the owner only (the file never
    exists with looser permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def bootstrap(conn, path):
    """Returns (created, message).  ``conn`` is in a transaction; a
    transaction-level advisory lock keeps two runs from both creating."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('crm-gateway-bootstrap'))")
    if users.active_admins(conn):
        if path.exists():
            return False, f"An admin exists; the bootstrap admin token is in {path}."
        admin = conn.execute("SELECT id FROM users WHERE username = %s AND role = 'admin' AND active",
                             (ADMIN_USERNAME,)).fetchone()
        if admin is None:
            return False, (f"An admin exists; no token file at {path} (create a token with POST /api/v1/tokens, "
                           "or log in).")
        _, token = users.create_token(conn, admin["id"], TOKEN_NAME)
        write_secret(path, token)
        return False, (f"An admin exists; a new API token for {ADMIN_USERNAME!r} is in {path} (mode 600); "
                       "earlier ones stay valid.")
    existing = conn.execute("SELECT id FROM users WHERE username = %s", (ADMIN_USERNAME,)).fetchone()
    if existing:
        conn.execute("UPDATE users SET role = 'admin', active = true WHERE id = %s", (existing["id"],))
        user_id = existing["id"]
    else:
        user_id = users.create_user(conn, ADMIN_USERNAME, "admin", "Administrator")["id"]
    _, token = users.create_token(conn, user_id, TOKEN_NAME)
    write_secret(path, token)
    return True, (f"Created admin user {ADMIN_USERNAME!r}; its API token is in {path} (mode 600). "
                  "Use it as 'Authorization: Bearer <token>'.")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Create the first admin user and its API token.")
    parser.add_argument("--new-admin-password", action="store_true",
                        help="give 'admin' a new random console password, written to the password file")
    args = parser.parse_args(argv)
    settings = load_settings()
    path = token_file()
    try:
        with psycopg.connect(settings["DATABASE_URL"], row_factory=dict_row,
                             options=f"-c search_path={settings['DB_SCHEMA']},public") as conn:
            with conn.transaction():
                _, message = bootstrap(conn, path)
                password_message = ensure_admin_password(conn, password_file(), renew=args.new_admin_password)
    except psycopg.Error as exc:
        print(f"gateway bootstrap failed: {exc}".strip(), file=sys.stderr)
        print("Run `python -m shared.kit.migrate gateway` first and check DATABASE_URL.", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"gateway bootstrap failed: cannot write the token file {path}: {exc}", file=sys.stderr)
        print("Nothing was created; set CRM_ADMIN_TOKEN_FILE to a writable path.", file=sys.stderr)
        return 1
    print(message)
    if password_message:
        print(password_message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
