-- Segments, static lists and suppression lists.
--
-- segments         dynamic segments: a rule tree (jsonb) over the people
--                  projection; ``depends_on`` the segments it names, ``depth``
--                  its place in the nesting (0: names none; else one more than
--                  the deepest it names), the order membership is evaluated in;
--                  ``relative_dates``: its rule (or a segment it names) uses
--                  within_last_days / more_than_days_ago, so it drifts with time
--                  and is re-evaluated periodically.
-- segment_members  who is in a segment now (kept current by every write to people).
-- segment_history  who joined and left, and when.
-- lists            static lists; list_members who was put on them.
-- suppressions     addresses never mailed (hard bounces, complaints, by hand, imports).
CREATE TABLE segments (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    description         text,
    rule                jsonb NOT NULL,
    active              boolean NOT NULL DEFAULT true,
    depends_on          uuid[] NOT NULL DEFAULT '{}',
    depth               integer NOT NULL DEFAULT 0,
    relative_dates      boolean NOT NULL DEFAULT false,
    evaluated_at        timestamptz,
    created_by          text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX segments_name ON segments (lower(name));
CREATE INDEX segments_active ON segments (depth, id) WHERE active;
CREATE INDEX segments_depends_on ON segments USING gin (depends_on);

CREATE TABLE segment_members (
    segment_id          uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    person_id           uuid NOT NULL,
    joined_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (segment_id, person_id)
);
CREATE INDEX segment_members_person ON segment_members (person_id);

CREATE TABLE segment_history (
    id                  bigserial PRIMARY KEY,
    segment_id          uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    person_id           uuid NOT NULL,
    change              text NOT NULL CHECK (change IN ('joined', 'left')),
    at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX segment_history_segment ON segment_history (segment_id, id DESC);
CREATE INDEX segment_history_person ON segment_history (person_id);

CREATE TABLE lists (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text NOT NULL,
    description         text,
    created_by          text,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX lists_name ON lists (lower(name));

CREATE TABLE list_members (
    list_id             uuid NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    person_id           uuid NOT NULL REFERENCES people (id),
    source              text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'import')),
    added_by            text,
    added_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, person_id)
);
CREATE INDEX list_members_person ON list_members (person_id);

CREATE TABLE suppressions (
    email_norm          text PRIMARY KEY CHECK (email_norm = lower(email_norm)),
    reason              text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'manual', 'import', 'unsubscribe')),
    source              text,
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suppressions_created ON suppressions (created_at DESC, email_norm DESC);

-- What live counts select on most (measured in bench/campaigns_segments.py); text compares
-- without letter case, so text fields are indexed lower-cased, as the rules compile them.
CREATE INDEX people_segment_kind ON people (kind);
CREATE INDEX people_segment_country ON people (lower(country));
CREATE INDEX people_segment_email_domain ON people (lower(split_part(email_norm, '@', 2)));
CREATE INDEX people_segment_lead_score ON people (lead_score) WHERE lead_score IS NOT NULL;
CREATE INDEX people_segment_lead_status ON people (lead_status) WHERE lead_status IS NOT NULL;
CREATE INDEX people_segment_created ON people (created_at);
CREATE INDEX accounts_segment_industry ON accounts (lower(industry));
CREATE INDEX accounts_segment_country ON accounts (lower(country));
CREATE INDEX accounts_segment_last_order ON accounts (last_order_at);
