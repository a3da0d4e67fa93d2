-- A session ended on its own (a page logout, revoked_tokens) changes what the account
-- cache holds for that account (platform/auth.py AccountState.revoked): every server drops
-- its entry when the row commits, exactly as for a change of the account row (0025).
CREATE FUNCTION notify_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gigstation_accounts', NEW.user_id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER revoked_tokens_notify
AFTER INSERT ON revoked_tokens
FOR EACH ROW EXECUTE FUNCTION notify_token_revoked();
