"""The sending area's SQL: sends, their recipients, the transactional queue."""

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import insert_row

# The sender listens here; a commit that queued mail or started a send wakes it.
NOTIFY_CHANNEL = "campaigns_mail"
RECIPIENT_STATUSES = ("queued", "sending", "sent", "suppressed", "bounced", "failed", "unknown", "cancelled")
# Statuses that count toward an address's frequency cap (the server has, or may have, the email).
CAPPED = ("sending", "sent", "unknown")


def notify(conn):
    """Wake the senders when the caller's transaction commits."""
    conn.execute("SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))


# Sends ------------------------------------------------------------------------------------------

def insert_send(conn, values):
    return insert_row(conn, "email_sends", values)


def find_send(conn, send_id, lock=False):
    return conn.execute(f"SELECT * FROM email_sends WHERE id = %s{' FOR UPDATE' if lock else ''}",
                        (send_id,)).fetchone()


def find_campaign(conn, campaign_id, lock=False):
    return conn.execute(f"SELECT * FROM campaigns WHERE id = %s{' FOR SHARE' if lock else ''}",
                        (campaign_id,)).fetchone()


def find_template(conn, template_id):
    return conn.execute("SELECT * FROM templates WHERE id = %s", (template_id,)).fetchone()


NEWEST_FIRST = KeysetOrder(("created_at", "timestamptz"), ("id", "uuid"), descending=True)


def list_sends(conn, campaign_id, cursor, limit):
    return keyset_page(conn, "SELECT * FROM email_sends", ["campaign_id = %s"], [campaign_id], NEWEST_FIRST,
                       cursor, limit)


def due_scheduled(conn):
    """The next scheduled send whose time has come, locked (another sender skips it)."""
    return conn.execute("SELECT * FROM email_sends WHERE status = 'scheduled' AND scheduled_at <= now() "
                        "ORDER BY scheduled_at LIMIT 1 FOR UPDATE SKIP LOCKED").fetchone()


def mark_started(conn, send_id, recipients):
    """The send runs from now, with the template's version of this moment."""
    return conn.execute(
        "UPDATE email_sends s SET status = 'sending', started_at = now(), recipients = %s, version = s.version + 1,"
        " template_version = (SELECT t.version FROM templates t WHERE t.id = s.template_id), updated_at = now()"
        " WHERE s.id = %s RETURNING s.*", (recipients, send_id)).fetchone()


def template_of_send(conn, send):
    """The template as the send renders it: the version it started with."""
    if send["template_version"] is not None:
        row = conn.execute("SELECT template_id AS id, * FROM template_versions WHERE template_id = %s AND version = %s",
                           (send["template_id"], send["template_version"])).fetchone()
        if row is not None:
            return row
    return find_template(conn, send["template_id"])


def mark_cancelled(conn, send_id, actor):
    conn.execute("UPDATE send_recipients SET status = 'cancelled', reason = 'cancelled', updated_at = now() "
                 "WHERE send_id = %s AND status = 'queued'", (send_id,))
    return conn.execute(
        "UPDATE email_sends SET status = 'cancelled', cancelled_by = %s, finished_at = now(), version = version + 1,"
        " updated_at = now() WHERE id = %s RETURNING *", (actor, send_id)).fetchone()


def complete_finished(conn):
    """Sends with nothing left to decide or send become ``completed``; returns them."""
    return conn.execute(
        "UPDATE email_sends s SET status = 'completed', finished_at = now(), version = version + 1, "
        "updated_at = now() WHERE s.status = 'sending' AND NOT EXISTS (SELECT 1 FROM send_recipients r "
        "WHERE r.send_id = s.id AND r.status IN ('queued', 'sending')) RETURNING *").fetchall()


def counts(conn, send_id):
    rows = conn.execute("SELECT status, count(*) AS n FROM send_recipients WHERE send_id = %s GROUP BY status",
                        (send_id,)).fetchall()
    found = dict.fromkeys(RECIPIENT_STATUSES, 0)
    found.update({row["status"]: row["n"] for row in rows})
    return found


# The audience ---------------------------------------------------------------------------------------

def snapshot_audience(conn, send, person_ids):
    """One queued recipient per person (a person already in the send is
    skipped); returns the ids of the people added."""
    rows = conn.execute(
        "INSERT INTO send_recipients (send_id, campaign_id, person_id, email_norm) "
        "SELECT %s, %s, p.id, p.email_norm FROM people p WHERE p.id = ANY(%s::uuid[]) "
        "ON CONFLICT (send_id, person_id) DO NOTHING RETURNING person_id",
        (send["id"], send["campaign_id"], [str(item) for item in person_ids])).fetchall()
    return [row["person_id"] for row in rows]


# Recipients -----------------------------------------------------------------------------------------

def claim_due_recipient(conn):
    """The next queued recipient of a running send whose time has come,
    locked (FOR UPDATE SKIP LOCKED: replicas share the work)."""
    return conn.execute(
        "SELECT r.* FROM send_recipients r JOIN email_sends s ON s.id = r.send_id "
        "WHERE r.status = 'queued' AND r.next_attempt_at <= now() AND s.status = 'sending' "
        "ORDER BY r.next_attempt_at, r.id LIMIT 1 FOR UPDATE OF r SKIP LOCKED").fetchone()


def person_for_mail(conn, person_id):
    """The person with their account's fields (``account_*``), as a template sees them."""
    return conn.execute(
        "SELECT p.*, a.name AS account_name, a.type AS account_type, a.industry AS account_industry, "
        "a.country AS account_country FROM people p LEFT JOIN accounts a ON a.id = p.account_id "
        "WHERE p.id = %s", (person_id,)).fetchone()


def recent_count(conn, email_norm, days):
    """This address's marketing emails that count toward the cap in the last ``days`` days."""
    return conn.execute(
        "SELECT count(*) AS n FROM send_recipients WHERE email_norm = %s AND status IN ('sending', 'sent', 'unknown')"
        " AND decided_at > now() - make_interval(days => %s)", (email_norm, days)).fetchone()["n"]


def address_in_send(conn, send_id, email_norm, recipient_id):
    """Whether another recipient of this send is (or may have been) mailed at this address."""
    return conn.execute(
        "SELECT 1 FROM send_recipients WHERE send_id = %s AND email_norm = %s AND id <> %s "
        "AND status IN ('sending', 'sent', 'unknown', 'bounced') LIMIT 1",
        (send_id, email_norm, recipient_id)).fetchone() is not None


def mark_suppressed(conn, recipient_id, email_norm, reason):
    return conn.execute(
        "UPDATE send_recipients SET status = 'suppressed', reason = %s, email_norm = %s, decided_at = now(), "
        "claimed_until = NULL, updated_at = now() WHERE id = %s RETURNING *",
        (reason, email_norm, recipient_id)).fetchone()


def mark_sending(conn, recipient_id, email_norm, message_id, lease_seconds):
    """Decided to mail: ``sending`` under a lease (it counts toward the cap from now on)."""
    return conn.execute(
        "UPDATE send_recipients SET status = 'sending', reason = NULL, email_norm = %s, "
        "message_id = coalesce(message_id, %s), attempts = attempts + 1, decided_at = now(), "
        "claimed_until = now() + make_interval(secs => %s), updated_at = now() WHERE id = %s RETURNING *",
        (email_norm, message_id, lease_seconds, recipient_id)).fetchone()


def mark_failed_before_smtp(conn, recipient_id, reason, error):
    return conn.execute(
        "UPDATE send_recipients SET status = 'failed', reason = %s, last_error = %s, decided_at = now(), "
        "claimed_until = NULL, updated_at = now() WHERE id = %s RETURNING *", (reason, error, recipient_id)).fetchone()


def still_claimed(conn, recipient_id, claimed_until):
    """The row, locked, while it is under the claim that set ``claimed_until``
    (``unknown`` too: a slow sender outlived its lease and may still book
    what it knows); None otherwise."""
    return conn.execute(
        "SELECT * FROM send_recipients WHERE id = %s AND status IN ('sending', 'unknown') AND claimed_until = %s "
        "FOR UPDATE", (recipient_id, claimed_until)).fetchone()


def book(conn, recipient_id, status, error=None, reason=None, pause_seconds=0):
    """The outcome of an SMTP attempt."""
    return conn.execute(
        "UPDATE send_recipients SET status = %(status)s, last_error = %(error)s, "
        "reason = coalesce(%(reason)s, CASE WHEN %(status)s = 'queued' THEN NULL ELSE reason END), "
        "sent_at = CASE WHEN %(status)s = 'sent' THEN now() ELSE sent_at END, "
        "bounced_at = CASE WHEN %(status)s = 'bounced' THEN now() ELSE bounced_at END, "
        "next_attempt_at = now() + make_interval(secs => %(pause)s), "
        "claimed_until = CASE WHEN %(status)s = 'sending' THEN claimed_until END, "
        "updated_at = now() WHERE id = %(id)s RETURNING *",
        {"status": status, "error": error, "reason": reason, "pause": pause_seconds, "id": recipient_id}).fetchone()


def expire_leases(conn):
    """Emails left ``sending`` by a sender that died (lease over): ``unknown``, never sent again."""
    return conn.execute(
        "UPDATE send_recipients SET status = 'unknown', reason = 'sender_lost', "
        "last_error = 'The sender stopped while this email was on its way; the server may or may not have it.', "
        "updated_at = now() WHERE status = 'sending' AND claimed_until < now() RETURNING *").fetchall()


def recipient_by_message_id(conn, message_id, lock=False):
    return conn.execute(f"SELECT * FROM send_recipients WHERE message_id = %s{' FOR UPDATE' if lock else ''}",
                        (message_id,)).fetchone()


def mark_bounced(conn, recipient_id, error):
    return conn.execute(
        "UPDATE send_recipients SET status = 'bounced', reason = 'hard_bounce', last_error = %s, bounced_at = now(), "
        "claimed_until = NULL, updated_at = now() WHERE id = %s RETURNING *", (error, recipient_id)).fetchone()


RECIPIENT_ORDER = KeysetOrder(("id", "uuid"))


def list_recipients(conn, send_id, statuses, cursor, limit):
    """A send's recipients with their address, in a stable order; ``(rows, next_cursor)``."""
    where, params = [], [send_id]
    if statuses:
        where.append("status = ANY(%s)")
        params.append(list(statuses))
    return keyset_page(conn, "SELECT * FROM (SELECT r.*, p.email FROM send_recipients r JOIN people p "
                             "ON p.id = r.person_id WHERE r.send_id = %s) recipients", where, params,
                       RECIPIENT_ORDER, cursor, limit)


# Transactional mail -------------------------------------------------------------------------------------

def insert_outgoing(conn, values):
    return insert_row(conn, "outgoing_mail", values, json_columns=("headers",))


def claim_outgoing(conn, lease_seconds):
    """The next due transactional mail, claimed for ``lease_seconds``."""
    return conn.execute(
        "UPDATE outgoing_mail SET next_attempt_at = now() + make_interval(secs => %s) WHERE id = ("
        " SELECT id FROM outgoing_mail WHERE status = 'queued' AND next_attempt_at <= now()"
        " ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
        (lease_seconds,)).fetchone()


def outgoing_still_claimed(conn, mail_id, claimed_until):
    return conn.execute("SELECT * FROM outgoing_mail WHERE id = %s AND status = 'queued' AND next_attempt_at = %s "
                        "FOR UPDATE", (mail_id, claimed_until)).fetchone()


def book_outgoing(conn, mail_id, status, error=None, pause_seconds=0):
    return conn.execute(
        "UPDATE outgoing_mail SET status = %(status)s, attempts = attempts + 1, last_error = %(error)s, "
        "sent_at = CASE WHEN %(status)s = 'sent' THEN now() END, "
        "next_attempt_at = now() + make_interval(secs => %(pause)s), updated_at = now() WHERE id = %(id)s "
        "RETURNING *", {"status": status, "error": error, "pause": pause_seconds, "id": mail_id}).fetchone()


def outgoing_by_message_id(conn, message_id, lock=False):
    return conn.execute(f"SELECT * FROM outgoing_mail WHERE message_id = %s{' FOR UPDATE' if lock else ''}",
                        (message_id,)).fetchone()
