-- Teams, their members, the agents they are made of, and the routing rules
-- that send a new case to a team.
--
-- An agent is a user of the suite (the gateway owns users): its id is the
-- gateway user's id, and the gateway passes its name and email address when
-- an admin makes the user a member of a team (the service mails escalations
-- and follow-ups to it).

CREATE TABLE agents (
    user_id    uuid PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    email      text CHECK (email IS NULL OR length(email) <= 254),
    -- An inactive agent is given no new cases (a user who left).
    active     boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
    id                uuid PRIMARY KEY,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description       text,
    lead_id           uuid REFERENCES agents (user_id),
    -- How a case that reaches the team gets an owner among its active members:
    -- round_robin (in turn), fewest_open (the member with the fewest open
    -- cases), manual (none: someone takes it by hand).
    assignment_method text NOT NULL DEFAULT 'round_robin'
                      CHECK (assignment_method IN ('round_robin', 'fewest_open', 'manual')),
    nps_enabled       boolean NOT NULL DEFAULT false,
    -- The team of the cases no routing rule takes (at most one).
    is_default        boolean NOT NULL DEFAULT false,
    active            boolean NOT NULL DEFAULT true,
    -- Turns dealt so far; a member's last_turn says when it had its last one.
    turns             bigint NOT NULL DEFAULT 0,
    version           integer NOT NULL DEFAULT 1,
    created_by        text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));
CREATE UNIQUE INDEX teams_one_default ON teams (is_default) WHERE is_default;

CREATE TABLE team_members (
    team_id   uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES agents (user_id),
    -- An unavailable member (away) stays in the team but gets no new cases.
    available boolean NOT NULL DEFAULT true,
    -- The team's turn number of this member's last assignment (0: none yet).
    last_turn bigint NOT NULL DEFAULT 0,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

-- Routing rules, tried in position order; the first whose every given
-- condition holds sends the case to its team. An empty list is no condition.
-- Within a list any value matches (channels, account types, tags: the case
-- has one of them; keywords: one of them is a whole word or phrase of the
-- subject or description, in any letter case).
CREATE TABLE routing_rules (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    position      integer NOT NULL CHECK (position >= 1),
    channels      text[] NOT NULL DEFAULT '{}',
    account_types text[] NOT NULL DEFAULT '{}',
    tags          text[] NOT NULL DEFAULT '{}',
    keywords      text[] NOT NULL DEFAULT '{}',
    team_id       uuid NOT NULL REFERENCES teams (id),
    active        boolean NOT NULL DEFAULT true,
    version       integer NOT NULL DEFAULT 1,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routing_rules_position ON routing_rules (position, id);
CREATE INDEX routing_rules_team ON routing_rules (team_id);
