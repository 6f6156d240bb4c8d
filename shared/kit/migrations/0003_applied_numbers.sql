-- The newest change applied per key of a numbered stream (shared/kit/sequence.py):
-- an event that carries a number which only grows (the campaigns ledger's
-- change_id, say) is applied only when it is newer than the last one applied
-- for its key, so events handled out of order (concurrent workers, a
-- redelivery after a later event) never let an older decision win.
CREATE TABLE applied_numbers (
    stream     text   NOT NULL,
    key        text   NOT NULL,
    number     bigint NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream, key)
);
