-- Email sends (services/campaigns/sending/).
--
-- email_sends: one mailing of a campaign: a template to an audience (a
-- segment, a static list or the campaign's members), now or at a time.
-- Starting it snapshots the audience into send_recipients, one row per
-- person (UNIQUE (send_id, person_id): one email per recipient per send).
--
-- send_recipients: each recipient's fate.  The EmailSender decides in one
-- transaction (under an advisory lock on the address): either ``suppressed``
-- with the reason (never mailed), or ``sending`` with a lease, committed
-- BEFORE the SMTP conversation; after it, ``sent`` (or ``queued`` again for a
-- temporary failure, ``bounced`` for a 5xx, ``failed`` when retries ran out).
-- A ``sending`` row whose lease ran out belongs to a sender that died in the
-- middle: it becomes ``unknown`` and is never sent again (the server may have
-- accepted it).  ``sending``, ``sent`` and ``unknown`` rows count toward the
-- frequency cap of their address.
CREATE TABLE email_sends (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    template_id     uuid NOT NULL,
    audience_kind   text NOT NULL CHECK (audience_kind IN ('segment', 'list', 'members')),
    audience_id     uuid,
    status          text NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'sending', 'completed', 'cancelled')),
    scheduled_at    timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    recipients      integer NOT NULL DEFAULT 0,
    created_by      text,
    cancelled_by    text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((audience_kind = 'members') = (audience_id IS NULL))
);
CREATE INDEX email_sends_campaign ON email_sends (campaign_id, created_at DESC, id DESC);
-- What the sender starts next.
CREATE INDEX email_sends_due ON email_sends (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX email_sends_running ON email_sends (id) WHERE status = 'sending';

CREATE TABLE send_recipients (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    send_id         uuid NOT NULL REFERENCES email_sends (id),
    campaign_id     uuid NOT NULL REFERENCES campaigns (id),
    person_id       uuid NOT NULL REFERENCES people (id),
    email_norm      text,
    status          text NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'sending', 'sent', 'suppressed', 'bounced', 'failed', 'unknown',
                                      'cancelled')),
    reason          text,
    message_id      text UNIQUE,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    decided_at      timestamptz,
    sent_at         timestamptz,
    bounced_at      timestamptz,
    last_error      text,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (send_id, person_id)
);
CREATE INDEX send_recipients_due ON send_recipients (next_attempt_at) WHERE status = 'queued';
CREATE INDEX send_recipients_leases ON send_recipients (claimed_until) WHERE status = 'sending';
-- The frequency cap: an address's marketing emails in the window.
CREATE INDEX send_recipients_cap ON send_recipients (email_norm, decided_at)
    WHERE status IN ('sending', 'sent', 'unknown');
CREATE INDEX send_recipients_send ON send_recipients (send_id, status);
CREATE INDEX send_recipients_person ON send_recipients (person_id);

-- Transactional mail (a double opt-in confirmation, a template's test send):
-- no consent or cap check, sent at once.  At least once: a sender that dies
-- between the server's 250 and its booking sends it again after the lease,
-- with the same Message-ID (a lost confirmation would block an opt-in).
CREATE TABLE outgoing_mail (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,39}$'),
    message_id      text NOT NULL UNIQUE,
    from_address    text NOT NULL,
    from_name       text,
    to_address      text NOT NULL,
    subject         text NOT NULL,
    text            text NOT NULL,
    html            text,
    headers         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'bounced')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at) WHERE status = 'queued';
