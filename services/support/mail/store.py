"""The mail area's SQL: outgoing mail, the polled mailbox's state, the
received mail's Message-IDs."""

from shared.kit.pagination import KeysetOrder, keyset_page
from shared.kit.rows import insert_row

OUTGOING_STATUSES = ("queued", "sent", "failed", "bounced")


# Outgoing ---------------------------------------------------------------------------

def insert_outgoing(conn, values):
    return insert_row(conn, "outgoing_mail", values, json_columns=("headers",))


def find_outgoing(conn, mail_id, lock=False):
    return conn.execute(f"SELECT * FROM outgoing_mail WHERE id = %s{' FOR UPDATE' if lock else ''}",
                        (mail_id,)).fetchone()


def outgoing_by_message_ids(conn, message_ids, lock=False):
    if not message_ids:
        return []
    return conn.execute(f"SELECT * FROM outgoing_mail WHERE message_id = ANY(%s) ORDER BY created_at"
                        f"{' FOR UPDATE' if lock else ''}", (list(message_ids),)).fetchall()


def take_due(conn, limit=1):
    """The next due mail(s), locked; a row another sender holds is skipped."""
    return conn.execute(
        "SELECT * FROM outgoing_mail WHERE status = 'queued' AND next_attempt_at <= now() "
        "ORDER BY next_attempt_at, created_at LIMIT %s FOR UPDATE SKIP LOCKED", (limit,)).fetchall()


def claim_due(conn, lease_seconds):
    """The next due mail, claimed for ``lease_seconds`` (its next attempt
    moved past the lease, in the caller's short transaction): other senders
    leave it alone while it is sent outside any transaction, and a sender
    that died holding it leaves it due again when the lease ends.  None when
    nothing is due."""
    return conn.execute(
        "UPDATE outgoing_mail SET next_attempt_at = now() + make_interval(secs => %s) WHERE id = ("
        " SELECT id FROM outgoing_mail WHERE status = 'queued' AND next_attempt_at <= now()"
        " ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING *",
        (lease_seconds,)).fetchone()


def still_claimed(conn, mail_id, claimed_until):
    """The row, locked, when it is still ``queued`` under the claim that set
    ``claimed_until`` (None when a sender took it after the lease ran out)."""
    return conn.execute("SELECT * FROM outgoing_mail WHERE id = %s AND status = 'queued' AND next_attempt_at = %s "
                        "FOR UPDATE", (mail_id, claimed_until)).fetchone()


def mark_sent(conn, mail_id, error=None):
    return conn.execute(
        "UPDATE outgoing_mail SET status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = %s, "
        "updated_at = now() WHERE id = %s RETURNING *", (error, mail_id)).fetchone()


def mark_retry(conn, mail_id, error, pause_seconds):
    return conn.execute(
        "UPDATE outgoing_mail SET attempts = attempts + 1, last_error = %s, "
        "next_attempt_at = now() + make_interval(secs => %s), updated_at = now() WHERE id = %s RETURNING *",
        (error, pause_seconds, mail_id)).fetchone()


def mark_failed(conn, mail_id, error, attempted=True):
    return conn.execute(
        "UPDATE outgoing_mail SET status = 'failed', attempts = attempts + %s, last_error = %s, updated_at = now() "
        "WHERE id = %s RETURNING *", (1 if attempted else 0, error, mail_id)).fetchone()


def mark_bounced(conn, mail_id, error):
    return conn.execute(
        "UPDATE outgoing_mail SET status = 'bounced', bounced_at = now(), last_error = %s, updated_at = now() "
        "WHERE id = %s RETURNING *", (error, mail_id)).fetchone()


def requeue(conn, mail_id):
    return conn.execute(
        "UPDATE outgoing_mail SET status = 'queued', next_attempt_at = now(), updated_at = now() "
        "WHERE id = %s RETURNING *", (mail_id,)).fetchone()


def counts_by_status(conn):
    rows = conn.execute("SELECT status, count(*) AS n FROM outgoing_mail GROUP BY status").fetchall()
    counts = dict.fromkeys(OUTGOING_STATUSES, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def due_count(conn):
    row = conn.execute("SELECT count(*) AS n, min(next_attempt_at) AS oldest FROM outgoing_mail "
                       "WHERE status = 'queued' AND next_attempt_at <= now()").fetchone()
    return row["n"], row["oldest"]


NEWEST_FIRST = KeysetOrder(("updated_at", "timestamptz"), ("id", "uuid"), descending=True)


def list_outgoing(conn, statuses, case_id, cursor, limit):
    """Newest change first; ``(rows, next_cursor)``."""
    where, params = [], []
    if statuses:
        where.append("status = ANY(%s)")
        params.append(list(statuses))
    if case_id:
        where.append("case_id = %s")
        params.append(case_id)
    return keyset_page(conn, "SELECT * FROM outgoing_mail", where, params, NEWEST_FIRST, cursor, limit)


# The case's thread ----------------------------------------------------------------------

def thread_ids(conn, case_id, limit=20):
    """The Message-IDs of a case's conversation (its opening mail first, then
    every message with one, oldest first) and of the mail sent about it, at
    most ``limit`` (the first and the latest ones)."""
    rows = conn.execute(
        """SELECT message_id, at, inbound FROM (
               SELECT message_id, created_at AS at, true AS inbound, 0 AS rank FROM cases
                WHERE id = %(case)s AND message_id IS NOT NULL
               UNION ALL
               SELECT message_id, created_at, direction = 'inbound', 1 FROM case_messages
                WHERE case_id = %(case)s AND message_id IS NOT NULL
               UNION ALL
               SELECT message_id, created_at, false, 1 FROM outgoing_mail
                WHERE case_id = %(case)s AND kind = 'case_reply'
           ) ids ORDER BY rank, at""", {"case": case_id}).fetchall()
    seen, ordered = set(), []
    for row in rows:
        if row["message_id"] not in seen:
            seen.add(row["message_id"])
            ordered.append(row)
    if len(ordered) > limit:
        ordered = ordered[:1] + ordered[-(limit - 1):]
    return ordered


def cases_by_outgoing_ids(conn, message_ids):
    """The case of the first of our own mails among ``message_ids`` (a reply to a notification or a reply)."""
    if not message_ids:
        return None
    row = conn.execute("SELECT case_id FROM outgoing_mail WHERE message_id = ANY(%s) AND case_id IS NOT NULL "
                       "ORDER BY created_at DESC LIMIT 1", (list(message_ids),)).fetchone()
    return row["case_id"] if row else None


# Incoming -----------------------------------------------------------------------------------

def claim_incoming(conn, message_id, from_address, subject):
    """Record a received Message-ID; False when it was received before."""
    row = conn.execute(
        "INSERT INTO incoming_mail (message_id, from_address, subject, outcome) VALUES (%s, %s, %s, 'ignored') "
        "ON CONFLICT (message_id) DO NOTHING RETURNING message_id", (message_id, from_address, subject)).fetchone()
    return row is not None


def settle_incoming(conn, message_id, outcome, reason=None, case_id=None):
    conn.execute("UPDATE incoming_mail SET outcome = %s, reason = %s, case_id = %s WHERE message_id = %s",
                 (outcome, reason, case_id, message_id))


def record_failed_incoming(conn, message_id, from_address, subject, reason):
    conn.execute(
        "INSERT INTO incoming_mail (message_id, from_address, subject, outcome, reason) "
        "VALUES (%s, %s, %s, 'failed', %s) ON CONFLICT (message_id) DO NOTHING",
        (message_id, from_address, subject, reason))


def incoming_counts(conn, hours=24):
    rows = conn.execute("SELECT outcome, count(*) AS n FROM incoming_mail "
                        "WHERE received_at > now() - make_interval(hours => %s) GROUP BY outcome", (hours,)).fetchall()
    return {row["outcome"]: row["n"] for row in rows}


def recent_incoming(conn, limit=20):
    return conn.execute("SELECT * FROM incoming_mail ORDER BY received_at DESC LIMIT %s", (limit,)).fetchall()


# The mailbox --------------------------------------------------------------------------------

def mailbox_state(conn, mailbox, lock=False):
    conn.execute("INSERT INTO mailbox_state (mailbox) VALUES (%s) ON CONFLICT DO NOTHING", (mailbox,))
    return conn.execute(f"SELECT * FROM mailbox_state WHERE mailbox = %s{' FOR UPDATE' if lock else ''}",
                        (mailbox,)).fetchone()


def all_mailbox_states(conn):
    return conn.execute("SELECT * FROM mailbox_state ORDER BY mailbox").fetchall()


def save_position(conn, mailbox, uidvalidity, last_uid):
    conn.execute("UPDATE mailbox_state SET uidvalidity = %s, last_uid = %s, updated_at = now() WHERE mailbox = %s",
                 (uidvalidity, last_uid, mailbox))


def save_poll(conn, mailbox, ok, result):
    conn.execute(
        "INSERT INTO mailbox_state (mailbox) VALUES (%s) ON CONFLICT DO NOTHING", (mailbox,))
    if ok:
        conn.execute("UPDATE mailbox_state SET last_poll_at = now(), last_ok_at = now(), last_result = %s, "
                     "last_error = NULL, updated_at = now() WHERE mailbox = %s", (result, mailbox))
    else:
        conn.execute("UPDATE mailbox_state SET last_poll_at = now(), last_result = 'error', last_error = %s, "
                     "updated_at = now() WHERE mailbox = %s", (result, mailbox))
