-- The gateway's own data: people and client apps that use the API, their
-- API tokens, stored Idempotency-Key results and rate-limit counters.

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username      text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 2 AND 64),
    display_name  text,
    role          text NOT NULL CHECK (role IN ('admin', 'sales', 'support', 'marketing', 'readonly')),
    -- argon2id hash; NULL for users that only use API tokens (no login).
    password_hash text,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    -- sha256 hex of the whole token; the token itself is never stored.
    token_hash   text NOT NULL UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    -- first 8 characters of the token, so people can tell their tokens apart.
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- The first response to a POST with an Idempotency-Key, replayed for repeats
-- within 24 hours. status_code IS NULL while the first request still runs.
CREATE TABLE idempotency_keys (
    user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key              text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    -- sha256 hex of method, path, query and body; NULL until a streamed body was read.
    request_hash     text,
    status_code      integer,
    response_body    jsonb,
    response_headers jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Fixed-window counters shared by every gateway process and replica.
CREATE TABLE rate_limits (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    count        integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
