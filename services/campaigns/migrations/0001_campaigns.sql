-- The campaigns service's core records, which every area builds on:
--
-- accounts  its projection of sales' accounts (industry, country, type) and of
--           what other services say about them (open opportunities, orders,
--           open cases, last CSAT), through the inbox;
-- people    everyone marketing can reach: sales' contacts and leads' leads, one
--           row per source record, with the signals segments select on; kept
--           current from events only (after a first-start catch-up);
-- campaigns and their members (who a campaign targets, and how far each got).
--
-- source_version is the record's version at its owner, so an older event never
-- overwrites a newer one; email_norm is the lower-cased address, the key of
-- consent and suppression (one address, one decision, whichever record it is on).
CREATE TABLE accounts (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL,
    type                text,
    industry            text,
    country             char(2),
    owner               text,
    merged_into         uuid,
    open_opportunities  integer NOT NULL DEFAULT 0,
    open_pipeline       numeric(18, 2) NOT NULL DEFAULT 0,
    last_order_at       timestamptz,
    lifetime_revenue    numeric(18, 2) NOT NULL DEFAULT 0,
    open_cases          integer NOT NULL DEFAULT 0,
    last_csat           smallint,
    source_version      integer NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_merged_into ON accounts (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE people (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                text NOT NULL CHECK (kind IN ('contact', 'lead')),
    source_id           uuid NOT NULL,
    first_name          text,
    last_name           text,
    email               text,
    email_norm          text CHECK (email_norm = lower(email_norm)),
    phone               text,
    company             text,
    title               text,
    account_id          uuid,
    country             char(2),
    -- leads only: the lead's score, status and source
    lead_score          integer,
    lead_status         text,
    lead_source         text,
    -- the record's owner says so (sales' do-not-email, a converted lead, ...)
    do_not_email        boolean NOT NULL DEFAULT false,
    active              boolean NOT NULL DEFAULT true,
    source_version      integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, source_id)
);
CREATE INDEX people_email_norm ON people (email_norm) WHERE email_norm IS NOT NULL;
CREATE INDEX people_account ON people (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE campaigns (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    type                text NOT NULL CHECK (type IN ('email', 'event', 'webinar', 'direct_mail', 'telemarketing',
                                                      'social', 'advertising', 'partner')),
    status              text NOT NULL DEFAULT 'planned'
                        CHECK (status IN ('planned', 'active', 'completed', 'aborted')),
    description         text,
    starts_on           date,
    ends_on             date,
    owner               text,
    currency            char(3) NOT NULL DEFAULT 'EUR',
    budget              numeric(18, 2),
    expected_revenue    numeric(18, 2),
    parent_id           uuid REFERENCES campaigns (id),
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    launched_at         timestamptz,
    ended_at            timestamptz,
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX campaigns_status ON campaigns (status, created_at DESC);
CREATE INDEX campaigns_parent ON campaigns (parent_id) WHERE parent_id IS NOT NULL;

-- Who a campaign targets and how far each got: targeted -> sent -> opened ->
-- clicked -> responded -> converted (the funnel); each moment once.
CREATE TABLE campaign_members (
    campaign_id         uuid NOT NULL REFERENCES campaigns (id),
    person_id           uuid NOT NULL REFERENCES people (id),
    source              text NOT NULL DEFAULT 'manual',   -- manual, segment, list, response, import
    added_at            timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    opened_at           timestamptz,
    clicked_at          timestamptz,
    responded_at        timestamptz,
    converted_at        timestamptz,
    PRIMARY KEY (campaign_id, person_id)
);
CREATE INDEX campaign_members_person ON campaign_members (person_id);
