-- The history of accounts, contacts and opportunities: one row per change,
-- written in the transaction of the change (the shape of leads' lead_history).
-- changes: {field: [before, after]}; a created record's row has none.
-- Records that existed before this migration start their history with their
-- next change.
CREATE TABLE account_history (
    id          bigserial PRIMARY KEY,
    account_id  uuid NOT NULL REFERENCES accounts (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text,
    action      text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX account_history_account ON account_history (account_id, id DESC);

CREATE TABLE contact_history (
    id          bigserial PRIMARY KEY,
    contact_id  uuid NOT NULL REFERENCES contacts (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text,
    action      text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX contact_history_contact ON contact_history (contact_id, id DESC);

CREATE TABLE opportunity_history (
    id              bigserial PRIMARY KEY,
    opportunity_id  uuid NOT NULL REFERENCES opportunities (id),
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text,
    action          text NOT NULL,
    changes         jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX opportunity_history_opportunity ON opportunity_history (opportunity_id, id DESC);

-- "Recently changed" lists: opportunities by updated_at, all of them or one owner's.
CREATE INDEX opportunities_updated ON opportunities (updated_at DESC, id DESC);
CREATE INDEX opportunities_owner_updated ON opportunities (owner, updated_at DESC, id DESC);
