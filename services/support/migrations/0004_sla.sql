-- Service levels: business-hours calendars, SLA policies (as data) and the
-- SLA clocks of each case (services/support/sla/, services/support/businesshours.py).
--
-- A calendar is a time zone, weekly hours (jsonb {"mon": [["09:00", "17:00"]],
-- ...}, a missing day is closed), the public holidays of a country (and
-- subdivision) from the holidays library, and the company's own dates
-- (calendar_dates: hours [] = closed that day, else special hours).
CREATE TABLE calendars (
    id                  uuid PRIMARY KEY,
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    time_zone           text NOT NULL,
    weekly_hours        jsonb NOT NULL,
    holiday_country     text,
    holiday_subdivision text,
    is_default          boolean NOT NULL DEFAULT false,
    version             integer NOT NULL DEFAULT 1,
    created_by          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX calendars_name ON calendars (lower(name));
-- One default calendar: the clocks of a case no policy matches count on it.
CREATE UNIQUE INDEX calendars_default ON calendars (is_default) WHERE is_default;

CREATE TABLE calendar_dates (
    calendar_id uuid NOT NULL REFERENCES calendars (id) ON DELETE CASCADE,
    date        date NOT NULL,
    hours       jsonb NOT NULL DEFAULT '[]',   -- [] closed, else [["10:00", "14:00"], ...]
    name        text,
    PRIMARY KEY (calendar_id, date)
);

-- SLA policies: the first active one in ``position`` order whose conditions
-- all hold is a case's policy.  An empty condition array matches anything.
-- Targets in business minutes of the calendar; NULL: no target for that metric
-- (its clock still counts the time used).
CREATE TABLE sla_policies (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    position               integer NOT NULL,
    priorities             text[] NOT NULL DEFAULT '{}',
    account_types          text[] NOT NULL DEFAULT '{}',
    account_tiers          text[] NOT NULL DEFAULT '{}',
    channels               text[] NOT NULL DEFAULT '{}',
    calendar_id            uuid NOT NULL REFERENCES calendars (id),
    first_response_minutes integer CHECK (first_response_minutes > 0),
    next_response_minutes  integer CHECK (next_response_minutes > 0),
    resolution_minutes     integer CHECK (resolution_minutes > 0),
    warn_percent           integer NOT NULL DEFAULT 80 CHECK (warn_percent BETWEEN 1 AND 99),
    active                 boolean NOT NULL DEFAULT true,
    version                integer NOT NULL DEFAULT 1,
    created_by             text,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sla_policies_name ON sla_policies (lower(name));
CREATE INDEX sla_policies_position ON sla_policies (position, id) WHERE active;

-- One clock per case, metric and cycle (next_response starts a new cycle at
-- each customer reply that waits for an answer; the others have cycle 1).
--
-- used_seconds: business seconds used up to running_since (or in all, when
--   not running); running: running_since IS NOT NULL.  A paused clock (case
--   pending / on hold) has running_since NULL and stopped false.
-- due_at / warn_at: set only while running and with a target (the moments
--   the remaining business time runs out / reaches the warning share).
-- achieved_at: when the response or resolution happened (used_seconds then
--   holds the business seconds it took); stopped: the clock is over (achieved,
--   or the case was resolved/closed before a response).
-- warned_at / breached_at: set once each, by the sweep (or breached_at when
--   a clock is achieved past its due moment before the sweep saw it).
CREATE TABLE case_sla (
    id             bigserial PRIMARY KEY,
    case_id        uuid NOT NULL REFERENCES cases (id),
    metric         text NOT NULL CHECK (metric IN ('first_response', 'next_response', 'resolution')),
    cycle          integer NOT NULL DEFAULT 1,
    policy_id      uuid REFERENCES sla_policies (id) ON DELETE SET NULL,
    calendar_id    uuid NOT NULL REFERENCES calendars (id),
    target_seconds integer CHECK (target_seconds > 0),
    warn_percent   integer NOT NULL DEFAULT 80,
    used_seconds   integer NOT NULL DEFAULT 0 CHECK (used_seconds >= 0),
    started_at     timestamptz NOT NULL,
    running_since  timestamptz,
    due_at         timestamptz,
    warn_at        timestamptz,
    warned_at      timestamptz,
    breached_at    timestamptz,
    achieved_at    timestamptz,
    stopped        boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, metric, cycle),
    CHECK (NOT (stopped AND running_since IS NOT NULL)),
    CHECK (due_at IS NULL OR running_since IS NOT NULL)
);
-- The sweep's two queries: only clocks still to warn / breach are indexed, so
-- the index stays as small as the work (not the history of all cases).
CREATE INDEX case_sla_due ON case_sla (due_at) WHERE due_at IS NOT NULL AND breached_at IS NULL;
CREATE INDEX case_sla_warn ON case_sla (warn_at) WHERE warn_at IS NOT NULL AND warned_at IS NULL
    AND breached_at IS NULL;
-- Figures: achieved clocks by metric and time.
CREATE INDEX case_sla_achieved ON case_sla (metric, achieved_at) WHERE achieved_at IS NOT NULL;

-- Defaults: office hours and round the clock (UTC; admins set their own zone
-- and holiday country), and one policy per priority.
INSERT INTO calendars (id, name, time_zone, weekly_hours, is_default, created_by) VALUES
    ('5e1a0000-0000-4000-8000-000000000001', 'Office hours', 'UTC',
     '{"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]], "wed": [["09:00", "17:00"]],
       "thu": [["09:00", "17:00"]], "fri": [["09:00", "17:00"]]}', true, 'system'),
    ('5e1a0000-0000-4000-8000-000000000002', 'Around the clock', 'UTC',
     '{"mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]],
       "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]],
       "sun": [["00:00", "24:00"]]}', false, 'system');

INSERT INTO sla_policies (id, name, position, priorities, calendar_id, first_response_minutes,
                          next_response_minutes, resolution_minutes, warn_percent, created_by) VALUES
    ('5e1a0000-0000-4000-8000-000000000101', 'Urgent', 1, '{urgent}', '5e1a0000-0000-4000-8000-000000000002',
     60, 120, 480, 75, 'system'),
    ('5e1a0000-0000-4000-8000-000000000102', 'High', 2, '{high}', '5e1a0000-0000-4000-8000-000000000001',
     240, 480, 1440, 80, 'system'),
    ('5e1a0000-0000-4000-8000-000000000103', 'Normal', 3, '{normal}', '5e1a0000-0000-4000-8000-000000000001',
     480, 960, 2400, 80, 'system'),
    ('5e1a0000-0000-4000-8000-000000000104', 'Low', 4, '{low}', '5e1a0000-0000-4000-8000-000000000001',
     960, 1920, 4800, 80, 'system');
