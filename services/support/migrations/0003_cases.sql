-- Cases, their conversations and their history.
--
-- A case has a readable number (CASE-000123, from case_numbers: a number may
-- be skipped on a rollback, never reused), refers to an account, contact and
-- order of the projections of 0001 (no foreign keys: those rows are the
-- owners' ids, written by events in any order), and to a team of 0002.
-- ``owner_id`` is the agent working it (the gateway user's id, as in agents).
-- An unknown sender (mail from an address no contact has) is kept as
-- contact_email / contact_name.
--
-- Status moves are checked by services/support/cases/states.py; the CHECK is
-- the last guard.  A merged case is closed with ``merged_into``; its messages
-- stay on it and are shown on the target (cases/store.py: messages_of follows
-- every case merged into the target, transitively).
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE SEQUENCE case_numbers;

CREATE TABLE cases (
    id                uuid PRIMARY KEY,
    number_seq        bigint NOT NULL UNIQUE,
    number            text NOT NULL UNIQUE,
    subject           text NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    description       text,
    account_id        uuid,
    contact_id        uuid,
    contact_email     text CHECK (contact_email = lower(contact_email)),
    contact_name      text,
    order_id          uuid,
    priority          text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    type              text NOT NULL DEFAULT 'question'
                      CHECK (type IN ('question', 'problem', 'incident', 'feature_request', 'other')),
    channel           text NOT NULL DEFAULT 'web' CHECK (channel IN ('email', 'web', 'phone', 'portal', 'chat')),
    status            text NOT NULL DEFAULT 'new'
                      CHECK (status IN ('new', 'open', 'pending', 'on_hold', 'resolved', 'closed')),
    owner_id          uuid,           -- the agent (the gateway user id, agents.user_id of 0002)
    team_id           uuid REFERENCES teams (id),
    tags              text[] NOT NULL DEFAULT '{}',
    related_case_id   uuid REFERENCES cases (id),
    merged_into       uuid REFERENCES cases (id),
    message_id        text,           -- the Message-ID of the email that opened it
    first_response_at timestamptz,
    status_changed_at timestamptz NOT NULL DEFAULT now(),
    resolved_at       timestamptz,
    closed_at         timestamptz,
    reopen_count      integer NOT NULL DEFAULT 0,
    version           integer NOT NULL DEFAULT 1,
    created_by        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (merged_into IS NULL OR (status = 'closed' AND merged_into <> id)),
    CHECK (related_case_id IS NULL OR related_case_id <> id)
);
CREATE INDEX cases_created ON cases (created_at DESC, id DESC);
CREATE INDEX cases_updated ON cases (updated_at DESC, id DESC);
CREATE INDEX cases_status ON cases (status, created_at DESC, id DESC);
CREATE INDEX cases_account ON cases (account_id, created_at DESC, id DESC);
CREATE INDEX cases_contact ON cases (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX cases_contact_email ON cases (contact_email) WHERE contact_email IS NOT NULL;
CREATE INDEX cases_owner ON cases (owner_id, status) WHERE owner_id IS NOT NULL;
CREATE INDEX cases_team ON cases (team_id, status) WHERE team_id IS NOT NULL;
CREATE INDEX cases_merged_into ON cases (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX cases_related ON cases (related_case_id) WHERE related_case_id IS NOT NULL;
CREATE INDEX cases_message_id ON cases (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX cases_tags ON cases USING gin (tags);
-- Resolved cases waiting to close by themselves (close_stale_resolved).
CREATE INDEX cases_resolved ON cases (resolved_at) WHERE status = 'resolved';
CREATE INDEX cases_search ON cases USING gin ((number || ' ' || subject) gin_trgm_ops);

-- The conversation: ``reply`` (an agent's public reply, outbound), ``note``
-- (internal), ``customer`` (from the customer, inbound).  ``message_id`` is
-- the email's Message-ID (inbound: as received; outbound: as queued by the
-- mail area); one message per Message-ID, so a mail read twice is one message.
CREATE TABLE case_messages (
    id           uuid PRIMARY KEY,
    case_id      uuid NOT NULL REFERENCES cases (id),
    kind         text NOT NULL CHECK (kind IN ('reply', 'note', 'customer')),
    direction    text NOT NULL CHECK (direction IN ('inbound', 'outbound', 'internal')),
    author       text,              -- the agent's username (reply, note) or NULL
    author_email text,
    body         text NOT NULL,
    message_id   text,
    in_reply_to  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigserial NOT NULL UNIQUE
);
CREATE INDEX case_messages_case ON case_messages (case_id, seq);
CREATE UNIQUE INDEX case_messages_message_id ON case_messages (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE case_history (
    id      bigserial PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    at      timestamptz NOT NULL DEFAULT now(),
    actor   text,
    action  text NOT NULL,
    changes jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_history_case ON case_history (case_id, id DESC);
