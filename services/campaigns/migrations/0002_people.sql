-- The people projection's own records (services/campaigns/people/).
--
-- An account's signals (open opportunities and pipeline, last order, lifetime
-- revenue, open cases) are sums over one row per source record, so a
-- redelivered or late event changes nothing twice: each row is written
-- version-guarded (or once, for documents that never change), and the
-- account's columns are recomputed from the rows.
--
-- signal_opportunities  sales' opportunities: open or not, amount in its currency
-- signal_orders         orders' placed orders: when
-- signal_documents      issued invoices (+ net) and credit notes (- net), in the
--                       document's currency
-- signal_cases          support's cases: open or not
-- people_sync           the first-start catch-up (shared.kit.catch_up): one row per
--                       kind read from its owner, with the cursor of the next page

-- A lead merged into another at leads: once set never cleared, so an older
-- snapshot of it cannot make it active again.
ALTER TABLE people ADD COLUMN merged_into uuid;
-- The time of the answer last_csat comes from (a later answer wins).
ALTER TABLE accounts ADD COLUMN last_csat_at timestamptz;

CREATE INDEX people_created ON people (created_at DESC, id DESC);
CREATE INDEX people_source ON people (source_id);

CREATE TABLE signal_opportunities (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL,
    is_open         boolean NOT NULL,
    amount          numeric(18, 2) NOT NULL,
    currency        char(3),
    source_version  integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_opportunities_account ON signal_opportunities (account_id);

CREATE TABLE signal_orders (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL,
    placed_at       timestamptz NOT NULL
);
CREATE INDEX signal_orders_account ON signal_orders (account_id);

CREATE TABLE signal_documents (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    account_id      uuid NOT NULL,
    net_amount      numeric(18, 2) NOT NULL,   -- a credit note's is negative
    currency        char(3),
    issued_on       date
);
CREATE INDEX signal_documents_account ON signal_documents (account_id);

CREATE TABLE signal_cases (
    id              uuid PRIMARY KEY,
    account_id      uuid,
    is_open         boolean NOT NULL,
    source_version  integer NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signal_cases_account ON signal_cases (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE people_sync (
    kind        text PRIMARY KEY CHECK (kind IN ('accounts', 'contacts', 'leads')),
    cursor      text,
    pages       integer NOT NULL DEFAULT 0,
    items       integer NOT NULL DEFAULT 0,
    started_at  timestamptz,
    done_at     timestamptz,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO people_sync (kind) VALUES ('accounts'), ('contacts'), ('leads');
