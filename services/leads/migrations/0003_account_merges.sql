-- The account merges sales has reported (account.merged): each merged
-- account and the live account it now lives on.  ``survivor_id`` is always
-- the end of the chain (A merged into B, then B into C: A -> C), whatever
-- order the events arrived in, so a converted lead can be re-linked to a live
-- account in one step, and a conversion answered with an account merged
-- meanwhile links the survivor.
CREATE TABLE account_merges (
    merged_id   uuid PRIMARY KEY,
    survivor_id uuid        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    CHECK (merged_id <> survivor_id)
);
CREATE INDEX account_merges_survivor ON account_merges (survivor_id);
