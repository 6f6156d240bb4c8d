-- Browser sessions of the web console.  A session is a row of api_tokens of
-- kind 'session': its token travels only in the HttpOnly cookie crm_session
-- and is refused in an Authorization header, while tokens of kind 'api'
-- (made by POST /auth/login and POST /tokens) are refused in the cookie.
-- Sessions are not listed with the API tokens; the audit trail records their
-- sign-ins and sign-outs as session.created and session.revoked.

ALTER TABLE api_tokens
    ADD COLUMN kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'session')),
    -- The browser a session was signed in from (its User-Agent, shortened).
    ADD COLUMN user_agent text;

-- Sign out everywhere: a user's live sessions.
CREATE INDEX api_tokens_user_sessions ON api_tokens (user_id) WHERE kind = 'session' AND revoked_at IS NULL;

ALTER TABLE audit_events DROP CONSTRAINT audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('user.created', 'user.updated', 'user.deleted', 'token.created', 'token.revoked',
                      'session.created', 'session.revoked'));

CREATE OR REPLACE FUNCTION audit_token_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text := (SELECT username FROM users WHERE id = NEW.user_id);
BEGIN
    IF NEW.kind = 'session' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO audit_events (actor_id, actor, action, user_id, username, token_id, changes)
            VALUES (audit_actor_id(), audit_actor(), 'session.created', NEW.user_id, owner, NEW.id,
                    jsonb_build_object('prefix', NEW.prefix, 'expires_at', NEW.expires_at,
                                       'user_agent', NEW.user_agent));
        ELSE
            INSERT INTO audit_events (actor_id, actor, action, user_id, username, token_id, changes)
            VALUES (audit_actor_id(), audit_actor(), 'session.revoked', NEW.user_id, owner, NEW.id,
                    jsonb_build_object('prefix', NEW.prefix));
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO audit_events (actor_id, actor, action, user_id, username, token_id, changes)
        VALUES (audit_actor_id(), audit_actor(), 'token.created', NEW.user_id, owner, NEW.id,
                jsonb_build_object('name', NEW.name, 'prefix', NEW.prefix, 'expires_at', NEW.expires_at));
    ELSE
        INSERT INTO audit_events (actor_id, actor, action, user_id, username, token_id, changes)
        VALUES (audit_actor_id(), audit_actor(), 'token.revoked', NEW.user_id, owner, NEW.id,
                jsonb_build_object('name', NEW.name, 'prefix', NEW.prefix));
    END IF;
    RETURN NEW;
END
$$;
