-- Email in and out (services/support/mail/).
--
-- outgoing_mail: every email the service sends is a row, written in the
-- transaction of what caused it (an agent's reply, an escalation's
-- notification, a survey), and delivered after that commits by the
-- MailSender loop (rows taken FOR UPDATE SKIP LOCKED, so replicas share the
-- work).  A temporary failure (no connection, a 4xx) is retried after a
-- growing pause up to a limit; a permanent one (a 5xx) marks it failed; a
-- bounce read from the mailbox marks it bounced.  ``message_id`` is its
-- Message-ID (with angle brackets), unique: the threading key of replies.
CREATE TABLE outgoing_mail (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_.-]{0,39}$'),
    case_id         uuid REFERENCES cases (id),
    message_id      text NOT NULL UNIQUE,
    from_address    text NOT NULL,
    from_name       text,
    to_addresses    text[] NOT NULL CHECK (cardinality(to_addresses) BETWEEN 1 AND 50),
    subject         text NOT NULL,
    text            text NOT NULL,
    html            text,
    headers         jsonb NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed', 'bounced')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    bounced_at      timestamptz,
    created_by      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- What the sender takes next.
CREATE INDEX outgoing_mail_due ON outgoing_mail (next_attempt_at) WHERE status = 'queued';
CREATE INDEX outgoing_mail_case ON outgoing_mail (case_id, created_at) WHERE case_id IS NOT NULL;
-- The admin page's failures, newest first.
CREATE INDEX outgoing_mail_problems ON outgoing_mail (updated_at DESC) WHERE status IN ('failed', 'bounced');
CREATE INDEX outgoing_mail_status ON outgoing_mail (status);

-- The polled mailbox: which UIDs were read (IMAP UIDs only mean something
-- within one UIDVALIDITY: when it changes, reading starts again from the
-- first message and the Message-IDs already received keep it from counting
-- twice), and how the last poll went.
CREATE TABLE mailbox_state (
    mailbox        text PRIMARY KEY,      -- user@host:port/folder
    uidvalidity    bigint,
    last_uid       bigint NOT NULL DEFAULT 0,
    last_poll_at   timestamptz,
    last_ok_at     timestamptz,
    last_result    text,
    last_error     text,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Every email received, once per Message-ID (a message without one gets
-- ``<sha256-of-its-bytes@no-message-id>``), and what became of it.
CREATE TABLE incoming_mail (
    message_id   text PRIMARY KEY,
    from_address text,
    subject      text,
    outcome      text NOT NULL CHECK (outcome IN ('opened', 'threaded', 'auto_reply', 'bounce', 'ignored',
                                                  'failed')),
    reason       text,
    case_id      uuid REFERENCES cases (id),
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX incoming_mail_received ON incoming_mail (received_at DESC);
