CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

-- Accounts: the customer master; an account's id is the customer id every
-- other service refers to.  A merged account keeps its row (merged_into set)
-- so old references still resolve to the survivor.
CREATE TABLE accounts (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    name_norm   text NOT NULL,
    domain      text,
    industry    text,
    size        integer CHECK (size >= 0),
    country     char(2),
    addresses   jsonb NOT NULL DEFAULT '[]',
    type        text NOT NULL DEFAULT 'prospect'
                CHECK (type IN ('prospect', 'customer', 'partner', 'reseller', 'competitor')),
    parent_id   uuid REFERENCES accounts (id),
    owner       text,
    attributes  jsonb NOT NULL DEFAULT '{}',
    merged_into uuid REFERENCES accounts (id),
    version     integer NOT NULL DEFAULT 1,
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
-- Dedup among live accounts: the domain, and the normalised name within a country.
CREATE UNIQUE INDEX accounts_live_domain ON accounts (domain) WHERE domain IS NOT NULL AND merged_into IS NULL;
CREATE UNIQUE INDEX accounts_live_name ON accounts (name_norm, coalesce(country, '')) WHERE merged_into IS NULL;
CREATE INDEX accounts_page ON accounts (created_at DESC, id DESC);
CREATE INDEX accounts_name_page ON accounts (name_norm, id);
CREATE INDEX accounts_parent ON accounts (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX accounts_owner ON accounts (owner);
CREATE INDEX accounts_search ON accounts USING gin ((name || ' ' || coalesce(domain, '')) gin_trgm_ops);

CREATE TABLE contacts (
    id           uuid PRIMARY KEY,
    account_id   uuid REFERENCES accounts (id),
    first_name   text,
    last_name    text,
    title        text,
    emails       text[] NOT NULL DEFAULT '{}',   -- the first one is the primary
    email_norm   text,                            -- normalised primary email
    phones       text[] NOT NULL DEFAULT '{}',
    role         text CHECK (role IN ('decision_maker', 'evaluator', 'influencer', 'user')),
    do_not_call  boolean NOT NULL DEFAULT false,
    do_not_email boolean NOT NULL DEFAULT false,
    owner        text,
    attributes   jsonb NOT NULL DEFAULT '{}',
    version      integer NOT NULL DEFAULT 1,
    created_by   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (first_name IS NOT NULL OR last_name IS NOT NULL)
);
-- A person is one contact: the primary email is unique.
CREATE UNIQUE INDEX contacts_email ON contacts (email_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX contacts_account ON contacts (account_id, id);
CREATE INDEX contacts_page ON contacts (created_at DESC, id DESC);
CREATE INDEX contacts_search ON contacts USING gin (
    (coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email_norm, '')) gin_trgm_ops);

-- Pipelines and their stages (configurable; more than one pipeline may exist).
CREATE TABLE pipelines (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name       text NOT NULL,
    is_default boolean NOT NULL DEFAULT false,
    version    integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX pipelines_one_default ON pipelines (is_default) WHERE is_default;

CREATE TABLE pipeline_stages (
    pipeline_id       text NOT NULL REFERENCES pipelines (id),
    key               text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name              text NOT NULL,
    position          integer NOT NULL,
    probability       integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
    category          text NOT NULL CHECK (category IN ('open', 'won', 'lost')),
    forecast_category text NOT NULL DEFAULT 'pipeline'
                      CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
    next_stages       text[],   -- NULL: the default moves (see services/sales/opportunities/stages.py)
    PRIMARY KEY (pipeline_id, key)
);

INSERT INTO pipelines (id, name, is_default) VALUES ('default', 'Sales', true);
INSERT INTO pipeline_stages (pipeline_id, key, name, position, probability, category, forecast_category) VALUES
    ('default', 'prospecting',   'Prospecting',   1,  10, 'open', 'pipeline'),
    ('default', 'qualification', 'Qualification', 2,  20, 'open', 'pipeline'),
    ('default', 'needs_analysis','Needs analysis',3,  40, 'open', 'pipeline'),
    ('default', 'proposal',      'Proposal',      4,  60, 'open', 'best_case'),
    ('default', 'negotiation',   'Negotiation',   5,  80, 'open', 'commit'),
    ('default', 'closed_won',    'Closed won',    6, 100, 'won',  'closed'),
    ('default', 'closed_lost',   'Closed lost',   7,   0, 'lost', 'omitted');

CREATE TABLE opportunities (
    id                    uuid PRIMARY KEY,
    account_id            uuid NOT NULL REFERENCES accounts (id),
    primary_contact_id    uuid REFERENCES contacts (id),
    name                  text NOT NULL,
    amount                numeric(18, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    currency              char(3) NOT NULL,
    pipeline_id           text NOT NULL,
    stage                 text NOT NULL,
    category              text NOT NULL CHECK (category IN ('open', 'won', 'lost')),  -- the stage's, kept for queries
    probability           integer NOT NULL CHECK (probability BETWEEN 0 AND 100),
    probability_overridden boolean NOT NULL DEFAULT false,
    forecast_category     text CHECK (forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')),
    expected_close_date   date NOT NULL,
    closed_on             date,   -- the day it was won or lost
    source                text,
    campaign_id           text,
    lead_id               uuid,   -- the lead it was converted from
    owner                 text,
    next_step             text,
    loss_reason           text,
    attributes            jsonb NOT NULL DEFAULT '{}',
    version               integer NOT NULL DEFAULT 1,
    created_by            text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (pipeline_id, stage) REFERENCES pipeline_stages (pipeline_id, key)
);
CREATE INDEX opportunities_account ON opportunities (account_id, created_at DESC);
CREATE INDEX opportunities_page ON opportunities (created_at DESC, id DESC);
CREATE INDEX opportunities_board ON opportunities (pipeline_id, stage);
CREATE INDEX opportunities_contact ON opportunities (primary_contact_id) WHERE primary_contact_id IS NOT NULL;
-- The forecast reads open opportunities by expected close date and won ones by close day.
CREATE INDEX opportunities_open_close ON opportunities (expected_close_date) INCLUDE (owner, pipeline_id, amount, currency, probability, forecast_category, stage)
    WHERE category = 'open';
CREATE INDEX opportunities_won_close ON opportunities (closed_on) INCLUDE (owner, pipeline_id, amount, currency)
    WHERE category = 'won';
CREATE INDEX opportunities_owner ON opportunities (owner, expected_close_date);
CREATE INDEX opportunities_search ON opportunities USING gin (name gin_trgm_ops);

CREATE TABLE opportunity_stage_history (
    id             bigserial PRIMARY KEY,
    opportunity_id uuid NOT NULL REFERENCES opportunities (id),
    from_stage     text,          -- NULL for the stage it was created in
    to_stage       text NOT NULL,
    probability    integer NOT NULL,
    amount         numeric(18, 2) NOT NULL,
    currency       char(3) NOT NULL,
    changed_by     text,
    changed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opportunity_stage_history_opportunity ON opportunity_stage_history (opportunity_id, id);

-- Activities: calls, meetings, tasks and notes.  account_id is filled from the
-- contact or opportunity when not given, so the account's timeline has them all.
CREATE TABLE activities (
    id             uuid PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('call', 'meeting', 'task', 'note')),
    subject        text NOT NULL,
    body           text,
    account_id     uuid REFERENCES accounts (id),
    contact_id     uuid REFERENCES contacts (id),
    opportunity_id uuid REFERENCES opportunities (id),
    lead_id        uuid,   -- a lead of the leads service (not a foreign key: another service's data)
    status         text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    due_at         timestamptz,
    occurred_at    timestamptz NOT NULL,   -- when it happened (or is due): the timeline's order
    completed_at   timestamptz,
    owner          text,
    version        integer NOT NULL DEFAULT 1,
    created_by     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (account_id IS NOT NULL OR contact_id IS NOT NULL OR opportunity_id IS NOT NULL OR lead_id IS NOT NULL)
);
CREATE INDEX activities_timeline ON activities (account_id, occurred_at DESC, id DESC) WHERE account_id IS NOT NULL;
CREATE INDEX activities_contact ON activities (contact_id, occurred_at DESC) WHERE contact_id IS NOT NULL;
CREATE INDEX activities_opportunity ON activities (opportunity_id, occurred_at DESC) WHERE opportunity_id IS NOT NULL;
CREATE INDEX activities_lead ON activities (lead_id, occurred_at DESC) WHERE lead_id IS NOT NULL;
CREATE INDEX activities_owner_open ON activities (owner, due_at) WHERE status = 'open';
CREATE INDEX activities_page ON activities (occurred_at DESC, id DESC);

-- Exchange rates: how many units of the reporting currency one unit of
-- `currency` is worth, from `valid_from` on.
CREATE TABLE exchange_rates (
    currency   char(3) NOT NULL,
    valid_from date NOT NULL,
    rate       numeric(20, 10) NOT NULL CHECK (rate > 0),
    set_by     text,
    set_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (currency, valid_from)
);

-- Lead conversion: one row per converted lead, written in the transaction
-- that creates (or picks) the account, contact and opportunity, so a retry
-- finds it and returns the same ids.
-- The row is inserted first (ON CONFLICT DO NOTHING): it claims the lead, so
-- a concurrent conversion of the same lead waits on the primary key until
-- this one commits and then answers its row.  The links are filled in later
-- in the same transaction; the deferred trigger refuses to commit a row
-- without an account or a contact.
CREATE TABLE lead_conversions (
    lead_id         uuid PRIMARY KEY,
    account_id      uuid REFERENCES accounts (id),
    contact_id      uuid REFERENCES contacts (id),
    opportunity_id  uuid REFERENCES opportunities (id),
    account_created boolean NOT NULL DEFAULT false,
    contact_created boolean NOT NULL DEFAULT false,
    converted_by    text,
    converted_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lead_conversions_account ON lead_conversions (account_id);

CREATE FUNCTION lead_conversions_complete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    incomplete boolean;
BEGIN
    EXECUTE format('SELECT account_id IS NULL OR contact_id IS NULL FROM %I.%I WHERE lead_id = $1',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO incomplete USING NEW.lead_id;
    IF incomplete THEN
        RAISE EXCEPTION 'the conversion of lead % has no account or no contact', NEW.lead_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER lead_conversions_complete AFTER INSERT OR UPDATE ON lead_conversions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lead_conversions_complete();
