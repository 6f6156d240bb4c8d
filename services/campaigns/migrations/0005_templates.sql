-- Campaigns' costs and who wrote them, and email templates (services/campaigns/campaigns/, templates/).
--
-- Money is kept with three decimals, the largest minor unit of ISO 4217
-- (KWD, BHD...); the service rounds every amount to its campaign currency's
-- own minor unit before storing it.
ALTER TABLE campaigns
    ALTER COLUMN budget TYPE numeric(18, 3),
    ALTER COLUMN expected_revenue TYPE numeric(18, 3),
    ADD COLUMN created_by text,
    ADD CONSTRAINT campaigns_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id);
CREATE INDEX campaigns_created ON campaigns (created_at DESC, id DESC);
CREATE INDEX campaigns_name ON campaigns (name, id);

-- What a campaign cost: one row per entry, in the campaign's currency.
CREATE TABLE campaign_costs (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    campaign_id         uuid NOT NULL REFERENCES campaigns (id),
    incurred_on         date NOT NULL,
    amount              numeric(18, 3) NOT NULL CHECK (amount >= 0),
    category            text NOT NULL,
    note                text,
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaign_costs_campaign ON campaign_costs (campaign_id, incurred_on, id);

-- Email templates: subject, HTML and text parts in Jinja2 syntax (rendered in
-- a sandbox).  text_generated: the text part is made from the HTML part.
CREATE TABLE templates (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    description         text,
    subject             text NOT NULL,
    html                text,
    text                text NOT NULL,
    text_generated      boolean NOT NULL DEFAULT false,
    version             integer NOT NULL DEFAULT 1,
    created_by          text,
    updated_by          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX templates_name ON templates (lower(name));
CREATE INDEX templates_updated ON templates (updated_at DESC, id DESC);

-- Every saved version of a template (a send names the template; its
-- version at the time is kept here).
CREATE TABLE template_versions (
    template_id         uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
    version             integer NOT NULL,
    name                text NOT NULL,
    subject             text NOT NULL,
    html                text,
    text                text NOT NULL,
    saved_by            text,
    saved_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);
