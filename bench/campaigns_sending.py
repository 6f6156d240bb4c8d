"""The campaigns service sending 10,000 emails to a local SMTP catcher,
each checked at send time (consent, suppression, do-not-email, the
frequency cap, under the address's advisory lock) and recorded (a row, an
event, a touch): emails per second, against a baseline measured in the same
run: the same number of raw SMTP sends of a rendered message on one session,
with no check and no record.

The catcher is the one the stack's campaigns service mails (SMTP_HOST /
SMTP_PORT, the make-up catcher on 1025); when nothing listens there the part
starts an aiosmtpd server on that port itself.  A second campaigns process
with a high SEND_RATE does the sending beside the stack's own (both take
recipients FOR UPDATE SKIP LOCKED); the people, their consent, the campaign
and its template are written directly (set-based SQL), as their areas would
have.  Counts per recipient are checked: every one sent exactly once."""

import socket
import subprocess
import sys
import time
import uuid

import psycopg
from psycopg.rows import dict_row
from rich.table import Table

from shared.kit.mail import SmtpConnection, SmtpSettings, build_message
from shared.kit.paths import ROOT
from shared.kit.testing import RpcCluster

SCHEMA = "campaigns"


def _connect(database_url):
    return psycopg.connect(database_url, row_factory=dict_row, options=f"-c search_path={SCHEMA},public",
                           autocommit=True)


def _listening(host, port):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


CATCHER = r'''
import sys, time
from aiosmtpd.controller import Controller

class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

Controller(Handler(), hostname=sys.argv[1], port=int(sys.argv[2])).start()
print("ready", flush=True)
while True:
    time.sleep(3600)
'''


def seed(conn, count, label):
    """``count`` people with marketing consent granted, members of a new
    active email campaign with a template; returns (campaign id, template id)."""
    pattern = f"bench-{label}-%@example.org"
    with conn.transaction():
        conn.execute("INSERT INTO people (kind, source_id, first_name, last_name, email, email_norm)"
                     " SELECT 'contact', gen_random_uuid(), 'Ada', 'Bench', e, e FROM"
                     " (SELECT 'bench-' || %s || '-' || g || '@example.org' AS e FROM generate_series(1, %s) g) x",
                     (label, count))
        conn.execute("INSERT INTO consent_history (email_norm, purpose, channel, status, legal_basis, source, at)"
                     " SELECT email_norm, 'marketing_email', 'email', 'granted', 'consent', 'import', now()"
                     " FROM people WHERE email_norm LIKE %s", (pattern,))
        conn.execute("INSERT INTO consents (email_norm, purpose, channel, status, legal_basis, source, at, change_id)"
                     " SELECT email_norm, purpose, channel, status, legal_basis, source, at, id FROM consent_history"
                     " WHERE email_norm LIKE %s", (pattern,))
        campaign_id = conn.execute("INSERT INTO campaigns (name, type, status) VALUES (%s, 'email', 'active')"
                                   " RETURNING id", (f"Bench send {label}",)).fetchone()["id"]
        template_id = conn.execute(
            "INSERT INTO templates (name, subject, html, text) VALUES (%s, %s, %s, %s) RETURNING id",
            (f"Bench {label}", "News for {{ person.first_name }}",
             "<p>Hello {{ person.first_name }}</p><p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>",
             "Hello {{ person.first_name }}\nUnsubscribe: {{ unsubscribe_url }}")).fetchone()["id"]
        conn.execute("INSERT INTO campaign_members (campaign_id, person_id, source) SELECT %s, id, 'import'"
                     " FROM people WHERE email_norm LIKE %s", (campaign_id, pattern))
    return str(campaign_id), str(template_id)


def baseline(smtp_settings, count, from_address):
    """Raw SMTP: ``count`` messages on one session, no check, no record; emails per second."""
    started = time.monotonic()
    with SmtpConnection(smtp_settings) as smtp:
        for number in range(count):
            smtp.send(build_message(from_address=from_address, to=f"baseline-{number}@example.org",
                                    subject="News for Ada", text="Hello Ada\nUnsubscribe: http://x/u/t",
                                    html="<p>Hello Ada</p>"))
    seconds = time.monotonic() - started
    return {"emails": count, "seconds": round(seconds, 2), "per_second": round(count / seconds, 1)}


def run(stack, recipients=10_000, progress=print, timeout=600):
    """The campaigns_sending part of ``python -m bench`` on a started stack."""
    config = stack.config("campaigns")
    host, port = str(config.get("SMTP_HOST") or "127.0.0.1"), int(config.get("SMTP_PORT") or 1025)
    catcher = sender = None
    conn = _connect(stack.database_url)
    label = uuid.uuid4().hex[:8]
    try:
        if not _listening(host, port):
            catcher = subprocess.Popen([sys.executable, "-c", CATCHER, host, str(port)], stdout=subprocess.PIPE)
            catcher.stdout.readline()
        smtp_settings = SmtpSettings(host=host, port=port)
        progress(f"campaigns sending: baseline, {recipients:,} raw SMTP sends ...")
        raw = baseline(smtp_settings, recipients, str(config.get("MARKETING_ADDRESS") or "news@crm.local"))
        progress(f"campaigns sending: {recipients:,} people with consent, one campaign ...")
        campaign_id, template_id = seed(conn, recipients, label)
        sender = subprocess.Popen([sys.executable, "-m", "shared.kit.run", "campaigns"], cwd=ROOT,
                                  env={**stack.env, "SEND_RATE": "100000", "OPS_PORT": "0", "SMTP_HOST": host,
                                       "SMTP_PORT": str(port), "PEOPLE_SYNC_PAGE": "500"},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        progress(f"campaigns sending: sending {recipients:,} checked emails ...")
        started = time.monotonic()
        with RpcCluster(config, timeout=120) as cluster:
            send = cluster.campaigns.create_email_send(campaign_id, {"template_id": template_id,
                                                                     "audience": {"kind": "members"}}, "bench")
        snapshot_seconds = time.monotonic() - started
        while time.monotonic() - started < timeout:
            status = conn.execute("SELECT status FROM email_sends WHERE id = %s", (send["id"],)).fetchone()["status"]
            if status == "completed":
                break
            time.sleep(0.2)
        seconds = time.monotonic() - started
        counts = {row["status"]: row["n"] for row in conn.execute(
            "SELECT status, count(*) AS n FROM send_recipients WHERE send_id = %s GROUP BY status", (send["id"],))}
        window = conn.execute("SELECT extract(epoch FROM max(sent_at) - min(decided_at))::float8 AS s"
                              " FROM send_recipients WHERE send_id = %s", (send["id"],)).fetchone()["s"] or seconds
    finally:
        for process in (sender, catcher):
            if process is not None:
                process.terminate()
                process.wait(30)
        conn.close()
    sent = counts.get("sent", 0)
    measured = {"emails": sent, "seconds": round(seconds, 2), "sending_seconds": round(window, 2),
                "snapshot_seconds": round(snapshot_seconds, 2),
                "per_second": round(sent / window, 1) if window else None, "counts": counts}
    result = {"recipients": recipients, "smtp": f"{host}:{port}", "baseline": raw, "measured": measured,
              "ratio": round(measured["per_second"] / raw["per_second"], 3) if measured["per_second"] else None}
    failures = []
    if sent != recipients:
        failures.append(f"{recipients - sent} of {recipients} emails not sent ({counts})")
    result["failures"] = failures
    if failures:
        raise RuntimeError("campaigns sending: " + "; ".join(failures))
    return result


def table(result, machine):
    out = Table(title=f"Campaign email sending (same run, {machine['cores']} cores, {machine['cpu']})",
                caption=f"{result['recipients']:,} recipients with consent to {result['smtp']}; each email checked "
                        "(consent, suppression, do-not-email, frequency cap) under the address's lock, rendered, "
                        "sent, recorded with its event and touch; baseline: raw SMTP sends on one session")
    for column, justify in (("measure", "left"), ("checked sends", "right"), ("baseline: raw SMTP", "right"),
                            ("checked / raw", "right")):
        out.add_column(column, justify=justify)
    measured, raw = result["measured"], result["baseline"]
    out.add_row("emails per second", f"{measured['per_second'] or 0:,.1f}", f"{raw['per_second']:,.1f}",
                f"{result['ratio'] or 0:.2f}x")
    out.add_row("seconds (audience snapshot)",
                f"{measured['sending_seconds']:.1f} ({measured['snapshot_seconds']:.1f})", f"{raw['seconds']:.1f}", "")
    return out
