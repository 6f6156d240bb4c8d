-- The assignment rules' state, as scoring_state is the scoring rules': who
-- changed the rules last and when (NULL until someone does), and their
-- version (every change bumps it, so a replica can tell its compiled copy
-- of the rules is stale).
CREATE TABLE assignment_state (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version    integer NOT NULL DEFAULT 1,
    changed_at timestamptz,
    changed_by text
);
INSERT INTO assignment_state (version) VALUES (1);
