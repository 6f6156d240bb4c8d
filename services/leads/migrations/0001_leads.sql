CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE leads (
    id            uuid PRIMARY KEY,
    first_name    text,
    last_name     text,
    email         text,
    email_norm    text,
    phone         text,
    phone_norm    text,
    company       text,
    company_norm  text,
    title         text,
    industry      text,
    country       char(2),
    company_size  integer CHECK (company_size >= 0),
    source        text NOT NULL,
    campaign_id   text,
    notes         text,
    attributes    jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'working', 'qualified', 'disqualified', 'converted')),
    status_reason text,
    owner         text,
    score         integer NOT NULL DEFAULT 0 CHECK (score BETWEEN 0 AND 100),
    scored_with   integer NOT NULL DEFAULT 0,
    engagement    integer NOT NULL DEFAULT 0 CHECK (engagement >= 0),
    merged_into   uuid REFERENCES leads (id),
    import_job_id uuid,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Dedup: an open lead is unique on its normalised email, and on its
-- normalised phone together with its normalised company.
CREATE UNIQUE INDEX leads_open_email ON leads (email_norm)
    WHERE email_norm IS NOT NULL AND merged_into IS NULL AND status IN ('new', 'working', 'qualified');
CREATE UNIQUE INDEX leads_open_phone_company ON leads (phone_norm, company_norm)
    WHERE phone_norm IS NOT NULL AND company_norm IS NOT NULL AND merged_into IS NULL
      AND status IN ('new', 'working', 'qualified');

CREATE INDEX leads_page ON leads (created_at DESC, id DESC);
CREATE INDEX leads_status_page ON leads (status, created_at DESC, id DESC);
CREATE INDEX leads_owner ON leads (owner, created_at DESC);
CREATE INDEX leads_source ON leads (source);
CREATE INDEX leads_score ON leads (score);
CREATE INDEX leads_stale_score ON leads (scored_with) WHERE merged_into IS NULL;
CREATE INDEX leads_search ON leads USING gin (
    (coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' '
     || coalesce(company, '')) gin_trgm_ops);

CREATE TABLE lead_history (
    id       bigserial PRIMARY KEY,
    lead_id  uuid NOT NULL REFERENCES leads (id),
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text,
    action   text NOT NULL,
    changes  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX lead_history_lead ON lead_history (lead_id, id DESC);

CREATE TABLE scoring_rules (
    id        text PRIMARY KEY,
    position  integer NOT NULL,
    name      text NOT NULL,
    field     text NOT NULL,
    operator  text NOT NULL,
    value     jsonb,
    points    integer NOT NULL,
    enabled   boolean NOT NULL DEFAULT true
);

-- The version of the scoring rules; leads scored with an older one are
-- rescored in the background.
CREATE TABLE scoring_state (
    only_row   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    version    integer NOT NULL,
    seeded     boolean NOT NULL DEFAULT false,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text
);
INSERT INTO scoring_state (version) VALUES (1);

CREATE TABLE assignment_rules (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    priority   integer NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('round_robin', 'territory')),
    countries  text[] NOT NULL DEFAULT '{}',
    industries text[] NOT NULL DEFAULT '{}',
    sources    text[] NOT NULL DEFAULT '{}',
    owners     text[] NOT NULL,
    enabled    boolean NOT NULL DEFAULT true,
    cursor     bigint NOT NULL DEFAULT 0
);

CREATE TABLE import_jobs (
    id             uuid PRIMARY KEY,
    status         text NOT NULL DEFAULT 'receiving'
                   CHECK (status IN ('receiving', 'processing', 'done', 'failed')),
    filename       text,
    header         jsonb NOT NULL,
    created_by     text,
    rows_received  integer NOT NULL DEFAULT 0,
    rows_done      integer NOT NULL DEFAULT 0,
    rows_created   integer NOT NULL DEFAULT 0,
    rows_failed    integer NOT NULL DEFAULT 0,
    batches        integer,
    batches_done   integer NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    started_at     timestamptz,
    finished_at    timestamptz,
    error          text
);

CREATE TABLE import_batches (
    job_id       uuid NOT NULL REFERENCES import_jobs (id),
    seq          integer NOT NULL CHECK (seq >= 1),
    first_row    integer NOT NULL,
    rows         jsonb NOT NULL,
    processed_at timestamptz,
    PRIMARY KEY (job_id, seq)
);
CREATE INDEX import_batches_pending ON import_batches (job_id, seq) WHERE processed_at IS NULL;

CREATE TABLE import_errors (
    job_id       uuid NOT NULL REFERENCES import_jobs (id),
    row_number   integer NOT NULL,
    errors       jsonb NOT NULL,
    duplicate_of uuid,
    PRIMARY KEY (job_id, row_number)
);

CREATE FUNCTION import_batches_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_work', '');
    RETURN NULL;
END $$;
CREATE TRIGGER import_batches_notify AFTER INSERT ON import_batches
    FOR EACH STATEMENT EXECUTE FUNCTION import_batches_notify();
