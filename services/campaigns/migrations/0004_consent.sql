-- The consent ledger: one address, one decision, per purpose and channel.
--
-- consents          the current state: one row per (email_norm, purpose,
--                   channel), what a send checks (consent/checks.py);
-- consent_history   every change, append-only (a trigger refuses UPDATE, and
--                   DELETE unless a privacy erasure says so with
--                   SET LOCAL crm.consent_erasure = 'on'), with its evidence:
--                   source, form and wording version, time, IP, user agent,
--                   the double opt-in request it confirms, who recorded it;
-- consent_requests  double opt-in requests: the confirmation link's token
--                   carries the request's id (signed, timed); confirmed once.
CREATE TABLE consent_history (
    id               bigserial PRIMARY KEY,
    email_norm       text NOT NULL CHECK (email_norm = lower(email_norm) AND length(email_norm) BETWEEN 3 AND 254),
    purpose          text NOT NULL CHECK (purpose IN ('marketing_email', 'newsletter', 'phone', 'sms')),
    channel          text NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'post')),
    status           text NOT NULL CHECK (status IN ('granted', 'withdrawn', 'pending_confirmation')),
    previous_status  text CHECK (previous_status IN ('granted', 'withdrawn', 'pending_confirmation')),
    legal_basis      text NOT NULL CHECK (legal_basis IN ('consent', 'legitimate_interest', 'contract',
                                                          'legal_obligation', 'vital_interests', 'public_task')),
    source           text NOT NULL CHECK (source IN ('form', 'import', 'api', 'preference_page',
                                                     'unsubscribe_link', 'double_opt_in')),
    form_id          text CHECK (length(form_id) <= 100),
    wording_version  text CHECK (length(wording_version) <= 50),
    ip               inet,
    user_agent       text CHECK (length(user_agent) <= 500),
    request_id       uuid,          -- the double opt-in request asked or confirmed
    campaign_id      uuid,          -- the campaign whose unsubscribe link was used
    actor            text,          -- a staff user's name; NULL for the person themself
    note             text CHECK (length(note) <= 500),
    at               timestamptz NOT NULL,               -- when it happened (the evidence's time)
    recorded_at      timestamptz NOT NULL DEFAULT now()  -- when the ledger took it
);
CREATE INDEX consent_history_address ON consent_history (email_norm, id DESC);

CREATE FUNCTION consent_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('crm.consent_erasure', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent_history is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER consent_history_append_only BEFORE UPDATE OR DELETE ON consent_history
    FOR EACH ROW EXECUTE FUNCTION consent_history_append_only();

CREATE TABLE consents (
    email_norm       text NOT NULL,
    purpose          text NOT NULL,
    channel          text NOT NULL,
    status           text NOT NULL CHECK (status IN ('granted', 'withdrawn', 'pending_confirmation')),
    legal_basis      text NOT NULL,
    source           text NOT NULL,
    form_id          text,
    wording_version  text,
    at               timestamptz NOT NULL,      -- when the current status took effect
    confirmed_at     timestamptz,               -- the double-consent date of a confirmed opt-in
    change_id        bigint NOT NULL REFERENCES consent_history (id),
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (email_norm, purpose, channel)
);

CREATE TABLE consent_requests (
    id                    uuid PRIMARY KEY,
    email                 text NOT NULL CHECK (length(email) <= 254),  -- as given: the confirmation goes there
    email_norm            text NOT NULL,
    purpose               text NOT NULL,
    channel               text NOT NULL,
    source                text NOT NULL,
    form_id               text,
    wording_version       text,
    ip                    inet,
    user_agent            text,
    actor                 text,
    requested_at          timestamptz NOT NULL DEFAULT now(),
    expires_at            timestamptz NOT NULL,
    confirmed_at          timestamptz,
    confirmed_ip          inet,
    confirmed_user_agent  text,
    CHECK (expires_at > requested_at)
);
CREATE INDEX consent_requests_address ON consent_requests (email_norm, requested_at DESC);
