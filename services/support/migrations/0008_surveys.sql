-- Satisfaction surveys and the follow-up tasks a low score opens.
--
-- A survey is sent when a case is resolved and its contact has an email
-- address; the emailed link carries the survey's id, signed
-- (services/support/surveys/links.py).  At most one survey of a case is open
-- (unanswered) at a time: a case resolved again while its survey is open
-- sends none (surveys_one_open), a reopen-resolve storm mails the contact
-- once.  ``expires_at`` is the link's end; an expired open survey is closed
-- (status 'expired') when the case is resolved again, so a new one can go.
--
-- Single use is enforced here: an answer is an UPDATE ... WHERE status =
-- 'open', so of two concurrent answers the second finds the row answered
-- (it waited for the first's row lock) and is refused.
CREATE TABLE surveys (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    team_id     uuid,           -- the case's team and owner when it was resolved (figures per team / agent)
    owner_id    uuid,
    email       text NOT NULL,
    nps_asked   boolean NOT NULL DEFAULT false,  -- the team had NPS enabled when it was sent
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'answered', 'expired')),
    sent_at     timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    answered_at timestamptz,
    csat        smallint CHECK (csat BETWEEN 1 AND 5),
    nps         smallint CHECK (nps BETWEEN 0 AND 10),
    comment     text,
    CHECK ((status = 'answered') = (answered_at IS NOT NULL)),
    CHECK ((status = 'answered') = (csat IS NOT NULL)),
    CHECK (nps IS NULL OR nps_asked),
    CHECK (expires_at > sent_at)
);
CREATE UNIQUE INDEX surveys_one_open ON surveys (case_id) WHERE status = 'open';
CREATE INDEX surveys_case ON surveys (case_id, sent_at DESC);
CREATE INDEX surveys_answered ON surveys (answered_at) WHERE status = 'answered';

-- Follow-up tasks: the closed loop of a low score.  The task names the case
-- and the answer (survey) that opened it; one task per answer.
CREATE TABLE tasks (
    id          uuid PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    survey_id   uuid UNIQUE REFERENCES surveys (id),
    team_id     uuid,
    assignee_id uuid,           -- the team lead, else the case owner (agents' user ids); NULL: the team's to pick
    title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    due_at      timestamptz NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    done_at     timestamptz,
    done_by     text,
    note        text,
    version     integer NOT NULL DEFAULT 1,
    created_by  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);
CREATE INDEX tasks_assignee ON tasks (assignee_id, status, due_at, id) WHERE assignee_id IS NOT NULL;
CREATE INDEX tasks_team ON tasks (team_id, status, due_at, id) WHERE team_id IS NOT NULL;
CREATE INDEX tasks_due ON tasks (status, due_at, id);
CREATE INDEX tasks_case ON tasks (case_id);

-- What the figures (services/support/figures/queries.py) read by time, beside
-- the indexes of the tables' own areas: the breaches of a day, cases resolved
-- in a period, surveys sent in a period, knowledge base votes in a period.
CREATE INDEX case_sla_breached ON case_sla (breached_at) WHERE breached_at IS NOT NULL;
CREATE INDEX cases_resolved_at ON cases (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX surveys_sent ON surveys (sent_at);
CREATE INDEX article_votes_created ON article_votes (created_at);
