-- Recorded RPC answers (shared/kit/answers.py): an RPC that carries an
-- idempotency key stores its answer in the same transaction as its writes;
-- a repeat gets the answer and does nothing twice.  Purged after a day.
CREATE TABLE rpc_answers (
    key         text PRIMARY KEY,
    method      text        NOT NULL,
    answer      jsonb,
    answered_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rpc_answers_answered_at ON rpc_answers (answered_at);

-- The inbox is purged after INBOX_RETENTION_DAYS (by received_at).
CREATE INDEX inbox_received_at ON inbox (received_at);
