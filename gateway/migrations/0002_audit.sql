-- The audit trail of the gateway's administration: every change of a user
-- (created, role, active, display name, password) and of an API token
-- (created, revoked), who made it and when.  Triggers write it, so no code
-- path (the API, bootstrap, a person with psql) can change these tables
-- unrecorded.  The acting user comes from the transaction settings
-- crm.actor_id and crm.actor (gateway.users.acting_as); without them the
-- actor is "system:<database role>".

CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- Who acted: their user id (NULL for the system) and username at the time.
    actor_id    uuid,
    actor       text NOT NULL,
    action      text NOT NULL CHECK (action IN ('user.created', 'user.updated', 'user.deleted', 'token.created',
                                                'token.revoked')),
    -- The user concerned (for a token: its owner) and their username at the time.
    user_id     uuid NOT NULL,
    username    text NOT NULL,
    token_id    uuid,
    -- What changed: {"field": [before, after]}; a password only as set/changed/removed.
    changes     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor, id);

CREATE FUNCTION audit_actor_id() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('crm.actor_id', true), '')::uuid
$$;

CREATE FUNCTION audit_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('crm.actor', true), ''), 'system:' || session_user)
$$;

CREATE FUNCTION audit_user_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    changes jsonb := '{}';
BEGIN
    IF TG_OP = 'INSERT' THEN
        changes := jsonb_build_object('username', NEW.username, 'role', NEW.role, 'active', NEW.active,
                                      'display_name', NEW.display_name,
                                      'password', CASE WHEN NEW.password_hash IS NULL THEN 'none' ELSE 'set' END);
        INSERT INTO audit_events (actor_id, actor, action, user_id, username, changes)
        VALUES (audit_actor_id(), audit_actor(), 'user.created', NEW.id, NEW.username, changes);
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_events (actor_id, actor, action, user_id, username)
        VALUES (audit_actor_id(), audit_actor(), 'user.deleted', OLD.id, OLD.username);
        RETURN OLD;
    END IF;
    IF NEW.username IS DISTINCT FROM OLD.username THEN
        changes := changes || jsonb_build_object('username', jsonb_build_array(OLD.username, NEW.username));
    END IF;
    IF NEW.role IS DISTINCT FROM OLD.role THEN
        changes := changes || jsonb_build_object('role', jsonb_build_array(OLD.role, NEW.role));
    END IF;
    IF NEW.active IS DISTINCT FROM OLD.active THEN
        changes := changes || jsonb_build_object('active', jsonb_build_array(OLD.active, NEW.active));
    END IF;
    IF NEW.display_name IS DISTINCT FROM OLD.display_name THEN
        changes := changes || jsonb_build_object('display_name',
                                                 jsonb_build_array(OLD.display_name, NEW.display_name));
    END IF;
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash THEN
        changes := changes || jsonb_build_object('password', CASE
            WHEN NEW.password_hash IS NULL THEN 'removed'
            WHEN OLD.password_hash IS NULL THEN 'set'
            ELSE 'changed' END);
    END IF;
    INSERT INTO audit_events (actor_id, actor, action, user_id, username, changes)
    VALUES (audit_actor_id(), audit_actor(), 'user.updated', NEW.id, NEW.username, changes);
    RETURN NEW;
END
$$;

CREATE TRIGGER users_audit_insert AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION audit_user_change();
CREATE TRIGGER users_audit_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION audit_user_change();
-- A password rehashed at login (the same password, stronger parameters; the
-- transaction says so with crm.password_rehash) is no change anyone made.
CREATE TRIGGER users_audit_update AFTER UPDATE ON users FOR EACH ROW
    WHEN (NEW.username IS DISTINCT FROM OLD.username OR NEW.role IS DISTINCT FROM OLD.role
          OR NEW.active IS DISTINCT FROM OLD.active OR NEW.display_name IS DISTINCT FROM OLD.display_name
          OR (NEW.password_hash IS DISTINCT FROM OLD.password_hash
              AND coalesce(current_setting('crm.password_rehash', true), '') <> 'on'))
    EXECUTE FUNCTION audit_user_change();

CREATE FUNCTION audit_token_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    owner text := (SELECT username FROM users WHERE id = NEW.user_id);
BEGIN
    IF TG_OP = 'INSERT' THEN
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

-- Using a token (last_used_at) is no change: only creation and revocation are recorded.
CREATE TRIGGER api_tokens_audit_insert AFTER INSERT ON api_tokens FOR EACH ROW
    EXECUTE FUNCTION audit_token_change();
CREATE TRIGGER api_tokens_audit_revoke AFTER UPDATE ON api_tokens FOR EACH ROW
    WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION audit_token_change();
