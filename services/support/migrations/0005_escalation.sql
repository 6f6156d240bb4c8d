-- Escalation rules as data, and the escalations applied.
--
-- On an SLA warning or breach (the sweep of 0004 calls
-- escalation.commands.on_sla_event), every active rule whose conditions hold
-- is applied, in position order: on_event is the kind (warning, breach);
-- metric NULL is any clock, else first_response, next_response or
-- resolution; priorities and team_ids (empty: any) are the case's.
-- Its actions: mail the case's owner, mail the team lead, move the case to
-- another team (its next owner there by the team's method), raise the
-- priority one step.
CREATE TABLE escalation_rules (
    id               uuid PRIMARY KEY,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    position         integer NOT NULL CHECK (position >= 1),
    on_event         text NOT NULL CHECK (on_event IN ('warning', 'breach')),
    metric           text CHECK (metric IN ('first_response', 'next_response', 'resolution')),
    priorities       text[] NOT NULL DEFAULT '{}',
    team_ids         uuid[] NOT NULL DEFAULT '{}',
    notify_owner     boolean NOT NULL DEFAULT false,
    notify_team_lead boolean NOT NULL DEFAULT false,
    move_to_team_id  uuid REFERENCES teams (id),
    raise_priority   boolean NOT NULL DEFAULT false,
    active           boolean NOT NULL DEFAULT true,
    version          integer NOT NULL DEFAULT 1,
    created_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (notify_owner OR notify_team_lead OR move_to_team_id IS NOT NULL OR raise_priority)
);
CREATE INDEX escalation_rules_position ON escalation_rules (position, id);

-- One row per rule applied to one clock's warning or breach: the unique key
-- makes a second call for the same moment (a retried sweep, two replicas)
-- apply nothing. clock_key is the clock's metric and cycle ("next_response:2";
-- case_sla is unique on case, metric and cycle).
-- rule_id has no foreign key: a deleted rule's escalations stay on record
-- (with its name).
CREATE TABLE escalations (
    id         uuid PRIMARY KEY,
    case_id    uuid NOT NULL REFERENCES cases (id),
    clock_key  text NOT NULL,
    metric     text NOT NULL,
    kind       text NOT NULL CHECK (kind IN ('warning', 'breach')),
    rule_id    uuid NOT NULL,
    rule_name  text NOT NULL,
    -- What each action did: [{"action": ..., "done": bool, ...}].
    actions    jsonb NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, clock_key, kind, rule_id)
);
CREATE INDEX escalations_case ON escalations (case_id, created_at);
