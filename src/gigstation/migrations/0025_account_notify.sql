-- Every server keeps signed-in accounts' role, token version and standing in memory
-- (platform/events.py, AccountCache) and drops an entry when this notification arrives,
-- so a token check costs no round trip while a disable, a logout everywhere or a
-- password change still takes effect in every process as soon as it commits.
CREATE FUNCTION notify_account_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gigstation_accounts', OLD.id::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_change
AFTER UPDATE OF role, token_version, disabled_at OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION notify_account_change();
